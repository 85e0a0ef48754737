/**
 * The lock facts of one function, for the lock-order analysis (`lock-order.ts`): every lock it
 * takes (`with lock:`, `lock.acquire()`), with its kind (re-entrant or not, asyncio, blocking) and
 * the acquisitions of the same function already held there; the calls of callbacks (values the
 * function's callers hand in) with the locks held; and the locks it releases without taking them.
 * Calls to project functions get the held acquisitions in `accesses.ts`, from `heldAt`.
 */
import type { LineIndex } from '../parser/line-index.js';
import type { SyntaxNode } from '../parser/parser.js';
import { SELF_PARAMETER } from '../semantic/binder.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Binding, Scope } from '../semantic/scope.js';
import { callArguments } from '../semantic/call-arguments.js';
import type { AcquisitionFact, CallbackCallFact, StateKey } from './facts.js';
import { withValues, type LockFinder } from './locks.js';

/** Collections whose elements are callables the owner's users registered. */
const CALLBACK_COLLECTION = /(callback|listener|handler|hook|observer|subscriber)s$|callbacks/i;
/** Wrappers that copy or view a collection: `list(self._listeners)`, `self._handlers.values()`. */
const COPIES = new Set(['list', 'tuple', 'sorted', 'reversed', 'set', 'frozenset']);
const VIEWS = new Set(['copy', 'values', 'items']);

export interface FunctionLocks {
  acquisitions: AcquisitionFact[];
  callbacks: CallbackCallFact[];
  foreignReleases: string[];
  /** The locks held at `node` (identities, sorted) and which acquisitions of the function they are. */
  heldAt(node: SyntaxNode, scope: Scope): { identities: string[]; held: number[] };
}

export class LockFactCollector {
  private withStatements?: Map<SyntaxNode, SyntaxNode[]>;

  constructor(
    private readonly model: SemanticModel,
    private readonly locks: LockFinder,
    private readonly lines: LineIndex,
    private readonly path: string,
  ) {}

  collect(fn: Scope, calls: readonly CallSite[], stateOf: (node: SyntaxNode, scope: Scope) => StateKey | undefined): FunctionLocks {
    const sites: Array<{ node: SyntaxNode; value: SyntaxNode; via: 'with' | 'acquire'; blocking: boolean; before: SyntaxNode[]; swapsWith?: SyntaxNode }> = [];
    for (const statement of this.withsOf(fn)) {
      const values = withValues(statement);
      values.forEach((value, index) => {
        if (this.locks.lockIdentity(value, fn)) sites.push({ node: value, value, via: 'with', blocking: true, before: values.slice(0, index), swapsWith: this.swapPartner(statement, index, fn) });
      });
    }
    const events = this.locks.eventsIn(fn);
    for (const event of events) {
      if (event.kind !== 'acquire') continue;
      const value = event.node.childForFieldName('function')?.childForFieldName('object');
      if (value) sites.push({ node: event.node, value, via: 'acquire', blocking: blocks(event.node), before: [] });
    }
    sites.sort((a, b) => a.node.startIndex - b.node.startIndex);
    const indexOf = new Map<number, number>();
    sites.forEach((site, index) => indexOf.set(site.node.startIndex, index));
    const heldAt = (node: SyntaxNode, scope: Scope) => {
      const held = this.locks.heldSites(node, scope);
      return {
        identities: [...new Set(held.map((h) => h.identity))].sort(),
        held: held.map((h) => indexOf.get(h.node.startIndex)).filter((i): i is number => i !== undefined),
      };
    };

    const acquisitions: AcquisitionFact[] = [];
    for (const site of sites) {
      const info = this.locks.lockInfo(site.value, fn)!;
      const held = heldAt(site.node, fn).held;
      for (const earlier of site.before) {
        const index = indexOf.get(earlier.startIndex);
        if (index !== undefined) held.push(index);
      }
      const position = { ...this.lines.range(site.node.startIndex, site.node.endIndex), offset: site.node.startIndex };
      acquisitions.push({
        ...position,
        identity: info.identity,
        lock: this.lockKey(site.value, fn, info.identity, stateOf),
        display: site.value.text.length > 40 ? `${site.value.text.slice(0, 37)}...` : site.value.text,
        via: site.via,
        type: info.type,
        reentrant: info.reentrant,
        async: info.async,
        blocking: site.blocking,
        released: site.via === 'acquire' ? events.some((e) => e.kind === 'release' && e.identity === info.identity && e.offset > site.node.startIndex) : undefined,
        held,
        ...(site.swapsWith && indexOf.has(site.swapsWith.startIndex) ? { swapsWith: indexOf.get(site.swapsWith.startIndex) } : {}),
        siteId: `${this.path}:${position.line}:${position.column}`,
      });
    }

    const foreign = new Set<string>();
    for (const event of events) {
      if (event.kind === 'release' && !this.locks.heldSites(event.node, fn).some((h) => h.identity === event.identity)) foreign.add(event.identity);
    }

    const callbacks: CallbackCallFact[] = [];
    for (const call of calls) {
      const callback = this.callbackOf(call, fn);
      if (!callback) continue;
      const position = { ...this.lines.range(call.node.startIndex, call.node.endIndex), offset: call.node.startIndex };
      const code = call.node.text.split(/\r?\n/)[0];
      callbacks.push({
        ...position,
        code: code.length > 60 ? `${code.slice(0, 57)}...` : code,
        display: call.callee.text,
        ...callback,
        held: heldAt(call.node, call.scope).held,
        siteId: `${this.path}:${position.line}:${position.column}`,
      });
    }
    return { acquisitions, callbacks, foreignReleases: [...foreign].sort(), heldAt };
  }

  /** `with` statements whose body runs in `fn` (not in a nested def or lambda). */
  private withsOf(fn: Scope): SyntaxNode[] {
    if (!this.withStatements) {
      this.withStatements = new Map();
      for (const statement of this.model.root.node.descendantsOfType('with_statement')) {
        let owner: SyntaxNode | null = statement.parent;
        while (owner && owner.type !== 'function_definition' && owner.type !== 'lambda' && owner.type !== 'module') owner = owner.parent;
        if (!owner) continue;
        const list = this.withStatements.get(owner);
        if (list) list.push(statement);
        else this.withStatements.set(owner, [statement]);
      }
    }
    return this.withStatements.get(fn.node) ?? [];
  }

  /**
   * The lock this `with` item can trade places with: the other item of `with a, b:`, or the item of
   * the `with a:` whose body is only this `with b:`. Both single plain locks without `as`, the
   * statements both `async` or neither, nothing else in the outer body.
   */
  private swapPartner(statement: SyntaxNode, index: number, fn: Scope): SyntaxNode | undefined {
    const plain = (s: SyntaxNode) => {
      const items = s.namedChildren.find((c) => c.type === 'with_clause')?.namedChildren.filter((c) => c.type === 'with_item') ?? [];
      return items.every((item) => item.childForFieldName('value')?.type !== 'as_pattern') ? withValues(s) : undefined;
    };
    const isAsync = (s: SyntaxNode) => s.children.some((c) => c.type === 'async');
    const values = plain(statement);
    if (!values || !values.every((v) => this.locks.lockIdentity(v, fn))) return undefined;
    if (values.length === 2) return values[1 - index];
    if (values.length !== 1) return undefined;
    const block = statement.parent;
    const outer = block?.parent;
    if (block?.type !== 'block' || outer?.type !== 'with_statement' || block.namedChildren.some((c) => c !== statement && c.type !== 'comment')) return undefined;
    const outerValues = plain(outer);
    if (!outerValues || outerValues.length !== 1 || isAsync(outer) !== isAsync(statement) || !this.locks.lockIdentity(outerValues[0], fn)) return undefined;
    return outerValues[0];
  }

  /**
   * The lock object relative to the function. A `Condition` made over a lock is that lock:
   * `self.not_empty` (made as `Condition(self.mutex)`) is `self.mutex`, a module-level one the global.
   */
  private lockKey(value: SyntaxNode, fn: Scope, identity: string, stateOf: (node: SyntaxNode, scope: Scope) => StateKey | undefined): StateKey | undefined {
    const key = stateOf(value, fn) ?? this.privateLocal(value, fn);
    const own = this.model.identityOf(value, fn);
    if (!key || !own || own === identity) return key;
    const cut = identity.lastIndexOf('.');
    const owner = identity.slice(0, cut);
    const attribute = identity.slice(cut + 1);
    if (value.type === 'attribute' && key.path.length > 0 && own.slice(0, own.lastIndexOf('.')) === owner) return { ...key, path: [...key.path.slice(0, -1), attribute] };
    if (!identity.includes('<locals>') && !this.model.classes.has(owner)) return { root: 'name', id: identity, path: [], scope: 'module' };
    return undefined;
  }

  /** A local variable only this call of the function sees: named by its identity, `scope: 'local'`. */
  private privateLocal(value: SyntaxNode, fn: Scope): StateKey | undefined {
    if (value.type !== 'identifier') return undefined;
    const bindings = this.model.bindingsOf(value.text, fn);
    if (bindings.length === 0 || bindings[0].scope.executionScope !== fn || fn.kind === 'module') return undefined;
    const identity = this.model.identityOf(value, fn);
    return identity ? { root: 'name', id: identity, path: [], scope: 'local' } : undefined;
  }

  /** Whether a call calls a value callers handed in, and which kind. */
  private callbackOf(call: CallSite, fn: Scope): Pick<CallbackCallFact, 'kind' | 'origin'> | undefined {
    const callee = call.callee;
    if (callee.type === 'identifier') {
      if (callee.text === 'self' || callee.text === 'cls') return undefined;
      const bindings = this.model.bindingsOf(callee.text, call.scope);
      if (bindings.length === 0) return undefined;
      if (bindings.every((b) => b.kind === 'parameter' && b.target !== SELF_PARAMETER) && bindings[0].scope.isFunctionLike) {
        if (!bindings.every(callersCallable) || forwards(call, fn)) return undefined;
        return { kind: 'parameter', origin: `parameter \`${callee.text}\`` };
      }
      if (bindings.length === 1 && bindings[0].kind === 'for-target') {
        const collection = this.iteratedCollection(bindings[0]);
        if (collection) return { kind: 'collection', origin: `an element of \`${collection}\`` };
      }
      return undefined;
    }
    if (callee.type === 'subscript') {
      const container = callee.childForFieldName('value');
      if (container && (container.type === 'identifier' || container.type === 'attribute') && CALLBACK_COLLECTION.test(lastName(container))) {
        return { kind: 'collection', origin: `an element of \`${container.text}\`` };
      }
      return undefined;
    }
    if (callee.type !== 'attribute') return undefined;
    const object = callee.childForFieldName('object');
    const attribute = callee.childForFieldName('attribute')?.text;
    const cls = fn.enclosingClass;
    if (!object || !attribute || !cls || object.type !== 'identifier') return undefined;
    if (!this.model.bindingsOf(object.text, call.scope).some((b) => b.kind === 'parameter' && b.target === SELF_PARAMETER && b.scope === fn)) return undefined;
    const assigned = this.model.classes.get(cls.qualifiedName)?.instanceAttributes.get(attribute);
    if (!assigned || assigned.length === 0) return undefined;
    // Every assignment stores a parameter of the method that assigns it (`self._on_done = on_done`).
    const fromParameter = assigned.every((a) => {
      if (a.value.type !== 'identifier') return false;
      const bindings = this.model.bindingsOf(a.value.text, a.scope);
      return bindings.length > 0 && bindings.every((b) => b.kind === 'parameter' && b.target !== SELF_PARAMETER && callersCallable(b));
    });
    if (!fromParameter) return undefined;
    // A private class is made by its own module, which hands it its own functions.
    if (cls.name.startsWith('_')) return undefined;
    // A class attribute or method of the same name would make `self.x` something else.
    if (cls.bindings.has(attribute)) return undefined;
    return { kind: 'attribute', origin: `\`self.${attribute}\`, set from parameter \`${assigned[0].value.text}\`` };
  }

  /** `for cb in self._callbacks:` (also `list(...)`, `.copy()`, `.values()`, `for k, cb in d.items()`): the collection's text. */
  private iteratedCollection(binding: Binding): string | undefined {
    let loop: SyntaxNode | null = binding.node.parent;
    while (loop && (loop.type === 'pattern_list' || loop.type === 'tuple_pattern')) loop = loop.parent;
    if (!loop || (loop.type !== 'for_statement' && loop.type !== 'for_in_clause')) return undefined;
    const left = loop.childForFieldName('left');
    let iterable = loop.childForFieldName('right');
    if (!left || !iterable) return undefined;
    let items = false;
    for (let i = 0; i < 3 && iterable?.type === 'call'; i++) {
      const callee: SyntaxNode | null = iterable.childForFieldName('function');
      const { positional } = callArguments(iterable);
      const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text ?? '' : '';
      if (callee?.type === 'identifier' && COPIES.has(callee.text) && positional.length === 1) iterable = positional[0];
      else if (VIEWS.has(method) && positional.length === 0) {
        items ||= method === 'items';
        iterable = callee!.childForFieldName('object');
      } else return undefined;
    }
    // The element itself (`for cb in ...`), or the value of an item (`for name, cb in d.items()`).
    const element = items ? left.namedChildren.length === 2 && left.namedChildren[1] === binding.node : left === binding.node;
    if (!element || !iterable || (iterable.type !== 'identifier' && iterable.type !== 'attribute')) return undefined;
    return CALLBACK_COLLECTION.test(lastName(iterable)) ? iterable.text : undefined;
  }
}

/**
 * A parameter through which callers hand in code: not private (`_waitpid=os.waitpid` binds a
 * global for speed), not a type (`dict_type`, `exc_type`, `Factory`, annotated `type[...]`), and
 * without a function as its default (`time_fetcher=_local_now`, `key=str`: a dependency with a
 * default implementation, swapped in tests).
 */
function callersCallable(binding: Binding): boolean {
  const name = binding.name;
  if (name.startsWith('_') || /^[A-Z]/.test(name) || /(^|_)(type|class|cls)$/i.test(name)) return false;
  const parameter = binding.node.parent;
  if (!parameter) return true;
  const annotation = parameter.childForFieldName('type');
  if (annotation && /^(builtins\.)?(type|Type|typing\.Type)\b/.test(annotation.text)) return false;
  const value = parameter.type === 'default_parameter' || parameter.type === 'typed_default_parameter' ? parameter.childForFieldName('value') : null;
  if (value && (value.type === 'identifier' || value.type === 'attribute')) return false;
  return true;
}

/**
 * `def wrapper(*args, **kwargs): with lock: return wrapped(*args, **kwargs)`: a wrapper that runs
 * the function under the lock on purpose. The splatted values are the function's own parameters
 * (star parameters, or plain ones as in wrapt's `(wrapped, instance, args, kwargs)`).
 */
function forwards(call: CallSite, fn: Scope): boolean {
  const args = call.node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  if (args.length === 0 || !args.every((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return false;
  return args.every((a) => {
    const name = a.namedChildren[0];
    return name?.type === 'identifier' && (fn.bindings.get(name.text) ?? []).some((b) => b.kind === 'parameter');
  });
}

function lastName(node: SyntaxNode): string {
  return node.type === 'attribute' ? node.childForFieldName('attribute')?.text ?? '' : node.text;
}

/** `acquire()`, `acquire(True)`, `acquire(blocking=True)`, `acquire(timeout=-1)`: waits as long as it takes. */
function blocks(call: SyntaxNode): boolean {
  const { positional, keywords } = callArguments(call);
  const blocking = positional[0] ?? keywords.get('blocking');
  const timeout = positional[1] ?? keywords.get('timeout');
  if (blocking && blocking.type !== 'true' && !(blocking.type === 'integer' && blocking.text !== '0')) return false;
  if (timeout && timeout.text.replace(/\s/g, '') !== '-1') return false;
  return true;
}
