/**
 * Concurrency entry points: the places where a module starts code that runs concurrently with
 * the code that started it, and what runs there.
 *
 * - Calls the catalogue marks with `spawns` (`threading.Thread(target=...)`, `threading.Timer`,
 *   `Executor.submit/map`, `Pool.map/apply_async`, `loop.run_in_executor`, `asyncio.to_thread`,
 *   `asyncio.create_task`, `TaskGroup.create_task`, `Future.add_done_callback`, a threading
 *   server's handler class), and decorators so marked (`@app.route`).
 * - `asyncio.gather(...)`: each awaitable argument is a task.
 * - `.start()` on an instance of a project class: a `Thread` subclass's `run` (the class
 *   hierarchy is checked when the project is linked, so the class may live in another file).
 *
 * For each: its kind (thread, process, task), the function that runs (a function, method, lambda
 * or `functools.partial` of this module, or a qualified name resolved across files), how many
 * instances may run at once, the object a method runs on, the arguments it gets, and the window
 * in the starting function during which both run (from the start to `join()`, the end of the
 * executor's `with` block, or the `await`).
 */
import type { CatalogueEntry, SpawnKind } from '../catalogue/schema.js';
import type { SyntaxNode } from '../parser/parser.js';
import { callArguments } from '../semantic/call-arguments.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';

export interface EntryPoint {
  kind: SpawnKind;
  /** How it is started, for messages: `threading.Thread`, `ThreadPoolExecutor.map`, `Thread subclass`. */
  via: string;
  /** The call (or decorator) that starts it. */
  node: SyntaxNode;
  /** The function of this module that runs, when the target is one (a def or a lambda). */
  targetScope?: Scope;
  /** Otherwise the qualified name of what runs, for the project index to resolve. */
  targetName?: string;
  /** Or a class whose method runs (`run` of a started Thread subclass, a handler's `handle`). */
  targetClass?: string;
  targetMethod?: string;
  /** `.start()` on a project class: an entry only if that class turns out to be a Thread. */
  needsThreadBase?: boolean;
  /** The target as written, for messages. */
  display: string;
  many: boolean;
  /** Why several instances may run at once (or why one). */
  why: string;
  /** The function (or module) whose code starts it. */
  spawner: Scope;
  /** The object whose method runs, as an expression of the spawner. */
  receiver?: SyntaxNode;
  /** Each running instance has its own receiver (made per loop iteration). */
  receiverPerInstance: boolean;
  /** The receiver is made right at the spawn (`Worker().start()`, a handler per request). */
  freshReceiver: boolean;
  /** Expressions passed to the target's positional parameters (after `self` for methods); null for a value made per instance. */
  args: Array<SyntaxNode | null>;
  /** [start, end) offsets in the spawner during which the spawner runs alongside it. */
  windowStart: number;
  windowEnd: number;
  /** The spawner waits for it (join, executor `with` block, await) before `windowEnd`. */
  joined: boolean;
}

const cache = new WeakMap<SemanticModel, EntryPoint[]>();

/** The entry points a module starts, in source order. */
export function findEntryPoints(model: SemanticModel): EntryPoint[] {
  let entries = cache.get(model);
  if (!entries) {
    entries = new EntryPointFinder(model).run();
    cache.set(model, entries);
  }
  return entries;
}

/** Pool methods that return only when every call has finished. */
const WAITING_POOL_METHODS = /^multiprocessing\.pool\.(Pool|ThreadPool)\.(map|starmap|apply)$/;

const LOOP_TYPES = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

interface Target {
  targetScope?: Scope;
  targetName?: string;
  targetClass?: string;
  targetMethod?: string;
  receiver?: SyntaxNode;
  display: string;
  /** Arguments bound before the call's own (`functools.partial`, a coroutine call's arguments). */
  boundArgs: SyntaxNode[];
}

class EntryPointFinder {
  private readonly entries: EntryPoint[] = [];
  private readonly callsByScope = new Map<Scope, CallSite[]>();

  constructor(private readonly model: SemanticModel) {
    for (const call of model.calls) {
      const scope = call.scope.executionScope;
      const list = this.callsByScope.get(scope);
      if (list) list.push(call);
      else this.callsByScope.set(scope, [call]);
    }
  }

  run(): EntryPoint[] {
    for (const call of this.model.calls) {
      const callee = this.model.calleeName(call);
      if (callee === 'asyncio.gather') {
        this.gather(call);
        continue;
      }
      const entry = callee ? this.model.catalogue.lookup(callee) : undefined;
      if (callee && entry?.spawns && !this.isDecorator(call)) this.spawnCall(call, callee, entry);
      else if (!entry) this.startCall(call);
    }
    for (const scope of this.model.scopes) {
      if (scope.kind === 'function') this.decorators(scope);
    }
    return this.entries.sort((a, b) => a.node.startIndex - b.node.startIndex);
  }

  private isDecorator(call: CallSite): boolean {
    return call.node.parent?.type === 'decorator';
  }

  private spawnCall(call: CallSite, callee: string, entry: CatalogueEntry): void {
    const kind = entry.spawns!;
    const { positional, keywords } = callArguments(call.node);
    let callable: SyntaxNode | undefined;
    for (const position of entry.spawnArguments ?? [0]) callable ??= positional[position];
    if (entry.spawnKeyword) callable ??= keywords.get(entry.spawnKeyword);
    if (!callable || callable.type === 'list_splat') return;
    const spawner = call.scope.executionScope;
    const via = shortName(callee);
    const isClass = entry.kind === 'class' || entry.kind === 'function' && /\.Pool$/.test(callee);

    let target: Target | undefined;
    let many = !!entry.spawnsMany;
    let why = many ? manyReason(callee, entry) : '';
    let freshReceiver = false;
    if (entry.spawnMethod) {
      const cls = this.model.qualifiedNameOf(callable, call.scope);
      if (!cls) return;
      target = { targetClass: cls, targetMethod: entry.spawnMethod, display: `${lastName(cls)}.${entry.spawnMethod}`, boundArgs: [] };
      freshReceiver = true;
    } else {
      target = this.resolveTarget(callable, call.scope, kind === 'task' || callee === 'asyncio.run_coroutine_threadsafe');
    }
    if (!target) return;

    // Arguments for the target's parameters: `args=(...)`, or what follows the callable.
    const args = [...target.boundArgs];
    const argsKeyword = keywords.get('args');
    if (argsKeyword) args.push(...tupleElements(argsKeyword));
    else if (!many && !isClass) {
      const position = positional.indexOf(callable);
      const rest = position >= 0 ? positional.slice(position + 1) : [];
      if (rest.length === 1 && rest[0].type === 'tuple' && /\.apply(_async)?$/.test(callee)) args.push(...tupleElements(rest[0]));
      else args.push(...rest.filter((a) => a.type !== 'list_splat'));
    }

    // Where the spawner runs alongside it.
    let windowStart = call.node.startIndex;
    let startNode = call.node;
    let joinable: string[] | undefined;
    if (entry.kind === 'class' && !entry.spawnsMany && !entry.spawnMethod) {
      const start = this.startOf(call);
      if (start) {
        windowStart = start.startIndex;
        startNode = start;
      }
      // Only the name holding the thread (or a loop variable over a list of threads) can join it.
      const holder = assignedTo(call.node);
      joinable = holder ? [holder.text] : [];
    }
    const end = this.windowEnd(call, callee, windowStart, spawner, joinable);
    const loop = this.loopAround(call.node, spawner) ?? (startNode !== call.node ? this.loopAround(startNode, spawner) : undefined);
    if (!many && loop && !(end.joined && end.offset > loop.startIndex && end.offset < loop.endIndex)) {
      many = true;
      why = 'started in a loop';
    }
    const receiverPerInstance = freshReceiver || (!!target.receiver && !!loop && this.boundInside(target.receiver, call.scope, loop));
    // `for ext in exts: pool.submit(build, ext)`: each instance gets its own item.
    const perInstance = (arg: SyntaxNode) => !!loop && many && this.boundInside(rootOf(arg), call.scope, loop);
    this.entries.push({
      kind,
      via,
      node: call.node,
      ...target,
      many,
      why: why || 'started once',
      spawner,
      receiverPerInstance,
      freshReceiver,
      args: args.map((arg) => (perInstance(arg) ? null : arg)),
      windowStart,
      windowEnd: end.offset,
      joined: end.joined,
    });
  }

  /** `asyncio.gather(a(), b())`, `asyncio.gather(*(work(x) for x in xs))`: each awaitable is a task. */
  private gather(call: CallSite): void {
    const { positional } = callArguments(call.node);
    const spawner = call.scope.executionScope;
    const end = this.windowEnd(call, 'asyncio.gather', call.node.startIndex, spawner);
    for (const argument of positional) {
      let expression = argument;
      let many = false;
      if (expression.type === 'list_splat') {
        expression = expression.namedChildren[0]!;
        many = true;
      }
      let scope = call.scope;
      if (expression && /comprehension|generator_expression/.test(expression.type)) {
        const body = expression.childForFieldName('body');
        scope = this.model.scopes.find((s) => s.node === expression) ?? scope;
        expression = body!;
        many = true;
      }
      if (!expression || expression.type !== 'call') continue;
      const target = this.resolveTarget(expression, scope, true);
      if (!target) continue;
      this.entries.push({
        kind: 'task',
        via: 'asyncio.gather',
        node: call.node,
        ...target,
        many,
        why: many ? 'one per item' : 'started once',
        spawner,
        receiverPerInstance: false,
        freshReceiver: false,
        args: target.boundArgs,
        windowStart: call.node.startIndex,
        windowEnd: end.offset,
        joined: end.joined,
      });
    }
  }

  /** `obj.start()` on an instance of a project class: a Thread subclass's `run`, if it is one. */
  private startCall(call: CallSite): void {
    if (call.callee.type !== 'attribute' || call.callee.childForFieldName('attribute')?.text !== 'start') return;
    if (callArguments(call.node).positional.length > 0) return;
    const object = call.callee.childForFieldName('object');
    if (!object) return;
    const type = this.model.typeOf(object, call.scope);
    if (!type || this.model.catalogue.lookup(type) || !(this.model.classes.has(type) || this.model.isProjectName(type))) return;
    const spawner = call.scope.executionScope;
    const end = this.windowEnd(call, `${type}.start`, call.node.startIndex, spawner, object.type === 'call' ? [] : [object.text]);
    const made = object.type === 'call' ? object : this.constructionOf(object, call.scope);
    const loop = this.loopAround(call.node, spawner) ?? (made ? this.loopAround(made, spawner) : undefined);
    const many = !!loop && !(end.joined && end.offset > loop.startIndex && end.offset < loop.endIndex);
    const fresh = object.type === 'call';
    this.entries.push({
      kind: 'thread',
      via: `${lastName(type)}.start()`,
      node: call.node,
      targetClass: type,
      targetMethod: 'run',
      needsThreadBase: true,
      display: `${lastName(type)}.run`,
      many,
      why: many ? 'started in a loop' : 'started once',
      spawner,
      receiver: fresh ? undefined : object,
      receiverPerInstance: fresh || (!!loop && this.boundInside(object, call.scope, loop)),
      freshReceiver: fresh,
      args: [],
      windowStart: call.node.startIndex,
      windowEnd: end.offset,
      joined: end.joined,
    });
  }

  /** `@app.route("/")` on a def: the decorated function runs per request. */
  private decorators(scope: Scope): void {
    const decorated = scope.node.parent;
    if (decorated?.type !== 'decorated_definition') return;
    for (const decorator of decorated.namedChildren) {
      if (decorator.type !== 'decorator') continue;
      let expression: SyntaxNode | undefined = decorator.namedChildren[0];
      if (expression?.type === 'call') expression = expression.childForFieldName('function') ?? undefined;
      if (!expression) continue;
      const name = this.model.qualifiedNameOf(expression, scope.parent!);
      const entry = name ? this.model.catalogue.lookup(name) : undefined;
      if (!name || !entry?.spawns) continue;
      const spawner = scope.parent!.executionScope;
      this.entries.push({
        kind: entry.spawns,
        via: shortName(name),
        node: decorator,
        targetScope: scope,
        display: scope.displayName,
        many: !!entry.spawnsMany,
        why: entry.spawnsMany ? 'one per request' : 'started once',
        spawner,
        receiverPerInstance: false,
        freshReceiver: false,
        args: [],
        windowStart: decorator.startIndex,
        windowEnd: decorator.startIndex,
        joined: false,
      });
    }
  }

  /** What a callable expression runs. */
  private resolveTarget(expression: SyntaxNode, scope: Scope, coroutineCall: boolean, depth = 0): Target | undefined {
    if (depth > 3) return undefined;
    if (expression.type === 'parenthesized_expression' && expression.namedChildren[0]) {
      return this.resolveTarget(expression.namedChildren[0], scope, coroutineCall, depth + 1);
    }
    if (expression.type === 'lambda') {
      const lambda = this.model.scopes.find((s) => s.node === expression);
      return lambda ? { targetScope: lambda, display: 'lambda', boundArgs: [] } : undefined;
    }
    if (expression.type === 'call') {
      const callee = expression.childForFieldName('function');
      if (!callee) return undefined;
      const name = this.model.qualifiedNameOf(callee, scope);
      const { positional } = callArguments(expression);
      if (name === 'functools.partial' && positional[0]) {
        const inner = this.resolveTarget(positional[0], scope, false, depth + 1);
        return inner && { ...inner, boundArgs: [...inner.boundArgs, ...positional.slice(1).filter((a) => a.type !== 'list_splat')] };
      }
      if (!coroutineCall) return undefined;
      const inner = this.resolveTarget(callee, scope, false, depth + 1);
      return inner && { ...inner, boundArgs: positional.filter((a) => a.type !== 'list_splat') };
    }
    if (expression.type !== 'identifier' && expression.type !== 'attribute') return undefined;
    const value = this.model.valueOf(expression, scope);
    if (value.kind !== 'ref') return undefined;
    const name = value.qualifiedName;
    let receiver: SyntaxNode | undefined;
    if (expression.type === 'attribute') {
      const object = expression.childForFieldName('object')!;
      if (this.model.valueOf(object, scope).kind === 'instance') receiver = object;
    }
    const local = this.model.scopes.find((s) => s.kind === 'function' && s.qualifiedName === name);
    const display = expression.text.length <= 40 ? expression.text : shortName(name);
    if (local) return { targetScope: local, receiver, display, boundArgs: [] };
    if (this.model.isProjectName(name) || name.startsWith(`${this.model.moduleName}.`)) return { targetName: name, receiver, display, boundArgs: [] };
    return undefined;
  }

  /** The `.start()` that starts a thread object made by `call`. */
  private startOf(call: CallSite): SyntaxNode | undefined {
    const parent = call.node.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.text === 'start' && parent.parent?.type === 'call') return parent.parent;
    const spawner = call.scope.executionScope;
    const later = (this.callsByScope.get(spawner) ?? []).filter(
      (c) => c.node.startIndex > call.node.endIndex && c.callee.type === 'attribute' && c.callee.childForFieldName('attribute')?.text === 'start',
    );
    const holder = assignedTo(call.node);
    const own = holder ? later.find((c) => c.callee.childForFieldName('object')?.text === holder.text) : undefined;
    return (own ?? later.sort((a, b) => a.node.startIndex - b.node.startIndex)[0])?.node;
  }

  /** Where the spawner stops running alongside what it started. */
  private windowEnd(call: CallSite, callee: string, start: number, spawner: Scope, joinable?: string[]): { offset: number; joined: boolean } {
    const functionEnd = spawner.node.endIndex;
    if (call.awaited || call.node.parent?.type === 'await') return { offset: call.node.endIndex, joined: true };
    if (WAITING_POOL_METHODS.test(callee)) return { offset: call.node.endIndex, joined: true };
    // `pool.submit(f).result()` waits at once.
    const parent = call.node.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.text === 'result' && parent.parent?.type === 'call') {
      return { offset: parent.parent.endIndex, joined: true };
    }
    const future = assignedTo(call.node);
    // An executor (or task group) bound by a `with` around the call waits at the end of the block.
    const object = call.callee.type === 'attribute' ? call.callee.childForFieldName('object') : undefined;
    if (object?.type === 'identifier') {
      for (let node = call.node.parent; node && node !== spawner.node; node = node.parent) {
        if (node.type === 'with_statement' && withBinds(node, object.text)) return { offset: node.endIndex, joined: true };
      }
    }
    const calls = (this.callsByScope.get(spawner) ?? []).filter((c) => c.node.startIndex > start).sort((a, b) => a.node.startIndex - b.node.startIndex);
    for (const later of calls) {
      if (later.callee.type !== 'attribute') continue;
      const method = later.callee.childForFieldName('attribute')?.text;
      const { positional, keywords } = callArguments(later.node);
      if (method === 'join' && isJoinArguments(positional, keywords) && this.canJoin(later, joinable)) return { offset: later.node.startIndex, joined: true };
      if (method === 'result' && future && later.callee.childForFieldName('object')?.text === future.text) return { offset: later.node.startIndex, joined: true };
      if (method === 'shutdown' && object && later.callee.childForFieldName('object')?.text === object.text && keywords.get('wait')?.text !== 'False') {
        return { offset: later.node.startIndex, joined: true };
      }
    }
    return { offset: functionEnd, joined: false };
  }

  /** A `.join()` that may wait for the thread: on the name that holds it, or on a loop variable (`for t in threads`). */
  private canJoin(join: CallSite, joinable: string[] | undefined): boolean {
    if (!joinable) return true;
    const object = join.callee.childForFieldName('object');
    if (!object) return false;
    if (joinable.includes(object.text)) return true;
    return object.type === 'identifier' && this.model.bindingsOf(object.text, join.scope).some((b) => b.kind === 'for-target');
  }

  /** The innermost loop (or comprehension) around `node` within the spawner. */
  private loopAround(node: SyntaxNode, spawner: Scope): SyntaxNode | undefined {
    for (let current = node.parent; current && current !== spawner.node; current = current.parent) {
      if (LOOP_TYPES.has(current.type)) return current;
    }
    return undefined;
  }

  /**
   * The name `object` is bound inside `loop` before `object` is used (`for w in workers:
   * w.start()`, `t = Worker(); t.start()`): another object each iteration.
   */
  private boundInside(object: SyntaxNode, scope: Scope, loop: SyntaxNode): boolean {
    if (object.type !== 'identifier') return false;
    const bindings = this.model.bindingsOf(object.text, scope);
    // A comprehension binds its variable after the element that uses it.
    const comprehension = loop.type !== 'for_statement' && loop.type !== 'while_statement';
    return bindings.some((b) => b.node.startIndex >= loop.startIndex && b.node.endIndex <= (comprehension ? loop.endIndex : object.startIndex));
  }

  /** The call that made the object a name holds (`t = Worker()`), if one assignment did. */
  private constructionOf(object: SyntaxNode, scope: Scope): SyntaxNode | undefined {
    if (object.type !== 'identifier') return undefined;
    const bindings = this.model.bindingsOf(object.text, scope).filter((b) => b.value?.type === 'call');
    return bindings.length === 1 ? bindings[0].value : undefined;
  }
}

function rootOf(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.type === 'attribute' || current.type === 'subscript') current = (current.childForFieldName('object') ?? current.childForFieldName('value'))!;
  return current;
}

function tupleElements(node: SyntaxNode): SyntaxNode[] {
  if (node.type === 'tuple' || node.type === 'list') return node.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'list_splat');
  if (node.type === 'parenthesized_expression' && node.namedChildren[0]) return [node.namedChildren[0]];
  return [];
}

/** `t.join()`, `t.join(5)`, `t.join(timeout=5)`; not `", ".join(parts)` nor `os.path.join(a, b)`. */
function isJoinArguments(positional: SyntaxNode[], keywords: Map<string, SyntaxNode>): boolean {
  if (positional.length === 0) return keywords.size === 0 || keywords.has('timeout');
  return positional.length === 1 && (positional[0].type === 'integer' || positional[0].type === 'float');
}

function withBinds(statement: SyntaxNode, name: string): boolean {
  const clause = statement.namedChildren.find((c) => c.type === 'with_clause');
  for (const item of clause?.namedChildren ?? []) {
    const value = item.childForFieldName('value');
    if (value?.type !== 'as_pattern') continue;
    const alias = value.childForFieldName('alias');
    if (alias?.text === name) return true;
  }
  return false;
}

/** The name or attribute a call's value is assigned to (`t = Thread(...)`, `self.t = Thread(...)`). */
function assignedTo(call: SyntaxNode): SyntaxNode | undefined {
  const parent = call.parent;
  if (parent?.type !== 'assignment' || parent.childForFieldName('right') !== call) return undefined;
  const left = parent.childForFieldName('left');
  return left && (left.type === 'identifier' || left.type === 'attribute') ? left : undefined;
}

function manyReason(callee: string, entry: CatalogueEntry): string {
  if (entry.spawnMethod) return 'one per request';
  if (entry.kind === 'class' || /\.Pool$/.test(callee)) return 'one per worker';
  return 'one per item';
}

function lastName(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.lastIndexOf('.') + 1);
}

/** `concurrent.futures.ThreadPoolExecutor.submit` -> `ThreadPoolExecutor.submit`, `threading.Thread` stays. */
export function shortName(qualifiedName: string): string {
  const parts = qualifiedName.split('.');
  const typeAt = parts.findIndex((p) => /^[A-Z]/.test(p));
  if (typeAt > 0) return parts.slice(typeAt === parts.length - 1 ? typeAt - 1 : typeAt).join('.');
  return parts.length > 2 ? parts.slice(-2).join('.') : qualifiedName;
}
