/**
 * The serialisable facts the deadlock rules need about each function of a module, so that a
 * rule can follow a queue, a thread target or a call into another file: what the function does
 * with each parameter (`put`, `task_done`, handed on), whether it never returns, whether it
 * leaves a thread running, and whether it forks. Built once per model when a rule asks
 * (`waitFacts`), and then carried in the module summary for the project index
 * (`waitFactsIfBuilt`); `wait-links.ts` follows them from function to function.
 */
import type { LineIndex } from '../parser/line-index.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import type { Binding, Scope } from '../semantic/scope.js';
import { forkPoints } from './fork-points.js';
import { endlessLoop, mayRaise, unconditionalCalls } from './never-returns.js';
import { isProjectFunction, objectUses, scopeFinder } from './object-uses.js';
import { callsIn, type StartMethod } from './pools.js';
import { runningThreads } from './running-threads.js';

/** Methods of a parameter the deadlock rules ask about (queues and threads); others are not recorded. */
export const WATCHED_METHODS: ReadonlySet<string> = new Set(['put', 'put_nowait', 'get', 'task_done', 'shutdown', 'join']);

/**
 * Recorded beside `put` when the puts on a parameter may fill a pipe: some item is not a small
 * literal, or a put (or the hand-over of the queue to another function) is inside a loop. A
 * child that puts `2` once cannot fill the 64 KiB pipe that `join()` waits on.
 */
export const UNBOUNDED_PUT = 'put:unbounded';

export interface ParamFacts {
  /** Watched methods called on the parameter, each with the line of its first call. */
  methods: Record<string, number>;
  /** Functions of the project it is handed to, at which parameter. */
  passed: Array<{ callee: string; index: number }>;
}

/** What the deadlock rules know about a function, as `wait-links.ts` follows it. */
export interface WaitFunctionFacts {
  qualifiedName: string;
  display: string;
  path: string;
  line: number;
  /**
   * Positional parameters (by position, `self` included) that can be followed: every use is a
   * method call (or lookup) or a hand-over to a project function, and some use is a watched
   * method or a hand-over. Any other position (stored, aliased, returned, rebound, given to a
   * library, unused, in `*args`) counts as not followed: the rules stay quiet on it.
   */
  params: Record<number, ParamFacts>;
  /** A `while True:` loop always reached and never left, and the project functions it calls. */
  endlessLoop?: { line: number; calls: string[] };
  /** Project functions called as statements the body always runs. */
  unconditionalCalls: Array<{ callee: string; line: number }>;
  /** Has a `raise` or a call to `sys.exit()`. */
  mayRaise: boolean;
  /** Starts a thread (or a thread pool) that is still running when it returns. */
  leavesThread?: { line: number; display: string };
  /** The first fork point. */
  fork?: { line: number; display: string; always: boolean; method?: StartMethod };
  /** Calls to project functions, in source order (an awaited one does not run the callee's body then and there). */
  calls: ReadonlyArray<{ callee: string; line: number; awaited?: boolean }>;
}

/**
 * The facts as the module summary carries them: only what is not already in the summary
 * (names, places and calls are), and only functions with something to say. A function of a
 * module whose summary has `waits` but no entry for it uses no watched method, loops, raises,
 * leaves a thread running nor forks.
 */
export type SummaryWaitFacts = Partial<Pick<WaitFunctionFacts, 'params' | 'endlessLoop' | 'unconditionalCalls' | 'leavesThread' | 'fork'>> & { mayRaise?: true };

export interface ModuleWaitFacts {
  functions: Record<string, SummaryWaitFacts>;
}

const cache = new WeakMap<SemanticModel, { module: ModuleWaitFacts; byScope: Map<Scope, WaitFunctionFacts> }>();

export function waitFacts(model: SemanticModel, path: string, lines: LineIndex): { module: ModuleWaitFacts; byScope: Map<Scope, WaitFunctionFacts> } {
  let built = cache.get(model);
  if (!built) {
    built = build(model, path, lines);
    cache.set(model, built);
  }
  return built;
}

/** The facts, if a rule of this run asked for them. */
export function waitFactsIfBuilt(model: SemanticModel): ModuleWaitFacts | undefined {
  return cache.get(model)?.module;
}

/** The full facts of a function from what the summary carries and the function's own summary. */
export function expandFacts(compact: SummaryWaitFacts | undefined, fn: { qualifiedName: string; displayName: string; path: string; line: number; calls: ReadonlyArray<{ callee: string; line: number; awaited: boolean }> }): WaitFunctionFacts {
  return {
    qualifiedName: fn.qualifiedName,
    display: fn.displayName,
    path: fn.path,
    line: fn.line,
    params: compact?.params ?? {},
    endlessLoop: compact?.endlessLoop,
    unconditionalCalls: compact?.unconditionalCalls ?? [],
    mayRaise: !!compact?.mayRaise,
    leavesThread: compact?.leavesThread,
    fork: compact?.fork,
    calls: fn.calls,
  };
}

/** The first put (or hand-over) that may add more than a few bytes to a pipe, if any. */
function unboundedPut(fn: Scope, puts: readonly SyntaxNode[], handedOver: readonly SyntaxNode[]): SyntaxNode | undefined {
  const sorted = [...puts].sort((a, b) => a.startIndex - b.startIndex);
  const large = sorted.find((put) => insideLoop(put, fn) || !smallLiteralItem(put.parent));
  if (large) return large;
  return handedOver.find((node) => insideLoop(node, fn));
}

/** `q.put(2)`, `q.put("done")`, `q.put(None)`, `q.put((1, "x"))`: an item of at most a kilobyte. */
function smallLiteralItem(call: SyntaxNode | null): boolean {
  if (call?.type !== 'call') return false;
  const item = call.childForFieldName('arguments')?.namedChildren.find((arg) => arg && arg.type !== 'comment' && arg.type !== 'keyword_argument');
  return !!item && isSmallLiteral(item);
}

function isSmallLiteral(node: SyntaxNode): boolean {
  switch (node.type) {
    case 'integer':
    case 'float':
    case 'true':
    case 'false':
    case 'none':
      return node.text.length <= 64;
    case 'string':
      return node.text.length <= 1024 && !node.namedChildren.some((child) => child?.type === 'interpolation');
    case 'unary_operator':
    case 'parenthesized_expression':
    case 'tuple':
      return node.namedChildren.every((child) => !child || child.type === 'comment' || isSmallLiteral(child));
    default:
      return false;
  }
}

const LOOPS = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

function insideLoop(node: SyntaxNode, fn: Scope): boolean {
  for (let current = node.parent; current && current.id !== fn.node.id; current = current.parent) {
    if (LOOPS.has(current.type)) return true;
  }
  return false;
}

function build(model: SemanticModel, path: string, lines: LineIndex): { module: ModuleWaitFacts; byScope: Map<Scope, WaitFunctionFacts> } {
  const byScope = new Map<Scope, WaitFunctionFacts>();
  const module: ModuleWaitFacts = { functions: {} };
  const scopeOf = scopeFinder(model);
  const line = (offset: number) => lines.position(offset).line;
  for (const fn of model.scopes) {
    if (fn.kind !== 'function') continue;
    const params: Record<number, ParamFacts> = {};
    parameters(fn).forEach((binding, index) => {
      const uses = binding.uses.filter((u) => u.id !== binding.node.id);
      const found = objectUses(model, uses, scopeOf);
      const methods: Record<string, number> = {};
      for (const [method, nodes] of found.methods) if (WATCHED_METHODS.has(method)) methods[method] = line(nodes[0]!.startIndex);
      const unbounded = unboundedPut(fn, [...(found.methods.get('put') ?? []), ...(found.methods.get('put_nowait') ?? [])], found.passed.map((p) => p.node));
      if (unbounded) methods[UNBOUNDED_PUT] = line(unbounded.startIndex);
      const rebound = (fn.bindings.get(binding.name) ?? []).length > 1;
      if (rebound || found.escapes.length > 0) return;
      if (Object.keys(methods).length > 0 || found.passed.length > 0) params[index] = { methods, passed: found.passed.map((p) => ({ callee: p.callee, index: p.index })) };
    });
    const loop = endlessLoop(model, fn);
    const leaking = runningThreads(model, fn).find((t) => t.leaks);
    const fork = forkPoints(model, fn)[0];
    const calls = callsIn(model, fn)
      .filter((call) => !call.awaited)
      .map((call) => ({ call, callee: model.calleeName(call) }))
      .filter((c): c is { call: typeof c.call; callee: string } => !!c.callee && isProjectFunction(model, c.callee))
      .sort((a, b) => a.call.node.startIndex - b.call.node.startIndex);
    const facts: WaitFunctionFacts = {
      qualifiedName: fn.qualifiedName,
      display: fn.displayName,
      path,
      line: line(fn.node.startIndex),
      params,
      endlessLoop: loop && { line: line(loop.node.startIndex), calls: loop.projectCalls.map((c) => model.calleeName(c)!) },
      unconditionalCalls: unconditionalCalls(model, fn).map((c) => ({ callee: model.calleeName(c)!, line: line(c.node.startIndex) })),
      mayRaise: mayRaise(model, fn),
      leavesThread: leaking && { line: line(leaking.start.startIndex), display: leaking.display },
      fork: fork && { line: line(fork.call.node.startIndex), display: fork.display, always: fork.always, method: fork.method },
      calls: calls.map((c) => ({ callee: c.callee, line: line(c.call.node.startIndex) })),
    };
    byScope.set(fn, facts);
    const compact = compactOf(facts);
    if (compact) module.functions[fn.qualifiedName] = compact;
  }
  return { module, byScope };
}

function compactOf(facts: WaitFunctionFacts): SummaryWaitFacts | undefined {
  const compact: SummaryWaitFacts = {};
  if (Object.keys(facts.params).length > 0) compact.params = facts.params;
  if (facts.endlessLoop) compact.endlessLoop = facts.endlessLoop;
  if (facts.unconditionalCalls.length > 0) compact.unconditionalCalls = facts.unconditionalCalls;
  if (facts.mayRaise) compact.mayRaise = true;
  if (facts.leavesThread) compact.leavesThread = facts.leavesThread;
  if (facts.fork) compact.fork = facts.fork;
  return Object.keys(compact).length > 0 ? compact : undefined;
}

/** The bindings of the parameters that can be passed by position, in order (`self` included). */
function parameters(fn: Scope): Binding[] {
  const names: string[] = [];
  for (const parameter of fn.node.childForFieldName('parameters')?.namedChildren ?? []) {
    if (parameter.type === 'list_splat_pattern' || parameter.type === 'keyword_separator' || parameter.type === 'dictionary_splat_pattern') break;
    const name = parameter.type === 'identifier' ? parameter : parameter.childForFieldName('name') ?? parameter.namedChildren.find((c) => c.type === 'identifier');
    if (name?.type === 'identifier') names.push(name.text);
  }
  return names.map((name) => (fn.bindings.get(name) ?? []).find((b) => b.kind === 'parameter')).filter((b): b is Binding => !!b);
}
