/** Where async code runs, as the async rules see it. */
import type { CallSite, SemanticModel } from '../../semantic/model.js';
import type { Scope } from '../../semantic/scope.js';
import { withValues } from '../../concurrency/locks.js';
import type { SyntaxNode } from '../../parser/parser.js';

/**
 * The `async def` whose coroutine executes a call, if any. Calls in nested defs and lambdas
 * belong to those (they run when and where those are called, e.g. in `asyncio.to_thread`).
 */
export function asyncFunctionOf(call: CallSite): Scope | undefined {
  const scope = call.scope.executionScope;
  return scope.kind === 'function' && scope.isAsync ? scope : undefined;
}

/**
 * Whether `await` may be inserted at the call: in the async function's own body (not inside a
 * generator expression, where it would make an async generator), and not while a thread lock
 * is held by `with` (another task wanting that lock would then block the event loop's thread
 * forever: a deadlock).
 */
export function canInsertAwait(model: SemanticModel, call: CallSite): boolean {
  for (let scope: Scope | undefined = call.scope; scope; scope = scope.parent) {
    if (scope.kind === 'function') return scope.isAsync && !holdsThreadLock(model, call);
    if (scope.kind !== 'comprehension' || scope.node.type === 'generator_expression') return false;
  }
  return false;
}

function holdsThreadLock(model: SemanticModel, call: CallSite): boolean {
  return model.heldLocks(call).some((lock) => !lock.type.startsWith('asyncio.'));
}

/** Context managers of tests that expect their block to raise: `self.assertRaises(TypeError)`, `pytest.raises(...)`. */
const EXPECTS_EXCEPTION = /(^|\.)(assertRaises|assertRaisesRegex|assertRaisesRegexp|raises)$/;

/**
 * Inside a test's `with self.assertRaises(...):` block: a call that is expected to raise (wrong
 * arguments to a coroutine function raise `TypeError` before any coroutine exists; `ensure_future`
 * of a non-awaitable raises before any task exists).
 */
export function expectsException(node: SyntaxNode): boolean {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'function_definition' || parent.type === 'lambda') return false;
    if (parent.type !== 'with_statement' || child.field !== 'body') continue;
    for (const value of withValues(parent)) {
      const callee = value.type === 'call' ? value.childForFieldName('function') : undefined;
      if (callee && EXPECTS_EXCEPTION.test(callee.text)) return true;
    }
  }
  return false;
}
