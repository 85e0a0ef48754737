/**
 * Which locks are held at a point of a function: `with lock:` around it (also `Condition`,
 * `Semaphore(1)` and `asyncio` locks), and `lock.acquire()` ... `lock.release()` pairs in
 * textual order (the `acquire(); try: ... finally: release()` idiom). A lock is named by its
 * identity (`pkg.mod.LOCK`, `pkg.mod.Cache._lock`), so two methods using `self._lock` share it;
 * a `Condition` made over a lock is that lock.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { LOCK_TYPES, type SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';

const SEMAPHORES = /Semaphore$/;

/** Names people give locks whose type the model cannot see (`self._lock = lock` from a parameter). */
const LOCK_NAME = /(^|_)(r?lock|mutex|mtx|cond|condition|cv|sem|semaphore|guard)s?$|lock$/i;

export interface LockEvent {
  identity: string;
  offset: number;
  kind: 'acquire' | 'release';
  /** The `acquire()`/`release()` call. */
  node: SyntaxNode;
}

/** A lock held at a point, and where it was taken: the `with` item's expression or the `acquire()` call. */
export interface HeldSite {
  identity: string;
  node: SyntaxNode;
}

/** What kind of lock an expression is. */
export interface LockInfo {
  identity: string;
  /** The lock's type (`threading.Lock`; for a `Condition` over a lock, the inner lock's type), when known. */
  type?: string;
  /** `RLock` (and a `Condition()` made without a lock): the holder may take it again. Undefined when unknown. */
  reentrant?: boolean;
  /** An `asyncio` lock: taken with `async with` / `await acquire()`. */
  async: boolean;
}

const REENTRANT = /(^|\.)RLock$/;
const NON_REENTRANT = /(^|\.)(Lock|Semaphore|BoundedSemaphore)$/;

export class LockFinder {
  private readonly events = new Map<Scope, LockEvent[]>();
  private readonly identities = new Map<SyntaxNode, string | null>();

  /**
   * `countingSemaphores`: also count a `Semaphore(n)` with n > 1 as a lock. Lock order and races
   * leave them out (several holders at once exclude nothing); a thread lock held across an
   * `await` is a hazard with them too, once every slot is held by a suspended task.
   */
  constructor(
    private readonly model: SemanticModel,
    private readonly options: { countingSemaphores?: boolean } = {},
  ) {}

  /** Identities of the locks held at `node`, which runs in `scope` (a function, lambda or module). */
  heldAt(node: SyntaxNode, scope: Scope): string[] {
    return [...new Set(this.heldSites(node, scope).map((h) => h.identity))].sort();
  }

  /**
   * The locks held at `node` with the place each was taken, outermost first: `with` items around
   * it (unless released again inside the block before `node`, as `Condition.wait`-style code does)
   * and `acquire()` calls not yet matched by a `release()` in textual order.
   */
  heldSites(node: SyntaxNode, scope: Scope): HeldSite[] {
    const held: HeldSite[] = [];
    const boundary = scope.executionScope.node;
    const events = this.eventsOf(scope.executionScope);
    let child = node;
    for (let parent = node.parent; parent && child !== boundary; child = parent, parent = parent.parent) {
      if (parent.type === 'with_statement' && child.field === 'body') {
        for (const value of withValues(parent)) {
          const identity = this.lockIdentity(value, scope);
          if (!identity) continue;
          // `with lock: ... lock.release() ... node`: released again before `node`.
          let last: LockEvent | undefined;
          for (const event of events) {
            if (event.offset >= node.startIndex) break;
            if (event.identity === identity && event.offset >= child.startIndex) last = event;
          }
          if (last?.kind === 'release') continue;
          held.unshift({ identity, node: value });
        }
      }
      if (parent === boundary) break;
    }
    const byLock = new Map<string, { acquire?: LockEvent; release: number }>();
    for (const event of events) {
      if (event.offset >= node.startIndex) break;
      // `if x: lock.acquire(False)` / `else: lock.acquire()`: an acquisition in the other branch never ran.
      // (Releases stay: after `if lock.acquire(False): ... release()`, the `else` does not hold it either.)
      if (event.kind === 'acquire' && exclusive(event.node, node)) continue;
      const entry = byLock.get(event.identity) ?? { release: -1 };
      if (event.kind === 'acquire') entry.acquire = event;
      else entry.release = event.offset;
      byLock.set(event.identity, entry);
    }
    for (const [identity, { acquire, release }] of byLock) {
      if (acquire && acquire.offset > release && !held.some((h) => h.identity === identity)) held.push({ identity, node: acquire.node });
    }
    return held;
  }

  /** The lock an expression denotes with its kind, if it is one. */
  lockInfo(value: SyntaxNode, scope: Scope): LockInfo | undefined {
    const identity = this.lockIdentity(value, scope);
    if (!identity) return undefined;
    let type = this.model.typeOf(value, scope);
    let reentrant: boolean | undefined;
    if (type && /Condition$/.test(type)) {
      const creation = this.creationOf(value, scope);
      const inner = creation ? firstArgument(creation.value) : undefined;
      const innerType = inner ? this.model.typeOf(inner, creation!.scope) : undefined;
      if (innerType) type = innerType;
      // `threading.Condition()` makes an `RLock`; `asyncio.Condition()` an `asyncio.Lock`.
      else if (creation && !inner) reentrant = !type.startsWith('asyncio.');
    }
    if (reentrant === undefined && type) reentrant = REENTRANT.test(type) ? true : NON_REENTRANT.test(type) ? false : undefined;
    return { identity, type, reentrant, async: !!type?.startsWith('asyncio.') };
  }

  /** The `acquire()`/`release()` calls of a function on locks, in textual order. */
  eventsIn(scope: Scope): readonly LockEvent[] {
    return this.eventsOf(scope.executionScope);
  }

  /** The lock an expression denotes, if it is one: its identity. */
  lockIdentity(value: SyntaxNode, scope: Scope): string | undefined {
    const cached = this.identities.get(value);
    if (cached !== undefined) return cached ?? undefined;
    const identity = this.computeIdentity(value, scope, 0);
    this.identities.set(value, identity ?? null);
    return identity;
  }

  private computeIdentity(value: SyntaxNode, scope: Scope, depth: number): string | undefined {
    if (value.type !== 'identifier' && value.type !== 'attribute') return undefined;
    const type = this.model.typeOf(value, scope);
    const creation = this.creationOf(value, scope);
    if (type && LOCK_TYPES.has(type)) {
      if (SEMAPHORES.test(type) && creation && notAMutex(creation) && !this.options.countingSemaphores) return undefined;
      // `Condition(lock)` holds `lock`.
      if (/Condition$/.test(type) && creation && depth < 3) {
        const inner = firstArgument(creation.value);
        const innerIdentity = inner ? this.computeIdentity(inner, creation.scope, depth + 1) : undefined;
        if (innerIdentity) return innerIdentity;
      }
      return this.model.identityOf(value, scope) ?? value.text;
    }
    if (type) return undefined;
    const last = value.type === 'attribute' ? value.childForFieldName('attribute')?.text : value.text;
    if (!last || !LOCK_NAME.test(last)) return undefined;
    return this.model.identityOf(value, scope) ?? value.text;
  }

  /** The call that made the object `value` names (`threading.Semaphore(4)`), when one assignment did. */
  private creationOf(value: SyntaxNode, scope: Scope): { value: SyntaxNode; scope: Scope } | undefined {
    if (value.type === 'identifier') {
      const bindings = this.model.bindingsOf(value.text, scope).filter((b) => b.kind === 'assignment' && b.value?.type === 'call');
      return bindings.length === 1 ? { value: bindings[0].value!, scope: bindings[0].scope } : undefined;
    }
    const object = value.childForFieldName('object');
    const attribute = value.childForFieldName('attribute')?.text;
    if (!object || !attribute) return undefined;
    const type = this.model.typeOf(object, scope);
    const assigned = type ? this.model.classes.get(type)?.instanceAttributes.get(attribute)?.filter((a) => a.value.type === 'call') : undefined;
    return assigned?.length === 1 ? { value: assigned[0].value, scope: assigned[0].scope } : undefined;
  }

  private eventsOf(scope: Scope): LockEvent[] {
    let events = this.events.get(scope);
    if (events) return events;
    events = [];
    for (const call of this.model.calls) {
      if (call.scope.executionScope !== scope || call.callee.type !== 'attribute') continue;
      const method = call.callee.childForFieldName('attribute')?.text;
      if (method !== 'acquire' && method !== 'release') continue;
      const object = call.callee.childForFieldName('object');
      const identity = object ? this.lockIdentity(object, call.scope) : undefined;
      if (!identity) continue;
      // `asyncio.create_task(lock.acquire())`: an asyncio lock is taken by whoever awaits the coroutine, here another task.
      if (method === 'acquire' && !call.awaited && object && this.lockInfo(object, call.scope)?.async) continue;
      // Textual order: `if not lock.acquire(blocking=False): return` holds the lock after the test.
      events.push({ identity, offset: call.node.startIndex, kind: method, node: call.node });
    }
    events.sort((a, b) => a.offset - b.offset);
    this.events.set(scope, events);
    return events;
  }
}

export function isLockType(type: string | undefined): boolean {
  return !!type && LOCK_TYPES.has(type);
}

/** `a` and `b` are in different branches of one `if` (or conditional expression): never both run. */
function exclusive(a: SyntaxNode, b: SyntaxNode): boolean {
  const branchOf = (node: SyntaxNode, statement: SyntaxNode): SyntaxNode | undefined => {
    let child = node;
    for (let parent = node.parent; parent; child = parent, parent = parent.parent) if (parent === statement) return child;
    return undefined;
  };
  for (let ancestor = a.parent; ancestor; ancestor = ancestor.parent) {
    if (b.startIndex < ancestor.startIndex || b.endIndex > ancestor.endIndex) continue;
    // The innermost statement holding both.
    if (ancestor.type !== 'if_statement' && ancestor.type !== 'conditional_expression') return false;
    const x = branchOf(a, ancestor);
    const y = branchOf(b, ancestor);
    const condition = ancestor.type === 'if_statement' ? ancestor.childForFieldName('condition') : ancestor.namedChildren[1];
    return !!x && !!y && x !== y && x !== condition && y !== condition;
  }
  return false;
}

/** The context expressions of a `with` statement's items. */
export function withValues(statement: SyntaxNode): SyntaxNode[] {
  const values: SyntaxNode[] = [];
  const clause = statement.namedChildren.find((c) => c.type === 'with_clause');
  for (const item of clause?.namedChildren ?? []) {
    if (item.type !== 'with_item') continue;
    const value = item.childForFieldName('value');
    if (!value) continue;
    values.push(value.type === 'as_pattern' ? value.namedChildren[0]! : value);
  }
  return values;
}

function firstArgument(call: SyntaxNode): SyntaxNode | undefined {
  const args = call.childForFieldName('arguments');
  const first = args?.namedChildren.find((a) => a.type !== 'comment');
  if (!first) return undefined;
  if (first.type === 'keyword_argument') return first.childForFieldName('name')?.text === 'lock' ? first.childForFieldName('value') ?? undefined : undefined;
  return first;
}

/**
 * `Semaphore(4)` lets several holders in at once, so holding it excludes nothing; `Semaphore(0)`
 * is a signal (one thread releases what another waits for), not a lock. Only a value of 1 (or
 * the default) makes a mutex.
 */
function notAMutex(creation: { value: SyntaxNode }): boolean {
  const first = firstArgument(creation.value) ?? keywordArgument(creation.value, 'value');
  if (!first) return false;
  if (first.type !== 'integer') return true;
  return Number(first.text) !== 1;
}

function keywordArgument(call: SyntaxNode, name: string): SyntaxNode | undefined {
  const args = call.childForFieldName('arguments');
  for (const argument of args?.namedChildren ?? []) {
    if (argument.type === 'keyword_argument' && argument.childForFieldName('name')?.text === name) return argument.childForFieldName('value') ?? undefined;
  }
  return undefined;
}
