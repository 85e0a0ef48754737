/**
 * The statistics of `concur verify` on synthetic data with known answers: medians and quantiles,
 * the bootstrap interval of the speedup, and the least-squares Amdahl fit.
 */
import { describe, expect, it } from 'vitest';
import { amdahlFit, median, quantile, seededRandom, speedupEstimate, summarize } from '../../src/verify/statistics.js';

describe('median, quantile, summarize', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('interpolates quantiles between order statistics', () => {
    const sorted = [10, 20, 30, 40, 50];
    expect(quantile(sorted, 0)).toBe(10);
    expect(quantile(sorted, 1)).toBe(50);
    expect(quantile(sorted, 0.5)).toBe(30);
    expect(quantile(sorted, 0.125)).toBe(15);
  });

  it('summarizes with the sample standard deviation', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s).toMatchObject({ count: 8, median: 4.5, mean: 5, min: 2, max: 9 });
    // Sum of squared deviations 32, over n - 1 = 7.
    expect(s.stdev).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(summarize([1.5]).stdev).toBe(0);
  });
});

describe('speedupEstimate', () => {
  it('is exact when every pair has the same ratio', () => {
    const baseline = [1.0, 1.2, 0.9, 1.1, 1.05];
    const candidate = baseline.map((t) => t / 4);
    const estimate = speedupEstimate(baseline, candidate);
    expect(estimate.speedup).toBeCloseTo(4, 12);
    expect(estimate.interval.low).toBeCloseTo(4, 12);
    expect(estimate.interval.high).toBeCloseTo(4, 12);
    expect(estimate.pairedRange).toEqual({ low: expect.closeTo(4, 12), high: expect.closeTo(4, 12) });
  });

  it('is the ratio of medians, with a 95% interval that holds it and narrows with more pairs', () => {
    const random = seededRandom(42);
    const noisy = (centre: number, count: number) => Array.from({ length: count }, () => centre * (1 + (random() - 0.5) * 0.2));
    const few = speedupEstimate(noisy(2, 5), noisy(1, 5));
    const many = speedupEstimate(noisy(2, 200), noisy(1, 200));
    for (const e of [few, many]) {
      expect(e.level).toBe(0.95);
      expect(e.interval.low).toBeLessThanOrEqual(e.speedup);
      expect(e.interval.high).toBeGreaterThanOrEqual(e.speedup);
    }
    // Ratios of values within +-10% of 2 and of 1: the truth, 2, is inside the large sample's interval.
    expect(many.interval.low).toBeLessThan(2);
    expect(many.interval.high).toBeGreaterThan(2);
    expect(many.interval.high - many.interval.low).toBeLessThan(few.interval.high - few.interval.low);
    expect(many.interval.high - many.interval.low).toBeLessThan(0.15);
  });

  it('takes the paired ratios run by run, not across runs', () => {
    // Load drifts up: each candidate run follows its baseline run. Pairwise the ratio is 2 or 3.
    const estimate = speedupEstimate([2, 4, 6], [1, 2, 2]);
    expect(estimate.pairedRange).toEqual({ low: 2, high: 3 });
    expect(estimate.speedup).toBe(2);
  });

  it('gives the same interval for the same runs (seeded resampling)', () => {
    const a = speedupEstimate([1, 1.3, 0.8, 1.1], [0.5, 0.4, 0.6, 0.45]);
    const b = speedupEstimate([1, 1.3, 0.8, 1.1], [0.5, 0.4, 0.6, 0.45]);
    expect(a).toEqual(b);
  });

  it('needs at least one pair', () => {
    expect(() => speedupEstimate([], [])).toThrow();
  });
});

describe('amdahlFit', () => {
  const amdahl = (t1: number, s: number, n: number) => t1 * (s + (1 - s) / n);

  it('recovers a known serial fraction from exact times', () => {
    const points = [1, 2, 4, 8, 16].map((workers) => ({ workers, seconds: amdahl(10, 0.2, workers) }));
    const fit = amdahlFit(points)!;
    expect(fit.serialFraction).toBeCloseTo(0.2, 10);
    expect(fit.t1Seconds).toBeCloseTo(10, 10);
    expect(fit.rSquared).toBeCloseTo(1, 10);
    expect(fit.clamped).toBe(false);
  });

  it('recovers it closely from noisy times', () => {
    const random = seededRandom(7);
    const points = [1, 2, 4, 8].flatMap((workers) =>
      Array.from({ length: 5 }, () => ({ workers, seconds: amdahl(3, 0.35, workers) * (1 + (random() - 0.5) * 0.04) })),
    );
    const fit = amdahlFit(points)!;
    expect(Math.abs(fit.serialFraction - 0.35)).toBeLessThan(0.03);
    expect(Math.abs(fit.t1Seconds - 3)).toBeLessThan(0.1);
  });

  it('says all serial when more workers make it slower, all parallel when the fit would go below zero', () => {
    const slower = amdahlFit([{ workers: 1, seconds: 1 }, { workers: 2, seconds: 1.2 }, { workers: 4, seconds: 1.5 }])!;
    expect(slower.serialFraction).toBe(1);
    expect(slower.clamped).toBe(true);
    // Better than linear (a cache effect): the unconstrained intercept is negative.
    const superlinear = amdahlFit([{ workers: 1, seconds: 1 }, { workers: 2, seconds: 0.4 }, { workers: 4, seconds: 0.15 }])!;
    expect(superlinear.serialFraction).toBe(0);
    expect(superlinear.clamped).toBe(true);
  });

  it('needs two distinct worker counts', () => {
    expect(amdahlFit([{ workers: 2, seconds: 1 }, { workers: 2, seconds: 1.1 }])).toBeUndefined();
    expect(amdahlFit([])).toBeUndefined();
  });
});
