/**
 * `concur fix PATH...`: applies the fixes of the findings in place, atomically, keeping each
 * file's encoding and BOM; `--diff` prints what would change and writes nothing.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Edit, Finding, Fix } from '../../diagnostics/finding.js';
import { fingerprintOf } from '../../engine/analyse-source.js';
import { runCheck } from '../../engine/check.js';
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
  const first = await check();

  const byPath = new Map<string, Fix[]>();
  for (const finding of first.report.findings) {
    if (!isApplicable(finding, flags.unsafeFixes)) continue;
    const list = byPath.get(finding.path) ?? [];
    list.push(finding.fix!);
    byPath.set(finding.path, list);
  }

  const changes: FileChange[] = [];
  const writeErrors: string[] = [];
  for (const [path, fixes] of byPath) {
    const file = first.files.get(path);
    if (!file) continue;
    const source = await readSource({ absolutePath: file.absolutePath, path, kind: path.endsWith('.ipynb') ? 'notebook' : 'python' });
    if ('message' in source) {
      writeErrors.push(`${path}: not fixed: ${source.message}`);
      continue;
    }
    if (fingerprintOf(source.text) !== file.fingerprint) {
      writeErrors.push(`${path}: not fixed: the file changed while concur was analysing it`);
      continue;
    }
    const result = applyFixes(source.text, fixes);
    if (result.applied.length === 0 || result.text === source.text) continue;
    changes.push({
      path,
      absolutePath: file.absolutePath,
      source,
      fixed: result.text,
      applied: result.applied.length,
      edits: result.edits,
    });
  }

  if (flags.diff) {
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
    const count = changes.reduce((n, c) => n + c.applied, 0);
    process.stderr.write(`Would fix ${count} finding${count === 1 ? '' : 's'} in ${changes.length} file${changes.length === 1 ? '' : 's'}.\n`);
    if (first.report.filesAnalysed === 0) return exitStatus(first.report, first.filesFound);
    return changes.length > 0 && !flags.exitZero ? 1 : 0;
  }

  let applied = 0;
  for (const change of changes) {
    try {
      // Through symbolic links: renaming over the link itself would replace it with a copy
      // and leave the file it points to unfixed.
      writeFileAtomic(realpathSync(change.absolutePath), encodeFor(change));
      applied += change.applied;
    } catch (error) {
      writeErrors.push(`${change.path}: not fixed: ${(error as Error).message}`);
    }
  }
  for (const message of writeErrors) process.stderr.write(`${message}\n`);

  // Report what is left, as it is on disk now.
  const after = applied > 0 ? await check() : first;
  after.report.fixesApplied = applied;
  if (after.report.errors.length) process.stderr.write(renderErrorsText(after.report.errors, errorColor));
  process.stdout.write(renderText(after.report, { color }));
  return exitStatus(after.report, after.filesFound, flags.exitZero);
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
