/**
 * Plans refined by a profile (`concur check --profile FILE`): the measured class of the loop
 * overrides the static guess of its workload, the worker count and chunk size come from the
 * measured cost per item and item count, and a loop whose measured time cannot pay for starting
 * a pool here is "not worth it", with both figures. Every plan says what was measured and the
 * speedup it expects (see src/profile/estimate.ts for the model).
 */
import type { Plan } from '../diagnostics/finding.js';
import { estimate, processChunksize, type Estimate, type ModelChoice } from '../profile/estimate.js';
import type { LoopMeasurement } from '../profile/profile-file.js';
import { percent } from '../profile/classify.js';

/** What the code allows, from the static analysis: the measured plan must respect it. */
export interface ChoiceConstraints {
  inAsyncFunction: boolean;
  mapAwaits: boolean;
  notebook: boolean;
  freeThreaded: boolean;
  /** Why the map stage cannot be split into threads that wait and processes that compute; undefined when it can. */
  hybridObstacle?: string;
  /** Threads for the kinds of I/O the code shows (a service or a disk serves only so many at once). */
  ioThreadCap: number;
  construct: 'loop' | 'comprehension';
}

export type MeasuredChoice = { kind: 'choice'; choice: ModelChoice; estimate: Estimate; why: string } | { kind: 'rejected'; reason: string };

/** Threads a waiting loop needs: enough that the CPU work of one keeps up with the others' waiting. */
export function waitingThreads(measurement: LoopMeasurement, cap: number): number {
  const { iterationSeconds: wall, iterationCpuSeconds: cpu } = measurement.figures;
  const enough = Math.ceil(wall / Math.max(cpu, wall / 1000, 1e-9));
  return Math.max(1, Math.min(cap, enough, itemsPerEntry(measurement)));
}

function itemsPerEntry(measurement: LoopMeasurement): number {
  return Math.max(1, Math.ceil(measurement.figures.iterations / Math.max(1, measurement.figures.entries)));
}

/** The model the measurement calls for, within what the code allows, with its estimate. */
export function measuredChoice(measurement: LoopMeasurement, constraints: ChoiceConstraints): MeasuredChoice {
  const { figures, machine } = measurement;
  const perEntry = itemsPerEntry(measurement);
  const perCpu = Math.max(1, Math.min(machine.cpus, perEntry));
  const waiting = waitingThreads(measurement, constraints.ioThreadCap);
  const make = (choice: ModelChoice, why: string): MeasuredChoice => ({ kind: 'choice', choice, estimate: estimate(figures, machine, choice), why });
  const python = measurement.class === 'cpu' || (measurement.class === 'mixed' && measurement.compute !== 'native');

  if (constraints.inAsyncFunction) {
    const workers = Math.min(16, perEntry);
    return make({ model: 'asyncio', workers }, `the awaits of ${workers} items overlap at a time`);
  }
  if (python && (constraints.freeThreaded || !machine.gil)) {
    const threads = measurement.class === 'cpu' ? perCpu : Math.max(perCpu, waiting);
    return make({ model: 'threads', workers: threads, freeThreaded: true }, `on a free-threaded build threads run the pure-Python computing in parallel: ${threads} threads, nothing pickled`);
  }
  switch (measurement.class) {
    case 'io':
      return make({ model: 'threads', workers: waiting }, waitingWords(measurement, waiting, constraints.ioThreadCap));
    case 'native':
      return make({ model: 'threads', workers: perCpu }, `native code that releases the GIL runs in parallel in threads: one per CPU (${perCpu}), nothing pickled`);
    case 'cpu': {
      if (constraints.notebook) {
        return { kind: 'rejected', reason: `measured pure-Python CPU work (${measurement.classReason}) needs a process pool, and a process pool cannot import a worker defined in a notebook` };
      }
      return make(processesChoice(measurement, perCpu), processWords(measurement, perCpu));
    }
    case 'mixed': {
      if (!python) return make({ model: 'threads', workers: waiting }, `${waitingWords(measurement, waiting, constraints.ioThreadCap)}; the computing is native code that releases the GIL, so the threads run it in parallel too`);
      const options: MeasuredChoice[] = [
        make({ model: 'threads', workers: waiting }, `${waitingWords(measurement, waiting, constraints.ioThreadCap)}; the pure-Python computing still runs one thread at a time (the GIL)`),
      ];
      if (!constraints.notebook) options.push(make(processesChoice(measurement, perCpu), `${processWords(measurement, perCpu)}; each process also waits for its own items`));
      if (!constraints.hybridObstacle && !constraints.notebook) {
        const ioThreads = Math.max(1, Math.min(constraints.ioThreadCap, perEntry));
        options.push(
          make(
            { model: 'hybrid', workers: perCpu, ioThreads },
            `${ioThreads} threads wait and hand what they got to ${perCpu} worker processes that compute in parallel (started with spawn, measured here)`,
          ),
        );
      }
      return options.reduce((best, next) => (speedupOf(next) > speedupOf(best) ? next : best));
    }
  }
}

function speedupOf(choice: MeasuredChoice): number {
  return choice.kind === 'choice' ? (choice.estimate.programSpeedup ?? choice.estimate.loopSpeedup) : 0;
}

function processesChoice(measurement: LoopMeasurement, workers: number): ModelChoice {
  return { model: 'processes', workers, chunksize: processChunksize(measurement.figures, measurement.machine, workers) };
}

function waitingWords(measurement: LoopMeasurement, threads: number, cap: number): string {
  const { iterationSeconds: wall, iterationCpuSeconds: cpu } = measurement.figures;
  const enough = Math.ceil(wall / Math.max(cpu, wall / 1000, 1e-9));
  const limit =
    threads === itemsPerEntry(measurement) && threads < Math.min(cap, enough)
      ? `one per item (${threads})`
      : threads === cap && cap < enough
        ? `${threads} (the cap for this kind of I/O; waiting ${seconds(wall)} for ${seconds(cpu)} of CPU per item, ${enough} would keep a core busy)`
        : `${threads} (an item waits ${seconds(wall - cpu)} for ${seconds(cpu)} of CPU, so ${enough} threads keep a core busy)`;
  return `threads overlap the waiting: ${limit}`;
}

function processWords(measurement: LoopMeasurement, workers: number): string {
  const chunk = processChunksize(measurement.figures, measurement.machine, workers);
  const handOff = measurement.machine.processes ? `; handing an item to a process costs ${seconds(measurement.machine.processes.perItemSeconds)} here` : '';
  return `pure Python holds the GIL, so only processes run it in parallel: ${workers} worker process${workers === 1 ? '' : 'es'}, ${chunk} item${chunk === 1 ? '' : 's'} per task${handOff}`;
}

/** The measured decision, or "not worth it" with the measured figures. */
export function planFromMeasurement(
  measurement: LoopMeasurement,
  constraints: ChoiceConstraints,
  staticPlan: Plan | undefined,
): { kind: 'plan'; plan: Plan; ioThreads?: number; perCpu: boolean } | { kind: 'rejected'; reason: string } {
  const decided = measuredChoice(measurement, constraints);
  if (decided.kind === 'rejected') return decided;
  const { choice, estimate: expected, why } = decided;
  const words = measuredWords(measurement, constraints.construct);
  if (expected.loopSpeedup < MINIMUM_SPEEDUP) {
    const pool = choice.model === 'threads' ? 'a thread pool' : choice.model === 'asyncio' ? 'the tasks' : 'a process pool';
    const total = measurement.figures.loopSeconds;
    return {
      kind: 'rejected',
      reason:
        `not worth it: measured ${words.iterations} of ${seconds(measurement.wall.median)} each (${seconds(total)} in all), and starting ${pool} costs ${seconds(expected.startupSeconds)} here ` +
        `(handing the items over ${seconds(expected.handOffSeconds)} more): run concurrently the ${constraints.construct} would take an estimated ${seconds(expected.loopSeconds)} (${expected.loopSpeedup.toFixed(2)}x, limited by ${expected.bound})`,
    };
  }
  const speedup = expected.programSpeedup ?? expected.loopSpeedup;
  const program =
    expected.programSpeedup === null
      ? `estimated speedup ${expected.loopSpeedup.toFixed(2)}x for the ${constraints.construct} (it ran outside the program's first process)`
      : `estimated speedup ${expected.programSpeedup.toFixed(2)}x for the program (the ${constraints.construct} ${expected.loopSpeedup.toFixed(2)}x: limited by ${expected.bound}, plus ${seconds(expected.startupSeconds)} to start the pool, measured here)`;
  const rationale = [`measured at ${measurement.where}: ${words.summary}`, why, program];
  if (staticPlan && staticPlan.model === choice.model) {
    const fromCode = clauses(staticPlan.rationale.replace(/\.$/, '')).filter((clause) => !STATIC_WORKER_COUNT.test(clause));
    rationale.push(`from the code: ${fromCode.join('; ')}`);
  } else if (staticPlan) rationale.push(`the static analysis alone would have chosen ${staticPlan.model} (${staticPlan.workload} work)`);
  const plan: Plan = {
    model: choice.model,
    workload: measurement.class,
    workers: choice.workers,
    rationale: `${rationale.join('; ')}.`,
    estimatedSpeedup: Math.round(speedup * 100) / 100,
    ...(choice.chunksize !== undefined ? { chunksize: choice.chunksize } : {}),
  };
  // One worker per CPU: the generated code asks the machine it runs on rather than fixing this one's count.
  const computes = choice.model === 'processes' || choice.model === 'hybrid' || (choice.model === 'threads' && measurement.class !== 'io' && measurement.class !== 'mixed');
  const perCpu = computes && choice.workers === measurement.machine.cpus;
  return { kind: 'plan', plan, ...(choice.ioThreads !== undefined ? { ioThreads: choice.ioThreads } : {}), perCpu };
}

/** The static rationale's clauses about its default worker count, which the measured count replaces. */
const STATIC_WORKER_COUNT = /\(\d+ here\)|\d+ worker threads by default|in flight by default|I\/O threads and one worker process per CPU/;

/** A rationale's clauses: split at `; ` outside parentheses. */
function clauses(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && text.startsWith('; ', i)) {
      parts.push(text.slice(start, i));
      start = i + 2;
    }
  }
  return [...parts, text.slice(start)];
}

/** Below this estimated speedup of the loop, concurrency does not pay. */
export const MINIMUM_SPEEDUP = 1.05;

function measuredWords(measurement: LoopMeasurement, construct: ChoiceConstraints['construct']): { iterations: string; summary: string } {
  const { figures, wall } = measurement;
  const iterations = `${figures.iterations} iteration${figures.iterations === 1 ? '' : 's'}${figures.entries > 1 ? ` over ${figures.entries} entries` : ''}`;
  const share = figures.programSeconds ? `; the ${construct} took ${seconds(figures.loopSeconds)} of the program's ${seconds(figures.programSeconds)} (${percent(Math.min(1, figures.loopSeconds / figures.programSeconds))})` : '';
  return {
    iterations,
    summary: `${iterations} of ${seconds(wall.median)} each (median; p90 ${seconds(wall.p90)}, max ${seconds(wall.max)}), ${measurement.classReason} (${measurement.class})${share}`,
  };
}

/** `1.23 s`, `45 ms`, `12 µs`. */
export function seconds(value: number): string {
  if (value >= 1) return `${value.toFixed(2)} s`;
  if (value >= 1e-3) return `${(value * 1e3).toFixed(value >= 0.1 ? 0 : 1)} ms`;
  return `${(value * 1e6).toFixed(value >= 1e-4 ? 0 : 1)} µs`;
}
