/**
 * DL103 acquire-without-release-on-exception: `lock.acquire()` ... `lock.release()` with code in
 * between that can raise, and no `try`/`finally` (or `with`) to release the lock then.
 */
import { unprotectedAcquires, type UnprotectedAcquire } from '../../concurrency/acquire-release.js';
import { LockFinder } from '../../concurrency/locks.js';
import { indentUnit } from '../../fixes/lock-edits.js';
import { afterLineEnd, indentationAt, lineStart, multilineStrings, transformRegion } from '../../rewrites/source-text.js';
import type { FixDraft, Rule, RuleContext } from '../rule.js';
import { lineAt, relatedAt, shown } from '../process-safety/shared.js';

export const acquireWithoutRelease: Rule = {
  meta: {
    code: 'DL103',
    name: 'acquire-without-release-on-exception',
    category: 'deadlock',
    summary: '`lock.acquire()` ... `lock.release()` with code between that can raise leaves the lock held',
    fix: 'sometimes',
    docs: {
      what:
        'A blocking `lock.acquire()` (or `await lock.acquire()`) followed, later in the same block, by ' +
        '`lock.release()`, when a statement in between can raise (a call, a subscript read, `del d[k]`, `raise`, ' +
        '`assert`, `await`) and no `try` around the acquire, or right after it, releases the lock in `finally` (or in ' +
        'a catch-all `except`). A branch in between that releases the lock itself (`if closed: lock.release(); raise ' +
        '...`) is its own way out and is not counted. Not reported: `acquire(blocking=False)` and `acquire(timeout=...)` ' +
        '(the result decides what happens), an `acquire()` whose `release()` is not a later statement of the same ' +
        'block (a lock released by another method, as in `__enter__`/`__exit__`, or handed to another thread), and ' +
        'code in between that does not raise in practice (assignments, `append`, `len`).',
      why:
        'If the code in between raises, `release()` never runs: the lock stays held after the exception is caught ' +
        'and handled somewhere up the stack, and the next `acquire()` anywhere waits forever. The program hangs long ' +
        'after, far from the error that caused it. `with lock:` releases the lock on every way out.',
      example: [
        'import threading',
        '',
        'lock = threading.Lock()',
        'totals = {}',
        '',
        'def add(key, value):',
        '    lock.acquire()',
        '    totals[key] = totals[key] + value',
        '    lock.release()',
      ].join('\n'),
      fixed: [
        'import threading',
        '',
        'lock = threading.Lock()',
        'totals = {}',
        '',
        'def add(key, value):',
        '    with lock:',
        '        totals[key] = totals[key] + value',
      ].join('\n'),
      fixSafety:
        'The fix replaces `lock.acquire()` with `with lock:` (`async with` for `await lock.acquire()`), indents the ' +
        'statements up to the `release()` under it (comments and multi-line strings kept as written) and removes the ' +
        '`release()`. It is offered when both calls are statements of their own lines in one block, and nothing in ' +
        'between returns, yields, breaks out, rebinds the lock or takes or releases it again; then the code runs the ' +
        'same way and the lock is also released when it raises. It is safe for the standard lock types; for an object ' +
        'only its name says is a lock, it is unsafe (it must support `with`).',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    for (const found of unprotectedAcquires(model, new LockFinder(model))) {
      const lock = shown(found.lock);
      const releaseLine = lineAt(context, found.release);
      const releaseWords =
        found.release.type === 'try_statement' ? `the \`try\` at line ${releaseLine} that releases it` : `\`${lock}.release()\` at line ${releaseLine}`;
      context.report(
        found.acquire,
        `\`${lock}.acquire()\` is followed by ${releaseWords}, but \`${shown(found.raising)}\` (line ${lineAt(context, found.raising)}) can raise in between ` +
          `and nothing releases the lock then: it stays held after the exception, and the next \`acquire()\` waits forever. ` +
          `Use \`${found.awaited ? 'async with' : 'with'} ${lock}:\` around the code${found.release.type === 'try_statement' ? ', or move the `acquire()` into the `try`' : ` (or \`try:\` ... \`finally: ${lock}.release()\`)`}.`,
        {
          fix: withFix(context, found),
          related: [relatedAt(context, found.raising, 'can raise while the lock is held'), relatedAt(context, found.release, 'released here only if nothing raised')],
        },
      );
    }
  },
};

/** `lock.acquire()`, the statements, `lock.release()` -> `with lock:` and the statements indented under it. */
function withFix(context: RuleContext, found: UnprotectedAcquire): FixDraft | undefined {
  if (!context.fixesAllowed || !found.wrappable) return undefined;
  const text = context.source.text;
  const { statement, release } = found;
  const indent = indentationAt(text, statement.startIndex);
  // Both alone on their lines (a comment may follow the acquire; it stays on the `with` line).
  if (lineStart(text, statement.startIndex) + indent.length !== statement.startIndex) return undefined;
  if (lineStart(text, release.startIndex) + indent.length !== release.startIndex) return undefined;
  if (!/^[ \t]*(#[^\n]*)?\r?\n/.test(text.slice(statement.endIndex, afterLineEnd(text, statement.endIndex)) || '\n')) return undefined;
  if (!/^[ \t]*(\r?\n|$)/.test(text.slice(release.endIndex, afterLineEnd(text, release.endIndex)))) return undefined;
  const bodyStart = afterLineEnd(text, statement.endIndex);
  const bodyEnd = lineStart(text, release.startIndex);
  const releaseEnd = afterLineEnd(text, release.endIndex);
  const unit = indent.includes('\t') ? '\t' : indentUnit(text);
  const body = transformRegion(text, bodyStart, bodyEnd, [], { remove: 0, add: unit }, multilineStrings(context.model.root.node));
  const header = `${found.awaited ? 'async with' : 'with'} ${found.lock.text}:`;
  return {
    applicability: found.knownType ? 'safe' : 'unsafe',
    message: `Hold the lock in a \`${header}\` block`,
    edits: [
      { start: statement.startIndex, end: statement.endIndex, text: header },
      { start: bodyStart, end: releaseEnd, text: body },
    ],
  };
}
