/**
 * The probe on real Python runs (3.8, the default python3 and 3.13 where present): the program
 * prints exactly what it prints without the probe, its lines do not move, and the probe counts
 * what the loops did: nested loops, a loop in a function called many times and from threads,
 * comprehensions, `break`, a generator whose consumer's time is not its own, a loop in worker
 * processes, an exception escaping a loop, and `sys.exit` inside one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeTemporaryDirectories } from '../helpers/cli.js';
import { PYTHON, pythonAvailable } from '../helpers/python.js';
import { lineOf, probeProgram } from './helpers.js';

afterAll(removeTemporaryDirectories);

const INTERPRETERS = [
  PYTHON,
  process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python',
  process.env.CONCUR_TEST_PYTHON313 ?? '/root/.pyenv/versions/3.13.0/bin/python',
].filter((python, index, all) => all.indexOf(python) === index && pythonAvailable(python));

const MANY = [
  '"""Loops of every shape the probe must follow."""',
  'import time',
  'from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor',
  '',
  '',
  'def inner_work(n):',
  '    total = 0',
  '    for i in range(n):',
  '        total += i * i',
  '    return total',
  '',
  '',
  'def search(items, wanted):',
  '    for position, item in enumerate(items):',
  '        if item == wanted:',
  '            break',
  '    return position',
  '',
  '',
  'def numbers(limit):',
  '    for n in range(limit):',
  '        time.sleep(0.002)',
  '        yield n',
  '',
  '',
  'def square(x):',
  '    return sum(v * v for v in range(x))',
  '',
  '',
  'def main():',
  '    grid = 0',
  '    for row in range(5):',
  '        for column in range(7):',
  '            grid += row * column',
  '    print("grid", grid)',
  '    print("work", sum(inner_work(k) for k in range(30)))',
  '    print("search", search(list(range(100)), 41))',
  '    squares = [k * k for k in range(50)]',
  '    table = {k: str(k) for k in range(10)}',
  '    print("squares", sum(squares), len(table))',
  '    for n in numbers(5):',
  '        time.sleep(0.03)',
  '        print("number", n)',
  '    with ThreadPoolExecutor(2) as pool:',
  '        print("threads", list(pool.map(inner_work, [1000, 2000])))',
  '    with ProcessPoolExecutor(2) as pool:',
  '        print("processes", list(pool.map(square, [300, 400])))',
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
  '',
].join('\n');

describe.each(INTERPRETERS)('the probe under %s', (python) => {
  it('leaves the output alone and counts nested loops, functions called many times, comprehensions, break, generators, threads and processes', async () => {
    const run = await probeProgram({ 'main.py': MANY }, 'main.py', { python });
    expect(run.probed.stderr).toBe('');
    expect(run.probed.status).toBe(0);
    expect(run.probed.stdout).toBe(run.original.stdout);
    expect(run.original.stdout).toContain('processes [');
    // Every line keeps its number: the instrumented file has as many lines, and each loop starts where it did.
    expect(run.instrumented['main.py'].split('\n').length).toBe(MANY.split('\n').length);
    const at = (needle: string) => `main.py:${lineOf(MANY, needle)}`;
    const loop = (needle: string) => {
      const found = run.loops.get(at(needle));
      if (!found) throw new Error(`no measurement for ${needle} (${at(needle)}); have ${[...run.loops.keys()].join(', ')}`);
      return found;
    };

    expect(loop('for row in range(5)')).toMatchObject({ entries: 1, iterations: 5, ended_early: 0 });
    expect(loop('for column in range(7)')).toMatchObject({ entries: 5, iterations: 35 });
    // 30 calls from the generator expression, 2 from the thread pool, in 3 threads.
    const work = loop('for i in range(n)');
    expect(work.entries).toBe(32);
    expect(work.iterations).toBe((29 * 30) / 2 + 1000 + 2000);
    expect(work.iterations_exact).toBe(true);
    expect(work.threads).toBeGreaterThanOrEqual(2);
    expect(loop('sum(inner_work(k) for k in range(30))')).toMatchObject({ kind: 'generator', iterations: 30 });
    expect(loop('for position, item in enumerate(items)')).toMatchObject({ iterations: 42, ended_early: 1 });
    expect(loop('squares = [k * k')).toMatchObject({ kind: 'list', iterations: 50 });
    expect(loop('table = {k: str(k)')).toMatchObject({ kind: 'dict', iterations: 10 });

    // The generator sleeps 2 ms per item; its consumer sleeps 30 ms per item, which is not the generator's time.
    const generator = loop('for n in range(limit)');
    expect(generator.iterations).toBe(5);
    expect(generator.per_iteration.wall.median).toBeGreaterThanOrEqual(0.0015);
    expect(generator.wall_seconds).toBeLessThan(0.1);
    const consumer = loop('for n in numbers(5)');
    expect(consumer.iterations).toBe(5);
    expect(consumer.wall_seconds).toBeGreaterThanOrEqual(0.15);
    expect(consumer.class).toBe('io');

    // The generator expression in `square` ran only in the worker processes.
    const worker = loop('return sum(v * v for v in range(x))');
    expect(worker.iterations).toBe(700);
    expect(worker.in_first_process).toBe(false);
    expect(run.processes.length).toBeGreaterThanOrEqual(2);

    // Items and what the map stage hands to the commit stage are sampled for their pickled size.
    expect(loop('for row in range(5)').item_bytes?.count).toBeGreaterThan(0);
    expect(loop('squares = [k * k').result_bytes?.count).toBeGreaterThan(0);
  });
});

describe('the probe in spawned worker processes', () => {
  it('follows a loop into workers started with spawn, which import the instrumented module afresh', async () => {
    const program = [
      'import multiprocessing',
      'from concurrent.futures import ProcessPoolExecutor',
      '',
      '',
      'def total(n):',
      '    result = 0',
      '    for value in range(n):',
      '        result += value',
      '    return result',
      '',
      '',
      'if __name__ == "__main__":',
      '    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:',
      '        print(list(pool.map(total, [10, 20, 30])))',
      '',
    ].join('\n');
    const run = await probeProgram({ 'main.py': program }, 'main.py');
    expect(run.probed.stderr).toBe('');
    expect(run.probed.stdout).toBe(run.original.stdout);
    expect(run.loops.get('main.py:7')).toMatchObject({ entries: 3, iterations: 60, in_first_process: false });
  });
});

describe('the probe when the program fails', () => {
  it('keeps an exception escaping a loop, with the same lines in its traceback, and still writes the figures', async () => {
    const program = [
      'def parse(values):',
      '    out = []',
      '    for v in values:',
      '        out.append(int(v))',
      '    return out',
      '',
      '',
      'print("start")',
      'for i in range(3):',
      '    print(i)',
      'parse(["1", "2", "x", "4"])',
      '',
    ].join('\n');
    const run = await probeProgram({ 'main.py': program }, 'main.py');
    expect(run.original.status).toBe(1);
    expect(run.probed.status).toBe(1);
    expect(run.probed.stdout).toBe(run.original.stdout);
    const lines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('line ')).map((line) => line.replace(/File ".*main\.py"/, 'File "main.py"'));
    expect(run.original.stderr).toContain('ValueError');
    // The probe's own frame (the wrapped iterator) is not in the way: the frames of main.py keep their lines.
    expect(lines(run.probed.stderr).filter((line) => line.includes('main.py'))).toEqual(lines(run.original.stderr));
    expect(run.loops.get(`main.py:${lineOf(program, 'for v in values')}`)).toMatchObject({ iterations: 3, ended_early: 1 });
    expect(run.loops.get(`main.py:${lineOf(program, 'for i in range(3)')}`)).toMatchObject({ iterations: 3, ended_early: 0 });
  });

  it('keeps the status of sys.exit inside a loop and still writes the figures', async () => {
    const program = ['import sys', '', 'for attempt in range(10):', '    print("attempt", attempt)', '    if attempt == 3:', '        sys.exit(4)', 'print("never")', ''].join('\n');
    const run = await probeProgram({ 'main.py': program }, 'main.py');
    expect(run.original.status).toBe(4);
    expect(run.probed.status).toBe(4);
    expect(run.probed.stdout).toBe(run.original.stdout);
    expect(run.probed.stderr).toBe('');
    expect(run.loops.get('main.py:3')).toMatchObject({ iterations: 4, ended_early: 1, in_first_process: true });
  });
});

describe('the probe on a generator feeding a slow consumer', () => {
  it('counts the generator\'s own time, not the consumer\'s, also once its iterations are only sampled', async () => {
    const program = [
      'import time',
      '',
      '',
      'def numbers():',
      '    for number in range(400):',
      '        yield str(number)',
      '',
      '',
      'for row in numbers():',
      '    time.sleep(0.0005)',
      '',
    ].join('\n');
    const run = await probeProgram({ 'main.py': program }, 'main.py');
    expect(run.probed.status).toBe(0);
    const generator = run.loops.get('main.py:5');
    const consumer = run.loops.get('main.py:9');
    expect(generator?.iterations).toBe(400);
    expect(consumer?.wall_seconds).toBeGreaterThanOrEqual(0.2);
    // str() of a number takes well under a microsecond: far from the consumer's 200 ms of sleep.
    expect(generator!.wall_seconds).toBeLessThan(0.02);
  });
});
