/**
 * What a loop's time goes to, from measurement: waiting (`io`), pure Python holding the GIL
 * (`cpu`), native code that releases the GIL (`native`), or a significant share of waiting and
 * of computing (`mixed`).
 *
 * Two figures decide. CPU per wall time (thread CPU time over wall time of the iterations): a
 * loop that waits on the network, a disk or a child process uses little CPU while it waits. And
 * the share of the time the GIL was held, from the probe's sampler thread: it sleeps 1 ms at a
 * time, and wakes up about a switch interval (5 ms) late whenever a thread runs pure Python,
 * which keeps the GIL until it is asked to drop it; native code that releases the GIL (hashing,
 * compression, a read) and waiting let it wake at once.
 */
export type LoopClass = 'cpu' | 'io' | 'native' | 'mixed';

export interface ClassInput {
  /** Thread CPU time over wall time of the timed iterations, 0..1. */
  cpuPerWall: number;
  /** Share of the loop's time the GIL was held, or null without enough samples. */
  gilHeldShare: number | null;
}

export interface Classification {
  class: LoopClass;
  /** For `mixed`: what the computing part is. */
  compute?: 'python' | 'native';
  /** The figures in words: `CPU 4% of wall time: waiting`. */
  reason: string;
}

/** Below this CPU per wall time a loop mostly waits; at or above the other, it mostly computes. */
export const WAITING_BELOW = 0.3;
export const COMPUTING_FROM = 0.7;
/** Computing that holds the GIL this share of its CPU time or more is pure Python. */
const PYTHON_FROM = 0.5;

export function classify(input: ClassInput): Classification {
  const cpu = Math.min(1, Math.max(0, input.cpuPerWall));
  const held = input.gilHeldShare;
  // The GIL can only be held while computing: the share of the computing that holds it.
  const pythonShare = held === null ? null : cpu > 0 ? Math.min(1, held / cpu) : 0;
  const cpuWords = `CPU ${percent(cpu)} of wall time`;
  const gilWords = held === null ? 'too short for the GIL sampler' : `GIL held ${percent(held)} of the time`;
  if (cpu < WAITING_BELOW) return { class: 'io', reason: `${cpuWords}: mostly waiting` };
  const compute: 'python' | 'native' = pythonShare === null || pythonShare >= PYTHON_FROM ? 'python' : 'native';
  if (cpu >= COMPUTING_FROM) {
    return compute === 'python'
      ? { class: 'cpu', reason: `${cpuWords}, ${gilWords}: pure-Python computing${held === null ? ' (assumed)' : ''}` }
      : { class: 'native', reason: `${cpuWords}, ${gilWords}: native code that releases the GIL` };
  }
  return {
    class: 'mixed',
    compute,
    reason: `${cpuWords}, ${gilWords}: waiting and ${compute === 'python' ? 'pure-Python' : 'GIL-releasing native'} computing`,
  };
}

export function percent(share: number): string {
  const value = share * 100;
  return `${value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1)}%`;
}
