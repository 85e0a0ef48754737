/**
 * `concur verify`'s procedure: copy the project twice, rewrite one copy (or take the user's
 * candidate), run the command in each copy interleaved (original, rewrite, original, ...) after
 * a warm-up, compare every run's outcome with the original's, optionally sweep the rewrite's
 * worker count, and gather the figures. Rendering is elsewhere (render-text.ts, render-json.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { differences as differencesBetween, keepVariant, observe, type CompareOptions, type Difference, type Variant } from './compare.js';
import { caseArgv, caseNote, runCases, type CaseResult, type EdgeCase } from './edge-cases.js';
import { Launcher, type RunOutcome } from './measured-run.js';
import { copyProject, resetOutputDirectory, type ProjectLocation } from './project-copy.js';
import type { RewriteSummary } from './rewrite-copy.js';
import { amdahlFit, median, speedupEstimate, summarize, type AmdahlFit, type SpeedupEstimate, type Summary } from './statistics.js';
import { runStress, skippedStress, stressNondeterminism, type StressReport } from './stress/stress-mode.js';
import { analyseCopies, analysisErrors, selectStressSides, stressTimeout, threadEntries } from './stress/stress-selection.js';
import type { ThreadFacts } from './stress/stress-sites.js';
import { cpuCount, sweepBeyondCpus, sweepEnvironment, sweepPoints } from './sweep.js';
import { findWorkerVariables, type WorkerVariable } from './worker-variables.js';

export type Side = 'original' | 'rewrite';

export interface SweepOptions {
  /** Worker counts to try; derived from the CPU count and the models when absent. */
  workers?: number[];
  /** The largest count when going beyond the CPUs (threads and asyncio). */
  max?: number;
  runsPerPoint: number;
}

export interface VerifyOptions {
  location: ProjectLocation;
  /** The user's working directory (for arguments of the command that name files from there). */
  cwd: string;
  command: string[];
  /** An already-rewritten copy of the project to compare against, instead of concur's rewrite. */
  candidateDirectory?: string;
  /** Rewrites the candidate copy (absent with a candidate directory). */
  rewrite?: (copyRoot: string) => Promise<RewriteSummary>;
  runs: number;
  warmup: number;
  timeoutSeconds: number;
  compareStderr: boolean;
  /** The declared output directory, relative to the project root. */
  outputDirectory?: string;
  sweep?: SweepOptions;
  /** Where the copies go (an empty directory the caller owns and removes). */
  workDirectory: string;
  /** Path from the settings' pattern base down to the project root ('' when not below it). */
  copySuffix?: string;
  env?: NodeJS.ProcessEnv;
  /** Edge-case commands (`--case NAME=CMD`), each run once on each side and compared. */
  cases?: EdgeCase[];
  /** The race stress mode; without it, no stress runs. */
  stress?: StressOptions;
  onPhase?(label: string): void;
}

export interface StressOptions {
  /** Stress runs of each side that runs threads. */
  runs: number;
  /** Seconds after which a stress run is a hang; derived from the normal runs when absent. */
  timeoutSeconds?: number;
  /** concur's analysis of a copy: thread entry points and the racy sites to force switches at. */
  analyse(copyRoot: string): Promise<ThreadFacts>;
}

/** After a stress run's timeout, the tracer gets this long to dump every thread's stack before the kill. */
const HANG_DUMP_GRACE_SECONDS = 0.3;

export interface RunRecord {
  side: Side;
  phase: 'warmup' | 'timed' | 'sweep' | 'case' | 'stress';
  workers?: number;
  /** Edge-case runs: the case's name. */
  case?: string;
  /** Stress runs: which (1-based) of the side's. */
  stressRun?: number;
  seconds: number;
  userSeconds: number;
  sysSeconds: number;
  /** (user + sys) / wall: the average number of busy cores; null when not measured. */
  cpuUtilization: number | null;
  /** The larger of ru_maxrss (largest single process) and the sampled sum over the group. */
  peakRssBytes: number;
  maxRssBytes: number;
  treeRssBytes: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  startError?: string;
  /** For runs of the rewrite: whether the outcome equals one of the original's normal runs (an edge case: the original's run of that case). */
  equal?: boolean;
  /** Wall time of the launch as Node saw it (launcher start-up included). */
  launchSeconds: number;
}

export interface SideFigures {
  seconds: Summary;
  cpuUtilization: number | null;
  peakRssBytes: number;
  exitCode: number | null;
  signal: string | null;
}

export interface ScalingPoint {
  workers: number;
  seconds: number;
  runs: number[];
  speedup: number | null;
  efficiency: number | null;
  cpuUtilization: number | null;
  peakRssBytes: number;
}

export interface ReportedDifference extends Difference {
  /** Runs of the rewrite that showed it, out of `of`. */
  runs: number;
  of: number;
  /** Worker counts of the sweep runs that showed it. */
  workers?: number[];
}

/** The stress mode's outcome: skipped (and why), or what its runs found. */
export type StressOutcome = StressReport & {
  skipped?: string;
  /** Thread entry points concur found in each copy (absent: not analysed). */
  threadEntries: Partial<Record<Side, number>>;
  /** Analysis problems (files that could not be analysed, an analysis that failed). */
  errors: string[];
};

export interface Nondeterminism {
  side: Side;
  variants: number;
  description: string;
  excerpt?: string;
  /** Found by the stress runs (their section shows the details). */
  stress?: boolean;
}

export interface VerifyReport {
  status: 'equal' | 'different' | 'original-failed';
  equal: boolean;
  failure?: string;
  notes: string[];
  project: string;
  command: string[];
  candidate: 'rewrite' | 'directory';
  candidateDirectory?: string;
  rewrites?: RewriteSummary;
  runs: number;
  warmup: number;
  timeoutSeconds: number;
  compared: { exitStatus: true; stdout: true; stderr: boolean; outputDirectory?: string; files: number };
  baseline?: SideFigures;
  candidateFigures?: SideFigures;
  speedup?: SpeedupEstimate;
  scaling: ScalingPoint[];
  sweep?: { variables: WorkerVariable[]; workers: number[]; runsPerPoint: number; cpus: number; skipped?: string };
  amdahl?: AmdahlFit;
  differences: ReportedDifference[];
  /** Edge-case runs (`--case`), in the order given. */
  cases: CaseResult[];
  stress: StressOutcome;
  nondeterministic: boolean;
  nondeterminism: Nondeterminism[];
  records: RunRecord[];
  overhead: { totalSeconds: number; programSeconds: number; fraction: number };
}

/** The stress runs found a race (an outcome no normal run of the original had) or a hang. */
export function stressFound(stress: StressOutcome): boolean {
  return stress.differences.length > 0 || stress.hangs.length > 0;
}

/** Thrown for conditions that end verify with exit status 2 before anything was compared. */
export class VerifyStop extends Error {}

const NAMES = { reference: 'original', other: 'rewrite' };

export async function runVerify(options: VerifyOptions): Promise<VerifyReport> {
  const startedAt = process.hrtime.bigint();
  // The launcher starts while the project is copied.
  const launcher = new Launcher();
  try {
    return await verifyWith(launcher, options, startedAt);
  } finally {
    launcher.close();
  }
}

async function verifyWith(launcher: Launcher, options: VerifyOptions, startedAt: bigint): Promise<VerifyReport> {
  const { location } = options;
  const env = options.env ?? process.env;
  const compare: CompareOptions = { compareStderr: options.compareStderr, compareFiles: options.outputDirectory !== undefined, outputLabel: options.outputDirectory };
  const notes: string[] = [];
  let resultCounter = 0;

  // The copies.
  options.onPhase?.('copying the project');
  const suffix = options.copySuffix ?? '';
  const roots: Record<Side, string> = {
    original: path.join(options.workDirectory, 'original', suffix),
    rewrite: path.join(options.workDirectory, 'rewrite', suffix),
  };
  const candidateSource = options.candidateDirectory ?? location.root;
  copyProject(location.root, roots.original, { exclude: [options.workDirectory, ...(options.candidateDirectory ? [options.candidateDirectory] : [])] });
  copyProject(candidateSource, roots.rewrite, { exclude: [options.workDirectory] });
  const seeds: Record<Side, string | undefined> = {
    original: options.outputDirectory === undefined ? undefined : path.join(location.root, options.outputDirectory),
    rewrite: options.outputDirectory === undefined ? undefined : path.join(candidateSource, options.outputDirectory),
  };
  const commands: Record<Side, string[]> = {
    original: mapCommand(options.command, location.root, roots.original, options.cwd),
    rewrite: mapCommand(options.command, location.root, roots.rewrite, options.cwd),
  };

  const records: RunRecord[] = [];
  const variants: Record<Side, Map<string, Variant>> = { original: new Map(), rewrite: new Map() };
  const rewriteRuns: Array<{ key: string; workers?: number }> = [];
  let originalFailure: string | undefined;
  let rewriteStopped: string | undefined;

  /** One run in a copy, recorded in the run log; the outcome reduced to what is compared. */
  const launch = async (side: Side, phase: RunRecord['phase'], label: string, extra: LaunchExtra = {}) => {
    options.onPhase?.(label);
    const outputDirectory = options.outputDirectory === undefined ? undefined : path.join(roots[side], options.outputDirectory);
    if (outputDirectory !== undefined) resetOutputDirectory(roots[side], options.outputDirectory!, seeds[side]!);
    const outcome = await launcher.run({
      command: extra.command ?? commands[side],
      cwd: roots[side],
      env: extra.env ?? env,
      timeoutSeconds: extra.timeoutSeconds ?? options.timeoutSeconds,
      outputPrefix: path.join(options.workDirectory, `run-${++resultCounter}`),
      ...(extra.beforeKill ? { beforeKill: extra.beforeKill } : {}),
    });
    const observation = observe(outcome, outputDirectory, compare);
    const record = recordOf(side, phase, outcome, extra.workers);
    if (extra.caseName !== undefined) record.case = extra.caseName;
    if (extra.stressRun !== undefined) record.stressRun = extra.stressRun;
    records.push(record);
    return { outcome, observation, record, outputDirectory };
  };

  const run = async (side: Side, phase: RunRecord['phase'], label: string, workers?: number, variables?: WorkerVariable[]): Promise<RunRecord> => {
    const { outcome, observation, record, outputDirectory } = await launch(side, phase, label, {
      workers,
      env: workers !== undefined && variables ? sweepEnvironment(env, variables, workers) : undefined,
    });
    if (!variants[side].has(observation.key)) variants[side].set(observation.key, keepVariant(observation, outcome, outputDirectory));
    if (side === 'rewrite') {
      rewriteRuns.push({ key: observation.key, workers });
      record.equal = variants.original.has(observation.key);
      if (outcome.timedOut) rewriteStopped = `the rewrite did not finish within ${options.timeoutSeconds} s`;
      else if (outcome.startError) rewriteStopped = `the rewrite could not be started: ${outcome.startError}`;
    } else if (outcome.startError) {
      originalFailure = `the original could not be started: ${outcome.startError}`;
    } else if (outcome.timedOut) {
      originalFailure = `the original did not finish within ${options.timeoutSeconds} s (--timeout)`;
    }
    return record;
  };

  /** A run whose variant is kept whatever it is (edge cases and stress runs compare each one). */
  const launchKept = async (side: Side, phase: RunRecord['phase'], label: string, extra: LaunchExtra) => {
    const { outcome, observation, outputDirectory, record } = await launch(side, phase, label, extra);
    return { outcome, observation, record, variant: keepVariant(observation, outcome, outputDirectory) };
  };

  /** Stress runs of each side that runs threads, once the normal runs (and edge cases) are done. */
  const stressRuns = async (): Promise<StressOutcome> => {
    const stress = options.stress;
    const outcome = (report: StressReport) => ({ ...report, threadEntries: threadEntries(analysis), errors: analysisErrors(analysis) });
    if (!stress || !analysis) return outcome(skippedStress(0, 'not requested'));
    if (originalFailure) return outcome(skippedStress(stress.runs, originalFailure));
    const selected = selectStressSides({
      analysis,
      threadedRewrite: (rewrites?.rewrites ?? []).some((r) => r.model === 'threads' || r.model === 'hybrid'),
      rewriteStopped: rewriteStopped !== undefined,
      candidateDirectory: options.candidateDirectory !== undefined,
    });
    if ('skipped' in selected) return outcome(skippedStress(stress.runs, selected.skipped));
    const slowest = (side: Side) => Math.max(0, ...records.filter((r) => r.side === side && (r.phase === 'timed' || r.phase === 'warmup') && !r.timedOut).map((r) => r.seconds));
    const report = await runStress({
      sides: selected.sides.map((side) => ({ side, root: roots[side], sites: analysis[side]?.facts?.sites ?? [], timeoutSeconds: stressTimeout(stress.timeoutSeconds, slowest(side), options.timeoutSeconds) })),
      runs: stress.runs,
      env,
      workDirectory: options.workDirectory,
      baseline: variants.original,
      compare,
      execute: async (side, index, stressEnv, timeoutSeconds) => {
        const done = await launchKept(side, 'stress', `stress run ${index}/${stress.runs}: ${side}`, { env: stressEnv, timeoutSeconds, stressRun: index, beforeKill: { signal: 'SIGUSR1', graceSeconds: HANG_DUMP_GRACE_SECONDS } });
        if (side === 'rewrite') done.record.equal = variants.original.has(done.observation.key);
        return done;
      },
    });
    return outcome(report);
  };

  // Rewrite the candidate while the original warms up: the warm-up is not timed, so the analysis
  // may share the CPUs with it.
  let rewrites: RewriteSummary | undefined;
  const rewriting = options.rewrite ? options.rewrite(roots.rewrite) : Promise.resolve(undefined);
  const warming = (async () => {
    for (let i = 0; i < options.warmup && !originalFailure; i++) await run('original', 'warmup', `original warm-up ${i + 1}/${options.warmup}`);
  })();
  // The stress mode's analysis of each copy (the rewrite's once it is rewritten), before the timed runs.
  const analysing = options.stress ? analyseCopies(options.stress.analyse, roots, rewriting) : Promise.resolve(undefined);
  const [rewritten, warmed] = await Promise.allSettled([rewriting, warming]);
  if (warmed.status === 'rejected') throw warmed.reason;
  if (rewritten.status === 'rejected') throw rewritten.reason;
  rewrites = rewritten.value;
  if (rewrites && rewrites.applied === 0 && !originalFailure) {
    throw new VerifyStop(
      `concur made no rewrite in ${location.target === '.' ? 'the project' : location.target}: nothing to verify` +
        (rewrites.errors.length ? ` (${rewrites.errors.length} file${rewrites.errors.length === 1 ? '' : 's'} with errors: ${rewrites.errors[0]})` : '') +
        '; unsafe fixes are applied only with --unsafe-fixes',
    );
  }
  const analysis = await analysing;

  if (!originalFailure) {
    for (let i = 0; i < options.warmup && !rewriteStopped; i++) await run('rewrite', 'warmup', `rewrite warm-up ${i + 1}/${options.warmup}`);
    for (let i = 0; i < options.runs && !originalFailure; i++) {
      await run('original', 'timed', `run ${i + 1}/${options.runs}: original`);
      if (originalFailure || rewriteStopped) continue;
      await run('rewrite', 'timed', `run ${i + 1}/${options.runs}: rewrite`);
    }
  }

  // Edge cases: each once on each side, compared like the main command.
  let cases: CaseResult[] = [];
  if (options.cases?.length && !originalFailure) {
    if (rewriteStopped) notes.push(`edge cases not run: ${rewriteStopped}`);
    else {
      cases = await runCases(options.cases, compare, (side, edgeCase) =>
        launchKept(side, 'case', `case ${edgeCase.name}: ${side}`, { command: caseArgv(edgeCase.command, location.root, roots[side]), caseName: edgeCase.name }),
      );
      for (const result of cases) {
        const note = caseNote(result, options.timeoutSeconds);
        if (note) notes.push(note);
        const record = records.find((r) => r.phase === 'case' && r.case === result.name && r.side === 'rewrite');
        if (record) record.equal = result.equal;
      }
    }
  }

  // The race stress mode.
  const stress = await stressRuns();

  // The scaling sweep.
  let sweep: VerifyReport['sweep'];
  const scaling: ScalingPoint[] = [];
  if (options.sweep && !originalFailure) {
    const variables = mergeModels(findWorkerVariables(roots.rewrite, roots.original), rewrites);
    const cpus = cpuCount();
    const workers = options.sweep.workers ?? sweepPoints(cpus, sweepBeyondCpus(variables), options.sweep.max);
    sweep = { variables, workers, runsPerPoint: options.sweep.runsPerPoint, cpus };
    const differentSoFar = rewriteRuns.some((r) => !variants.original.has(r.key)) || cases.some((c) => !c.equal) || stress.introducedByRewrite;
    if (variables.length === 0) sweep.skipped = 'no worker-count variable (`<NAME>_WORKERS = int(os.environ.get(...))`) found in the rewritten files';
    else if (rewriteStopped) sweep.skipped = rewriteStopped;
    else if (differentSoFar) sweep.skipped = 'the outputs already differ';
    else {
      for (let round = 0; round < options.sweep.runsPerPoint && !rewriteStopped; round++) {
        for (const n of workers) {
          if (rewriteStopped) break;
          await run('rewrite', 'sweep', `sweep ${n} worker${n === 1 ? '' : 's'} (round ${round + 1}/${options.sweep.runsPerPoint})`, n, variables);
        }
      }
    }
  }

  // Outcomes.
  const timed = (side: Side) => records.filter((r) => r.side === side && r.phase === 'timed' && !r.timedOut && !r.startError);
  const baselineRuns = timed('original');
  const rewriteTimed = timed('rewrite');
  const baseline = baselineRuns.length ? figures(baselineRuns) : undefined;
  const candidateFigures = rewriteTimed.length ? figures(rewriteTimed) : undefined;
  const pairs = Math.min(baselineRuns.length, rewriteTimed.length);
  const speedup = pairs > 0 ? speedupEstimate(baselineRuns.slice(0, pairs).map((r) => r.seconds), rewriteTimed.slice(0, pairs).map((r) => r.seconds)) : undefined;
  if (sweep && !sweep.skipped) {
    for (const n of sweep.workers) {
      const points = records.filter((r) => r.phase === 'sweep' && r.workers === n && !r.timedOut && !r.startError);
      if (points.length === 0) continue;
      const seconds = median(points.map((r) => r.seconds));
      const ratio = baseline ? baseline.seconds.median / seconds : null;
      scaling.push({
        workers: n,
        seconds,
        runs: points.map((r) => r.seconds),
        speedup: ratio,
        efficiency: ratio === null ? null : ratio / n,
        cpuUtilization: medianOrNull(points.map((r) => r.cpuUtilization)),
        peakRssBytes: Math.max(...points.map((r) => r.peakRssBytes)),
      });
    }
  }
  const amdahl = scaling.length >= 2 ? amdahlFit(scaling) : undefined;

  const reference = variants.original.values().next().value as Variant | undefined;
  const reported = new Map<string, ReportedDifference>();
  if (reference) {
    for (const runRecord of rewriteRuns) {
      if (variants.original.has(runRecord.key)) continue;
      for (const difference of differencesBetween(reference, variants.rewrite.get(runRecord.key)!, compare, NAMES)) {
        const id = `${difference.kind}\0${difference.file ?? ''}\0${difference.description}`;
        const entry = reported.get(id) ?? { ...difference, runs: 0, of: rewriteRuns.length };
        entry.runs++;
        if (runRecord.workers !== undefined) entry.workers = [...new Set([...(entry.workers ?? []), runRecord.workers])].sort((a, b) => a - b);
        reported.set(id, entry);
      }
    }
  }
  const differences = [...reported.values()];
  const nondeterminism = [
    ...(['original', 'rewrite'] as const).flatMap((side) => describeNondeterminism(side, [...variants[side].values()], compare)),
    ...stressNondeterminism(stress),
  ];

  if (reference && reference.exitCode !== 0 && !originalFailure) {
    notes.push(`the original ${reference.signal ? `is killed by ${reference.signal}` : `exits with status ${reference.exitCode}`}: compared as it is`);
  }
  if (rewrites?.errors.length) notes.push(...rewrites.errors.map((e) => `not rewritten: ${e}`));
  if (!options.outputDirectory) notes.push('no --output-dir: files the program writes are not compared');

  const different = differences.length > 0 || rewriteStopped !== undefined || cases.some((c) => !c.equal) || stress.introducedByRewrite;
  const status: VerifyReport['status'] = originalFailure ? 'original-failed' : different ? 'different' : 'equal';
  const totalSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const programSeconds = records.reduce((sum, r) => sum + r.seconds, 0);
  const outputFiles = reference?.files.size ?? 0;
  return {
    status,
    equal: status === 'equal',
    ...(originalFailure ? { failure: originalFailure } : {}),
    notes,
    project: location.root,
    command: options.command,
    candidate: options.candidateDirectory ? 'directory' : 'rewrite',
    ...(options.candidateDirectory ? { candidateDirectory: options.candidateDirectory } : {}),
    ...(rewrites ? { rewrites } : {}),
    runs: options.runs,
    warmup: options.warmup,
    timeoutSeconds: options.timeoutSeconds,
    compared: { exitStatus: true, stdout: true, stderr: options.compareStderr, ...(options.outputDirectory ? { outputDirectory: options.outputDirectory } : {}), files: outputFiles },
    ...(baseline ? { baseline } : {}),
    ...(candidateFigures ? { candidateFigures } : {}),
    ...(speedup ? { speedup } : {}),
    scaling,
    ...(sweep ? { sweep } : {}),
    ...(amdahl ? { amdahl } : {}),
    differences,
    cases,
    stress,
    nondeterministic: nondeterminism.length > 0 || stress.nondeterministic,
    nondeterminism,
    records,
    overhead: { totalSeconds, programSeconds, fraction: totalSeconds > 0 ? Math.max(0, totalSeconds - programSeconds) / totalSeconds : 0 },
  };
}

interface LaunchExtra {
  command?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutSeconds?: number;
  workers?: number;
  caseName?: string;
  stressRun?: number;
  beforeKill?: { signal: NodeJS.Signals; graceSeconds: number };
}

function recordOf(side: Side, phase: RunRecord['phase'], outcome: RunOutcome, workers?: number): RunRecord {
  const cpu = outcome.measured && outcome.wallSeconds > 0 ? (outcome.userSeconds + outcome.sysSeconds) / outcome.wallSeconds : null;
  return {
    side,
    phase,
    ...(workers !== undefined ? { workers } : {}),
    seconds: outcome.wallSeconds,
    userSeconds: outcome.userSeconds,
    sysSeconds: outcome.sysSeconds,
    cpuUtilization: cpu,
    peakRssBytes: Math.max(outcome.maxRssBytes, outcome.treeRssBytes),
    maxRssBytes: outcome.maxRssBytes,
    treeRssBytes: outcome.treeRssBytes,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    ...(outcome.startError !== undefined ? { startError: outcome.startError } : {}),
    launchSeconds: outcome.launchSeconds,
  };
}

function figures(runs: RunRecord[]): SideFigures {
  const last = runs[runs.length - 1]!;
  return {
    seconds: summarize(runs.map((r) => r.seconds)),
    cpuUtilization: medianOrNull(runs.map((r) => r.cpuUtilization)),
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    exitCode: last.exitCode,
    signal: last.signal,
  };
}

function medianOrNull(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? median(present) : null;
}

/** How a side's runs differed among themselves: the first variant against each other one. */
function describeNondeterminism(side: Side, sideVariants: Variant[], compare: CompareOptions): Nondeterminism[] {
  if (sideVariants.length < 2) return [];
  const [first, second] = sideVariants as [Variant, Variant];
  const found = differencesBetween(first, second, compare, { reference: `${side} (run A)`, other: `${side} (run B)` });
  const what = found.map((d) => d.kind === 'exit-status' ? 'exit status' : d.file ?? d.kind).join(', ') || 'outcome';
  return [{ side, variants: sideVariants.length, description: `the ${side} gave ${sideVariants.length} different outcomes over its own runs (${what})`, excerpt: found.find((d) => d.excerpt)?.excerpt }];
}

/** The rewrite's own plans know the model for sure; the file's comment is a fallback. */
function mergeModels(variables: WorkerVariable[], rewrites: RewriteSummary | undefined): WorkerVariable[] {
  const byName = new Map((rewrites?.rewrites ?? []).filter((r) => r.workersVariable && r.model).map((r) => [r.workersVariable!, r.model!]));
  return variables.map((v) => {
    const model = byName.get(v.name);
    return model === 'threads' || model === 'processes' || model === 'asyncio' ? { ...v, model } : v;
  });
}

/**
 * The command for one copy: arguments that name a path of the project (absolute, or relative to
 * the user's working directory when that is not the project root) point into the copy instead.
 * Relative arguments that exist from the project root are left as they are: the copy is the
 * working directory.
 */
export function mapCommand(command: readonly string[], root: string, copy: string, cwd: string): string[] {
  const inside = (absolute: string) => {
    const relative = path.relative(root, absolute);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative)) ? relative : undefined;
  };
  return command.map((argument, index) => {
    if (argument.startsWith('-') || argument === '') return argument;
    if (path.isAbsolute(argument)) {
      const relative = inside(argument);
      return relative === undefined ? argument : path.join(copy, relative);
    }
    // A bare program name is looked up on PATH.
    if (index === 0 && !argument.includes('/')) return argument;
    if (existsSync(path.join(root, argument))) return argument;
    const fromCwd = path.resolve(cwd, argument);
    const relative = existsSync(fromCwd) ? inside(fromCwd) : undefined;
    return relative === undefined ? argument : path.join(copy, relative);
  });
}
