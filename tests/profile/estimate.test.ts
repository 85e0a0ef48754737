/** Classification from measured figures, and the speedup model, on figures chosen by hand. */
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/profile/classify.js';
import { estimate, processChunksize, type LoopFigures, type MachineFigures } from '../../src/profile/estimate.js';

const MACHINE: MachineFigures = {
  cpus: 2,
  pythonScaling: 2,
  nativeScaling: 2,
  threads: { startupSeconds: 0.0005, perItemSeconds: 20e-6 },
  processes: { startupSeconds: 0.02, perItemSeconds: 200e-6, perByteSeconds: 1e-9, startMethod: 'fork' },
  spawn: { startupSeconds: 0.3 },
  gil: true,
};

function loop(overrides: Partial<LoopFigures>): LoopFigures {
  return { iterations: 16, entries: 1, loopSeconds: 2.24, iterationSeconds: 0.14, iterationCpuSeconds: 0.14, gilHeldShare: 0.98, itemBytes: 30, resultBytes: 10, programSeconds: 2.3, ...overrides };
}

describe('classify', () => {
  it.each([
    [{ cpuPerWall: 0.04, gilHeldShare: 0.01 }, 'io', undefined],
    [{ cpuPerWall: 0.97, gilHeldShare: 0.95 }, 'cpu', undefined],
    [{ cpuPerWall: 0.97, gilHeldShare: 0.06 }, 'native', undefined],
    [{ cpuPerWall: 0.5, gilHeldShare: 0.45 }, 'mixed', 'python'],
    [{ cpuPerWall: 0.5, gilHeldShare: 0.05 }, 'mixed', 'native'],
    [{ cpuPerWall: 0.99, gilHeldShare: null }, 'cpu', undefined],
  ] as const)('%o is %s', (input, expected, compute) => {
    const result = classify(input);
    expect(result.class).toBe(expected);
    expect(result.compute).toBe(compute);
  });

  it('says what it measured', () => {
    expect(classify({ cpuPerWall: 0.97, gilHeldShare: 0.06 }).reason).toBe('CPU 97% of wall time, GIL held 6.0% of the time: native code that releases the GIL');
  });
});

describe('estimate', () => {
  it('processes run pure Python on both cores: 8 rounds of 140 ms, plus the start-up', () => {
    const result = estimate(loop({}), MACHINE, { model: 'processes', workers: 2, chunksize: 1 });
    expect(result.loopSeconds).toBeCloseTo(8 * 0.14 + 0.02 + 16 * (200e-6 + 40e-9), 6);
    expect(result.programSpeedup).toBeCloseTo(2.3 / (2.3 - 2.24 + result.loopSeconds), 6);
    expect(result.bound).toBe('8 rounds of 2 items at once');
  });

  it('threads do not speed up pure Python on a GIL build, and do on a free-threaded one', () => {
    const gil = estimate(loop({}), MACHINE, { model: 'threads', workers: 2 });
    expect(gil.loopSpeedup).toBeLessThan(1.05);
    expect(gil.bound).toBe('the GIL (pure Python runs in one thread at a time)');
    const free = estimate(loop({}), { ...MACHINE, gil: false }, { model: 'threads', workers: 2, freeThreaded: true });
    expect(free.loopSpeedup).toBeGreaterThan(1.9);
  });

  it('the cores bound native work by how far it scales here', () => {
    const native = loop({ gilHeldShare: 0.05 });
    expect(estimate(native, MACHINE, { model: 'threads', workers: 2 }).loopSpeedup).toBeGreaterThan(1.9);
    const busy = estimate(native, { ...MACHINE, nativeScaling: 1.1 }, { model: 'threads', workers: 2 });
    expect(busy.loopSpeedup).toBeLessThan(1.15);
    expect(busy.bound).toBe('the 1.1 cores the work scales to here');
  });

  it('waiting overlaps in rounds of as many items as threads', () => {
    const waiting = loop({ iterations: 40, loopSeconds: 2, iterationSeconds: 0.05, iterationCpuSeconds: 0.001, gilHeldShare: 0.01, programSeconds: 2.1 });
    const result = estimate(waiting, MACHINE, { model: 'threads', workers: 16 });
    expect(result.loopSeconds).toBeCloseTo(3 * 0.05 + 0.0005 + 40 * 20e-6, 6);
  });

  it('a loop shorter than the pool start-up is slower concurrently', () => {
    const tiny = loop({ iterations: 4, loopSeconds: 0.0004, iterationSeconds: 0.0001, iterationCpuSeconds: 0.0001 });
    const result = estimate(tiny, MACHINE, { model: 'processes', workers: 2 });
    expect(result.loopSpeedup).toBeLessThan(0.05);
    expect(result.bound).toBe('starting the pool');
  });

  it('each entry of a loop pays for its own pool', () => {
    const entered = loop({ iterations: 160, entries: 10, loopSeconds: 22.4 });
    expect(estimate(entered, MACHINE, { model: 'processes', workers: 2 }).startupSeconds).toBeCloseTo(0.2, 9);
  });

  it('chunks hold enough items that handing them over costs at most 5% of the work, keeping four tasks per worker', () => {
    expect(processChunksize(loop({}), MACHINE, 2)).toBe(1);
    expect(processChunksize(loop({ iterations: 4000, iterationSeconds: 0.001 }), MACHINE, 2)).toBe(4);
    expect(processChunksize(loop({ iterations: 40, iterationSeconds: 1e-6 }), MACHINE, 2)).toBe(5);
  });
});
