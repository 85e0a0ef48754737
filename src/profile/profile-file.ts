/**
 * The profile file `concur profile` writes and `check --profile` / `fix --profile` read (format in
 * docs/profile.md). Loops are keyed by file (relative to `root`), line, column and a hash of
 * their source text: a loop whose text changed since it was measured is ignored, with a warning.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../cli/usage-error.js';
import type { LoopClass } from './classify.js';
import type { Estimate, LoopFigures, MachineFigures } from './estimate.js';
import type { SiteKind } from './sites.js';

export const PROFILE_VERSION = 1;
export const DEFAULT_PROFILE_FILE = 'concur-profile.json';

export interface Distribution {
  count: number;
  median: number;
  p90: number;
  max: number;
  total: number;
}

export interface SizeSample {
  count: number;
  median: number;
  max: number;
  /** Sampled values that did not pickle, by type name. */
  unpicklable: Record<string, number>;
}

export interface ProfiledLoop {
  file: string;
  line: number;
  column: number;
  kind: SiteKind;
  source_hash: string;
  header: string;
  entries: number;
  iterations: number;
  /** False when part of the count is estimated (cheap loops are counted, not timed; see the probe). */
  iterations_exact: boolean;
  /** Entries left before the iterable ended: `break`, `return`, an exception, a consumer that stopped. */
  ended_early: number;
  /** Entries still running when their process exited. */
  unfinished: number;
  processes: number;
  threads: number;
  in_first_process: boolean;
  /**
   * Wall and thread CPU time of the loop's (outermost) entries, all processes. Wall times leave
   * out the time the thread was ready to run but waited for a CPU (busy machine; Linux).
   */
  wall_seconds: number;
  cpu_seconds: number;
  /** The time left out of the timed iterations' wall times for waiting for a CPU. */
  cpu_wait_seconds: number;
  per_iteration: { wall: Distribution; cpu: Distribution };
  cpu_per_wall: number;
  gil: { samples: number; held_share: number | null };
  class: LoopClass | null;
  compute: 'python' | 'native' | null;
  class_reason: string;
  /** The loop's share of the program's wall time (first process only). */
  share_of_program: number | null;
  item_bytes: SizeSample | null;
  result_bytes: (SizeSample & { names: string[] }) | null;
  peak_rss_bytes: number;
  rss_growth_bytes: number;
  /** The speedup the measured class's model would give, independent of the static analysis. */
  estimate: JsonEstimate | null;
  /** What `concur check --profile` concluded (informational: check recomputes it). */
  verdict?: 'parallel' | 'rejected';
  reason?: string;
  plan?: { model: string; workload: string; workers: number; chunksize?: number; estimated_speedup?: number };
}

export interface JsonEstimate {
  model: Estimate['model'];
  workers: number;
  io_threads?: number;
  chunksize?: number;
  loop_seconds: number;
  loop_speedup: number;
  program_speedup: number | null;
  bound: string;
}

export interface JsonMachine {
  cpus: number;
  python_scaling: number;
  native_scaling: number;
  threads: { workers: number; startup_seconds: number; per_item_seconds: number };
  processes: { workers: number; start_method: string; startup_seconds: number; per_item_seconds: number; per_byte_seconds: number } | null;
  spawn: { workers: number; startup_seconds: number } | null;
  /** Set when the pools could not be measured (the figures are then defaults). */
  error?: string;
}

export interface ProfileDocument {
  version: 1;
  tool: string;
  created: string;
  /** Absolute path of the project measured: `file` of each loop is relative to it. */
  root: string;
  command: string[];
  python: { executable: string | null; version: string | null; gil: boolean };
  program: {
    wall_seconds: number;
    cpu_seconds: number | null;
    peak_rss_bytes: number | null;
    exit_code: number | null;
    signal: string | null;
    timed_out: boolean;
    processes: number;
    /** Time the first process's main thread waited for a CPU (Linux run queue): a busy machine's, not the program's. */
    cpu_wait_seconds: number | null;
  };
  machine: JsonMachine;
  loops: ProfiledLoop[];
  notes: string[];
}

/** What the planner gets for one loop: the measurement with the machine's figures. Plain data. */
export interface LoopMeasurement {
  line: number;
  column: number;
  kind: SiteKind;
  hash: string;
  /** `download_all.py:40` for messages. */
  where: string;
  class: LoopClass;
  compute?: 'python' | 'native';
  classReason: string;
  figures: LoopFigures;
  wall: Distribution;
  cpu: Distribution;
  cpuPerWall: number;
  machine: MachineFigures;
}

/** The measurements of one file, for the analysis of that file (sent to worker threads). */
export interface FileMeasurements {
  /** The file as the profile names it. */
  file: string;
  loops: LoopMeasurement[];
}

export interface LoadedProfile {
  path: string;
  document: ProfileDocument;
  /** By absolute path of the measured file. */
  byFile: Map<string, FileMeasurements>;
}

/** Writes the profile atomically (a temporary file beside it, then a rename). */
export function writeProfile(file: string, document: ProfileDocument): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, `${JSON.stringify(document, null, 2)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UsageError(`cannot write the profile to ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Reads and checks a profile; every problem is a usage error naming the file. */
export function loadProfile(file: string, cwd: string): LoadedProfile {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new UsageError(`--profile ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let document: ProfileDocument;
  try {
    document = JSON.parse(text) as ProfileDocument;
  } catch (error) {
    throw new UsageError(`--profile ${file}: not JSON (${(error as Error).message})`);
  }
  if (typeof document !== 'object' || document === null || !('version' in document)) throw new UsageError(`--profile ${file}: not a concur profile (no "version")`);
  if (document.version !== PROFILE_VERSION) {
    throw new UsageError(`--profile ${file}: profile format version ${JSON.stringify(document.version)} is not supported (this concur reads version ${PROFILE_VERSION}); run \`concur profile\` again`);
  }
  if (typeof document.root !== 'string' || !Array.isArray(document.loops) || typeof document.machine !== 'object') {
    throw new UsageError(`--profile ${file}: missing "root", "loops" or "machine"`);
  }
  return { path: absolute, document, byFile: indexProfile(document) };
}

/** The measured loops by absolute path of their file. */
export function indexProfile(document: ProfileDocument): Map<string, FileMeasurements> {
  const byFile = new Map<string, FileMeasurements>();
  for (const loop of document.loops) {
    const measurement = measurementOf(document, loop);
    if (!measurement) continue;
    const key = path.resolve(document.root, loop.file);
    const entry = byFile.get(key) ?? { file: loop.file, loops: [] };
    entry.loops.push(measurement);
    byFile.set(key, entry);
  }
  return byFile;
}

export function machineFigures(machine: JsonMachine, gil: boolean): MachineFigures {
  return {
    cpus: machine.cpus,
    pythonScaling: machine.python_scaling,
    nativeScaling: machine.native_scaling,
    threads: { startupSeconds: machine.threads.startup_seconds, perItemSeconds: machine.threads.per_item_seconds },
    processes: machine.processes
      ? {
          startupSeconds: machine.processes.startup_seconds,
          perItemSeconds: machine.processes.per_item_seconds,
          perByteSeconds: machine.processes.per_byte_seconds,
          startMethod: machine.processes.start_method,
        }
      : null,
    spawn: machine.spawn ? { startupSeconds: machine.spawn.startup_seconds } : null,
    gil,
  };
}

/** The planner's view of a profiled loop; undefined for a loop that never iterated. */
export function measurementOf(document: ProfileDocument, loop: ProfiledLoop): LoopMeasurement | undefined {
  if (!loop.class || loop.iterations === 0 || loop.per_iteration.wall.count === 0) return undefined;
  return {
    line: loop.line,
    column: loop.column,
    kind: loop.kind,
    hash: loop.source_hash,
    where: `${loop.file}:${loop.line}`,
    class: loop.class,
    ...(loop.compute ? { compute: loop.compute } : {}),
    classReason: loop.class_reason,
    figures: loopFigures(document, loop),
    wall: loop.per_iteration.wall,
    cpu: loop.per_iteration.cpu,
    cpuPerWall: loop.cpu_per_wall,
    machine: machineFigures(document.machine, document.python.gil),
  };
}

export function loopFigures(document: ProfileDocument, loop: ProfiledLoop): LoopFigures {
  const wall = loop.per_iteration.wall;
  const cpu = loop.per_iteration.cpu;
  const iterationSeconds = wall.count ? wall.total / wall.count : 0;
  return {
    iterations: loop.iterations,
    entries: loop.entries,
    // Never less than the iterations themselves: the loop's wall time is extrapolated as they are.
    loopSeconds: Math.max(loop.wall_seconds, iterationSeconds * loop.iterations * 0.999),
    iterationSeconds,
    iterationCpuSeconds: cpu.count ? cpu.total / cpu.count : 0,
    gilHeldShare: loop.gil.held_share,
    itemBytes: loop.item_bytes?.median ?? 0,
    resultBytes: loop.result_bytes?.median ?? 0,
    programSeconds: loop.in_first_process ? programSeconds(document) : null,
  };
}

/** The program's wall time without what it waited for a CPU on a busy machine. */
export function programSeconds(document: ProfileDocument): number {
  const wait = document.program.cpu_wait_seconds ?? 0;
  return Math.max(document.program.wall_seconds * 0.05, document.program.wall_seconds - wait);
}

export function jsonEstimate(estimate: Estimate): JsonEstimate {
  return {
    model: estimate.model,
    workers: estimate.workers,
    ...(estimate.ioThreads !== undefined ? { io_threads: estimate.ioThreads } : {}),
    ...(estimate.chunksize !== undefined ? { chunksize: estimate.chunksize } : {}),
    loop_seconds: estimate.loopSeconds,
    loop_speedup: estimate.loopSpeedup,
    program_speedup: estimate.programSpeedup,
    bound: estimate.bound,
  };
}

