/**
 * Applying the fixes of a check to the files on disk, as `concur fix` does: atomically, keeping
 * each file's encoding, BOM and notebook layout, and only when the file is still the text that
 * was analysed. `concur verify` uses it on its copy of the project.
 */
import { readFileSync } from 'node:fs';
import type { Edit, Finding, Fix } from '../diagnostics/finding.js';
import { fingerprintOf } from '../engine/analyse-source.js';
import type { CheckResult } from '../engine/check.js';
import { encodePythonSource } from '../source/decode.js';
import { adjustNotebookLayout, writeNotebookSource } from '../source/notebook.js';
import { readSource } from '../source/read.js';
import type { SourceFile } from '../source/source-file.js';
import { applyFixes } from './apply-fixes.js';
import { writeFileAtomic } from './write-atomic.js';

export interface FileChange {
  path: string;
  absolutePath: string;
  source: SourceFile;
  fixed: string;
  applied: number;
  /** The findings whose fixes made this change. */
  findings: Finding[];
  edits: Edit[];
}

export interface FixInPlaceResult {
  /** The check of the files as they are on disk at the end. */
  result: CheckResult;
  /** Fixes applied over all passes. */
  applied: number;
  /** The findings whose fixes were written, in the order they were applied. */
  appliedFindings: Finding[];
  /** Files that could not be fixed, one message each. */
  errors: string[];
  /** Each file written: its text before the first pass and after the last (for diffs in reports). */
  changedFiles: ChangedFile[];
}

export interface ChangedFile {
  path: string;
  before: string;
  after: string;
}

/** A fix can make another one possible (a blocking call inside another): passes are bounded. */
const MAX_PASSES = 10;

/**
 * Like ruff: apply the applicable fixes of `first`, re-check, and repeat until nothing changes
 * (at most MAX_PASSES times).
 */
export async function fixInPlace(first: CheckResult, check: () => Promise<CheckResult>, unsafeFixes: boolean | undefined): Promise<FixInPlaceResult> {
  const errors = new Set<string>();
  const appliedFindings: Finding[] = [];
  const changedFiles = new Map<string, ChangedFile>();
  let result = first;
  let applied = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const changes = await planChanges(result, unsafeFixes, errors);
    const written = writeChanges(changes, errors);
    if (written.count === 0) break;
    applied += written.count;
    appliedFindings.push(...written.findings);
    for (const change of written.changes) {
      const before = changedFiles.get(change.path)?.before ?? change.source.text;
      changedFiles.set(change.path, { path: change.path, before, after: change.fixed });
    }
    result = await check();
  }
  return { result, applied, appliedFindings, errors: [...errors], changedFiles: [...changedFiles.values()] };
}

/** The new text of every file that has applicable fixes, checked against what was analysed. */
export async function planChanges(result: CheckResult, unsafeFixes: boolean | undefined, errors: Set<string>): Promise<FileChange[]> {
  const byPath = new Map<string, Finding[]>();
  for (const finding of result.report.findings) {
    if (!isApplicable(finding, unsafeFixes)) continue;
    const list = byPath.get(finding.path) ?? [];
    list.push(finding);
    byPath.set(finding.path, list);
  }
  const changes: FileChange[] = [];
  for (const [path, findings] of byPath) {
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
    const fixed = applyFixes(source.text, findings.map((f) => f.fix!));
    if (fixed.applied.length === 0 || fixed.text === source.text) continue;
    const appliedFixes = new Set<Fix>(fixed.applied);
    changes.push({
      path,
      absolutePath: file.absolutePath,
      source,
      fixed: fixed.text,
      applied: fixed.applied.length,
      findings: findings.filter((f) => appliedFixes.has(f.fix!)),
      edits: fixed.edits,
    });
  }
  return changes;
}

/** Writes each change atomically; returns how many fixes were applied, whose, and the changes written. */
function writeChanges(changes: FileChange[], errors: Set<string>): { count: number; findings: Finding[]; changes: FileChange[] } {
  let count = 0;
  const findings: Finding[] = [];
  const written: FileChange[] = [];
  for (const change of changes) {
    try {
      writeFileAtomic(change.absolutePath, encodeFor(change));
      count += change.applied;
      findings.push(...change.findings);
      written.push(change);
    } catch (error) {
      errors.add(`${change.path}: not fixed: ${(error as Error).message}`);
    }
  }
  return { count, findings, changes: written };
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
