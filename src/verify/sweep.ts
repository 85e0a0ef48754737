/**
 * The worker counts of the scaling sweep: 1, 2, 4, ... up to the CPUs this process may use (the
 * count itself included when it is not a power of two), and on up to `max` (16 by default) when
 * no swept loop runs in processes: threads and asyncio tasks that wait on I/O gain from more
 * workers than cores, processes only oversubscribe them.
 */
import { availableParallelism } from 'node:os';
import type { WorkerVariable } from './worker-variables.js';

export const DEFAULT_SWEEP_MAX = 16;

export function sweepPoints(cpus: number, beyondCpus: boolean, max = DEFAULT_SWEEP_MAX): number[] {
  const limit = beyondCpus ? Math.max(cpus, max) : cpus;
  const points = new Set<number>();
  for (let n = 1; n <= limit; n *= 2) points.add(n);
  if (cpus <= limit) points.add(cpus);
  if (beyondCpus) points.add(limit);
  return [...points].sort((a, b) => a - b);
}

/** Whether the sweep goes past the CPU count for these knobs. */
export function sweepBeyondCpus(variables: readonly WorkerVariable[]): boolean {
  return variables.length > 0 && variables.every((v) => v.model === 'threads' || v.model === 'asyncio');
}

export function cpuCount(): number {
  return availableParallelism();
}

/** `--sweep 1,2,8` as numbers (whole, at least 1, sorted, unique); undefined when malformed. */
export function parseWorkerList(text: string): number[] | undefined {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return undefined;
  const numbers = parts.map(Number);
  if (numbers.some((n) => !Number.isInteger(n) || n < 1)) return undefined;
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** The environment of a sweep run: every knob set to `workers`. */
export function sweepEnvironment(base: NodeJS.ProcessEnv, variables: readonly WorkerVariable[], workers: number): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const variable of variables) env[variable.name] = String(workers);
  return env;
}
