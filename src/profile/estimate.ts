/**
 * How much faster a measured loop, and the program around it, would run under an execution
 * model: a small model of each one, fed with the loop's measured figures and the pool costs and
 * core scaling measured on the machine (`concur profile` measures both).
 *
 * Per entry of the loop (m items, k workers, P cores), the concurrent loop takes the longest of
 * what bounds it, plus what only concurrency costs:
 *
 *   waiting     ceil(m / k) rounds of one item's wall time (items overlap k at a time)
 *   GIL         m x the time an item holds the GIL (threads on a GIL build run Python one at a time)
 *   cores       m x an item's CPU time / the cores the work scales to here (measured)
 *   + pool start-up (measured) + hand-off per item (measured; per chunk and per byte for processes)
 *
 * The rest of the loop's time (producing the items, the commit stage between iterations) stays
 * sequential, and the program's speedup is Amdahl's: the program's time with the loop's share
 * replaced by its concurrent time.
 */
export interface MachineFigures {
  cpus: number;
  /** How many cores' worth pure-Python work gets from one process per CPU here (1..cpus). */
  pythonScaling: number;
  /** The same for GIL-releasing native work in one thread per CPU. */
  nativeScaling: number;
  threads: { startupSeconds: number; perItemSeconds: number };
  processes: { startupSeconds: number; perItemSeconds: number; perByteSeconds: number; startMethod: string } | null;
  /** Spawn pools (the hybrid rewrite's); null when they cannot start. */
  spawn: { startupSeconds: number } | null;
  /** The interpreter has a GIL (not a free-threaded build with the GIL off). */
  gil: boolean;
}

export interface LoopFigures {
  iterations: number;
  entries: number;
  /** Wall time of the loop in the program, all entries. */
  loopSeconds: number;
  /** Mean wall and thread CPU time of one iteration. */
  iterationSeconds: number;
  iterationCpuSeconds: number;
  /** Share of the loop's time the GIL was held (null: not sampled; then its CPU time is taken to hold it). */
  gilHeldShare: number | null;
  /** Median pickled size of an item and of what an iteration hands to the commit stage. */
  itemBytes: number;
  resultBytes: number;
  /** The whole program's wall time, when the loop ran in its first process. */
  programSeconds: number | null;
}

export type EstimatedModel = 'threads' | 'processes' | 'hybrid' | 'asyncio';

export interface ModelChoice {
  model: EstimatedModel;
  workers: number;
  /** Hybrid: the threads that wait (`workers` counts the processes). */
  ioThreads?: number;
  /** Processes: items per task. */
  chunksize?: number;
  /** Threads run Python in parallel (free-threaded build). */
  freeThreaded?: boolean;
}

export interface Estimate extends ModelChoice {
  /** The loop's estimated time run concurrently. */
  loopSeconds: number;
  loopSpeedup: number;
  programSpeedup: number | null;
  /** What limits the concurrent loop, in words. */
  bound: string;
  startupSeconds: number;
  handOffSeconds: number;
}

export function estimate(loop: LoopFigures, machine: MachineFigures, choice: ModelChoice): Estimate {
  const entries = Math.max(1, loop.entries);
  const perEntry = Math.max(1, loop.iterations / entries);
  const rounds = Math.ceil(perEntry / Math.max(1, choice.workers));
  const wall = loop.iterationSeconds;
  const cpu = Math.min(loop.iterationCpuSeconds, wall);
  // The GIL can be held only while computing.
  const python = Math.min(cpu, loop.gilHeldShare === null ? cpu : loop.gilHeldShare * wall);
  const iterationsTime = loop.iterations * wall;
  const sequentialRest = Math.max(0, loop.loopSeconds - iterationsTime);

  const bounds: Array<[string, number]> = [];
  let startup = 0;
  let handOff = 0;
  switch (choice.model) {
    case 'threads': {
      bounds.push([`${rounds} round${rounds === 1 ? '' : 's'} of ${choice.workers} items at once`, rounds * wall]);
      const cores = Math.max(1, Math.min(choice.workers, choice.freeThreaded ? machine.pythonScaling : machine.nativeScaling));
      if (!choice.freeThreaded && machine.gil) bounds.push(['the GIL (pure Python runs in one thread at a time)', perEntry * python]);
      bounds.push([`${formatCores(cores)} the work scales to here`, (perEntry * cpu) / cores]);
      startup = machine.threads.startupSeconds;
      handOff = perEntry * machine.threads.perItemSeconds;
      break;
    }
    case 'asyncio':
      bounds.push([`${rounds} round${rounds === 1 ? '' : 's'} of ${choice.workers} awaits at once`, rounds * wall]);
      bounds.push(['one thread computing', perEntry * cpu]);
      break;
    case 'processes': {
      const processes = machine.processes;
      const cores = Math.max(1, Math.min(choice.workers, machine.pythonScaling));
      bounds.push([`${rounds} round${rounds === 1 ? '' : 's'} of ${choice.workers} items at once`, rounds * wall]);
      bounds.push([`${formatCores(cores)} pure Python scales to here`, (perEntry * cpu) / cores]);
      startup = processes?.startupSeconds ?? 0;
      handOff = processHandOff(perEntry, choice.chunksize ?? 1, loop, processes);
      break;
    }
    case 'hybrid': {
      const threads = Math.max(1, choice.ioThreads ?? choice.workers);
      const waitRounds = Math.ceil(perEntry / threads);
      const cores = Math.max(1, Math.min(choice.workers, machine.pythonScaling));
      bounds.push([`${waitRounds} round${waitRounds === 1 ? '' : 's'} of waiting in ${threads} threads`, waitRounds * (wall - cpu) + cpu]);
      bounds.push([`${formatCores(cores)} pure Python scales to here`, (perEntry * cpu) / cores]);
      startup = machine.spawn?.startupSeconds ?? machine.processes?.startupSeconds ?? 0;
      handOff = processHandOff(perEntry, 1, loop, machine.processes);
      break;
    }
  }
  const [bound, longest] = bounds.reduce((a, b) => (b[1] > a[1] ? b : a));
  const perEntryConcurrent = longest + startup + handOff;
  const loopSeconds = entries * perEntryConcurrent + sequentialRest;
  const loopSpeedup = loopSeconds > 0 ? loop.loopSeconds / loopSeconds : 1;
  let programSpeedup: number | null = null;
  const program = loop.programSeconds;
  if (program !== null && program > 0 && loop.loopSeconds > 0) {
    // A loop in threads of the program can add up to more than the program's time: scale it down.
    const inLoop = Math.min(loop.loopSeconds, program);
    programSpeedup = program / (program - inLoop + loopSeconds * (inLoop / loop.loopSeconds));
  }
  return {
    ...choice,
    loopSeconds,
    loopSpeedup,
    programSpeedup,
    bound: startup + handOff > longest ? (startup > handOff ? 'starting the pool' : 'handing items over') : bound,
    startupSeconds: entries * startup,
    handOffSeconds: entries * handOff,
  };
}

/** Pickling items and results to and from worker processes: per task, and per byte. */
function processHandOff(items: number, chunksize: number, loop: LoopFigures, processes: MachineFigures['processes']): number {
  if (!processes) return 0;
  const tasks = Math.ceil(items / Math.max(1, chunksize));
  return tasks * processes.perItemSeconds + items * (loop.itemBytes + loop.resultBytes) * processes.perByteSeconds;
}

/**
 * Items per task for a process pool: enough that the hand-off costs at most 5% of the work,
 * but at least four tasks per worker so that uneven items still balance.
 */
export function processChunksize(loop: LoopFigures, machine: MachineFigures, workers: number): number {
  const perItem = machine.processes?.perItemSeconds ?? 0;
  const wanted = Math.ceil(perItem / Math.max(1e-9, 0.05 * loop.iterationSeconds));
  const perEntry = loop.iterations / Math.max(1, loop.entries);
  const balanced = Math.max(1, Math.floor(perEntry / (4 * Math.max(1, workers))));
  return Math.max(1, Math.min(wanted, balanced));
}

function formatCores(cores: number): string {
  return `the ${Number.isInteger(cores) ? cores : cores.toFixed(1)} core${cores === 1 ? '' : 's'}`;
}
