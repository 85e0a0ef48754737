/**
 * The synchronous counterpart of `cli.ts`, for round-trip tests that run the CLI and Python one
 * step after another: the built CLI in a project directory, configuration files ignored
 * (`--isolated`). Build first: `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonReport } from '../../src/output/json.js';
import { CONCUR_BIN, REPO_ROOT } from './cli.js';

export { REPO_ROOT } from './cli.js';

export interface CliRun {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Throws a clear error when `dist/` is missing, instead of failing every case obscurely. */
export function assertBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests');
  }
}

export function runConcur(args: string[], cwd: string, timeoutMs = 60_000): CliRun {
  const result = spawnSync(process.execPath, [CONCUR_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

export interface CliOptions {
  /** e.g. `py38`; the CLI's default (py39) when absent. */
  targetVersion?: string;
  paths?: string[];
}

function common(options: CliOptions): string[] {
  return ['--isolated', '--color', 'never', ...(options.targetVersion ? ['--target-version', options.targetVersion] : [])];
}

/** `concur check --format json`: the parsed report (exit status 0 or 1 expected). */
export function checkJson(cwd: string, options: CliOptions = {}): JsonReport {
  const run = runConcur(['check', '--format', 'json', ...common(options), ...(options.paths ?? ['.'])], cwd);
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`concur check exited ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  return JSON.parse(run.stdout) as JsonReport;
}

/** `concur fix`, in place; `unsafe` adds `--unsafe-fixes`. */
export function fixInPlace(cwd: string, options: CliOptions & { unsafe?: boolean } = {}): CliRun {
  const args = ['fix', ...common(options), ...(options.unsafe ? ['--unsafe-fixes'] : []), ...(options.paths ?? ['.'])];
  const run = runConcur(args, cwd);
  if (run.status === null || run.status > 2 || run.stderr.includes('internal error')) {
    throw new Error(`concur fix failed (${run.status})\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  return run;
}
