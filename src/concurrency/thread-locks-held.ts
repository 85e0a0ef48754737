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
import { LOCK_TYPES, type SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { LockFinder, withValues } from './locks.js';
import { callArguments } from '../semantic/call-arguments.js';
import { creationBehind, functionNamed } from './pools.js';

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

  constructor(private readonly model: SemanticModel) {
    this.names = new LockFinder(model, { countingSemaphores: true });
  }

  /**
   * Thread locks held at `node`, a point of `fn`'s own code. Which locks are held (and where
   * each was taken) is `LockFinder.heldSites`'s answer, the one every lock rule uses; this keeps
   * the thread locks among them (not `async with`, not an awaited `acquire()`) and adds those a
   * `with helper():` holds.
   */
  heldAt(node: SyntaxNode, fn: Scope, depth = 0): HeldThreadLock[] {
    const held: HeldThreadLock[] = [];
    for (const site of this.names.heldSites(node, fn)) {
      const acquire = site.node.type === 'call' && site.node.parent?.type !== 'with_item' ? site.node : undefined;
      if (acquire ? acquire.parent?.type === 'await' : isAsyncWith(site.node)) continue;
      const value = acquire ? acquire.childForFieldName('function')!.childForFieldName('object')! : site.node;
      const lock = this.classify(value, this.scopeAt(fn, value));
      if (lock && !held.some((h) => h.identity === lock.identity)) {
        held.push({ ...lock, display: value.text, site: site.node, how: acquire ? 'acquire' : 'with' });
      }
    }
    if (depth > 0) return held;
    // `with self._locked():` around the point, where `_locked` holds a lock at its `yield`.
    for (let child = node, parent = node.parent; parent && child !== fn.node; child = parent, parent = parent.parent) {
      if (parent.type !== 'with_statement' || child.field !== 'body' || parent.child(0)?.type === 'async') continue;
      for (const value of withValues(parent)) held.push(...this.helperLocks(value, this.scopeAt(fn, value)));
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

  private scopeAt(fn: Scope, node: SyntaxNode): Scope {
    let best = fn;
    for (const scope of fn.children) {
      if (scope.kind === 'comprehension' && node.startIndex >= scope.node.startIndex && node.endIndex <= scope.node.endIndex) best = scope;
    }
    return best;
  }
}

/** A `with` item's expression in an `async with` statement. */
function isAsyncWith(value: SyntaxNode): boolean {
  for (let node = value.parent; node; node = node.parent) {
    if (node.type === 'with_statement') return node.child(0)?.type === 'async';
    if (node.type === 'block') return false;
  }
  return false;
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
