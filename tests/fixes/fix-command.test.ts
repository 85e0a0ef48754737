/**
 * `concur fix` as a whole: several fixes in one file in one run (sharing one added import),
 * idempotence, fixes that overlap (left for a later run), and files that do not parse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, checkJson, fixInPlace } from '../helpers/cli-sync.js';
import { makeProject, removeProjects, runPython } from '../helpers/python.js';
import { changedFiles, expectCleanRun, expectSameBehaviour, rewritten, roundTrip, summarize } from './round-trip.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

const HELPERS = ['import time', '', '', 'def slow_square(n, delay=0.0):', '    time.sleep(delay)', '    return n * n', ''].join('\n');

/** A module with three blocking calls in three coroutines and no asyncio import. */
const TASKS = [
  '"""Tasks the runner gathers."""',
  'import subprocess',
  'import sys',
  'import time',
  '',
  'from helpers import slow_square',
  '',
  '',
  'async def pause(i):',
  '    time.sleep(0.01 * i)',
  '    return f"pause {i}"',
  '',
  '',
  'async def compute(i):',
  '    value = slow_square(i, delay=0.01)',
  '    return f"compute {i} = {value}"',
  '',
  '',
  'async def spawn(i):',
  '    out = subprocess.run([sys.executable, "-c", f"print({i} + 100)"], capture_output=True, text=True)',
  '    return f"spawn {i} -> {out.stdout.strip()}"',
  '',
].join('\n');

const RUNNER = [
  'import asyncio',
  '',
  'import tasks',
  '',
  '',
  'async def main():',
  '    jobs = []',
  '    for i in range(3):',
  '        jobs += [tasks.pause(i), tasks.compute(i), tasks.spawn(i)]',
  '    for line in await asyncio.gather(*jobs):',
  '        print(line)',
  '',
  '',
  'asyncio.run(main())',
  '',
].join('\n');

describe('concur fix', () => {
  it('applies several fixes to one file in one run; the `import asyncio` they all need is added once', () => {
    const files = { 'main.py': RUNNER, 'tasks.py': TASKS, 'helpers.py': HELPERS };
    const trip = roundTrip(files, { unsafe: true });

    expect(summarize(trip.before)).toEqual([
      { rule: 'AS101', path: 'tasks.py', line: 10, fix: 'unsafe' },
      { rule: 'AS101', path: 'tasks.py', line: 15, fix: 'unsafe' },
      { rule: 'AS101', path: 'tasks.py', line: 20, fix: 'unsafe' },
    ]);
    // Each of the three fixes carries its own `import asyncio` edit.
    for (const finding of trip.before.findings) {
      expect(finding.fix!.edits.map((edit) => edit.content)).toContain('import asyncio\n');
    }
    const fixed = trip.fixed.read('tasks.py');
    expect(fixed).toBe(
      rewritten(TASKS, [
        ['"""\nimport subprocess\n', '"""\nimport asyncio\nimport subprocess\n'],
        ['    time.sleep(0.01 * i)', '    await asyncio.sleep(0.01 * i)'],
        ['    value = slow_square(i, delay=0.01)', '    value = await asyncio.to_thread(slow_square, i, delay=0.01)'],
        [
          '    out = subprocess.run([sys.executable, "-c", f"print({i} + 100)"], capture_output=True, text=True)',
          '    out = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", f"print({i} + 100)"], capture_output=True, text=True)',
        ],
      ]),
    );
    expect(fixed.match(/^import asyncio$/gm)).toHaveLength(1);
    expect(changedFiles(trip, files)).toEqual(['tasks.py']);
    expect(trip.fix.stdout).toMatch(/3 fixed, 0 remaining/);

    const expected = [0, 1, 2].flatMap((i) => [`pause ${i}`, `compute ${i} = ${i * i}`, `spawn ${i} -> ${i + 100}`]).join('\n') + '\n';
    expectCleanRun(trip.originalRun, expected);
    expectSameBehaviour(trip);
    expect(trip.rewrittenRun.stderr).toBe('');
    expect(summarize(trip.after)).toEqual([]);
  });

  it('is idempotent: a second run over the fixed project changes nothing', () => {
    const files = { 'main.py': RUNNER, 'tasks.py': TASKS, 'helpers.py': HELPERS };
    const trip = roundTrip(files, { unsafe: true });
    const once = Object.fromEntries(Object.keys(files).map((name) => [name, trip.fixed.readBytes(name)]));

    const second = fixInPlace(trip.fixed.dir, { unsafe: true });
    for (const name of Object.keys(files)) {
      expect(trip.fixed.readBytes(name).equals(once[name]!), `${name} changed on the second run`).toBe(true);
    }
    expect(second.status).toBe(0);
    expect(second.stdout).not.toMatch(/[1-9]\d* fixed/);
  });

  it('fixes a blocking call inside another in one run, re-checking after each pass, and the program behaves the same', () => {
    const main = [
      'import asyncio as aio',
      '',
      'from helpers import slow_square',
      '',
      '',
      'async def first_word(path):',
      '    return open(path).read().split()[0]',
      '',
      '',
      'async def nested(i):',
      '    return slow_square(slow_square(i, 0.01), 0.01)',
      '',
      '',
      'async def main():',
      '    print(await first_word("data.txt"))',
      '    print(await aio.gather(*(nested(i) for i in range(3))))',
      '',
      '',
      'aio.run(main())',
      '',
    ].join('\n');
    const files = { 'main.py': main, 'helpers.py': HELPERS, 'data.txt': 'hello world\n' };
    const trip = roundTrip(files, { unsafe: true });
    expectCleanRun(trip.originalRun, 'hello\n[0, 1, 16]\n');

    // One run: the outer calls first, then (after re-checking) the inner ones inside `to_thread`'s arguments.
    expect(summarize(trip.before, 'AS101')).toHaveLength(4);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        ['    return open(path).read().split()[0]', '    return (await aio.to_thread((await aio.to_thread(open, path)).read)).split()[0]'],
        [
          '    return slow_square(slow_square(i, 0.01), 0.01)',
          '    return await aio.to_thread(slow_square, await aio.to_thread(slow_square, i, 0.01), 0.01)',
        ],
      ]),
    );
    expectSameBehaviour(trip);
    expect(summarize(trip.after)).toEqual([]);

    // A second run: nothing left.
    const once = trip.fixed.read('main.py');
    fixInPlace(trip.fixed.dir, { unsafe: true });
    expect(trip.fixed.read('main.py')).toBe(once);
  });

  it('leaves a file with a syntax error byte-identical, reports it, and still fixes the other files', () => {
    const bad = ['import time', '', '', 'async def main():', '    time.sleep(0.01)', '    print("done"', ''].join('\n');
    const good = ['import asyncio', 'import time', '', '', 'async def main():', '    time.sleep(0.01)', '    print("done")', '', '', 'asyncio.run(main())', ''].join(
      '\n',
    );
    const project = makeProject({ 'bad.py': bad, 'good.py': good });
    const badBytes = project.readBytes('bad.py');

    const run = fixInPlace(project.dir, { unsafe: true });
    expect(project.readBytes('bad.py').equals(badBytes)).toBe(true);
    expect(run.stderr).toMatch(/bad\.py:\d+:\d+: error: syntax error/);
    expect(project.read('good.py')).toBe(rewritten(good, [['    time.sleep(0.01)', '    await asyncio.sleep(0.01)']]));
    expectCleanRun(runPython('good.py', { cwd: project.dir }), 'done\n');

    const report = checkJson(project.dir);
    expect(report.errors.map((error) => error.path)).toEqual(['bad.py']);
    expect(summarize(report)).toEqual([]);

    // Also when it is the only file named.
    const alone = makeProject({ 'bad.py': bad });
    fixInPlace(alone.dir, { unsafe: true, paths: ['bad.py'] });
    expect(alone.readBytes('bad.py').equals(badBytes)).toBe(true);
  });

  it('keeps CRLF line endings, also on the import line it adds', () => {
    const jobs = ['"""Jobs."""', 'import time', '', '', 'async def job():', '    time.sleep(0.01)', '    return "job done"', ''].join('\r\n');
    const main = ['import asyncio', 'import jobs', '', 'print(asyncio.run(jobs.job()))', ''].join('\n');
    const files = { 'main.py': main, 'jobs.py': jobs };
    const trip = roundTrip(files, { unsafe: true });

    expectCleanRun(trip.originalRun, 'job done\n');
    expectSameBehaviour(trip);
    expect(summarize(trip.after)).toEqual([]);
    expect(trip.fixed.read('jobs.py')).toBe(
      rewritten(jobs, [
        ['"""\r\nimport time\r\n', '"""\r\nimport asyncio\r\nimport time\r\n'],
        ['    time.sleep(0.01)', '    await asyncio.sleep(0.01)'],
      ]),
    );
  });
});
