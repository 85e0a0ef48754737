/**
 * DL103's fix (`acquire()` ... `release()` becomes `with lock:`), run under real Python: a call
 * raises between the acquire and the release, the caller handles the exception and calls again.
 * The original left the lock held, so the next call waits forever; the fixed program released it
 * on the way out and finishes with the right totals. Both also run the code from two threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli-sync.js';
import { makeProject, removeProjects } from '../helpers/python.js';
import { check, fix, run } from './deadlock-run.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

const program = [
  'import threading',
  '',
  'lock = threading.Lock()',
  'totals = {"a": 0, "b": 0}',
  '',
  '',
  'def add(key, value):',
  '    lock.acquire()',
  '    # a missing key raises KeyError here',
  '    totals[key] = totals[key] + value',
  '    lock.release()',
  '',
  '',
  'def work(keys):',
  '    for key in keys:',
  '        try:',
  '            add(key, 1)',
  '        except KeyError as error:',
  '            print("no such key", error)',
  '',
  '',
  't = threading.Thread(target=work, args=(["a", "missing", "a"],))',
  't.start()',
  't.join()',
  'work(["b", "b"])',
  'print(totals)',
  '',
].join('\n');

describe('DL103 fix: with lock', () => {
  it('the original leaves the lock held after the exception and hangs; the fixed program finishes', async () => {
    const original = makeProject({ 'main.py': program });
    const fixed = original.copy();

    const before = check(original, 'DL103');
    expect(before.findings.map((f) => [f.rule, f.line, f.fix?.applicability])).toEqual([['DL103', 8, 'safe']]);
    fix(fixed, 'DL103', false);
    expect(fixed.read('main.py')).toBe(
      program.replace(
        '    lock.acquire()\n    # a missing key raises KeyError here\n    totals[key] = totals[key] + value\n    lock.release()\n',
        '    with lock:\n        # a missing key raises KeyError here\n        totals[key] = totals[key] + value\n',
      ),
    );
    expect(check(fixed, 'DL103').findings).toEqual([]);

    const [originalRun, fixedRun] = await Promise.all([run(original, 'main.py', 10_000), run(fixed, 'main.py', 10_000)]);
    expect(originalRun.timedOut).toBe(true);
    expect(originalRun.stdout).toBe("no such key 'missing'\n");

    expect(fixedRun.timedOut).toBe(false);
    expect(fixedRun.stderr).toBe('');
    expect(fixedRun.stdout).toBe("no such key 'missing'\n{'a': 2, 'b': 2}\n");
  });
});
