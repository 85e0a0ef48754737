/**
 * Calls that fork the process: `os.fork()`, `os.forkpty()`, `pty.fork()`, and the calls that
 * start `multiprocessing` processes (a `Pool`, `Process.start()`, a `ProcessPoolExecutor`'s
 * first task) with the start method the code fixes for them, if it does (otherwise the
 * platform's default decides: fork on Linux before Python 3.14).
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { callArguments } from '../semantic/call-arguments.js';
import { callsIn, createdKind, creationBehind, startMethodOf, startMethodOfPool, startsProcesses, type StartMethod } from './pools.js';

const FORKS = new Set(['os.fork', 'os.forkpty', 'pty.fork']);

export interface ForkPoint {
  call: CallSite;
  /** `os.fork()`, `multiprocessing.Pool(...)`, `p.start()`. */
  display: string;
  /** Always a fork (`os.fork()`), or a process start whose start method is `method` (undefined: the platform's default). */
  always: boolean;
  method?: StartMethod;
}

/** Methods that may start processes on a process, an executor or a pool object. */
const STARTING_METHODS = new Set(['start', 'submit', 'map']);

const cache = new WeakMap<SemanticModel, Map<Scope, ForkPoint[]>>();

/** Fork points in a function's own code (or the module's), in source order; each executor once. */
export function forkPoints(model: SemanticModel, fn: Scope): ForkPoint[] {
  let byScope = cache.get(model);
  if (!byScope) cache.set(model, (byScope = new Map()));
  let points = byScope.get(fn);
  if (!points) byScope.set(fn, (points = findForkPoints(model, fn)));
  return points;
}

function findForkPoints(model: SemanticModel, fn: Scope): ForkPoint[] {
  const points: ForkPoint[] = [];
  const executors = new Set<string>();
  for (const call of callsIn(model, fn)) {
    const callee = model.calleeName(call);
    if (!callee) continue;
    if (FORKS.has(callee)) {
      points.push({ call, display: `${callee}()`, always: true });
      continue;
    }
    // Only creations and these methods can start processes: skip typing every other receiver.
    const method = call.callee.type === 'attribute' ? call.callee.childForFieldName('attribute')?.text : undefined;
    if (!(method && STARTING_METHODS.has(method)) && !createdKind(model, callee)) continue;
    if (!startsProcesses(model, call)) continue;
    const created = createdKind(model, callee);
    if (created) {
      if (contextUnknown(model, call)) continue;
      points.push({ call, display: `${shortCallee(call)}(...)`, always: false, method: startMethodOf(model, call) });
      continue;
    }
    const receiver = call.callee.childForFieldName('object')!;
    const creation = creationBehind(model, receiver, call.scope);
    if (creation && contextUnknown(model, creation)) continue;
    if (method !== 'start') {
      if (executors.has(receiver.text)) continue;
      executors.add(receiver.text);
    }
    points.push({ call, display: `${receiver.text.length <= 30 ? receiver.text : '...'}.${method}(...)`.replace('.start(...)', '.start()'), always: false, method: startMethodOfPool(model, receiver, call.scope) });
  }
  return points;
}

/**
 * The processes are made through a context whose start method the code does not spell out:
 * `get_context(method)` with a variable, a context passed in (`mp_context=ctx`, `ctx.Process(...)`,
 * `multiprocessing.pool.Pool(..., context=ctx)`).
 * Only `get_context("...")` with a literal and `get_context()` (the default) are known.
 */
function contextUnknown(model: SemanticModel, creation: CallSite): boolean {
  const callee = model.calleeName(creation) ?? '';
  const args = callArguments(creation.node);
  let context: SyntaxNode | undefined;
  if (callee.startsWith('multiprocessing.context.BaseContext.') && creation.callee.type === 'attribute') context = creation.callee.childForFieldName('object') ?? undefined;
  else if (callee.endsWith('ProcessPoolExecutor')) context = args.keywords.get('mp_context') ?? args.known[1];
  // `multiprocessing.pool.Pool(processes, initializer, initargs, maxtasksperchild, context)`.
  else if (callee === 'multiprocessing.pool.Pool') context = args.keywords.get('context') ?? args.known[4];
  if (!context || context.type === 'none') return false;
  const made = context.type === 'call' ? context : creationBehind(model, context, creation.scope)?.node;
  if (!made || made.type !== 'call') return true;
  const function_ = made.childForFieldName('function');
  if (!function_ || model.qualifiedNameOf(function_, creation.scope) !== 'multiprocessing.get_context') return true;
  const method = callArguments(made).known[0] ?? callArguments(made).keywords.get('method');
  return !!method && method.type !== 'string' && method.type !== 'none';
}

/** Whether a fork point forks under a target Python version, on Linux. */
export function forksOnLinux(point: Pick<ForkPoint, 'always' | 'method'>, targetVersion: [number, number]): boolean {
  if (point.always || point.method === 'fork') return true;
  if (point.method) return false;
  const [major, minor] = targetVersion;
  return major === 3 && minor < 14;
}

function shortCallee(call: CallSite): string {
  const text = call.callee.text.replace(/\s+/g, '');
  return text.length <= 40 ? text : text.slice(text.lastIndexOf('.') + 1);
}
