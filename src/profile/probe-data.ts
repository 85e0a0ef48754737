/**
 * What the probe wrote: one file per Python process of the run (`probe-PID-START.json`, or
 * `.partial.json` when the process ended before its exit handler ran), merged per loop.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A loop's figures in one process, as the probe writes them (see `_site_record`). */
export interface ProbeSite {
  entries: number;
  timed_entries: number;
  counted_iterations: number;
  light_sized_iterations: number;
  light_unsized_entries: number;
  early: number;
  unfinished: number;
  outer_wall: number;
  outer_cpu: number;
  timed_wall: number;
  iter_count: number;
  iter_wall_sum: number;
  iter_wall_max: number;
  iter_cpu_count: number;
  iter_cpu_sum: number;
  /** Seconds the timed iterations spent waiting for a CPU (run queue; left out of their wall time). */
  iter_delay_sum: number;
  walls: number[];
  cpus: number[];
  item_sizes: number[];
  result_sizes: number[];
  unpicklable: Record<string, number>;
  gil_samples: number;
  gil_period: number;
  gil_held: number;
  threads: number;
  main_thread: boolean;
  rss_peak: number;
  rss_growth: number;
  light: boolean;
}

export interface ProbeProcess {
  pid: number;
  ppid: number;
  executable: string;
  version: string;
  gil: boolean;
  /** Unix time the probe was imported. */
  started: number;
  seconds: number;
  cpu_seconds: number;
  max_rss_bytes: number;
  switch_interval: number;
  gil_samples: number;
  /** Seconds the main thread spent waiting for a CPU (Linux run queue), at exit. */
  run_delay_seconds: number | null;
  final: boolean;
  sites: Record<string, ProbeSite>;
}

/** Every process's figures; a final file wins over the partial one of the same process. */
export function readProbeFiles(directory: string): ProbeProcess[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const byProcess = new Map<string, ProbeProcess>();
  for (const name of names.sort()) {
    const match = /^probe-(\d+-\d+)(\.partial)?\.json$/.exec(name);
    if (!match) continue;
    let data: ProbeProcess;
    try {
      data = JSON.parse(readFileSync(path.join(directory, name), 'utf8')) as ProbeProcess;
    } catch {
      continue;
    }
    const known = byProcess.get(match[1]);
    if (!known || (!known.final && data.final)) byProcess.set(match[1], data);
  }
  return [...byProcess.values()].sort((a, b) => a.started - b.started);
}

/** The first process of the run: the earliest one whose parent is not a probed process. */
export function rootProcess(processes: readonly ProbeProcess[]): ProbeProcess | undefined {
  const pids = new Set(processes.map((p) => p.pid));
  return processes.find((p) => !pids.has(p.ppid)) ?? processes[0];
}

/** A loop's figures over every process that ran it. */
export interface MergedSite {
  processes: number;
  inRootProcess: boolean;
  /** Seconds spent in the loop by the root process's outermost entries. */
  rootWall: number;
  rootCpu: number;
  site: ProbeSite;
}

const KEEP = 512;

export function mergeSites(processes: readonly ProbeProcess[], root: ProbeProcess | undefined): Map<number, MergedSite> {
  const merged = new Map<number, MergedSite>();
  for (const process of processes) {
    for (const [key, site] of Object.entries(process.sites)) {
      const id = Number(key);
      const isRoot = process === root;
      const known = merged.get(id);
      if (!known) {
        merged.set(id, {
          processes: 1,
          inRootProcess: isRoot,
          rootWall: isRoot ? site.outer_wall : 0,
          rootCpu: isRoot ? site.outer_cpu : 0,
          site: { ...site, walls: [...site.walls], cpus: [...site.cpus], item_sizes: [...site.item_sizes], result_sizes: [...site.result_sizes], unpicklable: { ...site.unpicklable } },
        });
        continue;
      }
      known.processes++;
      known.inRootProcess ||= isRoot;
      if (isRoot) {
        known.rootWall += site.outer_wall;
        known.rootCpu += site.outer_cpu;
      }
      const into = known.site;
      for (const field of [
        'entries', 'timed_entries', 'counted_iterations', 'light_sized_iterations', 'light_unsized_entries', 'early', 'unfinished',
        'outer_wall', 'outer_cpu', 'timed_wall', 'iter_count', 'iter_wall_sum', 'iter_cpu_count', 'iter_cpu_sum', 'iter_delay_sum', 'gil_samples',
        'gil_period', 'gil_held', 'threads',
      ] as const) {
        into[field] += site[field];
      }
      into.iter_wall_max = Math.max(into.iter_wall_max, site.iter_wall_max);
      into.rss_peak = Math.max(into.rss_peak, site.rss_peak);
      into.rss_growth = Math.max(into.rss_growth, site.rss_growth);
      into.main_thread ||= site.main_thread;
      into.light ||= site.light;
      into.walls = thin([...into.walls, ...site.walls]);
      into.cpus = thin([...into.cpus, ...site.cpus]);
      into.item_sizes.push(...site.item_sizes);
      into.result_sizes.push(...site.result_sizes);
      for (const [type, count] of Object.entries(site.unpicklable)) into.unpicklable[type] = (into.unpicklable[type] ?? 0) + count;
    }
  }
  return merged;
}

/** At most KEEP values, evenly spread. */
function thin(values: number[]): number[] {
  if (values.length <= KEEP) return values;
  const step = values.length / KEEP;
  return Array.from({ length: KEEP }, (_, i) => values[Math.floor(i * step)]);
}
