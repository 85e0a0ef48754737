/**
 * Pools, executors, processes and threads of one module, as the process-safety and resource
 * rules need them: where each is created and what holds it, the work handed to it (the
 * function and the values sent), the start method when the code fixes one, and which functions
 * of the module run at import or inside workers. Small on purpose: only what those rules ask.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { callArguments } from '../semantic/call-arguments.js';
import type { CallSite, Scope, SemanticModel } from '../semantic/model.js';

/** Where the work runs. */
export type Runner = 'processes' | 'threads';
/** What the object is: a pool with the `multiprocessing.Pool` API, an executor, one process, one thread. */
export type Shape = 'pool' | 'executor' | 'process' | 'thread';

export interface Kind {
  runner: Runner;
  shape: Shape;
  /** Canonical type, e.g. `concurrent.futures.ProcessPoolExecutor`. */
  type: string;
}

const POOL: Kind = { runner: 'processes', shape: 'pool', type: 'multiprocessing.pool.Pool' };
const THREAD_POOL: Kind = { runner: 'threads', shape: 'pool', type: 'multiprocessing.pool.ThreadPool' };
const PROCESS_EXECUTOR: Kind = { runner: 'processes', shape: 'executor', type: 'concurrent.futures.ProcessPoolExecutor' };
const THREAD_EXECUTOR: Kind = { runner: 'threads', shape: 'executor', type: 'concurrent.futures.ThreadPoolExecutor' };
const PROCESS: Kind = { runner: 'processes', shape: 'process', type: 'multiprocessing.Process' };
const THREAD: Kind = { runner: 'threads', shape: 'thread', type: 'threading.Thread' };
const TIMER: Kind = { runner: 'threads', shape: 'thread', type: 'threading.Timer' };

/** Types (as the model names instances) and what they are. */
const TYPES: Record<string, Kind> = {
  'multiprocessing.pool.Pool': POOL,
  'multiprocessing.pool.ThreadPool': THREAD_POOL,
  'concurrent.futures.ProcessPoolExecutor': PROCESS_EXECUTOR,
  'concurrent.futures.process.ProcessPoolExecutor': PROCESS_EXECUTOR,
  'concurrent.futures.ThreadPoolExecutor': THREAD_EXECUTOR,
  'concurrent.futures.thread.ThreadPoolExecutor': THREAD_EXECUTOR,
  'multiprocessing.Process': PROCESS,
  'multiprocessing.context.Process': PROCESS,
  'multiprocessing.process.BaseProcess': PROCESS,
  'multiprocessing.context.SpawnProcess': PROCESS,
  'multiprocessing.context.ForkProcess': PROCESS,
  'multiprocessing.context.ForkServerProcess': PROCESS,
  'threading.Thread': THREAD,
  'threading.Timer': TIMER,
};

/** Calls that create one, besides calling the types themselves. */
const FACTORIES: Record<string, Kind> = {
  'multiprocessing.Pool': POOL,
  'multiprocessing.context.BaseContext.Pool': POOL,
  'multiprocessing.dummy.Pool': THREAD_POOL,
  'multiprocessing.context.BaseContext.Process': PROCESS,
};

/** What an instance of `type` is: a known type, or a class of this module deriving from one. */
export function kindOfType(model: SemanticModel, type: string, depth = 0): Kind | undefined {
  const known = TYPES[type];
  if (known || depth > 4) return known;
  const facts = model.classes.get(type);
  if (!facts) return undefined;
  for (const base of facts.bases) {
    const name = model.qualifiedNameOf(base, facts.scope.parent ?? model.root);
    const kind = name ? kindOfType(model, name, depth + 1) : undefined;
    if (kind) return kind;
  }
  return undefined;
}

/** What a call creates, by the qualified name of its callee. */
export function createdKind(model: SemanticModel, callee: string): Kind | undefined {
  return FACTORIES[callee] ?? kindOfType(model, callee);
}

/** The kind of the object an expression denotes. */
export function kindOf(model: SemanticModel, node: SyntaxNode, scope: Scope): Kind | undefined {
  const type = model.typeOf(node, scope);
  return type ? kindOfType(model, type) : undefined;
}

export interface Creation {
  call: CallSite;
  kind: Kind;
}

/** Every call that creates a pool, an executor, a process or a thread. */
export function creations(model: SemanticModel): Creation[] {
  return cached(model, 'creations', () => {
    const found: Creation[] = [];
    for (const call of model.calls) {
      const callee = model.calleeName(call);
      const kind = callee ? createdKind(model, callee) : undefined;
      if (kind) found.push({ call, kind });
    }
    return found;
  });
}

/** Work handed to a pool, an executor, a process or a thread. */
export interface Submission {
  call: CallSite;
  /** The kind of what runs the work. */
  kind: Kind;
  /** `submit`, `map`, `apply_async`... ; `target` for a process or thread; `initializer` for a pool's. */
  method: string;
  /** The callable run in the worker. */
  fn?: SyntaxNode;
  /** Values sent as they are (pickled, for processes). */
  sent: SyntaxNode[];
  /** Iterables whose items are sent one by one (`map`). */
  items: SyntaxNode[];
  /** Sent while the worker starts (a process's target, a pool's initializer): pickled only under spawn and forkserver. */
  atStart: boolean;
  /** The pool expression (`pool` in `pool.submit(...)`), or the creating call for targets and initializers. */
  receiver: SyntaxNode;
}

const SUBMIT_METHODS = new Set(['submit']);
const MAP_METHODS = new Set(['map', 'imap', 'imap_unordered', 'map_async', 'starmap', 'starmap_async']);
const APPLY_METHODS = new Set(['apply', 'apply_async']);

/** Every hand-over of work in the module. */
export function submissions(model: SemanticModel): Submission[] {
  return cached(model, 'submissions', () => {
    const found: Submission[] = [];
    for (const creation of creations(model)) found.push(...fromCreation(creation));
    for (const call of model.calls) {
      const callee = call.callee;
      if (callee.type !== 'attribute') continue;
      const method = callee.childForFieldName('attribute')?.text ?? '';
      const receiver = callee.childForFieldName('object');
      if (!receiver) continue;
      const args = callArguments(call.node);
      if (method === 'run_in_executor') {
        const executor = args.known[0];
        const kind = executor ? kindOf(model, executor, call.scope) : undefined;
        if (kind?.shape === 'executor') {
          found.push({ call, kind, method, fn: args.known[1], sent: args.known.slice(2), items: [], atStart: false, receiver: executor! });
        }
        continue;
      }
      if (!SUBMIT_METHODS.has(method) && !MAP_METHODS.has(method) && !APPLY_METHODS.has(method)) continue;
      const kind = kindOf(model, receiver, call.scope);
      if (!kind || (kind.shape !== 'pool' && kind.shape !== 'executor')) continue;
      if (kind.shape === 'executor' && !SUBMIT_METHODS.has(method) && method !== 'map') continue;
      const fn = args.known[0] ?? args.keywords.get('fn') ?? args.keywords.get('func');
      if (SUBMIT_METHODS.has(method)) {
        found.push({ call, kind, method, fn, sent: [...args.known.slice(1), ...args.keywords.values()].filter((n) => n !== fn), items: [], atStart: false, receiver });
      } else if (MAP_METHODS.has(method)) {
        const items = kind.shape === 'executor' ? args.known.slice(1) : [args.known[1] ?? args.keywords.get('iterable')].filter((n): n is SyntaxNode => !!n);
        found.push({ call, kind, method, fn, sent: [], items, atStart: false, receiver });
      } else {
        const sent = [...spread(args.known[1] ?? args.keywords.get('args')), ...spread(args.known[2] ?? args.keywords.get('kwds'))];
        found.push({ call, kind, method, fn, sent, items: [], atStart: false, receiver });
      }
    }
    return found;
  });
}

/** `Process(target=f, args=(...))`, `Thread(...)`, `Timer(t, f, args)`, and a pool's `initializer`/`initargs`. */
function fromCreation(creation: Creation): Submission[] {
  const { call, kind } = creation;
  const args = callArguments(call.node);
  const make = (method: string, fn: SyntaxNode | undefined, argsNode: SyntaxNode | undefined, kwargsNode: SyntaxNode | undefined): Submission[] =>
    fn ? [{ call, kind, method, fn, sent: [...spread(argsNode), ...spread(kwargsNode)], items: [], atStart: true, receiver: call.node }] : [];
  switch (kind.shape) {
    case 'process':
    case 'thread': {
      if (kind.type === 'threading.Timer') {
        return make('target', args.known[1] ?? args.keywords.get('function'), args.known[2] ?? args.keywords.get('args'), args.known[3] ?? args.keywords.get('kwargs'));
      }
      return make('target', args.known[1] ?? args.keywords.get('target'), args.known[3] ?? args.keywords.get('args'), args.known[4] ?? args.keywords.get('kwargs'));
    }
    case 'pool':
      return make('initializer', args.known[1] ?? args.keywords.get('initializer'), args.known[2] ?? args.keywords.get('initargs'), undefined);
    case 'executor': {
      // (max_workers, mp_context or thread_name_prefix, initializer, initargs)
      const initializer = args.keywords.get('initializer') ?? args.known[2];
      const initargs = args.keywords.get('initargs') ?? args.known[3];
      return make('initializer', initializer, initargs, undefined);
    }
  }
}

/** The elements of a literal tuple, list or dict (the values), or the expression itself. */
function spread(node: SyntaxNode | undefined): SyntaxNode[] {
  if (!node) return [];
  if (node.type === 'tuple' || node.type === 'list') return node.namedChildren.filter((c) => c.type !== 'comment');
  if (node.type === 'dictionary') {
    return node.namedChildren.filter((c) => c.type === 'pair').map((p) => p.childForFieldName('value')).filter((v): v is SyntaxNode => !!v);
  }
  if (node.type === 'parenthesized_expression') return spread(node.namedChildren.find((c) => c.type !== 'comment'));
  return [node];
}

export type StartMethod = 'fork' | 'spawn' | 'forkserver';

/**
 * The start method the code fixes for the processes a call creates: `get_context("fork").Pool()`,
 * `ProcessPoolExecutor(mp_context=ctx)`, or `multiprocessing.set_start_method(...)` in the
 * module. Undefined: the platform's default (fork on Linux before 3.14, forkserver from 3.14,
 * spawn on macOS and Windows).
 */
export function startMethodOf(model: SemanticModel, creation: CallSite): StartMethod | undefined {
  const callee = creation.callee;
  if (callee.type === 'attribute') {
    const context = callee.childForFieldName('object');
    const method = context ? contextMethod(model, context, creation.scope) : undefined;
    if (method) return method;
  }
  const args = callArguments(creation.node);
  const context = args.keywords.get('mp_context') ?? (model.calleeName(creation)?.endsWith('ProcessPoolExecutor') ? args.known[1] : undefined);
  const fromContext = context ? contextMethod(model, context, creation.scope) : undefined;
  return fromContext ?? moduleStartMethod(model);
}

/** The start method of the processes a pool expression's pool starts, following its binding. */
export function startMethodOfPool(model: SemanticModel, pool: SyntaxNode, scope: Scope): StartMethod | undefined {
  const creation = creationBehind(model, pool, scope);
  return creation ? startMethodOf(model, creation) : moduleStartMethod(model);
}

/** The creating call behind an expression: the call itself, or the one value its name is bound to. */
export function creationBehind(model: SemanticModel, node: SyntaxNode, scope: Scope): CallSite | undefined {
  const byNode = callsByNode(model);
  if (node.type === 'call') return byNode.get(node.id);
  if (node.type !== 'identifier') return undefined;
  const values = model.bindingsOf(node.text, scope).map((b) => b.value);
  if (values.length !== 1 || values[0]?.type !== 'call') return undefined;
  return byNode.get(values[0].id);
}

function contextMethod(model: SemanticModel, node: SyntaxNode, scope: Scope, depth = 0): StartMethod | undefined {
  if (depth > 2) return undefined;
  if (node.type === 'identifier') {
    const values = model.bindingsOf(node.text, scope).map((b) => b.value);
    return values.length === 1 && values[0] ? contextMethod(model, values[0], scope, depth + 1) : undefined;
  }
  if (node.type !== 'call') return undefined;
  const callee = node.childForFieldName('function');
  if (!callee || model.qualifiedNameOf(callee, scope) !== 'multiprocessing.get_context') return undefined;
  return methodLiteral(callArguments(node).known[0] ?? callArguments(node).keywords.get('method'));
}

function moduleStartMethod(model: SemanticModel): StartMethod | undefined {
  return cached(model, 'start-method', () => {
    for (const call of model.calls) {
      if (model.calleeName(call) !== 'multiprocessing.set_start_method') continue;
      const args = callArguments(call.node);
      const method = methodLiteral(args.known[0] ?? args.keywords.get('method'));
      if (method) return method;
    }
    return undefined;
  });
}

function methodLiteral(node: SyntaxNode | undefined): StartMethod | undefined {
  const text = node?.type === 'string' ? node.text.replace(/^[a-z]*['"]|['"]$/gi, '') : undefined;
  return text === 'fork' || text === 'spawn' || text === 'forkserver' ? text : undefined;
}

/** A function of this module a callable expression runs, following `functools.partial`. */
export interface Target {
  /** The function, when this module defines it. */
  scope?: Scope;
  /** Its qualified name (another module's function, for the project index). */
  qualifiedName?: string;
}

export function targetOf(model: SemanticModel, fn: SyntaxNode, scope: Scope): Target | undefined {
  if (fn.type === 'call') {
    const callee = fn.childForFieldName('function');
    if (callee && model.qualifiedNameOf(callee, scope) === 'functools.partial') {
      const inner = callArguments(fn).known[0];
      return inner ? targetOf(model, inner, scope) : undefined;
    }
    return undefined;
  }
  if (fn.type !== 'identifier' && fn.type !== 'attribute') return undefined;
  const name = model.qualifiedNameOf(fn, scope);
  if (!name) return undefined;
  return { scope: functionNamed(model, name), qualifiedName: name };
}

/** The one function scope of this module with this qualified name (a class: its `__init__`). */
export function functionNamed(model: SemanticModel, qualifiedName: string): Scope | undefined {
  const index = cached(model, 'functions', () => {
    const byName = new Map<string, Scope | null>();
    for (const scope of model.scopes) {
      if (scope.kind !== 'function') continue;
      byName.set(scope.qualifiedName, byName.has(scope.qualifiedName) ? null : scope);
    }
    return byName;
  });
  const direct = index.get(qualifiedName);
  if (direct !== undefined) return direct ?? undefined;
  if (model.classes.has(qualifiedName)) return index.get(`${qualifiedName}.__init__`) ?? undefined;
  return undefined;
}

/** A call runs when the module is imported: module-level code (class bodies too) outside the main guard. */
export function runsAtImport(model: SemanticModel, call: CallSite): boolean {
  return call.scope.executionScope === model.root && !model.isUnderMainGuard(call.node);
}

/** The calls a function's own body makes (not those of the functions and lambdas defined in it). */
export function callsIn(model: SemanticModel, fn: Scope): CallSite[] {
  const byScope = cached(model, 'calls-by-scope', () => {
    const map = new Map<Scope, CallSite[]>();
    for (const call of model.calls) {
      const owner = call.scope.executionScope;
      const list = map.get(owner);
      if (list) list.push(call);
      else map.set(owner, [call]);
    }
    return map;
  });
  return byScope.get(fn) ?? [];
}

/**
 * The functions of this module reached from `starts` through calls (not through the functions
 * and lambdas they only define), each with the chain of calls that reaches it (empty for a start).
 */
export function reachable(
  model: SemanticModel,
  starts: Iterable<{ scope: Scope; chain: CallSite[] }>,
  follow: (callee: Scope) => boolean = () => true,
): Map<Scope, CallSite[]> {
  const reached = new Map<Scope, CallSite[]>();
  const queue: Array<{ scope: Scope; chain: CallSite[] }> = [];
  for (const start of starts) {
    if (reached.has(start.scope)) continue;
    reached.set(start.scope, start.chain);
    queue.push(start);
  }
  for (let i = 0; i < queue.length; i++) {
    const { scope, chain } = queue[i]!;
    for (const call of callsIn(model, scope)) {
      const name = model.calleeName(call);
      const callee = name ? functionNamed(model, name) : undefined;
      if (!callee || reached.has(callee) || callee.isAsync || callee.containsYield || !follow(callee)) continue;
      const next = { scope: callee, chain: [...chain, call] };
      reached.set(callee, next.chain);
      queue.push(next);
    }
  }
  return reached;
}

/** Functions of this module that run at import, each with the chain of calls from the import-time call. */
export function functionsRunAtImport(model: SemanticModel): Map<Scope, CallSite[]> {
  return cached(model, 'run-at-import', () => {
    const starts: Array<{ scope: Scope; chain: CallSite[] }> = [];
    for (const call of callsIn(model, model.root)) {
      if (!runsAtImport(model, call)) continue;
      const name = model.calleeName(call);
      const callee = name ? functionNamed(model, name) : undefined;
      if (callee && !callee.isAsync && !callee.containsYield && !hasOpaqueDecorator(model, callee)) starts.push({ scope: callee, chain: [call] });
    }
    return reachable(model, starts, (scope) => !hasOpaqueDecorator(model, scope));
  });
}

/** Decorators whose result runs the function's body when it is called. */
const TRANSPARENT_DECORATORS = new Set(['builtins.staticmethod', 'builtins.classmethod', 'functools.lru_cache', 'functools.cache', 'typing.final', 'typing.override']);

/**
 * A decorator that may not run the body when the function is called (it may return a lazy
 * object, register the function, or wrap it in something else): calling the function is then no
 * evidence that its body runs.
 */
export function hasOpaqueDecorator(model: SemanticModel, fn: Scope): boolean {
  const definition = fn.node.parent;
  if (definition?.type !== 'decorated_definition') return false;
  return definition.namedChildren.some((child) => {
    if (child.type !== 'decorator') return false;
    let expression = child.namedChildren.find((c) => c.type !== 'comment');
    if (expression?.type === 'call') expression = expression.childForFieldName('function') ?? undefined;
    const name = expression ? model.qualifiedNameOf(expression, fn.parent ?? model.root) : undefined;
    return !name || !TRANSPARENT_DECORATORS.has(name);
  });
}

/** A function run in worker processes, and the hand-over that sends it there. */
export interface ProcessWorker {
  scope: Scope;
  submission: Submission;
}

/** The functions of this module handed to process pools and processes (targets, tasks, initializers). */
export function processWorkers(model: SemanticModel): ProcessWorker[] {
  return cached(model, 'process-workers', () => {
    const workers: ProcessWorker[] = [];
    for (const submission of submissions(model)) {
      if (submission.kind.runner !== 'processes' || !submission.fn) continue;
      const target = targetOf(model, submission.fn, submission.call.scope);
      if (target?.scope) workers.push({ scope: target.scope, submission });
    }
    return workers;
  });
}

/** Every function of this module that runs in worker processes, with the worker that reaches it. */
export function functionsRunInWorkers(model: SemanticModel): Map<Scope, { worker: ProcessWorker; chain: CallSite[] }> {
  return cached(model, 'run-in-workers', () => {
    const result = new Map<Scope, { worker: ProcessWorker; chain: CallSite[] }>();
    for (const worker of processWorkers(model)) {
      for (const [scope, chain] of reachable(model, [{ scope: worker.scope, chain: [] }])) {
        if (!result.has(scope)) result.set(scope, { worker, chain });
      }
    }
    return result;
  });
}

export function callsByNode(model: SemanticModel): Map<number, CallSite> {
  return cached(model, 'calls-by-node', () => new Map(model.calls.map((call) => [call.node.id, call])));
}

const caches = new WeakMap<SemanticModel, Map<string, unknown>>();

function cached<T>(model: SemanticModel, key: string, make: () => T): T {
  let cache = caches.get(model);
  if (!cache) {
    cache = new Map();
    caches.set(model, cache);
  }
  if (cache.has(key)) return cache.get(key) as T;
  const value = make();
  cache.set(key, value);
  return value;
}

/**
 * Whether a call starts worker processes: creating a `multiprocessing` pool (its workers start at
 * once), `start()` on a process, or the first `submit`/`map` on a `ProcessPoolExecutor` (whose
 * workers start on demand). What it starts is named by the returned qualified name.
 */
export function startsProcesses(model: SemanticModel, call: CallSite): string | undefined {
  const callee = model.calleeName(call);
  if (!callee) return undefined;
  const created = createdKind(model, callee);
  if (created) return created.runner === 'processes' && created.shape === 'pool' ? callee : undefined;
  if (call.callee.type !== 'attribute') return undefined;
  const method = call.callee.childForFieldName('attribute')?.text;
  const receiver = call.callee.childForFieldName('object');
  const kind = receiver ? kindOf(model, receiver, call.scope) : undefined;
  if (kind?.runner !== 'processes') return undefined;
  if (kind.shape === 'process' && method === 'start') return callee;
  if (kind.shape === 'executor' && (method === 'submit' || method === 'map')) return callee;
  return undefined;
}
