/**
 * DL101's reordering fix, run under real Python. Both programs get the same instrumentation
 * after concur has checked and fixed them: every `with x:` whose body starts with another `with`
 * gets a rendezvous between the two, where each thread waits (up to 3 s) until the other thread
 * also holds its first lock. In the original the two threads then hold one lock each and wait
 * for each other forever: it must hang. In the fixed program both take the same lock first, so
 * the second thread waits at the lock, the first one's rendezvous times out and it goes on: it
 * must finish with both entries logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli-sync.js';
import { makeProject, removeProjects } from '../helpers/python.js';
import { check, fix, run } from './deadlock-run.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

const RENDEZVOUS = [
  'import threading as _threading',
  '_barrier = _threading.Barrier(2)',
  '',
  '',
  'def _rendezvous():',
  '    try:',
  '        _barrier.wait(timeout=3)',
  '    except _threading.BrokenBarrierError:',
  '        pass',
  '',
  '',
].join('\n');

/** The rendezvous between the first and the second of two nested `with` statements. */
function instrument(text: string): string {
  return RENDEZVOUS + text.replace(/^([ \t]*)with ([^\n]+):\n([ \t]+)with /gm, (_, outer: string, first: string, inner: string) => `${outer}with ${first}:\n${inner}_rendezvous()\n${inner}with `);
}

const program = [
  'import threading',
  '',
  'accounts_lock = threading.Lock()',
  'audit_lock = threading.Lock()',
  'log = []',
  '',
  '',
  'def transfer():',
  '    with accounts_lock:',
  '        with audit_lock:  # both held',
  '            log.append("transfer")',
  '',
  '',
  'def audit():',
  '    with audit_lock:',
  '        with accounts_lock:',
  '            log.append("audit")',
  '',
  '',
  't1 = threading.Thread(target=transfer)',
  't2 = threading.Thread(target=audit)',
  't1.start()',
  't2.start()',
  't1.join()',
  't2.join()',
  'print(sorted(log))',
  '',
].join('\n');

describe('DL101 fix: one lock order', () => {
  it('the original deadlocks when both threads hold their first lock; the reordered program finishes', async () => {
    const original = makeProject({ 'main.py': program });
    const fixed = original.copy();

    const before = check(original, 'DL101');
    expect(before.findings.map((f) => [f.rule, f.line, f.fix?.applicability])).toEqual([['DL101', 16, 'safe']]);
    fix(fixed, 'DL101', false);
    const fixedText = fixed.read('main.py');
    expect(fixedText).toBe(program.replace('    with audit_lock:\n        with accounts_lock:\n', '    with accounts_lock:\n        with audit_lock:\n'));
    expect(check(fixed, 'DL101').findings).toEqual([]);

    original.write('main.py', instrument(program));
    fixed.write('main.py', instrument(fixedText));
    expect(original.read('main.py')).toContain('    with audit_lock:\n        _rendezvous()\n        with accounts_lock:\n');
    expect(fixed.read('main.py')).toContain('    with accounts_lock:\n        _rendezvous()\n        with audit_lock:\n');

    const [originalRun, fixedRun] = await Promise.all([run(original, 'main.py', 15_000), run(fixed, 'main.py', 15_000)]);
    expect(originalRun.timedOut).toBe(true);
    expect(originalRun.stdout).toBe('');

    expect(fixedRun.timedOut).toBe(false);
    expect(fixedRun.stderr).toBe('');
    expect(fixedRun.status).toBe(0);
    expect(fixedRun.stdout).toBe("['audit', 'transfer']\n");
  });
});
