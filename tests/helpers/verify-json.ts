/**
 * `concur verify --format json` for the tests of the stress mode and the edge cases: the fields
 * they read, a runner that checks the copies are gone afterwards, and process helpers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { runConcur, temporaryDirectory } from './cli.js';

export interface DifferenceJson {
  kind: string;
  file: string | null;
  description: string;
  excerpt: string | null;
}

export interface StressJson {
  runs: number;
  skipped: string | null;
  sides: string[];
  switch_interval_seconds: number | null;
  timeout_seconds: { original: number | null; rewrite: number | null };
  thread_entries: { original: number | null; rewrite: number | null };
  tracer_active: { original: boolean | null; rewrite: boolean | null };
  pythons: string[];
  instrumented_sites: Array<{ side: string; rule: string; kind: string; path: string; line: number; switch_line: number; switch: string; code: string; fired_runs: number; of_runs: number; pauses: number }>;
  hangs: Array<{ side: string; run: number; timeout_seconds: number; waiting: string[]; fired: string[]; excerpt: string | null }>;
  distinct_outputs: { original: number | null; rewrite: number | null };
  differences: Array<DifferenceJson & { side: string; runs: number[]; of: number; fired: string[] }>;
  nondeterministic: boolean;
  introduced_by_rewrite: boolean;
  advice: string[];
  errors: string[];
}

export interface CaseJson {
  name: string;
  command: string;
  equal: boolean;
  differences: DifferenceJson[];
  original: { exit_code: number | null; signal: string | null; timed_out: boolean; start_error: string | null; seconds: number };
  rewrite: { exit_code: number | null; signal: string | null; timed_out: boolean; start_error: string | null; seconds: number };
}

export interface VerifyJson {
  equal: boolean;
  status: string;
  nondeterministic: boolean;
  nondeterminism: Array<{ side: string; variants: number; description: string }>;
  differences: Array<DifferenceJson & { runs: number; of: number }>;
  cases: CaseJson[];
  stress: StressJson;
  notes: string[];
  run_log: Array<{ side: string; phase: string; case: string | null; stress_run: number | null; timed_out: boolean; exit_code: number | null; equal: boolean | null }>;
}

/** `concur verify --format json ARGS...` in `cwd`, with TMPDIR in a directory of the test's own (empty again afterwards). */
export async function verifyJson(args: string[], cwd: string) {
  const tmp = temporaryDirectory('concur-verify-tmp-');
  const result = await runConcur(['verify', '--format', 'json', ...args], { cwd, env: { TMPDIR: tmp } });
  let json: VerifyJson;
  try {
    json = JSON.parse(result.stdout) as VerifyJson;
  } catch (error) {
    throw new Error(`stdout is not JSON (status ${result.status}):\n${result.stdout}\nstderr:\n${result.stderr}`, { cause: error });
  }
  expect(readdirSync(tmp)).toEqual([]);
  return { ...result, json };
}

/** Whether a process is alive (a zombie is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}
