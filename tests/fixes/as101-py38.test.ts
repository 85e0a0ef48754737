/**
 * AS101 with `--target-version py38`: Python 3.8 has no `asyncio.to_thread`, so a blocking call
 * becomes `await asyncio.get_running_loop().run_in_executor(None, f, args)`, for calls with
 * positional arguments only. The programs run under a real Python 3.8 (pyenv's), or the cases
 * are skipped with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, checkJson, fixInPlace } from '../helpers/cli-sync.js';
import { PYTHON, pythonAvailable, removeProjects, runPython } from '../helpers/python.js';
import { changedFiles, expectCleanRun, expectSameBehaviour, rewritten, roundTrip, summarize } from './round-trip.js';

const PYTHON38 = process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python';
const HAVE_PYTHON38 = pythonAvailable(PYTHON38);
const SKIP_REASON = `Python 3.8 not found at ${PYTHON38} (set CONCUR_TEST_PYTHON38 to an interpreter path)`;

beforeAll(assertBuilt);
afterAll(removeProjects);

const HELPERS = [
  'import time',
  '',
  '',
  'def slow_square(n, delay):',
  '    time.sleep(delay)',
  '    return n * n',
  '',
  '',
  'def make_label(i):',
  '    time.sleep(0.01)',
  '    return "label {}".format(i)',
  '',
].join('\n');

// Python 3.8 syntax only (no walrus in comprehensions, no `match`, no `list[int]`).
const MAIN = [
  'import asyncio',
  'import subprocess',
  'import sys',
  'import time',
  '',
  'from helpers import make_label, slow_square',
  '',
  '',
  'async def task(i):',
  '    time.sleep(0.01)',
  '    value = slow_square(i, 0.01 * (3 - i))',
  '    label = make_label(i).upper()',
  '    return "task {}: {} {}".format(i, value, label)',
  '',
  '',
  'async def child():',
  '    out = subprocess.run([sys.executable, "-c", "print(42)"], capture_output=True)',
  '    return out.stdout.decode().strip()',
  '',
  '',
  'async def main():',
  '    for line in await asyncio.gather(*(task(i) for i in range(3))):',
  '        print(line)',
  '    print("child:", await child())',
  '',
  '',
  'asyncio.run(main())',
  '',
].join('\n');

const FILES = { 'main.py': MAIN, 'helpers.py': HELPERS };
const EXPECTED_STDOUT = 'task 0: 0 LABEL 0\ntask 1: 1 LABEL 1\ntask 2: 4 LABEL 2\nchild: 42\n';

describe('AS101 with --target-version py38 -> run_in_executor', () => {
  it('rewrites positional calls to run_in_executor; the rewritten program behaves the same under Python 3.8', (context) => {
    context.skip(!HAVE_PYTHON38, SKIP_REASON);
    const trip = roundTrip(FILES, { unsafe: true, targetVersion: 'py38', python: PYTHON38 });

    expect(summarize(trip.before)).toEqual([
      { rule: 'AS101', path: 'main.py', line: 10, fix: 'unsafe' },
      { rule: 'AS101', path: 'main.py', line: 11, fix: 'unsafe' },
      { rule: 'AS101', path: 'main.py', line: 12, fix: 'unsafe' },
      // `run_in_executor` takes positional arguments only: no fix for a call with keywords.
      { rule: 'AS101', path: 'main.py', line: 17, fix: 'none' },
    ]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(MAIN, [
        ['    time.sleep(0.01)\n', '    await asyncio.sleep(0.01)\n'],
        [
          '    value = slow_square(i, 0.01 * (3 - i))',
          '    value = await asyncio.get_running_loop().run_in_executor(None, slow_square, i, 0.01 * (3 - i))',
        ],
        ['    label = make_label(i).upper()', '    label = (await asyncio.get_running_loop().run_in_executor(None, make_label, i)).upper()'],
      ]),
    );
    expect(trip.fixed.read('main.py')).not.toContain('to_thread');
    expect(changedFiles(trip, FILES)).toEqual(['main.py']);

    expectCleanRun(trip.originalRun, EXPECTED_STDOUT);
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).toBe('');
    // Only the call the template cannot express is left, still without a fix.
    expect(summarize(trip.after)).toEqual([{ rule: 'AS101', path: 'main.py', line: 17, fix: 'none' }]);

    // The rewritten program also behaves the same under the default interpreter.
    expect(runPython('main.py', { cwd: trip.fixed.dir, python: PYTHON }).stdout).toBe(EXPECTED_STDOUT);
  });

  it('without the target version the to_thread form is written, which Python 3.8 cannot run', (context) => {
    context.skip(!HAVE_PYTHON38, SKIP_REASON);
    const trip = roundTrip(FILES, { unsafe: true });
    expect(trip.fixed.read('main.py')).toContain('    value = await asyncio.to_thread(slow_square, i, 0.01 * (3 - i))\n');
    expect(trip.fixed.read('main.py')).toContain(
      '    out = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", "print(42)"], capture_output=True)\n',
    );
    expectSameBehaviour(trip);

    const under38 = runPython('main.py', { cwd: trip.fixed.dir, python: PYTHON38 });
    expect(under38.status).not.toBe(0);
    expect(under38.stderr).toContain("module 'asyncio' has no attribute 'to_thread'");
  });

  it('py38 fixes are idempotent and keep the call with keyword arguments reported', (context) => {
    context.skip(!HAVE_PYTHON38, SKIP_REASON);
    const trip = roundTrip(FILES, { unsafe: true, targetVersion: 'py38', python: PYTHON38 });
    const once = trip.fixed.read('main.py');
    fixInPlace(trip.fixed.dir, { unsafe: true, targetVersion: 'py38' });
    expect(trip.fixed.read('main.py')).toBe(once);
    const report = checkJson(trip.fixed.dir, { targetVersion: 'py38' });
    expect(report.findings.map((f) => f.message)).toEqual([expect.stringContaining('subprocess.run')]);
  });

  it('writes nothing Python 3.8 cannot compile: a blocking decorator factory inside an async def', (context) => {
    // Python 3.8 decorators are a dotted name with an optional call (PEP 614 relaxed that in 3.9),
    // so `@await ...` is a syntax error there.
    context.skip(!HAVE_PYTHON38, SKIP_REASON);
    const main = [
      'import asyncio',
      'import time',
      '',
      '',
      'def tagged(tag):',
      '    time.sleep(0.01)',
      '    return lambda f: f',
      '',
      '',
      'async def main():',
      '    @tagged("x")',
      '    def inner():',
      '        return "inner ran"',
      '',
      '    print(inner())',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    const trip = roundTrip({ 'main.py': main }, { unsafe: true, targetVersion: 'py38', python: PYTHON38 });

    expect(summarize(trip.before).map((f) => [f.rule, f.line])).toEqual([['AS101', 11]]);
    expectCleanRun(trip.originalRun, 'inner ran\n');
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).not.toContain('SyntaxError');
  });
});
