/**
 * `concur fix PATH...`: applies the fixes of the findings in place, atomically, keeping each
 * file's encoding and BOM; `--diff` prints what would change and writes nothing.
 */
import { readFileSync } from 'node:fs';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Edit, Finding, Fix } from '../../diagnostics/finding.js';
import { fingerprintOf } from '../../engine/analyse-source.js';
import { runCheck, type CheckResult } from '../../engine/check.js';
import { applyFixes } from '../../fixes/apply-fixes.js';
import { writeFileAtomic } from '../../fixes/write-atomic.js';
import { encodePythonSource } from '../../source/decode.js';
import { adjustNotebookLayout, writeNotebookSource } from '../../source/notebook.js';
import { readSource } from '../../source/read.js';
import type { SourceFile } from '../../source/source-file.js';
import { renderErrorsText, renderText } from '../../output/text.js';
import { resolveSettings, type SelectionFlags } from '../settings-from-cli.js';
import { exitStatus } from '../exit-status.js';
import { useColor, type ColorChoice } from '../terminal.js';
import { parseThreads } from './check.js';

export interface FixFlags extends SelectionFlags {
  diff?: boolean;
  unsafeFixes?: boolean;
  color: ColorChoice;
  exitZero?: boolean;
  threads?: string;
  forceExclude?: boolean;
}

interface FileChange {
  path: string;
  absolutePath: string;
  source: SourceFile;
  fixed: string;
  applied: number;
  edits: Edit[];
}

export async function fixCommand(paths: string[], flags: FixFlags): Promise<number> {
  const cwd = process.cwd();
  const targets = paths.length ? paths : ['.'];
  const { settings, patternBase } = resolveSettings(targets, flags, cwd);
  const color = useColor(flags.color, process.stdout);
  const errorColor = useColor(flags.color, process.stderr);
  const check = () =>
    runCheck({
      paths: targets,
      cwd,
      settings,
      snippets: true,
      forceExclude: flags.forceExclude,
      patternBase,
      maxWorkers: parseThreads(flags.threads),
    });
  const writeErrors = new Set<string>();
  let result = await check();

  if (flags.diff) {
    const changes = await planChanges(result, flags.unsafeFixes, writeErrors);
    for (const change of changes) {
      // `--- path` and `+++ path` then the hunks, as ruff prints them: no svn-style `Index:` and
      // `====` lines, and no tab after the name (that is where a timestamp would go).
      process.stdout.write(
        createTwoFilesPatch(change.path, change.path, change.source.text, change.fixed, undefined, undefined, {
          context: 3,
          headerOptions: FILE_HEADERS_ONLY,
        }),
      );
    }
    for (const message of writeErrors) process.stderr.write(`${message}\n`);
    const count = changes.reduce((n, c) => n + c.applied, 0);
    process.stderr.write(`Would fix ${count} finding${count === 1 ? '' : 's'} in ${changes.length} file${changes.length === 1 ? '' : 's'}.\n`);
    if (result.report.filesAnalysed === 0) return exitStatus(result.report, result.filesFound);
    return changes.length > 0 && !flags.exitZero ? 1 : 0;
  }

  // A fix can make another one possible (a blocking call inside another): like ruff, apply and
  // re-check until nothing changes, a bounded number of times.
  let applied = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const changes = await planChanges(result, flags.unsafeFixes, writeErrors);
    const written = writeChanges(changes, writeErrors);
    if (written === 0) break;
    applied += written;
    result = await check();
  }
  for (const message of writeErrors) process.stderr.write(`${message}\n`);

  // Report what is left, as it is on disk now.
  result.report.fixesApplied = applied;
  if (result.report.errors.length) process.stderr.write(renderErrorsText(result.report.errors, errorColor));
  process.stdout.write(renderText(result.report, { color }));
  return exitStatus(result.report, result.filesFound, flags.exitZero);
}

const MAX_PASSES = 10;

/** The new text of every file that has applicable fixes, checked against what was analysed. */
async function planChanges(result: CheckResult, unsafeFixes: boolean | undefined, errors: Set<string>): Promise<FileChange[]> {
  const byPath = new Map<string, Fix[]>();
  for (const finding of result.report.findings) {
    if (!isApplicable(finding, unsafeFixes)) continue;
    const list = byPath.get(finding.path) ?? [];
    list.push(finding.fix!);
    byPath.set(finding.path, list);
  }
  const changes: FileChange[] = [];
  for (const [path, fixes] of byPath) {
    const file = result.files.get(path);
    if (!file) continue;
    const source = await readSource({ absolutePath: file.absolutePath, path, kind: path.endsWith('.ipynb') ? 'notebook' : 'python' });
    if ('message' in source) {
      errors.add(`${path}: not fixed: ${source.message}`);
      continue;
    }
    if (fingerprintOf(source.text) !== file.fingerprint) {
      errors.add(`${path}: not fixed: the file changed while concur was analysing it`);
      continue;
    }
    const fixed = applyFixes(source.text, fixes);
    if (fixed.applied.length === 0 || fixed.text === source.text) continue;
    changes.push({
      path,
      absolutePath: file.absolutePath,
      source,
      fixed: fixed.text,
      applied: fixed.applied.length,
      edits: fixed.edits,
    });
  }
  return changes;
}

/** Writes each change atomically; returns how many fixes were applied. */
function writeChanges(changes: FileChange[], errors: Set<string>): number {
  let applied = 0;
  for (const change of changes) {
    try {
      writeFileAtomic(change.absolutePath, encodeFor(change));
      applied += change.applied;
    } catch (error) {
      errors.add(`${change.path}: not fixed: ${(error as Error).message}`);
    }
  }
  return applied;
}

function isApplicable(finding: Finding, unsafe = false): boolean {
  return !!finding.fix && (finding.fix.applicability === 'safe' || unsafe);
}

function encodeFor(change: FileChange): Uint8Array {
  const { source } = change;
  if (source.notebook) {
    const original = readFileSync(change.absolutePath, 'utf8');
    const layout = adjustNotebookLayout(source.notebook, source.text, change.edits);
    return Buffer.from(writeNotebookSource(original, layout, change.fixed), 'utf8');
  }
  return encodePythonSource(change.fixed, source.encoding, source.bom);
}
