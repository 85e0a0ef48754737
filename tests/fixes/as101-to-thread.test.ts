/**
 * AS101's unsafe template: a blocking call `f(args)` in an `async def` becomes
 * `await asyncio.to_thread(f, args)`, parenthesised where it is the object of an attribute,
 * subscript or call. Each case runs the original and the fixed program under real Python.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixInPlace } from '../helpers/cli-sync.js';
import { removeProjects } from '../helpers/python.js';
import { changedFiles, expectCleanRun, expectSameBehaviour, rewritten, roundTrip, summarize } from './round-trip.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

/** A project function that blocks by calling `time.sleep`: found through the call graph, across files. */
const HELPERS = [
  'import time',
  '',
  '',
  'def slow_square(n, delay=0.0):',
  '    time.sleep(delay)',
  '    return n * n',
  '',
  '',
  'def make_greeter(greeting):',
  '    time.sleep(0.01)',
  '    return lambda name: f"{greeting}, {name}!"',
  '',
].join('\n');

describe('AS101 blocking call -> await asyncio.to_thread(f, args) (unsafe)', () => {
  it('three gathered tasks each calling a blocking project function with a keyword argument', () => {
    const main = [
      'import asyncio',
      '',
      'from helpers import slow_square',
      '',
      '',
      'async def task(i):',
      '    value = slow_square(i, delay=0.01 * (3 - i))',
      '    return f"task {i}: {value}"',
      '',
      '',
      'async def main():',
      '    results = await asyncio.gather(*(task(i) for i in range(3)))',
      '    for line in results:',
      '        print(line)',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    const files = { 'main.py': main, 'helpers.py': HELPERS };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([{ rule: 'AS101', path: 'main.py', line: 7, fix: 'unsafe' }]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [['    value = slow_square(i, delay=0.01 * (3 - i))', '    value = await asyncio.to_thread(slow_square, i, delay=0.01 * (3 - i))']]),
    );
    expect(changedFiles(trip, files)).toEqual(['main.py']);

    expectCleanRun(trip.originalRun, 'task 0: 0\ntask 1: 1\ntask 2: 4\n');
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).toBe('');
    expect(summarize(trip.after)).toEqual([]);

    // Without --unsafe-fixes the unsafe fix is not applied: the file stays byte-identical.
    const safeOnly = trip.original.copy();
    fixInPlace(safeOnly.dir);
    expect(safeOnly.readBytes('main.py').equals(trip.original.readBytes('main.py'))).toBe(true);
  });

  it('parenthesises the await where the call is the object of an attribute, a subscript or a call', () => {
    const main = [
      'import asyncio',
      'import os',
      'import subprocess',
      'import sys',
      '',
      'from helpers import make_greeter',
      '',
      '',
      'async def child_output(i):',
      '    return subprocess.run([sys.executable, "-c", f"print({i} * 7)"], capture_output=True, text=True).stdout.strip()',
      '',
      '',
      'async def size_of(path):',
      '    return os.stat(path)[6]',
      '',
      '',
      'async def greet(name):',
      '    return make_greeter("hello")(name)',
      '',
      '',
      'async def first_line(path):',
      '    with open(path) as fh:',
      '        return fh.read().splitlines()[0]',
      '',
      '',
      'async def main():',
      '    children = await asyncio.gather(*(child_output(i) for i in range(3)))',
      '    print("children:", children)',
      '    print("size:", await size_of("data.txt"))',
      '    print(await greet("world"))',
      '    print("first line:", await first_line("data.txt"))',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    const files = { 'main.py': main, 'helpers.py': HELPERS, 'data.txt': 'alpha\nbeta\ngamma\n' };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([
      { rule: 'AS101', path: 'main.py', line: 10, fix: 'unsafe' },
      { rule: 'AS101', path: 'main.py', line: 14, fix: 'unsafe' },
      { rule: 'AS101', path: 'main.py', line: 18, fix: 'unsafe' },
      { rule: 'AS101', path: 'main.py', line: 22, fix: 'unsafe' },
      { rule: 'AS101', path: 'main.py', line: 23, fix: 'unsafe' },
    ]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        [
          '    return subprocess.run([sys.executable, "-c", f"print({i} * 7)"], capture_output=True, text=True).stdout.strip()',
          '    return (await asyncio.to_thread(subprocess.run, [sys.executable, "-c", f"print({i} * 7)"], capture_output=True, text=True)).stdout.strip()',
        ],
        ['    return os.stat(path)[6]', '    return (await asyncio.to_thread(os.stat, path))[6]'],
        ['    return make_greeter("hello")(name)', '    return (await asyncio.to_thread(make_greeter, "hello"))(name)'],
        ['    with open(path) as fh:', '    with await asyncio.to_thread(open, path) as fh:'],
        ['        return fh.read().splitlines()[0]', '        return (await asyncio.to_thread(fh.read)).splitlines()[0]'],
      ]),
    );
    expect(changedFiles(trip, files)).toEqual(['main.py']);

    expectCleanRun(trip.originalRun, "children: ['0', '7', '14']\nsize: 17\nhello, world!\nfirst line: alpha\n");
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).toBe('');
    expect(summarize(trip.after)).toEqual([]);
  });

  it('keeps comments inside a multi-line argument list', () => {
    const main = [
      'import asyncio',
      'import os',
      'import subprocess',
      'import sys',
      '',
      '',
      'async def child(i):',
      '    out = subprocess.run(',
      '        [sys.executable, "-c", f"print({i} * 2)"],  # the child prints its result',
      '        capture_output=True,',
      '        # keep the output as text',
      '        text=True,',
      '    )',
      '    return out.stdout.strip()',
      '',
      '',
      'async def listing():',
      '    return sorted(os.listdir(  # the data directory',
      '        "data"',
      '    ))',
      '',
      '',
      'async def main():',
      '    print("children:", await asyncio.gather(*(child(i) for i in range(3))))',
      '    print("listing:", await listing())',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    const files = { 'main.py': main, 'data/b.txt': 'b\n', 'data/a.txt': 'a\n' };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([
      { rule: 'AS101', path: 'main.py', line: 8, fix: 'unsafe' },
      { rule: 'AS101', path: 'main.py', line: 18, fix: 'unsafe' },
    ]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        [
          '    out = subprocess.run(\n        [sys.executable, "-c", f"print({i} * 2)"],  # the child prints its result\n',
          '    out = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", f"print({i} * 2)"],  # the child prints its result\n',
        ],
        ['    return sorted(os.listdir(  # the data directory\n', '    return sorted(await asyncio.to_thread(os.listdir, # the data directory\n'],
      ]),
    );
    const fixed = trip.fixed.read('main.py');
    for (const comment of ['# the child prints its result', '# keep the output as text', '# the data directory']) {
      expect(fixed).toContain(comment);
    }

    expectCleanRun(trip.originalRun, "children: ['0', '2', '4']\nlisting: ['a.txt', 'b.txt']\n");
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).toBe('');
    expect(summarize(trip.after)).toEqual([]);
  });

  it('is marked unsafe: an in-memory sqlite3 connection refuses the worker thread', () => {
    // Why the template is unsafe: `sqlite3.Connection` objects check that they are used from the
    // thread that created them (check_same_thread=True). No equality is expected here.
    const main = [
      'import asyncio',
      'import sqlite3',
      '',
      'conn = sqlite3.connect(":memory:")',
      'conn.execute("create table items (n integer)")',
      '',
      '',
      'async def insert(n):',
      '    conn.execute("insert into items values (?)", (n,))',
      '',
      '',
      'async def main():',
      '    await asyncio.gather(*(insert(n) for n in range(3)))',
      '',
      '',
      'asyncio.run(main())',
      'print("total:", conn.execute("select sum(n) from items").fetchone()[0])',
      '',
    ].join('\n');
    const trip = roundTrip({ 'main.py': main }, { unsafe: true });

    expect(summarize(trip.before)).toEqual([{ rule: 'AS101', path: 'main.py', line: 9, fix: 'unsafe' }]);
    const finding = trip.before.findings[0]!;
    expect(finding.message).toContain('sqlite3.Connection.execute');
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        ['    conn.execute("insert into items values (?)", (n,))', '    await asyncio.to_thread(conn.execute, "insert into items values (?)", (n,))'],
      ]),
    );
    expect(summarize(trip.after)).toEqual([]);

    expectCleanRun(trip.originalRun, 'total: 3\n');
    // The rewritten program compiles and runs, and fails the way the unsafe marking warns about.
    expect(trip.rewrittenRun.timedOut).toBe(false);
    expect(trip.rewrittenRun.status).not.toBe(0);
    expect(trip.rewrittenRun.stderr).toContain('sqlite3.ProgrammingError');
    expect(trip.rewrittenRun.stderr).toMatch(/same thread/);
  });
});
