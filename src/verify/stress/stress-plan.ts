/**
 * The stress tracer's side of a stress run: the plan file it reads (which files and lines pause,
 * how long, how often) and the environment that makes every Python process of the run load it
 * (`probe/stress/sitecustomize.py` first on PYTHONPATH).
 */
import { realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launcherPath } from '../measured-run.js';
import type { StressSite } from './stress-sites.js';

/** The switch interval of stress runs (CPython's default is 5 ms). */
export const STRESS_SWITCH_INTERVAL_SECONDS = 1e-5;
/**
 * A pause at a racy site: long enough for a waiting thread to take the GIL and reach the same
 * read (measured here: 100 µs loses most updates of 8 threads on 3.8 to 3.13), short enough
 * that a thousand of them cost a tenth of a second.
 */
export const RACE_PAUSE_SECONDS = 0.0001;
/** A pause between two acquisitions: long enough for another thread to be started and take its first lock. */
export const LOCK_PAUSE_SECONDS = 0.02;
/** Pauses per site and process before the tracer samples (1 pass in SAMPLE_EVERY). */
export const RACE_PAUSE_BUDGET = 1000;
export const LOCK_PAUSE_BUDGET = 50;
export const SAMPLE_EVERY = 64;

/** The directory put first on PYTHONPATH: it holds only the tracer's sitecustomize.py. */
export function tracerDirectory(): string {
  return path.join(path.dirname(launcherPath()), 'stress');
}

/** Writes the plan for the copy at `copyRoot`; site ids are indexes into `sites`. */
export function writeStressPlan(file: string, copyRoot: string, sites: readonly StressSite[]): void {
  const plan = {
    version: 1,
    switch_interval: STRESS_SWITCH_INTERVAL_SECONDS,
    sample_every: SAMPLE_EVERY,
    sites: sites.map((site, id) => ({
      id,
      file: realPath(path.join(copyRoot, ...site.path.split('/'))),
      line: site.switch === 'store' ? site.line : site.switchLine,
      end_line: site.switch === 'store' ? site.endLine : site.switchLine,
      switch: site.switch,
      ...(site.target !== undefined ? { target: site.target } : {}),
      pause: site.kind === 'lock-order' ? LOCK_PAUSE_SECONDS : RACE_PAUSE_SECONDS,
      budget: site.kind === 'lock-order' ? LOCK_PAUSE_BUDGET : RACE_PAUSE_BUDGET,
    })),
  };
  writeFileSync(file, `${JSON.stringify(plan, null, 1)}\n`);
}

/** The run's environment: the tracer first on PYTHONPATH, the plan, and where it logs. */
export function stressEnvironment(env: NodeJS.ProcessEnv, planFile: string, outDirectory: string): NodeJS.ProcessEnv {
  const existing = env.PYTHONPATH;
  return {
    ...env,
    PYTHONPATH: existing ? `${tracerDirectory()}${path.delimiter}${existing}` : tracerDirectory(),
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
