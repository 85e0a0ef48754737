/**
 * The round trip every fix template is tested with: a small Python project on disk is run,
 * checked, copied, fixed by the real CLI, checked again and run again, so a test can compare
 * the two programs' behaviour and the exact text the fix wrote.
 */
import { expect } from 'vitest';
import type { JsonReport } from '../../src/output/json.js';
import { checkJson, fixInPlace, type CliRun } from '../helpers/cli-sync.js';
import { makeProject, runPython, type PythonRun, type TempProject } from '../helpers/python.js';

export interface RoundTripOptions {
  /** The program to run, relative to the project. */
  entry?: string;
  /** Apply unsafe fixes too (`--unsafe-fixes`). */
  unsafe?: boolean;
  targetVersion?: string;
  /** Interpreter for both runs. */
  python?: string;
  timeoutMs?: number;
}

export interface RoundTrip {
  original: TempProject;
  fixed: TempProject;
  /** `concur check` of the original project. */
  before: JsonReport;
  fix: CliRun;
  /** `concur check` of the fixed project. */
  after: JsonReport;
  originalRun: PythonRun;
  rewrittenRun: PythonRun;
}

export function roundTrip(files: Record<string, string>, options: RoundTripOptions = {}): RoundTrip {
  const { entry = 'main.py', unsafe = false, targetVersion, python, timeoutMs } = options;
  const original = makeProject(files);
  const fixed = original.copy();
  const before = checkJson(original.dir, { targetVersion });
  const fix = fixInPlace(fixed.dir, { unsafe, targetVersion });
  const after = checkJson(fixed.dir, { targetVersion });
  const originalRun = runPython(entry, { cwd: original.dir, python, timeoutMs });
  const rewrittenRun = runPython(entry, { cwd: fixed.dir, python, timeoutMs });
  return { original, fixed, before, fix, after, originalRun, rewrittenRun };
}

export interface FindingSummary {
  rule: string;
  path: string;
  line: number;
  /** The fix's applicability, or `none`. */
  fix: 'safe' | 'unsafe' | 'none';
}

/** Findings as rule, path, line and fix applicability, in report order (optionally of one rule). */
export function summarize(report: JsonReport, rule?: string): FindingSummary[] {
  return report.findings
    .filter((finding) => !rule || finding.rule === rule)
    .map((finding) => ({ rule: finding.rule, path: finding.path, line: finding.line, fix: finding.fix?.applicability ?? 'none' }));
}

/**
 * The text `original` with each `[before, after]` replacement made; each `before` must occur
 * exactly once, so the expectation cannot silently match the wrong place.
 */
export function rewritten(original: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  let text = original;
  for (const [from, to] of replacements) {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`expected exactly one occurrence of ${JSON.stringify(from)}, found ${count}`);
    text = text.replace(from, () => to);
  }
  return text;
}

/** The run finished normally (no timeout, no crash) with this stdout. */
export function expectCleanRun(run: PythonRun, stdout: string): void {
  expect(run.timedOut, `timed out; stderr:\n${run.stderr}`).toBe(false);
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe(stdout);
  expect(run.status).toBe(0);
}

/** Same stdout and exit status; a rewritten program that timed out or crashed shows its stderr. */
export function expectSameBehaviour(trip: RoundTrip): void {
  const { originalRun, rewrittenRun } = trip;
  expect(rewrittenRun.timedOut, `the rewritten program hung; stderr:\n${rewrittenRun.stderr}`).toBe(false);
  expect({ stdout: rewrittenRun.stdout, status: rewrittenRun.status }, `stderr of the rewritten program:\n${rewrittenRun.stderr}`).toEqual({
    stdout: originalRun.stdout,
    status: originalRun.status,
  });
}

/** Source files of the project that the fix changed. */
export function changedFiles(trip: RoundTrip, files: Record<string, string>): string[] {
  return Object.keys(files).filter((name) => trip.fixed.read(name) !== files[name]);
}
