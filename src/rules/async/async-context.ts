/** Where async code runs, as the async rules see it. */
import type { CallSite, SemanticModel } from '../../semantic/model.js';
import type { Scope } from '../../semantic/scope.js';

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
