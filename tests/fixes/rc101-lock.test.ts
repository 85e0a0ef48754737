/**
 * RC101's lock template, run under real Python. On CPython 3.10+ a bare `counter += 1` rarely
 * loses an update even with a tiny switch interval, so both the original and the fixed program
 * get the same instrumentation before they run: every `counter += 1` line becomes a read, a
 * `time.sleep(0)` (which lets other threads run) and a write, keeping its indentation. The
 * original then loses updates; the fixed one, where the statement sits inside `with lock:`,
 * holds the lock across the forced switch and counts every increment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/output/json.js';
import { assertBuilt, runConcur } from '../helpers/cli-sync.js';
import { makeProject, removeProjects, runPython, type TempProject } from '../helpers/python.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

/** Forces a thread switch between the read and the write of each `<name> += <n>` line. */
function instrument(text: string, name: string): string {
  const pattern = new RegExp(`^([ \\t]*)${name} ([+-])= (\\d+)$`, 'gm');
  return text.replace(pattern, (_, indent: string, sign: string, amount: string) =>
    [`${indent}_read = ${name}`, `${indent}__import__("time").sleep(0)`, `${indent}${name} = _read ${sign} ${amount}`].join('\n'),
  );
}

function check(project: TempProject): JsonReport {
  const run = runConcur(['check', '--isolated', '--format', 'json', '--select', 'RC101', '.'], project.dir);
  return JSON.parse(run.stdout) as JsonReport;
}

/** Fixes a copy with the real CLI, instruments both, runs both. */
function fixAndRun(main: string, name: string, unsafe: boolean) {
  const original = makeProject({ 'main.py': main });
  const fixed = original.copy();
  const before = check(original);
  const fix = runConcur(['fix', '--isolated', '--select', 'RC101', ...(unsafe ? ['--unsafe-fixes'] : []), '.'], fixed.dir);
  expect(fix.status, fix.stderr).toBe(0);
  const after = check(fixed);
  const fixedText = fixed.read('main.py');
  original.write('main.py', instrument(main, name));
  fixed.write('main.py', instrument(fixedText, name));
  return {
    before,
    after,
    fixedText,
    originalRun: runPython('main.py', { cwd: original.dir, timeoutMs: 15_000 }),
    fixedRun: runPython('main.py', { cwd: fixed.dir, timeoutMs: 15_000 }),
  };
}

describe('RC101 fix: a module-level lock around the racy read-modify-write', () => {
  it('eight threads counting through a helper lose updates before the fix and none after', () => {
    const main = [
      'import threading',
      '',
      'THREADS = 8',
      'ROUNDS = 200',
      '',
      'counter = 0',
      '',
      '',
      'def bump():',
      '    global counter',
      '    counter += 1',
      '',
      '',
      'def work():',
      '    for _ in range(ROUNDS):',
      '        bump()',
      '',
      '',
      'threads = [threading.Thread(target=work) for _ in range(THREADS)]',
      'for t in threads:',
      '    t.start()',
      'for t in threads:',
      '    t.join()',
      'print(counter, THREADS * ROUNDS)',
      '',
    ].join('\n');
    const trip = fixAndRun(main, 'counter', false);

    expect(trip.before.findings.map((f) => [f.rule, f.line, f.fix?.applicability])).toEqual([['RC101', 11, 'safe']]);
    expect(trip.fixedText).toBe(
      main
        .replace('counter = 0\n', 'counter = 0\n_counter_lock = threading.Lock()\n')
        .replace('    counter += 1\n', '    with _counter_lock:\n        counter += 1\n'),
    );
    expect(trip.after.findings).toEqual([]);

    expect(trip.originalRun.timedOut).toBe(false);
    expect(trip.originalRun.stderr).toBe('');
    const [lost, expected] = trip.originalRun.stdout.trim().split(' ').map(Number);
    expect(expected).toBe(1600);
    expect(lost).toBeLessThan(expected);

    expect(trip.fixedRun.timedOut).toBe(false);
    expect(trip.fixedRun.stderr).toBe('');
    expect(trip.fixedRun.stdout).toBe('1600 1600\n');
  });

  it('the main thread and a worker: the fix takes the lock the worker already holds (unsafe)', () => {
    const main = [
      'import threading',
      '',
      'balance = 0',
      'lock = threading.Lock()',
      '',
      '',
      'def deposit():',
      '    global balance',
      '    for _ in range(300):',
      '        with lock:',
      '            balance += 2',
      '',
      '',
      't = threading.Thread(target=deposit)',
      't.start()',
      'for _ in range(300):',
      '    balance -= 1  # the main thread withdraws meanwhile',
      't.join()',
      'print(balance)',
      '',
    ].join('\n');
    const trip = fixAndRun(main, 'balance', true);

    expect(trip.before.findings.map((f) => [f.rule, f.line, f.fix?.applicability])).toEqual([
      ['RC101', 11, 'unsafe'],
      ['RC101', 17, 'unsafe'],
    ]);
    expect(trip.fixedText).toBe(main.replace('    balance -= 1  #', '    with lock:\n        balance -= 1  #'));
    expect(trip.after.findings).toEqual([]);

    expect(trip.originalRun.stderr).toBe('');
    expect(Number(trip.originalRun.stdout.trim())).not.toBe(300);
    expect(trip.fixedRun.stderr).toBe('');
    expect(trip.fixedRun.stdout).toBe('300\n');
  });
});
