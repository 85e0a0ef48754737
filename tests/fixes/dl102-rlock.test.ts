/**
 * DL102's unsafe fix (the lock made re-entrant), run under real Python: the original takes its
 * `Lock` again while holding it and hangs on the first call (no timing involved: a thread waits
 * for itself); the fixed program, with an `RLock`, runs four threads through the same code and
 * prints every key once.
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
  '',
  'class Cache:',
  '    def __init__(self):',
  '        self._lock = threading.Lock()',
  '        self._data = {}',
  '',
  '    def get(self, key):',
  '        with self._lock:',
  '            return self._data.get(key)',
  '',
  '    def get_or_set(self, key, value):',
  '        with self._lock:',
  '            found = self.get(key)',
  '            if found is None:',
  '                self._data[key] = found = value',
  '            return found',
  '',
  '',
  'cache = Cache()',
  '',
  '',
  'def work(n):',
  '    for i in range(100):',
  '        cache.get_or_set(i % 10, n)',
  '',
  '',
  'threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]',
  'for t in threads:',
  '    t.start()',
  'for t in threads:',
  '    t.join()',
  'print(sorted(cache._data))',
  '',
].join('\n');

describe('DL102 fix: a re-entrant lock', () => {
  it('the original waits for itself; with an RLock every thread finishes', async () => {
    const original = makeProject({ 'main.py': program });
    const fixed = original.copy();

    const before = check(original, 'DL102');
    expect(before.findings.map((f) => [f.rule, f.line, f.fix?.applicability])).toEqual([['DL102', 15, 'unsafe']]);
    // Unsafe: not applied without --unsafe-fixes.
    fix(fixed, 'DL102', false, 1);
    expect(fixed.read('main.py')).toBe(program);
    fix(fixed, 'DL102', true);
    expect(fixed.read('main.py')).toBe(program.replace('self._lock = threading.Lock()', 'self._lock = threading.RLock()'));
    expect(check(fixed, 'DL102').findings).toEqual([]);

    const [originalRun, fixedRun] = await Promise.all([run(original, 'main.py', 10_000), run(fixed, 'main.py', 10_000)]);
    expect(originalRun.timedOut).toBe(true);
    expect(originalRun.stdout).toBe('');

    expect(fixedRun.timedOut).toBe(false);
    expect(fixedRun.stderr).toBe('');
    expect(fixedRun.stdout).toBe('[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n');
  });
});
