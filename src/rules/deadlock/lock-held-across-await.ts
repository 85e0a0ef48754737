/**
 * DL105 lock-held-across-await: a thread lock (`threading.Lock`, `RLock`, `Condition`,
 * `Semaphore`, their `multiprocessing` twins) held across an `await`, `async for` or `async with`
 * in an `async def`.
 */
import { suspensionPoints, suspensionText, type SuspensionPoint } from '../../concurrency/suspension-points.js';
import { ThreadLockScanner, type HeldThreadLock } from '../../concurrency/thread-locks-held.js';
import type { Rule, RuleContext } from '../rule.js';
import { lineAt, relatedAt } from '../process-safety/shared.js';

export const lockHeldAcrossAwait: Rule = {
  meta: {
    code: 'DL105',
    name: 'lock-held-across-await',
    category: 'deadlock',
    summary: 'Thread lock held across an await: another task taking it blocks the event loop',
    fix: 'none',
    docs: {
      what:
        'A thread lock (`threading.Lock`, `RLock`, `Condition`, `Semaphore`, `BoundedSemaphore`, or their ' +
        '`multiprocessing` versions) held across an `await`, an `async for` or an `async with` in an `async def`: ' +
        'taken by a plain `with` around it, by `lock.acquire()` with no `release()` before it, or by a ' +
        '`with helper():` whose `@contextmanager` function (in the same file) holds the lock where it yields. A lock ' +
        'whose type is not known counts when its name says lock (`self._lock`) and it is used as only a thread lock ' +
        'can be: a plain `with` (an `asyncio.Lock` needs `async with`) or an `acquire()` that is not awaited. ' +
        '`asyncio.Lock`, `asyncio.Semaphore` and `asyncio.Condition` are not flagged, nor a thread lock released ' +
        'before the coroutine awaits anything.',
      why:
        'Every task of an event loop runs on the loop\'s one thread. While the coroutine is suspended at the `await` ' +
        'it still holds the lock; when another task of the same loop then takes a `Lock` (or a `Semaphore(1)`, a ' +
        '`Condition` over a `Lock`), `acquire()` blocks the loop\'s thread itself, so the suspended coroutine can ' +
        'never resume to release it: the whole loop hangs, not just the two tasks (tested: two gathered tasks doing ' +
        '`with lock: await asyncio.sleep(0.01)` hang at the second `with`). A `Semaphore(n)` does the same once n ' +
        'holders are suspended. An `RLock` (and a `Condition()`, whose default lock is an `RLock`) belongs to the ' +
        'thread, so other tasks of the loop simply re-enter it: it does not keep them out of the section at all ' +
        '(tested: both tasks are inside at once), every other thread that wants it waits until the coroutine ' +
        'resumes, and work the coroutine awaits in another thread (`asyncio.to_thread`, `run_in_executor`) that takes ' +
        'the same lock never finishes (tested: it hangs).',
      example: [
        'import asyncio',
        'import threading',
        '',
        'cache_lock = threading.Lock()',
        'cache = {}',
        '',
        'async def fetch(key):',
        '    await asyncio.sleep(0.1)',
        '    return key.upper()',
        '',
        'async def refresh(key):',
        '    with cache_lock:',
        '        cache[key] = await fetch(key)',
        '',
        'async def main():',
        '    await asyncio.gather(refresh("a"), refresh("b"))',
        '    print(sorted(cache.items()))',
        '',
        'asyncio.run(main())',
      ].join('\n'),
      fixed: [
        'import asyncio',
        '',
        'cache_lock = asyncio.Lock()',
        'cache = {}',
        '',
        'async def fetch(key):',
        '    await asyncio.sleep(0.1)',
        '    return key.upper()',
        '',
        'async def refresh(key):',
        '    async with cache_lock:',
        '        cache[key] = await fetch(key)',
        '',
        'async def main():',
        '    await asyncio.gather(refresh("a"), refresh("b"))',
        '    print(sorted(cache.items()))',
        '',
        'asyncio.run(main())',
      ].join('\n'),
      fixSafety:
        'No automatic fix, because neither way out keeps the program\'s meaning in general. Replacing the lock with ' +
        'an `asyncio.Lock` (and `with` with `async with`) is right when only coroutines of one event loop use it, ' +
        'but breaks code in other threads that takes the same lock (an `asyncio.Lock` is not thread-safe and cannot ' +
        'be taken with a plain `with`), and a rewrite cannot see every user of a lock. Awaiting before taking the ' +
        'lock (or releasing it before the `await`) shrinks the critical section: the awaited work no longer runs ' +
        'under the lock, which is only correct when it does not need the protection, a judgement about the ' +
        'program\'s invariants. When the lock is also used by threads, keep the thread lock for the short ' +
        'synchronous sections and await outside them.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const scanner = new ThreadLockScanner(model);
    for (const fn of model.scopes) {
      if (fn.kind !== 'function' || !fn.isAsync) continue;
      const points = suspensionPoints(fn);
      if (points.length === 0) continue;
      // One finding per place the lock is taken, naming the suspension points under it.
      const bySite = new Map<number, { lock: HeldThreadLock; points: SuspensionPoint[] }>();
      for (const point of points) {
        for (const lock of scanner.heldAt(point.node, fn)) {
          const entry = bySite.get(lock.site.id) ?? { lock, points: [] };
          entry.points.push(point);
          bySite.set(lock.site.id, entry);
        }
      }
      for (const { lock, points: under } of [...bySite.values()].sort((a, b) => a.lock.site.startIndex - b.lock.site.startIndex)) {
        const first = under[0]!;
        const more = under.length > 1 ? ` (and ${under.length - 1} more suspension point${under.length > 2 ? 's' : ''})` : '';
        const taken = takenWords(context, lock);
        context.report(
          lock.site,
          `Thread lock \`${lock.display}\` (${lock.type ? `a \`${lock.type}\`, ` : ''}${taken}) is held across \`${suspensionText(first)}\` at line ${lineAt(context, first.node)}${more} in async function \`${fn.displayName}\`: ${consequence(lock)}; use an \`asyncio.Lock\` (\`async with\`) if only coroutines take it, or release the lock before awaiting`,
          {
            related: [
              ...(lock.helper ? [relatedAt(context, lock.helper.site, `\`${lock.helper.scope.displayName}\` takes the lock here and yields with it held`)] : []),
              ...under.slice(0, 3).map((p) => relatedAt(context, p.node, `suspended here with \`${lock.display}\` held`)),
            ],
          },
        );
      }
    }
  },
};

function takenWords(context: RuleContext, lock: HeldThreadLock): string {
  const line = lineAt(context, lock.site);
  if (lock.how === 'with') return `taken by \`with\` at line ${line}`;
  if (lock.how === 'acquire') return `taken by \`acquire()\` at line ${line}`;
  return `taken by \`${lock.helper!.scope.displayName}()\`, entered at line ${line}`;
}

function consequence(lock: HeldThreadLock): string {
  const blocks = 'while this task is suspended, another task of the same event loop that takes it blocks the loop\'s only thread, so this task never resumes to release it and the whole loop hangs';
  switch (lock.flavour) {
    case 'exclusive':
      return blocks;
    case 'counting':
      return 'once every slot of the semaphore is held by a suspended task, the next task of the same event loop that acquires it blocks the loop\'s only thread, and the holders never resume to release it: the whole loop hangs';
    case 'reentrant':
      return 'the lock belongs to the event loop\'s thread, so other tasks of this loop re-enter it while this one is suspended (it does not keep them out), every other thread that wants it waits until this task resumes, and work this task awaits in another thread (`asyncio.to_thread`, `run_in_executor`) that takes it never finishes';
    default:
      return `if it is a \`Lock\`, ${blocks}`;
  }
}
