/**
 * The statistics `concur verify` reports: summaries of run times, the speedup with a bootstrap
 * confidence interval over the paired runs, and a least-squares Amdahl fit of the scaling curve.
 * Pure functions: tests give them synthetic data with known answers.
 */

export interface Summary {
  count: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation (0 for fewer than two values). */
  stdev: number;
}

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The q-quantile (0..1) by linear interpolation between order statistics (R's type 7). */
export function quantile(sortedValues: readonly number[], q: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const position = (sortedValues.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sortedValues[below]! + (sortedValues[above]! - sortedValues[below]!) * (position - below);
}

export function summarize(values: readonly number[]): Summary {
  const count = values.length;
  if (count === 0) return { count, median: Number.NaN, mean: Number.NaN, min: Number.NaN, max: Number.NaN, stdev: Number.NaN };
  const mean = values.reduce((sum, v) => sum + v, 0) / count;
  const variance = count > 1 ? values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (count - 1) : 0;
  return { count, median: median(values), mean, min: Math.min(...values), max: Math.max(...values), stdev: Math.sqrt(variance) };
}

/** A small seeded generator (mulberry32), so that the same runs always give the same interval. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  low: number;
  high: number;
}

export interface SpeedupEstimate {
  /** median(baseline) / median(candidate). */
  speedup: number;
  /**
   * Percentile bootstrap interval: the pairs (baseline run i, candidate run i) are resampled with
   * replacement and the speedup of medians recomputed for each resample. With few pairs it is
   * narrower than the truth (five pairs have only 126 distinct resamples).
   */
  interval: Interval;
  level: number;
  resamples: number;
  /** The smallest and largest ratio baseline_i / candidate_i of the pairs: the conservative bound. */
  pairedRange: Interval;
}

/**
 * The speedup of `candidate` over `baseline` (seconds of paired runs, run i of each taken one
 * after the other) with a percentile bootstrap interval over the pairs.
 */
export function speedupEstimate(baseline: readonly number[], candidate: readonly number[], options: { level?: number; resamples?: number; seed?: number } = {}): SpeedupEstimate {
  const level = options.level ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const pairs = Math.min(baseline.length, candidate.length);
  if (pairs === 0) throw new Error('speedupEstimate needs at least one pair of runs');
  const speedup = median(baseline) / median(candidate);
  const ratios = Array.from({ length: pairs }, (_, i) => baseline[i]! / candidate[i]!);
  const pairedRange = { low: Math.min(...ratios), high: Math.max(...ratios) };
  const random = seededRandom(options.seed ?? 0x5eed);
  const estimates: number[] = [];
  const a = new Array<number>(pairs);
  const b = new Array<number>(pairs);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < pairs; i++) {
      const pick = Math.floor(random() * pairs);
      a[i] = baseline[pick]!;
      b[i] = candidate[pick]!;
    }
    estimates.push(median(a) / median(b));
  }
  estimates.sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  return { speedup, interval: { low: quantile(estimates, tail), high: quantile(estimates, 1 - tail) }, level, resamples, pairedRange };
}

export interface AmdahlFit {
  /** s in T(n) = T1 * (s + (1 - s) / n), clamped to [0, 1]. */
  serialFraction: number;
  /** T1 of the fit: the modelled time with one worker. */
  t1Seconds: number;
  /** Coefficient of determination of the fit on the points given (1 is a perfect fit). */
  rSquared: number;
  /** True when the unclamped s fell outside [0, 1] (the points do not follow Amdahl's law). */
  clamped: boolean;
}

/**
 * Least squares for T(n) = T1 * (s + (1 - s) / n). Written as T(n) = a + b / n (a = T1 s, the
 * serial part; b = T1 (1 - s), the part that divides among workers) the model is linear in a
 * and b, so ordinary least squares on x = 1/n gives both: T1 = a + b, s = a / (a + b).
 * Undefined with fewer than two distinct worker counts.
 */
export function amdahlFit(points: ReadonlyArray<{ workers: number; seconds: number }>): AmdahlFit | undefined {
  const usable = points.filter((p) => p.workers > 0 && Number.isFinite(p.seconds));
  if (new Set(usable.map((p) => p.workers)).size < 2) return undefined;
  const xs = usable.map((p) => 1 / p.workers);
  const ys = usable.map((p) => p.seconds);
  const meanX = xs.reduce((s, x) => s + x, 0) / xs.length;
  const meanY = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - meanX) * (ys[i]! - meanY);
    sxx += (xs[i]! - meanX) ** 2;
  }
  let b = sxy / sxx;
  let a = meanY - b * meanX;
  let clamped = false;
  // Outside [0, 1] the best fit within the model sits on the boundary: all serial (b = 0, a the
  // mean) or all parallel (a = 0, b by least squares through the origin).
  if (b < 0) {
    clamped = true;
    b = 0;
    a = meanY;
  } else if (a < 0) {
    clamped = true;
    a = 0;
    b = xs.reduce((s, x, i) => s + x * ys[i]!, 0) / xs.reduce((s, x) => s + x * x, 0);
  }
  const t1 = a + b;
  const totalSquares = ys.reduce((s, y) => s + (y - meanY) ** 2, 0);
  const residualSquares = ys.reduce((s, y, i) => s + (y - (a + b * xs[i]!)) ** 2, 0);
  return {
    serialFraction: t1 > 0 ? a / t1 : 1,
    t1Seconds: t1,
    rSquared: totalSquares > 0 ? 1 - residualSquares / totalSquares : 1,
    clamped,
  };
}
