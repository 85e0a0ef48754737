/**
 * RS101's fix: `name = Pool(...)` and the statements that use it become a `with` block. Each
 * case runs the original and the fixed program under real Python and compares what they print.
 * The fix is safe when the work is finished inside the block anyway; the last case shows why
 * it is not when work is only submitted there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli-sync.js';
import { removeProjects } from '../helpers/python.js';
import { changedFiles, expectCleanRun, expectSameBehaviour, rewritten, roundTrip, summarize } from './round-trip.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

describe('RS101 make the pool a with block', () => {
  it('wraps a ThreadPoolExecutor whose map results are consumed, up to its last use (safe)', () => {
    const main = [
      'from concurrent.futures import ThreadPoolExecutor',
      '',
      '',
      'def length(word):',
      '    return len(word)',
      '',
      '',
      'def lengths(words):',
      '    executor = ThreadPoolExecutor(max_workers=4)  # one per word at most',
      '    # Results come back in order.',
      '    sizes = list(executor.map(length, words))',
      '    total = sum(sizes)',
      '    for size in executor.map(length, words[:1]):',
      '        total += size',
      '    print("total", total)',
      '    return sizes',
      '',
      '',
      'if __name__ == "__main__":',
      '    print(lengths(["a", "bb", "ccc"]))',
      '',
    ].join('\n');
    const files = { 'main.py': main };
    const trip = roundTrip(files);

    expect(summarize(trip.before, 'RS101')).toEqual([{ rule: 'RS101', path: 'main.py', line: 9, fix: 'safe' }]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        [
          [
            '    executor = ThreadPoolExecutor(max_workers=4)  # one per word at most',
            '    # Results come back in order.',
            '    sizes = list(executor.map(length, words))',
            '    total = sum(sizes)',
            '    for size in executor.map(length, words[:1]):',
            '        total += size',
            '',
          ].join('\n'),
          [
            '    with ThreadPoolExecutor(max_workers=4) as executor:  # one per word at most',
            '        # Results come back in order.',
            '        sizes = list(executor.map(length, words))',
            '        total = sum(sizes)',
            '        for size in executor.map(length, words[:1]):',
            '            total += size',
            '',
          ].join('\n'),
        ],
      ]),
    );
    expect(changedFiles(trip, files)).toEqual(['main.py']);
    expectCleanRun(trip.originalRun, 'total 7\n[1, 2, 3]\n');
    expectSameBehaviour(trip);
    expect(summarize(trip.after, 'RS101')).toEqual([]);
  });

  it('wraps a multiprocessing.Pool used only by blocking map calls (safe)', () => {
    const main = [
      'import multiprocessing',
      '',
      '',
      'def square(x):',
      '    return x * x',
      '',
      '',
      'def squares_of_squares(n):',
      '    pool = multiprocessing.Pool(2)',
      '    first = pool.map(square, range(n))',
      '    return pool.map(square, first)',
      '',
      '',
      'if __name__ == "__main__":',
      '    print(squares_of_squares(4))',
      '',
    ].join('\n');
    const files = { 'main.py': main };
    const trip = roundTrip(files);

    expect(summarize(trip.before, 'RS101')).toEqual([{ rule: 'RS101', path: 'main.py', line: 9, fix: 'safe' }]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        [
          '    pool = multiprocessing.Pool(2)\n    first = pool.map(square, range(n))\n    return pool.map(square, first)\n',
          '    with multiprocessing.Pool(2) as pool:\n        first = pool.map(square, range(n))\n        return pool.map(square, first)\n',
        ],
      ]),
    );
    expectCleanRun(trip.originalRun, '[0, 1, 16, 81]\n');
    expectSameBehaviour(trip);
    expect(summarize(trip.after, 'RS101')).toEqual([]);
  });

  it('offers the fix for submitted work as unsafe only, and applies it with --unsafe-fixes', () => {
    const main = [
      'from concurrent.futures import ThreadPoolExecutor',
      '',
      '',
      'def greet(name):',
      '    return f"hello {name}"',
      '',
      '',
      'def start(name):',
      '    executor = ThreadPoolExecutor(max_workers=1)',
      '    future = executor.submit(greet, name)',
      '    return future',
      '',
      '',
      'if __name__ == "__main__":',
      '    print(start("pool").result())',
      '',
    ].join('\n');
    const files = { 'main.py': main };
    const safeOnly = roundTrip(files);
    expect(summarize(safeOnly.before, 'RS101')).toEqual([{ rule: 'RS101', path: 'main.py', line: 9, fix: 'unsafe' }]);
    expect(changedFiles(safeOnly, files)).toEqual([]);

    const trip = roundTrip(files, { unsafe: true });
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        [
          '    executor = ThreadPoolExecutor(max_workers=1)\n    future = executor.submit(greet, name)\n',
          '    with ThreadPoolExecutor(max_workers=1) as executor:\n        future = executor.submit(greet, name)\n',
        ],
      ]),
    );
    expectCleanRun(trip.originalRun, 'hello pool\n');
    expectSameBehaviour(trip);
  });

  it('is not safe when submitted work waits for code after the block: the fixed program deadlocks', () => {
    const main = [
      'import threading',
      'from concurrent.futures import ThreadPoolExecutor',
      '',
      '',
      'def wait_for(event):',
      '    event.wait()',
      '    print("worker: released")',
      '',
      '',
      'def main():',
      '    released = threading.Event()',
      '    executor = ThreadPoolExecutor(max_workers=1)',
      '    executor.submit(wait_for, released)',
      '    print("main: releasing")',
      '    released.set()',
      '',
      '',
      'if __name__ == "__main__":',
      '    main()',
      '',
    ].join('\n');
    // A hang is a result: the rewritten program is killed after the timeout (not a timing assertion).
    const trip = roundTrip({ 'main.py': main }, { unsafe: true, timeoutMs: 5_000 });

    const [finding] = summarize(trip.before, 'RS101');
    expect(finding).toEqual({ rule: 'RS101', path: 'main.py', line: 12, fix: 'unsafe' });
    expect(trip.fixed.read('main.py')).toContain('    with ThreadPoolExecutor(max_workers=1) as executor:\n        executor.submit(wait_for, released)\n    print("main: releasing")\n');
    expectCleanRun(trip.originalRun, 'main: releasing\nworker: released\n');
    expect(trip.rewrittenRun.timedOut).toBe(true);
  });
});
