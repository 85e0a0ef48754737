/**
 * What the deadlock fix tests share: the real CLI on a temporary project (check, fix), and a
 * Python run in its own process group under a timeout, so that a program that deadlocks is a
 * result (`timedOut`) and leaves nothing behind.
 */
import { expect } from 'vitest';
import type { JsonReport } from '../../src/output/json.js';
import { runConcur } from '../helpers/cli-sync.js';
import { PYTHON, spawnPython, type PythonRun, type TempProject } from '../helpers/python.js';

export function check(project: TempProject, rule: string): JsonReport {
  const run = runConcur(['check', '--isolated', '--format', 'json', '--select', rule, '.'], project.dir);
  return JSON.parse(run.stdout) as JsonReport;
}

/** `concur fix`: exit status 0 when nothing is left to report, 1 when findings remain. */
export function fix(project: TempProject, rule: string, unsafe: boolean, remaining = 0): void {
  const run = runConcur(['fix', '--isolated', '--select', rule, ...(unsafe ? ['--unsafe-fixes'] : []), '.'], project.dir);
  expect(run.status, run.stderr).toBe(remaining > 0 ? 1 : 0);
}

/** Runs `file` of the project; killed with its process group after `timeoutMs`. */
export function run(project: TempProject, file: string, timeoutMs: number): Promise<PythonRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0', PYTHONUTF8: '1' };
  delete env.PYTHONPATH;
  return spawnPython(PYTHON, [file], { cwd: project.dir, env, timeoutMs });
}
