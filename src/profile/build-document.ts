/**
 * Turns the probe's raw figures into the profile's loops: iteration counts (with the cheap
 * loops' counted entries extrapolated), per-iteration distributions, CPU per wall time, GIL
 * share, the class, sizes, and the speedup of the model the class calls for.
 */
import { measuredChoice } from '../plans/measured-plan.js';
import { classify } from './classify.js';
import type { SiteRecord } from './instrument-project.js';
import type { MergedSite } from './probe-data.js';
import { jsonEstimate, measurementOf, programSeconds, type Distribution, type ProfileDocument, type ProfiledLoop, type SizeSample } from './profile-file.js';

/** Fewer GIL samples than this say nothing about the GIL. */
const MIN_GIL_SAMPLES = 5;

export function profiledLoop(site: SiteRecord, merged: MergedSite): ProfiledLoop {
  const raw = merged.site;
  const perTimedEntry = raw.timed_entries > 0 ? raw.counted_iterations / raw.timed_entries : 0;
  const estimatedIterations = Math.round(raw.light_unsized_entries * perTimedEntry);
  const iterations = raw.counted_iterations + raw.light_sized_iterations + estimatedIterations;
  const meanWall = raw.iter_count > 0 ? raw.iter_wall_sum / raw.iter_count : 0;
  const meanCpu = raw.iter_cpu_count > 0 ? raw.iter_cpu_sum / raw.iter_cpu_count : 0;
  // Entries counted but not timed (cheap loops): their time is their iterations' mean. A
  // generator's entries also last while its consumer works (between its items, and in every
  // iteration not timed): its own time is its iterations'.
  const untimed = raw.light_sized_iterations + estimatedIterations;
  const wallSeconds = site.generator ? iterations * meanWall : raw.outer_wall + untimed * meanWall;
  const cpuSeconds = site.generator ? iterations * meanCpu : raw.outer_cpu + untimed * meanCpu;
  const cpuPerWall = raw.iter_wall_sum > 0 ? Math.min(1, raw.iter_cpu_sum / raw.iter_wall_sum) : 0;
  const heldShare = raw.gil_samples >= MIN_GIL_SAMPLES && raw.gil_period > 0 ? Math.min(1, raw.gil_held / raw.gil_period) : null;
  const classification = raw.iter_count > 0 ? classify({ cpuPerWall, gilHeldShare: heldShare }) : undefined;
  return {
    file: site.file,
    line: site.line,
    column: site.column,
    kind: site.kind,
    source_hash: site.hash,
    header: site.header,
    entries: raw.entries,
    iterations,
    iterations_exact: estimatedIterations === 0 && raw.light_unsized_entries === 0,
    ended_early: raw.early,
    unfinished: raw.unfinished,
    processes: merged.processes,
    threads: raw.threads,
    in_first_process: merged.inRootProcess && merged.processes === 1,
    wall_seconds: wallSeconds,
    cpu_seconds: cpuSeconds,
    cpu_wait_seconds: raw.iter_delay_sum,
    per_iteration: {
      wall: distribution(raw.walls, raw.iter_count, raw.iter_wall_sum, raw.iter_wall_max),
      cpu: distribution(raw.cpus, raw.iter_cpu_count, raw.iter_cpu_sum, Math.max(0, ...raw.cpus)),
    },
    cpu_per_wall: cpuPerWall,
    gil: { samples: raw.gil_samples, held_share: heldShare },
    class: classification?.class ?? null,
    compute: classification?.compute ?? null,
    class_reason: classification?.reason ?? 'no iteration was timed',
    share_of_program: null,
    item_bytes: sizes(raw.item_sizes, raw.unpicklable),
    result_bytes: site.names.length > 0 || site.kind !== 'for' ? withNames(sizes(raw.result_sizes, {}), site.names) : null,
    peak_rss_bytes: raw.rss_peak,
    rss_growth_bytes: raw.rss_growth,
    estimate: null,
  };
}

/** The share of the program and the estimate, once the program's and the machine's figures are known. */
export function completeLoop(document: ProfileDocument, loop: ProfiledLoop, site: SiteRecord): void {
  const program = programSeconds(document);
  if (loop.in_first_process && program > 0) loop.share_of_program = Math.min(1, loop.wall_seconds / program);
  const measurement = measurementOf(document, loop);
  if (!measurement) return;
  const decided = measuredChoice(measurement, {
    inAsyncFunction: site.inAsyncFunction,
    mapAwaits: site.inAsyncFunction,
    notebook: false,
    freeThreaded: !document.python.gil,
    hybridObstacle: undefined,
    ioThreadCap: 16,
    construct: loop.kind === 'for' ? 'loop' : 'comprehension',
  });
  if (decided.kind === 'choice') loop.estimate = jsonEstimate(decided.estimate);
}

function distribution(sample: readonly number[], count: number, total: number, max: number): Distribution {
  const sorted = [...sample].sort((a, b) => a - b);
  return { count, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), max, total };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

function sizes(values: readonly number[], unpicklable: Record<string, number>): SizeSample | null {
  if (values.length === 0 && Object.keys(unpicklable).length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { count: values.length, median: quantile(sorted, 0.5), max: sorted.at(-1) ?? 0, unpicklable };
}

function withNames(sample: SizeSample | null, names: string[]): (SizeSample & { names: string[] }) | null {
  return sample ? { ...sample, names } : null;
}
