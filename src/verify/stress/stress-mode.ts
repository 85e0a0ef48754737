/**
 * The race stress mode of `concur verify`: extra runs of each side that runs threads, with the
 * stress tracer loaded (probe/stress/sitecustomize.py), which shrinks the switch interval and
 * pauses at the sites concur's analysis names, between the read and the write of a race and
 * between the two acquisitions of a lock-order inversion. A run that does not finish in time is
 * a hang; a run whose outcome no normal run of the original had, or stress runs that disagree
 * among themselves, make the program nondeterministic.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { differences as differencesBetween, type CompareOptions, type Difference, type Observation, type Variant } from '../compare.js';
import type { RunOutcome } from '../measured-run.js';
import { stressAdvice } from './stress-advice.js';
import { readableDump, readTracerLog, waitingPlaces, type TracerLog } from './stress-logs.js';
import { installTracer, STRESS_SWITCH_INTERVAL_SECONDS, stressEnvironment, writeStressPlan } from './stress-plan.js';
import type { StressSite } from './stress-sites.js';

export type StressSide = 'original' | 'rewrite';

export interface StressSideInput {
  side: StressSide;
  root: string;
  sites: StressSite[];
  timeoutSeconds: number;
}

export interface StressExecution {
  outcome: RunOutcome;
  observation: Observation;
  variant: Variant;
}

export interface StressInput {
  sides: StressSideInput[];
  runs: number;
  env: NodeJS.ProcessEnv;
  workDirectory: string;
  /** The outcomes of the original's normal runs, by key: what a stress run is compared with. */
  baseline: ReadonlyMap<string, Variant>;
  compare: CompareOptions;
  execute(side: StressSide, run: number, env: NodeJS.ProcessEnv, timeoutSeconds: number): Promise<StressExecution>;
}

export interface InstrumentedSite extends StressSite {
  side: StressSide;
  /** Stress runs in which the site paused at least once, of the side's stress runs. */
  firedRuns: number;
  ofRuns: number;
  /** Pauses over all runs (processes that exited normally). */
  pauses: number;
}

export interface StressHang {
  side: StressSide;
  /** 1-based stress run of that side. */
  run: number;
  timeoutSeconds: number;
  /** Where each thread waited (its most recent frame in the project): `dl.py:10 in transfer`. */
  waiting: string[];
  /** The stack dump, project paths relative. */
  excerpt?: string;
  /** Sites that paused during the run. */
  fired: string[];
}

export interface StressDifference extends Difference {
  side: StressSide;
  /** 1-based stress runs of that side that showed it. */
  runs: number[];
  of: number;
  /** Sites that paused in those runs (`counter.py:10`). */
  fired: string[];
}

export interface StressReport {
  runs: number;
  sides: StressSide[];
  switchIntervalSeconds: number;
  timeoutSeconds: Partial<Record<StressSide, number>>;
  /** Whether the tracer started in at least one Python process of every run of the side. */
  tracerActive: Partial<Record<StressSide, boolean>>;
  /** Python versions the tracer ran under. */
  pythons: string[];
  sites: InstrumentedSite[];
  hangs: StressHang[];
  /** Distinct outcomes of the side's finished stress runs. */
  distinctOutputs: Partial<Record<StressSide, number>>;
  differences: StressDifference[];
  /** A hang, an outcome the original's normal runs never had, or stress runs that disagree. */
  nondeterministic: boolean;
  /** The rewrite showed a hang or a difference under stress that the original did not. */
  introducedByRewrite: boolean;
  advice: string[];
}

interface SideState {
  input: StressSideInput;
  planFile: string;
  variants: Map<string, Variant>;
  finished: Array<{ run: number; key: string; log: TracerLog }>;
  logs: TracerLog[];
  stopped: boolean;
}

export async function runStress(input: StressInput): Promise<StressReport> {
  const tracer = installTracer(path.join(input.workDirectory, 'stress-tracer'));
  const states = input.sides.map((side): SideState => {
    const planFile = path.join(input.workDirectory, `stress-plan-${side.side}.json`);
    writeStressPlan(planFile, side.root, side.sites);
    return { input: side, planFile, variants: new Map(), finished: [], logs: [], stopped: false };
  });
  const hangs: StressHang[] = [];
  const siteName = (state: SideState, id: number) => {
    const site = state.input.sites[id];
    return site ? `${site.path}:${site.switchLine}` : `site ${id}`;
  };

  for (let run = 1; run <= input.runs; run++) {
    for (const state of states) {
      if (state.stopped) continue;
      const { side, timeoutSeconds, root } = state.input;
      const directory = path.join(input.workDirectory, `stress-${side}-${run}`);
      mkdirSync(directory, { recursive: true });
      const execution = await input.execute(side, run, stressEnvironment(input.env, tracer, state.planFile, directory), timeoutSeconds);
      const log = readTracerLog(directory);
      state.logs.push(log);
      const fired = [...log.fired].sort((a, b) => a - b).map((id) => siteName(state, id));
      if (execution.outcome.timedOut) {
        // A hang is the finding: the side is not run again (each hang costs the whole timeout).
        state.stopped = true;
        const dump = log.dumps.join('\n');
        hangs.push({ side, run, timeoutSeconds, waiting: waitingPlaces(dump, root), excerpt: dump ? readableDump(dump, root) : undefined, fired });
        continue;
      }
      if (execution.outcome.startError) {
        state.stopped = true;
        continue;
      }
      const { key } = execution.observation;
      if (!state.variants.has(key)) state.variants.set(key, execution.variant);
      state.finished.push({ run, key, log });
    }
  }

  const reference = input.baseline.values().next().value as Variant | undefined;
  const differences: StressDifference[] = [];
  for (const state of states) {
    const { side } = state.input;
    const byId = new Map<string, StressDifference>();
    for (const finished of state.finished) {
      if (!reference || input.baseline.has(finished.key)) continue;
      const names = { reference: 'original', other: `${side} under stress` };
      for (const difference of differencesBetween(reference, state.variants.get(finished.key)!, input.compare, names)) {
        const id = `${difference.kind}\0${difference.file ?? ''}\0${difference.description}`;
        const entry = byId.get(id) ?? { ...difference, side, runs: [], of: state.logs.length, fired: [] };
        entry.runs.push(finished.run);
        entry.fired = [...new Set([...entry.fired, ...[...finished.log.fired].map((site) => siteName(state, site))])].sort();
        byId.set(id, entry);
      }
    }
    for (const entry of byId.values()) entry.of = state.logs.length;
    differences.push(...byId.values());
  }

  const sites: InstrumentedSite[] = states.flatMap((state) =>
    state.input.sites.map((site, id) => ({
      ...site,
      side: state.input.side,
      firedRuns: state.logs.filter((log) => log.fired.has(id)).length,
      ofRuns: state.logs.length,
      pauses: state.logs.reduce((sum, log) => sum + (log.pauses.get(id) ?? 0), 0),
    })),
  );
  const found = (side: StressSide) => hangs.some((h) => h.side === side) || differences.some((d) => d.side === side);
  const stressed = (side: StressSide) => states.some((s) => s.input.side === side);
  const distinctOutputs: StressReport['distinctOutputs'] = {};
  const timeoutSeconds: StressReport['timeoutSeconds'] = {};
  const tracerActive: StressReport['tracerActive'] = {};
  for (const state of states) {
    distinctOutputs[state.input.side] = state.variants.size;
    timeoutSeconds[state.input.side] = state.input.timeoutSeconds;
    tracerActive[state.input.side] = state.logs.length > 0 && state.logs.every((log) => log.pythons.length > 0);
  }
  const report: StressReport = {
    runs: input.runs,
    sides: states.map((s) => s.input.side),
    switchIntervalSeconds: STRESS_SWITCH_INTERVAL_SECONDS,
    timeoutSeconds,
    tracerActive,
    pythons: [...new Set(states.flatMap((s) => s.logs.flatMap((log) => log.pythons)))].sort(),
    sites,
    hangs,
    distinctOutputs,
    differences,
    nondeterministic: hangs.length > 0 || differences.length > 0 || Object.values(distinctOutputs).some((n) => (n ?? 0) > 1),
    introducedByRewrite: found('rewrite') && !(stressed('original') && found('original')),
    advice: [],
  };
  report.advice = stressAdvice(report);
  return report;
}

/** The report of stress runs that did not happen, and why. */
export function skippedStress(runs: number, reason: string): StressReport & { skipped: string } {
  return {
    skipped: reason,
    runs,
    sides: [],
    switchIntervalSeconds: 0,
    timeoutSeconds: {},
    tracerActive: {},
    pythons: [],
    sites: [],
    hangs: [],
    distinctOutputs: {},
    differences: [],
    nondeterministic: false,
    introducedByRewrite: false,
    advice: [],
  };
}

/** What the stress runs found, one entry per side, in the words of verify's `nondeterminism`. */
export function stressNondeterminism(stress: StressReport): Array<{ side: StressSide; variants: number; description: string; excerpt?: string; stress: true }> {
  const found = [];
  for (const side of stress.sides) {
    const differences = stress.differences.filter((d) => d.side === side);
    const hangs = stress.hangs.filter((h) => h.side === side);
    const runs = new Set(differences.flatMap((d) => d.runs));
    const parts: string[] = [];
    if (runs.size) {
      const channels = [...new Set(differences.map((d) => (d.kind === 'exit-status' ? 'exit status' : d.file ?? d.kind)))].join(', ');
      parts.push(`${runs.size} of ${stress.runs} stress runs gave an outcome no normal run of the original gave (${channels})`);
    } else if ((stress.distinctOutputs[side] ?? 0) > 1) {
      parts.push(`its stress runs gave ${stress.distinctOutputs[side]} different outcomes`);
    }
    for (const hang of hangs) parts.push(`stress run ${hang.run} hung (killed after ${hang.timeoutSeconds} s${hang.waiting.length ? `; threads waiting at ${hang.waiting.join(', ')}` : ''})`);
    if (parts.length === 0) continue;
    found.push({
      side,
      variants: (stress.distinctOutputs[side] ?? 0) + hangs.length,
      description: `under forced thread switches, the ${side}: ${parts.join('; ')}`,
      excerpt: differences.find((d) => d.excerpt)?.excerpt ?? hangs.find((h) => h.excerpt)?.excerpt,
      stress: true as const,
    });
  }
  return found;
}
