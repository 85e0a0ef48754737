/**
 * The thread locks (not `asyncio` locks) held at a point of a function, and what kind of lock
 * each is, for the rule that finds a thread lock held across an `await`: a plain `with lock:`
 * around the point, `lock.acquire()` before it with no `release()` in between (textual order,
 * not awaited), or a `with helper():` whose `@contextmanager` function of this module holds a
 * lock where it yields.
 *
 * A lock whose type the model does not know counts when its name says lock (`self._lock`) and
 * the code uses it as a thread lock: a plain `with` (an `asyncio.Lock` needs `async with`) or an
 * `acquire()` that is not awaited.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { LOCK_TYPES, type CallSite, type SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { LockFinder, withValues } from './locks.js';
import { callArguments } from '../semantic/call-arguments.js';
import { callsIn, creationBehind, functionNamed } from './pools.js';

/**
 * - `exclusive`: one holder at a time, whoever it is (`Lock`, `Semaphore(1)`): another task of the loop that takes it blocks the loop's thread.
 * - `reentrant`: owned by a thread (`RLock`, a `Condition()` over its default `RLock`): other tasks of the loop, on the same thread, re-enter it.
 * - `counting`: a `Semaphore(n)` with n > 1: blocks once n holders are suspended.
 * - `unknown`: a lock by its name and use, of a type the model does not know.
 */
export type LockFlavour = 'exclusive' | 'reentrant' | 'counting' | 'unknown';

export interface ThreadLock {
  identity: string;
  /** `threading.Lock`, when known. */
  type?: string;
  flavour: LockFlavour;
}

export interface HeldThreadLock extends ThreadLock {
  /** The lock as written. */
  display: string;
  /** Where the function takes it: the `with` item, the `acquire()` call, the call of the helper. */
  site: SyntaxNode;
  how: 'with' | 'acquire' | 'helper';
  /** For `helper`: the helper and where it takes the lock. */
  helper?: { scope: Scope; site: SyntaxNode };
}

const REENTRANT = /(^|\.)RLock$/;
const EXCLUSIVE = /(^|\.)Lock$/;
const SEMAPHORE = /Semaphore$/;
const CONDITION = /(^|\.)Condition$/;

export class ThreadLockScanner {
  private readonly names: LockFinder;
  private readonly events = new Map<Scope, Array<{ lock: ThreadLock; call: CallSite; kind: 'acquire' | 'release' }>>();

  constructor(private readonly model: SemanticModel) {
    this.names = new LockFinder(model);
  }

  /** Thread locks held at `node`, a point of `fn`'s own code. */
  heldAt(node: SyntaxNode, fn: Scope, depth = 0): HeldThreadLock[] {
    const held: HeldThreadLock[] = [];
    const boundary = fn.node;
    for (let child = node, parent = node.parent; parent && child !== boundary; child = parent, parent = parent.parent) {
      if (parent.type !== 'with_statement' || child.field !== 'body' || parent.child(0)?.type === 'async') continue;
      for (const value of withValues(parent)) {
        const scope = this.scopeAt(fn, value);
        const lock = this.classify(value, scope);
        if (lock) {
          held.push({ ...lock, display: value.text, site: value, how: 'with' });
          continue;
        }
        if (depth === 0) held.push(...this.helperLocks(value, scope));
      }
    }
    const byLock = new Map<string, { acquire?: CallSite; release: number; lock: ThreadLock }>();
    for (const event of this.eventsOf(fn)) {
      if (event.call.node.startIndex >= node.startIndex) break;
      const entry = byLock.get(event.lock.identity) ?? { release: -1, lock: event.lock };
      if (event.kind === 'acquire') entry.acquire = event.call;
      else entry.release = event.call.node.startIndex;
      byLock.set(event.lock.identity, entry);
    }
    for (const { acquire, release, lock } of byLock.values()) {
      if (!acquire || acquire.node.startIndex < release || held.some((h) => h.identity === lock.identity)) continue;
      const object = acquire.callee.childForFieldName('object')!;
      held.push({ ...lock, display: object.text, site: acquire.node, how: 'acquire' });
    }
    return held;
  }

  /** The thread lock an expression denotes, if it is one. */
  classify(value: SyntaxNode, scope: Scope, depth = 0): ThreadLock | undefined {
    if (value.type !== 'identifier' && value.type !== 'attribute') return undefined;
    const type = this.model.typeOf(value, scope);
    if (type) {
      if (type.startsWith('asyncio.') || !LOCK_TYPES.has(type)) return undefined;
      const identity = this.model.identityOf(value, scope) ?? value.text;
      return { identity, type, flavour: this.flavourOf(type, value, scope, depth) };
    }
    const identity = this.names.lockIdentity(value, scope);
    return identity ? { identity, flavour: 'unknown' } : undefined;
  }

  private flavourOf(type: string, value: SyntaxNode, scope: Scope, depth: number): LockFlavour {
    if (REENTRANT.test(type)) return 'reentrant';
    if (EXCLUSIVE.test(type)) return 'exclusive';
    const creation = this.creationOf(value, scope);
    if (SEMAPHORE.test(type)) {
      if (!creation) return 'unknown';
      const args = callArguments(creation.node);
      const initial = args.known[0] ?? args.keywords.get('value');
      if (!initial) return 'exclusive';
      if (initial.type !== 'integer') return 'unknown';
      return Number(initial.text) === 1 ? 'exclusive' : Number(initial.text) > 1 ? 'counting' : 'unknown';
    }
    if (CONDITION.test(type)) {
      if (!creation) return 'unknown';
      const args = callArguments(creation.node);
      const inner = args.known[0] ?? args.keywords.get('lock');
      if (!inner || inner.type === 'none') return 'reentrant';
      if (inner.type === 'call') {
        const callee = inner.childForFieldName('function');
        const name = callee ? this.model.qualifiedNameOf(callee, creation.scope) : undefined;
        if (name && EXCLUSIVE.test(name)) return 'exclusive';
        if (name && REENTRANT.test(name)) return 'reentrant';
        return 'unknown';
      }
      if (depth > 2) return 'unknown';
      return this.classify(inner, creation.scope, depth + 1)?.flavour ?? 'unknown';
    }
    return 'unknown';
  }

  /** The call that made the object `value` names, when one assignment did: `lock = threading.Semaphore(2)`, `self.cv = Condition(...)`. */
  private creationOf(value: SyntaxNode, scope: Scope): { node: SyntaxNode; scope: Scope } | undefined {
    if (value.type === 'identifier') {
      const call = creationBehind(this.model, value, scope);
      return call ? { node: call.node, scope: call.scope } : undefined;
    }
    const object = value.childForFieldName('object');
    const attribute = value.childForFieldName('attribute')?.text;
    const type = object ? this.model.typeOf(object, scope) : undefined;
    const assigned = type && attribute ? this.model.classes.get(type)?.instanceAttributes.get(attribute)?.filter((a) => a.value.type !== 'none') : undefined;
    return assigned?.length === 1 && assigned[0]!.value.type === 'call' ? { node: assigned[0]!.value, scope: assigned[0]!.scope } : undefined;
  }

  /** `with self._locked():` where `_locked` is a `@contextmanager` of this module that holds a thread lock where it yields. */
  private helperLocks(value: SyntaxNode, scope: Scope): HeldThreadLock[] {
    if (value.type !== 'call') return [];
    const callee = value.childForFieldName('function');
    const name = callee ? this.model.qualifiedNameOf(callee, scope) : undefined;
    const helper = name ? functionNamed(this.model, name) : undefined;
    if (!helper || helper.isAsync || !helper.containsYield || !this.isContextManager(helper)) return [];
    const yieldNode = firstYield(helper.node.childForFieldName('body'));
    if (!yieldNode) return [];
    return this.heldAt(yieldNode, helper, 1).map((lock) => ({ ...lock, display: lock.display, site: value, how: 'helper' as const, helper: { scope: helper, site: lock.site } }));
  }

  private isContextManager(fn: Scope): boolean {
    const definition = fn.node.parent;
    if (definition?.type !== 'decorated_definition') return false;
    return definition.namedChildren.some((d) => {
      if (d.type !== 'decorator') return false;
      const expression = d.namedChildren.find((c) => c.type !== 'comment');
      return !!expression && this.model.qualifiedNameOf(expression, fn.parent ?? this.model.root) === 'contextlib.contextmanager';
    });
  }

  /** `lock.acquire()` (not awaited) and `lock.release()` calls of thread locks in a function's own code, in textual order. */
  private eventsOf(fn: Scope) {
    let events = this.events.get(fn);
    if (events) return events;
    events = [];
    for (const call of callsIn(this.model, fn)) {
      if (call.callee.type !== 'attribute' || call.awaited || call.node.parent?.type === 'await') continue;
      const method = call.callee.childForFieldName('attribute')?.text;
      if (method !== 'acquire' && method !== 'release') continue;
      const lock = this.classify(call.callee.childForFieldName('object')!, call.scope);
      if (lock) events.push({ lock, call, kind: method });
    }
    events.sort((a, b) => a.call.node.startIndex - b.call.node.startIndex);
    this.events.set(fn, events);
    return events;
  }

  private scopeAt(fn: Scope, node: SyntaxNode): Scope {
    let best = fn;
    for (const scope of fn.children) {
      if (scope.kind === 'comprehension' && node.startIndex >= scope.node.startIndex && node.endIndex <= scope.node.endIndex) best = scope;
    }
    return best;
  }
}

/** The first `yield` of a generator's own body. */
function firstYield(body: SyntaxNode | null): SyntaxNode | undefined {
  const stack = body ? [body] : [];
  let first: SyntaxNode | undefined;
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'yield') {
      if (!first || node.startIndex < first.startIndex) first = node;
      continue;
    }
    for (const child of node.namedChildren) {
      if (!['function_definition', 'lambda', 'class_definition', 'decorated_definition'].includes(child.type)) stack.push(child);
    }
  }
  return first;
}
