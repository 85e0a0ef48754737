/**
 * The per-item timeout (`--item-timeout`) in comprehension rewrites (PA102), under real Python:
 * with every item in time the rewritten program prints exactly what the original prints; with
 * one item that runs far past the timeout it raises TimeoutError naming that item and exits
 * without waiting for it. Each interpreter gets the rewrite made for it (`--target-version`).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConcur } from '../helpers/cli.js';
import { assertBuilt } from '../helpers/cli-sync.js';
import { PYTHON, makeProject, pythonAvailable, removeProjects, spawnPython, type TempProject } from '../helpers/python.js';

afterAll(removeProjects);

const PYTHON38 = process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python';
const PYTHON313 = process.env.CONCUR_TEST_PYTHON313 ?? '/root/.pyenv/versions/3.13.0/bin/python';

/** The seconds the rewrites give each item. */
const TIMEOUT = '0.5';
/** A timed-out program must be over well before its slow item would be: it sleeps 30 s, or computes for minutes. */
const PROMPT_EXIT_MS = 10_000;

/** Threads: `fetch(n)` sleeps n milliseconds. */
const THREADS_HEADER = ['import sys', 'import time', '', '', 'def fetch(n):', '    time.sleep(n / 1000)', '    return n * 10'];

/** Processes: `crunch(n)` counts to n thousand in pure Python (a few milliseconds for the items in time). */
const PROCESSES_HEADER = ['import sys', '', '', 'def crunch(n):', '    total = 0', '    for i in range(n * 1000):', '        total += i % 7', '    return n * 10 + total % 5'];

/** The items (`sys.argv[1]`) when every one is in time. */
const IN_TIME = '3,1,4,1,5,9,2,6';
/** The same with the fourth item made slow: `fetch` sleeps 30 s on it, `crunch` counts for minutes. */
const SLOW = { threads: '3,1,4,30000,5,9,2,6', processes: '3,1,4,10000000,5,9,2,6' };

interface Program {
  name: string;
  model: 'threads' | 'processes';
  /** The statement holding the comprehension, in `main`, and what `main` prints after it. */
  body: string[];
  /** Text the rewrite must contain (the comprehension's replacement). */
  fixed: string;
  /** How the TimeoutError names the slow item. */
  slowItem: string;
}

const PROGRAMS: Program[] = [
  {
    name: 'threads_list',
    model: 'threads',
    body: ['values = [fetch(n) for n in numbers]', 'print(values)'],
    fixed: 'values = list(map_in_order(pool, fetch, numbers, 2 * FETCH_WORKERS, FETCH_ITEM_TIMEOUT))',
    slowItem: 'SLOW',
  },
  {
    name: 'threads_set',
    model: 'threads',
    body: ['residues = {fetch(n) % 7 for n in numbers}', 'print(sorted(residues), type(residues).__name__)'],
    fixed: 'residues = set(map_in_order(pool, fetch_task, numbers, 2 * FETCH_WORKERS, FETCH_ITEM_TIMEOUT))',
    slowItem: 'SLOW',
  },
  {
    name: 'threads_dict_if',
    model: 'threads',
    body: ['table = {n: fetch(n) for n in numbers if n != 5}', 'print(table)'],
    fixed: 'table = {key: value for keep, key, value in map_in_order(pool, fetch_task, numbers, 2 * FETCH_WORKERS, FETCH_ITEM_TIMEOUT) if keep}',
    slowItem: 'SLOW',
  },
  {
    name: 'threads_sum',
    model: 'threads',
    body: ['total = sum(fetch(n) + 1 for n in numbers)', 'print(total)'],
    fixed: 'total = sum(map_in_order(pool, fetch_task, numbers, 2 * FETCH_WORKERS, FETCH_ITEM_TIMEOUT))',
    slowItem: 'SLOW',
  },
  {
    name: 'threads_join',
    model: 'threads',
    body: ['text = "-".join(str(fetch(n)) for n in numbers)', 'print(text)'],
    fixed: 'text = "-".join(map_in_order(pool, fetch_task, numbers, 2 * FETCH_WORKERS, FETCH_ITEM_TIMEOUT))',
    slowItem: 'SLOW',
  },
  {
    name: 'threads_map',
    model: 'threads',
    body: ['values = list(map(fetch, numbers))', 'print(values)'],
    fixed: 'values = list(map_in_order(pool, fetch, numbers, 2 * FETCH_WORKERS, FETCH_ITEM_TIMEOUT))',
    slowItem: 'SLOW',
  },
  {
    name: 'threads_product',
    model: 'threads',
    body: ['grid = [fetch(n + offset) for n in numbers for offset in (0, 1)]', 'print(grid)'],
    fixed: 'grid = list(map_in_order(pool, fetch_task, itertools.product(numbers, (0, 1)), 2 * FETCH_WORKERS, FETCH_ITEM_TIMEOUT))',
    // Each item is a combination of the clauses: the error names the pair.
    slowItem: '(SLOW, 0)',
  },
  {
    name: 'processes_list',
    model: 'processes',
    body: ['values = [crunch(n) for n in numbers]', 'print(values)'],
    fixed: 'values = list(map_in_order(pool, crunch, numbers, 2 * CRUNCH_WORKERS, CRUNCH_ITEM_TIMEOUT))',
    slowItem: 'SLOW',
  },
  {
    name: 'processes_sum_map',
    model: 'processes',
    body: ['print(sum(map(crunch, numbers)))'],
    fixed: 'print(sum(map_in_order(pool, crunch, numbers, 2 * CRUNCH_WORKERS, CRUNCH_ITEM_TIMEOUT)))',
    slowItem: 'SLOW',
  },
  {
    name: 'processes_dict',
    model: 'processes',
    body: ['table = {n: crunch(n) + 1 for n in numbers}', 'print(table)'],
    fixed: 'table = dict(map_in_order(pool, crunch_task, numbers, 2 * CRUNCH_WORKERS, CRUNCH_ITEM_TIMEOUT))',
    slowItem: 'SLOW',
  },
];

function source(program: Program): string {
  return [
    ...(program.model === 'threads' ? THREADS_HEADER : PROCESSES_HEADER),
    '',
    '',
    'def main():',
    '    numbers = [int(word) for word in sys.argv[1].split(",")]',
    ...program.body.map((line) => `    ${line}`),
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n');
}

interface Interpreter {
  label: string;
  python: string;
  /** `--target-version`, when not the default. */
  target?: string;
  /** Whether a process pool is shut down without waiting on a timeout (not on 3.8: see `timedWaitFlag`). */
  processPoolWaitFlag: boolean;
  /** Programs run under it: all under python3, one of each model and shape family elsewhere. */
  programs: readonly string[];
}

const INTERPRETERS: Interpreter[] = [
  { label: 'python3', python: PYTHON, processPoolWaitFlag: true, programs: PROGRAMS.map((p) => p.name) },
  { label: 'Python 3.8', python: PYTHON38, target: 'py38', processPoolWaitFlag: false, programs: ['threads_list', 'threads_dict_if', 'processes_list', 'processes_sum_map'] },
  { label: 'Python 3.13', python: PYTHON313, target: 'py313', processPoolWaitFlag: true, programs: ['threads_sum', 'threads_product', 'processes_dict', 'processes_sum_map'] },
];

function run(python: string, file: string, items: string, timeoutMs = 30_000) {
  return spawnPython(python, [file, items], { cwd: process.cwd(), env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, timeoutMs });
}

for (const interpreter of INTERPRETERS) {
  const available = pythonAvailable(interpreter.python);
  describe(`PA102 with --item-timeout under ${interpreter.label}`, () => {
    let original: TempProject;
    let rewritten: TempProject;
    const programs = PROGRAMS.filter((p) => interpreter.programs.includes(p.name));

    beforeAll(async () => {
      if (!available) return;
      assertBuilt();
      original = makeProject(Object.fromEntries(programs.map((p) => [`${p.name}.py`, source(p)])), 'concur-ctimeout-');
      rewritten = original.copy();
      const target = interpreter.target ? ['--target-version', interpreter.target] : [];
      const fix = await runConcur(['fix', '--isolated', '--unsafe-fixes', '--select', 'PA102', '--item-timeout', TIMEOUT, ...target, '.'], { cwd: rewritten.dir });
      expect(fix.status, fix.stderr).toBe(0);
    });

    for (const program of programs) {
      it(`${program.name}: the same output when every item is in time; a slow item raises TimeoutError naming it, and the program ends at once`, async (context) => {
        context.skip(!available, `${interpreter.python} not found (set CONCUR_TEST_PYTHON38 / CONCUR_TEST_PYTHON313)`);
        const file = `${program.name}.py`;
        const text = readFileSync(rewritten.path(file), 'utf8');
        expect(text).toContain(program.fixed);
        const base = program.model === 'threads' ? 'FETCH' : 'CRUNCH';
        expect(text).toContain(`${base}_ITEM_TIMEOUT = float(os.environ.get("${base}_ITEM_TIMEOUT", "${TIMEOUT}"))`);
        if (program.model === 'threads' || interpreter.processPoolWaitFlag) {
          expect(text).toContain('        pool.shutdown(wait=wait_for_calls)');
        } else {
          expect(text).toContain('    with pool:');
          expect(text).not.toContain('wait_for_calls');
        }

        const before = await run(interpreter.python, original.path(file), IN_TIME);
        expect(before.status, before.stderr).toBe(0);
        expect(before.stdout).not.toBe('');
        const after = await run(interpreter.python, rewritten.path(file), IN_TIME);
        expect(after.stderr).toBe('');
        expect(after.status).toBe(0);
        expect(after.stdout).toBe(before.stdout);

        const started = Date.now();
        const slow = SLOW[program.model];
        const timedOut = await run(interpreter.python, rewritten.path(file), slow, PROMPT_EXIT_MS);
        const elapsed = Date.now() - started;
        // Killed at PROMPT_EXIT_MS: the program (or a worker it left) waited for the slow item.
        expect(timedOut.timedOut, `still running after ${elapsed} ms; stderr:\n${timedOut.stderr}`).toBe(false);
        expect(timedOut.status, timedOut.stderr).toBe(1);
        expect(timedOut.stdout).toBe('');
        const shown = program.slowItem.replace('SLOW', slow.split(',')[3]);
        expect(timedOut.stderr).toContain(`TimeoutError: no result for item ${shown} within ${TIMEOUT} s`);
      });
    }
  });
}
