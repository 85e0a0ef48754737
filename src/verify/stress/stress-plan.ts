/**
 * The stress tracer's side of a stress run: the plan file it reads (which files and lines pause,
 * how long, how often) and the environment that makes every Python process of the run load it
 * (`probe/stress/sitecustomize.py` first on PYTHONPATH).
 */
import { copyFileSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launcherPath } from '../measured-run.js';
import type { StressSite } from './stress-sites.js';

/** The switch interval of stress runs (CPython's default is 5 ms). */
export const STRESS_SWITCH_INTERVAL_SECONDS = 1e-5;
/**
 * At a racy site the tracer waits for another thread to reach a switch point too (a rendezvous,
 * see `pause` in the tracer), at most RACE_WAIT_SECONDS, then pauses RACE_PAUSE_SECONDS more.
 * Measured here with four threads and a check-then-act on 3.8, 3.11 and 3.13 under three busy
 * loops (load 8 on 2 cores): a fixed 100 µs or 1 ms pause missed the race in up to 3 of 40 runs
 * (the first thread was done before the main thread, starved of CPU, started the next one); a
 * 200 ms rendezvous in none of 120.
 */
export const RACE_PAUSE_SECONDS = 0.0001;
export const RACE_WAIT_SECONDS = 0.2;
/**
 * Between two acquisitions: long enough for another thread to be started and take its first
 * lock. Measured under two busy loops (load 6 on 2 cores): a 100 ms wait missed the deadlock of
 * two threads in 1 of 30 runs (the second thread started later than that), 500 ms in none of 30.
 */
export const LOCK_PAUSE_SECONDS = 0.002;
export const LOCK_WAIT_SECONDS = 0.5;
/** Pauses per site and process before the tracer samples (1 pass in SAMPLE_EVERY). */
export const RACE_PAUSE_BUDGET = 1000;
export const LOCK_PAUSE_BUDGET = 50;
export const SAMPLE_EVERY = 64;
/** Seconds a process may spend in rendezvous waits in all; then its pauses are plain. */
export const WAIT_BUDGET_SECONDS = 2;

/** The tracer's source: `probe/stress/sitecustomize.py`. */
export function tracerSource(): string {
  return path.join(path.dirname(launcherPath()), 'stress', 'sitecustomize.py');
}

/**
 * Copies the tracer into `directory` (created), the directory a stress run puts first on
 * PYTHONPATH: it holds only sitecustomize.py, and the bytecode Python caches for it lands there,
 * not in concur's own files.
 */
export function installTracer(directory: string): string {
  mkdirSync(directory, { recursive: true });
  copyFileSync(tracerSource(), path.join(directory, 'sitecustomize.py'));
  return directory;
}

/** Writes the plan for the copy at `copyRoot`; site ids are indexes into `sites`. */
export function writeStressPlan(file: string, copyRoot: string, sites: readonly StressSite[]): void {
  const plan = {
    version: 1,
    switch_interval: STRESS_SWITCH_INTERVAL_SECONDS,
    sample_every: SAMPLE_EVERY,
    wait_budget: WAIT_BUDGET_SECONDS,
    sites: sites.map((site, id) => ({
      id,
      file: realPath(path.join(copyRoot, ...site.path.split('/'))),
      line: site.switch === 'store' ? site.line : site.switchLine,
      end_line: site.switch === 'store' ? site.endLine : site.switchLine,
      switch: site.switch,
      ...(site.target !== undefined ? { target: site.target } : {}),
      pause: site.kind === 'lock-order' ? LOCK_PAUSE_SECONDS : RACE_PAUSE_SECONDS,
      wait: site.kind === 'lock-order' ? LOCK_WAIT_SECONDS : RACE_WAIT_SECONDS,
      budget: site.kind === 'lock-order' ? LOCK_PAUSE_BUDGET : RACE_PAUSE_BUDGET,
    })),
  };
  writeFileSync(file, `${JSON.stringify(plan, null, 1)}\n`);
}

/** The run's environment: the tracer's directory first on PYTHONPATH, the plan, and where it logs. */
export function stressEnvironment(env: NodeJS.ProcessEnv, tracerDirectory: string, planFile: string, outDirectory: string): NodeJS.ProcessEnv {
  const existing = env.PYTHONPATH;
  return {
    ...env,
    PYTHONPATH: existing ? `${tracerDirectory}${path.delimiter}${existing}` : tracerDirectory,
    CONCUR_STRESS_PLAN: planFile,
    CONCUR_STRESS_OUT: outDirectory,
  };
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
