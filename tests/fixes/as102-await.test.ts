/**
 * AS102's template: a coroutine called as a statement inside an `async def` gets `await`.
 * The fix is unsafe by design: the body that never ran now runs, so the program's output
 * changes. This test documents that change instead of expecting equality.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixInPlace } from '../helpers/cli-sync.js';
import { removeProjects } from '../helpers/python.js';
import { rewritten, roundTrip, summarize } from './round-trip.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

describe('AS102 coroutine never awaited -> await coro(...) (unsafe)', () => {
  it('inserts `await`: the coroutine body now runs, which the original never did', () => {
    const main = [
      'import asyncio',
      '',
      'records = []',
      '',
      '',
      'async def audit(event):',
      '    records.append(event)',
      '    print(f"audit: {event}")',
      '',
      '',
      'async def handle(event):',
      '    audit(event)',
      '    return f"handled {event}"',
      '',
      '',
      'async def main():',
      '    results = [await handle(e) for e in ("login", "logout")]',
      '    print(results)',
      '    print("audited:", records)',
      '',
      '',
      'asyncio.run(main())',
      '',
    ].join('\n');
    const trip = roundTrip({ 'main.py': main }, { unsafe: true });

    expect(summarize(trip.before)).toEqual([{ rule: 'AS102', path: 'main.py', line: 12, fix: 'unsafe' }]);
    expect(trip.fixed.read('main.py')).toBe(rewritten(main, [['    audit(event)\n', '    await audit(event)\n']]));
    expect(summarize(trip.after)).toEqual([]);

    // The original never runs `audit`: Python only warns when the coroutine object is collected.
    expect(trip.originalRun.status).toBe(0);
    expect(trip.originalRun.stdout).toBe("['handled login', 'handled logout']\naudited: []\n");
    expect(trip.originalRun.stdout).not.toContain('audit: ');
    expect(trip.originalRun.stderr).toContain("RuntimeWarning: coroutine 'audit' was never awaited");

    // The rewritten program runs it: different output, which is why the fix is unsafe.
    expect(trip.rewrittenRun.timedOut).toBe(false);
    expect(trip.rewrittenRun.status).toBe(0);
    expect(trip.rewrittenRun.stderr).toBe('');
    expect(trip.rewrittenRun.stdout).toBe(
      "audit: login\naudit: logout\n['handled login', 'handled logout']\naudited: ['login', 'logout']\n",
    );

    // Only with --unsafe-fixes: a plain `concur fix` leaves the file byte-identical.
    const safeOnly = trip.original.copy();
    fixInPlace(safeOnly.dir);
    expect(safeOnly.readBytes('main.py').equals(trip.original.readBytes('main.py'))).toBe(true);
  });
});
