/**
 * AS101's sleep template: `time.sleep(x)` in an `async def` becomes `await asyncio.sleep(x)`,
 * using the module's existing asyncio binding or adding `import asyncio`. Each case runs the
 * original and the fixed program under real Python and compares what they print. The fix is
 * marked unsafe (other tasks now run during the sleep); the last cases show why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli-sync.js';
import { removeProjects } from '../helpers/python.js';
import { changedFiles, expectCleanRun, expectSameBehaviour, rewritten, roundTrip, summarize } from './round-trip.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

describe('AS101 time.sleep -> await asyncio.sleep', () => {
  it('uses an aliased `import asyncio as aio` and adds no import', () => {
    const main = [
      'import asyncio as aio',
      'import time',
      '',
      '',
      'async def square(i):',
      '    time.sleep(0.01 * (3 - i))  # the last task sleeps least',
      '    return i * i',
      '',
      '',
      'async def main():',
      '    results = await aio.gather(*(square(i) for i in range(3)))',
      '    print("squares:", results)',
      '',
      '',
      'aio.run(main())',
      '',
    ].join('\n');
    const files = { 'main.py': main };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([{ rule: 'AS101', path: 'main.py', line: 6, fix: 'unsafe' }]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [['    time.sleep(0.01 * (3 - i))  #', '    await aio.sleep(0.01 * (3 - i))  #']]),
    );
    expect(changedFiles(trip, files)).toEqual(['main.py']);

    expectCleanRun(trip.originalRun, 'squares: [0, 1, 4]\n');
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).toBe('');
    expect(summarize(trip.after)).toEqual([]);
  });

  it('adds `import asyncio` after a shebang, a module docstring and `from __future__ import annotations`', () => {
    // The module that is fixed imports no asyncio at all (only `from time import sleep`); the
    // runner that drives it is another module of the project.
    const jobs = [
      '#!/usr/bin/env python3',
      '"""Jobs that the runner awaits.',
      '',
      'They pause with a blocking sleep.',
      '"""',
      'from __future__ import annotations',
      'from time import sleep',
      '',
      '',
      'async def job(i: int) -> str:',
      '    sleep(0.01)',
      '    return f"job {i} done"',
      '',
    ].join('\n');
    const main = [
      'import asyncio',
      '',
      'from jobs import job',
      '',
      '',
      'async def main():',
      '    for line in await asyncio.gather(*(job(i) for i in range(3))):',
      '        print(line)',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    const files = { 'main.py': main, 'jobs.py': jobs };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([{ rule: 'AS101', path: 'jobs.py', line: 11, fix: 'unsafe' }]);
    expect(trip.fixed.read('jobs.py')).toBe(
      [
        '#!/usr/bin/env python3',
        '"""Jobs that the runner awaits.',
        '',
        'They pause with a blocking sleep.',
        '"""',
        'from __future__ import annotations',
        'import asyncio',
        'from time import sleep',
        '',
        '',
        'async def job(i: int) -> str:',
        '    await asyncio.sleep(0.01)',
        '    return f"job {i} done"',
        '',
      ].join('\n'),
    );
    expect(changedFiles(trip, files)).toEqual(['jobs.py']);

    expectCleanRun(trip.originalRun, 'job 0 done\njob 1 done\njob 2 done\n');
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).toBe('');
    expect(summarize(trip.after)).toEqual([]);
  });

  it('adds `import asyncio` after a docstring and a `__future__` import followed by a blank line', () => {
    const jobs = [
      '"""Jobs that the runner awaits."""',
      'from __future__ import annotations',
      '',
      'import time',
      '',
      '',
      'async def job(i: int) -> str:',
      '    time.sleep(0.01)',
      '    return f"job {i} done"',
      '',
    ].join('\n');
    const main = ['import asyncio', 'import jobs', '', 'print(asyncio.run(jobs.job(7)))', ''].join('\n');
    const files = { 'main.py': main, 'jobs.py': jobs };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([{ rule: 'AS101', path: 'jobs.py', line: 8, fix: 'unsafe' }]);
    expect(trip.fixed.read('jobs.py')).toBe(
      rewritten(jobs, [
        ['\nimport time\n', '\nimport asyncio\nimport time\n'],
        ['    time.sleep(0.01)', '    await asyncio.sleep(0.01)'],
      ]),
    );
    expectCleanRun(trip.originalRun, 'job 7 done\n');
    expectSameBehaviour(trip);
    expect(summarize(trip.after)).toEqual([]);
  });

  it('adds `import asyncio` after a module docstring written as two concatenated strings, keeping it the docstring', () => {
    // Python takes an implicitly concatenated (or parenthesised) string as the docstring, and
    // `from __future__` imports must follow it directly.
    const jobs = [
      '"""Jobs that the runner awaits, """ \\',
      '"""in one docstring."""',
      'from __future__ import annotations',
      '',
      'import time',
      '',
      '',
      'async def job(i: int) -> str:',
      '    time.sleep(0.01)',
      '    return f"job {i} done"',
      '',
    ].join('\n');
    const main = ['import asyncio', 'import jobs', '', 'print(jobs.__doc__)', 'print(asyncio.run(jobs.job(7)))', ''].join('\n');
    const files = { 'main.py': main, 'jobs.py': jobs };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([{ rule: 'AS101', path: 'jobs.py', line: 9, fix: 'unsafe' }]);
    expectCleanRun(trip.originalRun, 'Jobs that the runner awaits, in one docstring.\njob 7 done\n');
    expectSameBehaviour(trip);
    expect(trip.fixed.read('jobs.py')).toBe(
      rewritten(jobs, [
        ['\nimport time\n', '\nimport asyncio\nimport time\n'],
        ['    time.sleep(0.01)', '    await asyncio.sleep(0.01)'],
      ]),
    );
  });
});

/**
 * Why the sleep fix is not safe: `await asyncio.sleep` lets other tasks run where `time.sleep`
 * did not, so their effects interleave differently; and while a thread lock is held, another
 * task that wants it blocks the event loop's thread for good (no fix is offered there).
 */
describe('AS101 sleep fix when tasks interleave', () => {
  it('is not safe: two gathered tasks print in another order after the fix', () => {
    const main = [
      'import asyncio',
      'import time',
      '',
      '',
      'async def first():',
      '    print("first: start")',
      '    time.sleep(0.01)',
      '    print("first: end")',
      '',
      '',
      'async def second():',
      '    print("second: start")',
      '    print("second: end")',
      '',
      '',
      'async def main():',
      '    await asyncio.gather(first(), second())',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    const trip = roundTrip({ 'main.py': main }, { unsafe: true });

    const [finding] = summarize(trip.before);
    expect(finding).toMatchObject({ rule: 'AS101', line: 7 });
    expect(finding!.fix).not.toBe('safe');
    expect(trip.fixed.read('main.py')).toBe(rewritten(main, [['    time.sleep(0.01)', '    await asyncio.sleep(0.01)']]));

    expectCleanRun(trip.originalRun, 'first: start\nfirst: end\nsecond: start\nsecond: end\n');
    // `second` now runs while `first` sleeps.
    expectCleanRun(trip.rewrittenRun, 'first: start\nsecond: start\nsecond: end\nfirst: end\n');
  });

  it('never makes a program deadlock on a threading.Lock held around the blocking call, even with --unsafe-fixes', () => {
    const main = [
      'import asyncio',
      'import subprocess',
      'import sys',
      'import threading',
      'import time',
      '',
      'lock = threading.Lock()',
      'log = []',
      '',
      '',
      'async def worker(name):',
      '    with lock:',
      '        log.append(f"{name} in")',
      '        time.sleep(0.01)',
      '        subprocess.run([sys.executable, "-c", "pass"])',
      '        log.append(f"{name} out")',
      '',
      '',
      'async def main():',
      '    await asyncio.gather(worker("a"), worker("b"))',
      '    print(log)',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    // A hang is a result: the rewritten program is killed after the timeout (not a timing assertion).
    const trip = roundTrip({ 'main.py': main }, { unsafe: true, timeoutMs: 10_000 });

    expect(summarize(trip.before).map((f) => [f.rule, f.line])).toEqual([
      ['AS101', 14],
      ['AS101', 15],
    ]);
    expectCleanRun(trip.originalRun, "['a in', 'a out', 'b in', 'b out']\n");
    expectSameBehaviour(trip);
    // Today's way to keep that promise: no fix at all under a held thread lock.
    expect(summarize(trip.before).map((f) => f.fix)).toEqual(['none', 'none']);
    expect(trip.fixed.read('main.py')).toBe(main);
  });
});
