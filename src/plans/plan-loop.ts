/**
 * The plan for a loop whose iterations can run concurrently: which execution model, how many
 * workers, and why, in words. Or the honest no: the loop does too little work to pay for
 * starting workers.
 */
import { availableParallelism } from 'node:os';
import type { Plan } from '../diagnostics/finding.js';
import { functionEffects } from '../loops/function-effects.js';
import type { LoopAnalysis, MapEffects, WorkHint } from '../loops/types.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import type { LoopMeasurement } from '../profile/profile-file.js';
import { hasHeavyLoop } from './cpu-evidence.js';
import { hybridSplit, type HybridSplit, type HybridSplitResult } from './hybrid-split.js';
import { planFromMeasurement } from './measured-plan.js';

/** What planning needs to know about a loop: plain data, so that it can also be decided after linking files. */
export interface PlanFacts {
  /** Statements in the map stage. */
  mapStatements: number;
  effects: MapEffects;
  workPerIteration: WorkHint[];
  estimatedIterations?: number;
  /** A better optimization than concurrency, when the code shows one. */
  suggestion?: string;
  /**
   * Evidence of pure-Python work worth a process: a `while` or a `for` over a `range` in the
   * map stage, or a loop in a function it calls. A short inner loop over the item's parts
   * (`for suffix in suffixes`) is not.
   */
  heavyLoop: boolean;
  /** A `break` or `return` the commit stage replays: the map stage runs ahead of it speculatively. */
  earlyExit: boolean;
  /**
   * When the map stage waits and then computes: where it splits into a waiting part (threads)
   * and a computing part (processes), or why it does not.
   */
  hybrid?: HybridSplitResult;
  /** The loop as `concur profile` measured it (`--profile`): it overrides the static guesses. */
  measured?: LoopMeasurement;
}

/** `hoisted`: heavy expressions the commit stage consumes, which the rewrite computes in the map stage. */
export function planFactsOf(model: SemanticModel, analysis: LoopAnalysis, hoisted: readonly SyntaxNode[] = []): PlanFacts {
  return {
    hybrid: hybridSplit(model, analysis, hoisted),
    heavyLoop: analysis.map.some(hasHeavyLoop) || analysis.calledFunctions.some((scope) => functionEffects(model, scope).loops),
    mapStatements: analysis.map.length,
    effects: analysis.effects,
    workPerIteration: analysis.workPerIteration,
    estimatedIterations: analysis.estimatedIterations,
    suggestion: betterSuggestion(analysis.map),
    earlyExit: analysis.exits.length > 0,
  };
}

export interface PlanOptions {
  targetVersion: [number, number];
  /** The loop runs inside an `async def`. */
  inAsyncFunction: boolean;
  /** The map stage awaits. */
  mapAwaits: boolean;
  /** The file is a Jupyter notebook: a process pool cannot import its worker from it. */
  notebook: boolean;
  /** Heavy calls the rewrite moves out of the commit stage into the map stage. */
  hoistedWork: boolean;
  /** The program runs on a free-threaded build (3.13t and later): threads run Python code in parallel. */
  freeThreaded?: boolean;
  /** What the reasons and the rationale talk about: a `for` loop (the default) or a comprehension. */
  construct?: 'loop' | 'comprehension';
}

/** The words a plan uses for what it plans. */
interface Words {
  /** `the loop runs 3 times` / `the comprehension runs over 3 items`. */
  runs: (count: number) => string;
  units: string;
  mapStage: string;
  inAsync: string;
  notebook: string;
  commit: string;
  mayRaise: string;
}

const LOOP_WORDS: Words = {
  runs: (n) => `the loop runs ${n} time${n === 1 ? '' : 's'}`,
  units: 'iterations',
  mapStage: 'the map stage',
  inAsync: 'the loop runs inside `async def` but its map stage does not await: a worker pool would block the event loop; move the blocking work to `asyncio.to_thread` first',
  notebook: 'move the map stage into a module and import it',
  commit: 'the commit stage (appends, totals, output) runs in the caller in the original order, so the output is unchanged',
  mayRaise: 'assumes the map stage has no effects other code observes before the loop ends: items after a failing one may already have run',
};

const COMPREHENSION_WORDS: Words = {
  runs: (n) => `the comprehension runs over ${n} item${n === 1 ? '' : 's'}`,
  units: 'items',
  mapStage: 'the element',
  inAsync: 'the comprehension runs inside `async def` and its element does not await: a worker pool would block the event loop; await the work with `asyncio.gather` or `asyncio.to_thread` instead',
  notebook: 'move the functions the element calls into a module and import them',
  commit: 'the comprehension\'s value is built from the results in the original order, so it is the same',
  mayRaise: 'if an item fails, the same exception is raised, but items after it may already have run',
};

function wordsOf(options: PlanOptions): Words {
  return options.construct === 'comprehension' ? COMPREHENSION_WORDS : LOOP_WORDS;
}

/**
 * `defaultWorkers` is the count the plan reports (threads, processes, awaits in flight); a
 * hybrid plan also has `ioThreads`, the threads that wait, beside its worker processes.
 */
export type PlanDecision = { kind: 'plan'; plan: Plan; defaultWorkers: WorkersDefault; ioThreads?: number } | { kind: 'rejected'; reason: string };

/** What the generated code uses when the environment variable is not set. */
export type WorkersDefault = { kind: 'fixed'; count: number } | { kind: 'cpu-count' };

/**
 * Thread counts for blocking I/O: waiting costs no CPU, so far more workers than cores pay off.
 * A child process that waits costs nothing either, and children that compute share the cores
 * among themselves whatever their number, so subprocesses get as many as network calls; a
 * database or a disk serves a few requests at a time well and many badly.
 */
export const IO_THREADS: Record<string, number> = { network: 16, sleep: 16, subprocess: 16, disk: 8, database: 8, wait: 8 };

export function planLoop(analysis: PlanFacts, options: PlanOptions): PlanDecision {
  const decision = planStatically(analysis, options);
  const nothingToRun = analysis.mapStatements === 0 && !options.hoistedWork;
  return analysis.measured && !nothingToRun ? planWithMeasurement(analysis.measured, decision, analysis, options) : decision;
}

/**
 * A measured loop: what the code rules out (an async loop that does not await, pure Python in a
 * notebook) stays ruled out, but whether it is worth it, the model and the workers come from the
 * measurement.
 */
function planWithMeasurement(measured: LoopMeasurement, decision: PlanDecision, facts: PlanFacts, options: PlanOptions): PlanDecision {
  if (decision.kind === 'rejected' && !decision.reason.startsWith('not worth it')) return decision;
  const blocking = facts.effects.blocking;
  const result = planFromMeasurement(
    measured,
    {
      inAsyncFunction: options.inAsyncFunction,
      mapAwaits: options.mapAwaits,
      notebook: options.notebook,
      freeThreaded: Boolean(options.freeThreaded),
      hybridObstacle: facts.hybrid?.kind === 'split' ? hybridObstacle(facts, options) : (facts.hybrid?.reason ?? 'the map stage does not wait and then compute in statements of their own'),
      ioThreadCap: blocking.length > 0 ? ioThreads(blocking, undefined) : IO_THREADS.network,
      construct: options.construct ?? 'loop',
    },
    decision.kind === 'plan' ? decision.plan : undefined,
  );
  if (result.kind === 'rejected') return result;
  return {
    kind: 'plan',
    plan: result.plan,
    defaultWorkers: result.perCpu ? { kind: 'cpu-count' } : { kind: 'fixed', count: result.plan.workers },
    ...(result.ioThreads !== undefined ? { ioThreads: result.ioThreads } : {}),
  };
}

function planStatically(analysis: PlanFacts, options: PlanOptions): PlanDecision {
  const { effects, workPerIteration, estimatedIterations: iterations } = analysis;
  const words = wordsOf(options);
  const blocking = effects.blocking;
  const pythonCpu = effects.cpu.includes('python') || analysis.heavyLoop;
  // Native code that keeps the GIL (a regex, `str.encode`) is fast on the sizes loops usually
  // see, and only processes could overlap it: no evidence of work worth a worker.
  const nativeCpu = effects.cpu.includes('native') && effects.releasesGil;
  // A call of a project function is work only if something in it waits, loops or computes:
  // `visible(name)` costs less than handing the item to a worker.
  const hasWork = blocking.length > 0 || pythonCpu || nativeCpu || options.mapAwaits;

  if (analysis.mapStatements === 0 && !options.hoistedWork) {
    return { kind: 'rejected', reason: 'not worth it: every statement of the body belongs to the in-order commit stage, so there is nothing to run concurrently' };
  }
  if (iterations !== undefined && iterations < 2) {
    return { kind: 'rejected', reason: `not worth it: ${words.runs(iterations)}` };
  }
  if (!hasWork) {
    const hint = analysis.suggestion;
    const size = iterations !== undefined ? `${iterations} ${words.units} of ` : '';
    const calls = workPerIteration.includes('project-call') ? ' (the functions it calls neither wait, loop nor call heavy code)' : '';
    return {
      kind: 'rejected',
      reason: `not worth it: ${size}cheap work${calls || ' (no I/O, no heavy call, no inner loop)'} cannot pay for starting workers and handing them items${hint ? `; ${hint}` : ''}`,
    };
  }
  if (iterations !== undefined && iterations < 4 && blocking.length === 0 && !options.mapAwaits) {
    return { kind: 'rejected', reason: `not worth it: ${iterations} ${words.units} of CPU work cannot pay for starting worker processes` };
  }

  if (options.inAsyncFunction) {
    if (analysis.earlyExit) {
      return {
        kind: 'rejected',
        reason: 'early exit in an `async def` loop: `asyncio.gather` would start every item at once, however early the loop stops; keep the loop sequential or cancel the remaining tasks by hand',
      };
    }
    if (!options.mapAwaits) {
      return { kind: 'rejected', reason: words.inAsync };
    }
    const workers = Math.min(16, iterations ?? 16);
    return {
      kind: 'plan',
      defaultWorkers: { kind: 'fixed', count: workers },
      plan: {
        model: 'asyncio',
        workload: 'io',
        workers,
        rationale: rationaleOf('asyncio', workers, analysis, options),
      },
    };
  }

  // Reading local files to hash or compress them is native work: the files usually come from
  // the page cache, and the hashing, not the reading, takes the time.
  const readsLocalFiles = blocking.length > 0 && blocking.every((kind) => kind === 'disk');
  const workload: Plan['workload'] =
    nativeCpu && !pythonCpu && (blocking.length === 0 || readsLocalFiles)
      ? 'native'
      : blocking.length > 0
        ? pythonCpu
          ? 'mixed'
          : 'io'
        : pythonCpu || nativeCpu
          ? 'cpu'
          : 'unknown';
  // Reading local files is quick next to parsing them in pure Python: the parsing decides, and
  // only processes run it in parallel. Waiting on a network or a child process decides the
  // other way, and so does native work that releases the GIL.
  const cpuDominated = workload === 'cpu' || (workload === 'mixed' && blocking.every((kind) => kind === 'disk') && !effects.releasesGil);
  if (cpuDominated && options.freeThreaded) {
    const cpus = availableParallelism();
    return {
      kind: 'plan',
      defaultWorkers: { kind: 'cpu-count' },
      plan: { model: 'threads', workload, workers: cpus, rationale: rationaleOf('threads', cpus, analysis, options, workload) },
    };
  }
  // Waiting on a network or a child process and then computing in pure Python: threads for the
  // one, processes for the other, when the map stage splits cleanly between them. Local reads
  // are quick next to the computing: a process that reads its own file saves pickling it.
  const split = analysis.hybrid?.kind === 'split' ? analysis.hybrid.split : undefined;
  const hybridNote = workload === 'mixed' ? hybridObstacle(analysis, options) : undefined;
  if (workload === 'mixed' && split && !hybridNote) {
    const cpus = availableParallelism();
    const threads = ioThreads(split.blocking, iterations);
    return {
      kind: 'plan',
      defaultWorkers: { kind: 'cpu-count' },
      ioThreads: threads,
      plan: { model: 'hybrid', workload, workers: cpus, rationale: hybridRationale(split, threads, cpus, analysis) },
    };
  }
  if (cpuDominated) {
    if (options.notebook) {
      return {
        kind: 'rejected',
        reason: `pure-Python CPU work needs a process pool, and a process pool cannot import a worker defined in a notebook: ${words.notebook}`,
      };
    }
    const cpus = availableParallelism();
    return {
      kind: 'plan',
      defaultWorkers: { kind: 'cpu-count' },
      plan: { model: 'processes', workload, workers: cpus, rationale: rationaleOf('processes', cpus, analysis, options) },
    };
  }
  if (workload === 'native') {
    const cpus = availableParallelism();
    return {
      kind: 'plan',
      defaultWorkers: { kind: 'cpu-count' },
      plan: { model: 'threads', workload, workers: cpus, rationale: rationaleOf('threads', cpus, analysis, options, 'native') },
    };
  }
  const workers = ioThreads(blocking, iterations);
  return {
    kind: 'plan',
    defaultWorkers: { kind: 'fixed', count: workers },
    plan: { model: 'threads', workload: workload === 'unknown' ? 'io' : workload, workers, rationale: rationaleOf('threads', workers, analysis, options, undefined, hybridNote) },
  };
}

/**
 * Why a map stage that waits and then computes does not get a hybrid plan, if it does not. The
 * split itself may have found no clean cut; the plan adds what only it knows: the build, the
 * notebook, early exit and the item count.
 */
function hybridObstacle(analysis: PlanFacts, options: PlanOptions): string | undefined {
  const hybrid = analysis.hybrid;
  if (hybrid?.kind !== 'split') return hybrid?.reason;
  const iterations = analysis.estimatedIterations;
  if (options.freeThreaded) return 'on a free-threaded build the threads run the computing in parallel themselves, so no process pool is needed and nothing is pickled';
  if (options.notebook) return 'a process pool cannot import a worker defined in a notebook';
  if (hybrid.split.blocking.every((kind) => kind === 'disk')) return 'the waiting is on local files, which is quick next to the computing';
  if (analysis.earlyExit) {
    return 'the loop can stop early: items read ahead of the one that stops it would already be computing in worker processes, which cannot be cancelled mid-item, and a process pool started for a loop that may end after a few items rarely pays for its start-up';
  }
  if (iterations !== undefined && iterations < 4) return `starting worker processes does not pay for ${iterations} items`;
  return undefined;
}

/** Threads for waiting on these kinds of I/O, capped by the item count when it is known. */
export function ioThreads(blocking: readonly string[], iterations: number | undefined): number {
  const perKind = Math.max(...blocking.map((kind) => IO_THREADS[kind] ?? 8), 8);
  return Math.max(1, Math.min(perKind, iterations ?? perKind));
}

function hybridRationale(split: HybridSplit, threads: number, cpus: number, analysis: PlanFacts): string {
  const quoted = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(', ');
  const waits = split.waits.length ? ` (${quoted(split.waits)})` : '';
  const computes = split.computes.length ? ` (${quoted(split.computes)})` : '';
  const handed = split.handed.length ? quoted(split.handed) : 'nothing but the item';
  const parts = [
    `each iteration first waits on ${split.blocking.join(' and ')}${waits} and then computes in pure Python${computes}, which holds the GIL: ` +
      'threads alone would overlap the waiting but take turns computing, processes alone would sit idle while they wait; ' +
      `so worker threads wait, and each hands what it got (${handed}) to a process pool that computes in parallel`,
    `${threads} I/O threads and one worker process per CPU the process may use (${cpus} here) by default, both named constants read from environment variables in the generated code`,
    'trade-offs: every handed value and every result is pickled between processes, so the computing per item must outweigh copying its data; ' +
      'the worker processes are started with spawn, because threads are already running when they start (fork would copy locks those threads hold), ' +
      'which costs an interpreter start and an import of the module per process, once per run; ' +
      'on a machine whose cores are already busy, extra processes buy no extra CPU and every hand-off waits for the scheduler, so threads alone can be faster there (`concur verify` measures the rewrite on the machine it will run on)',
    'at most twice as many items as threads are in flight, so memory stays bounded on long inputs',
    'assumes the handed values pickle (the code shows them as str, bytes, numbers or containers of them) and that the functions the computing part calls are module-level and read no state set while the program runs',
    'the commit stage (appends, totals, output) runs in the caller in the original order, so the output is unchanged, and a failing item raises its own exception at its turn',
  ];
  if (analysis.effects.mayRaise) parts.push('assumes the map stage has no effects other code observes before the loop ends: items after a failing one may already have run');
  return `${parts.join('; ')}.`;
}

/** `hybridNote`: why a map stage that waits and then computes gets threads rather than a hybrid plan. */
function rationaleOf(model: Plan['model'], workers: number, analysis: PlanFacts, options: PlanOptions, workload?: Plan['workload'], hybridNote?: string): string {
  const blocking = analysis.effects.blocking;
  const words = wordsOf(options);
  const stage = words.mapStage;
  const parts: string[] = [];
  if (model === 'asyncio') {
    parts.push(
      'the loop is already async and awaits one item at a time; running the awaits together under a Semaphore overlaps their waiting',
      `at most ${workers} in flight by default`,
      'results are committed in the original order, and the first failing item (in input order) raises its own exception; `asyncio.gather` is used rather than `TaskGroup` because a TaskGroup wraps failures in an ExceptionGroup',
    );
  } else if (model === 'processes') {
    parts.push(
      analysis.effects.blocking.length > 0
        ? `${stage} reads local files and then computes in pure Python, which holds the GIL: the computing dominates, and only separate processes run it in parallel`
        : `${stage} is pure-Python CPU work, which holds the GIL: threads would take turns, separate processes run it in parallel`,
      `one worker per CPU the process may use (${workers} here)`,
      'the worker lives at module top level so that it pickles, and the values it reads are passed to it; items and results are pickled, so the work per item must outweigh that cost',
    );
    if (analysis.hybrid?.kind === 'split') {
      parts.push('threads feeding the processes would not pay here: local reads are quick, and a worker that reads its own file saves pickling the contents');
    }
    if (options.targetVersion[0] === 3 && options.targetVersion[1] >= 14) {
      parts.push(
        'Python 3.14 starts workers with forkserver by default: the worker must not rely on state set up at run time',
        "processes rather than 3.14's `InterpreterPoolExecutor`: it cannot run functions defined in `__main__`, and every extension module the worker imports would have to support subinterpreters",
      );
    }
  } else if (options.freeThreaded && (workload === 'cpu' || workload === 'mixed')) {
    parts.push(
      `${stage} is pure-Python CPU work, and on a free-threaded build (3.13t and later) threads run Python code in parallel: threads instead of processes, so nothing is pickled and no worker process starts`,
      `one thread per CPU (${workers} here)`,
      'assumes every extension module the program imports supports free-threading (CPython re-enables the GIL, with a RuntimeWarning, when one does not); the map stage shares no mutable state with other iterations, which the analysis checked',
    );
  } else if (workload !== 'native') {
    parts.push(
      `each iteration waits on ${blocking.join(' and ')}, during which the GIL is released: threads overlap the waiting`,
      `${workers} worker threads by default (waiting costs no CPU, so more threads than cores pay off; set the environment variable to tune it against the service's limits)`,
    );
    if (analysis.effects.cpu.includes('python')) {
      parts.push(
        options.freeThreaded
          ? `${stage} also computes in pure Python, which these threads run in parallel on a free-threaded build (3.13t and later): no process pool is needed, so nothing is pickled`
          : `${stage} also computes in pure Python, which threads do not speed up`,
      );
    }
    // On a free-threaded build the sentence above already says why no process pool is needed.
    if (hybridNote && !options.freeThreaded) parts.push(`a hybrid plan (threads feeding a process pool) would run the computing in parallel too, but ${hybridNote}`);
  } else {
    parts.push(
      blocking.length > 0
        ? 'the map stage reads local files and hashes or compresses them in native code that releases the GIL: files usually come from the page cache, so that native work, not waiting on the disk, takes the time, and threads run it in parallel without pickling'
        : `${stage} spends its time in native code that releases the GIL (hashing, compression): threads run it in parallel without pickling`,
      `one thread per CPU (${workers} here): more threads would only take turns on the same cores; set the environment variable to try more for slow or network disks`,
    );
  }
  parts.push(words.commit);
  if (analysis.earlyExit) {
    parts.push(
      `the loop can stop early: the commit stage still stops at the same item, and the work already started for later items (up to about ${workers}) finishes and is discarded, the rest is cancelled; that is allowed because the map stage has no effects outside the program`,
    );
  }
  if (analysis.effects.mayRaise) parts.push(words.mayRaise);
  return `${parts.join('; ')}.`;
}

/** A better optimization than concurrency, when the map stage shows one. */
export function betterSuggestion(map: readonly SyntaxNode[]): string | undefined {
  const nodes = map.flatMap((s) => [s, ...s.descendantsOfType(['comparison_operator', 'binary_operator'])]);
  const membership = nodes.some((n) => n.type === 'comparison_operator' && n.children.some((c) => c.type === 'in' || c.type === 'not in'));
  if (membership) return 'if it tests membership in a list, a set makes each test O(1)';
  if (nodes.some((n) => n.type === 'binary_operator')) return 'arithmetic over many numbers is faster vectorized (numpy) or written as a comprehension';
  return undefined;
}
