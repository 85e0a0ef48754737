/**
 * The serialisable facts the deadlock rules need about each function of a module, so that a
 * rule can follow a queue, a thread target or a call into another file: what the function does
 * with each parameter (`put`, `task_done`, handed on), whether it never returns, whether it
 * leaves a thread running, and whether it forks. Built once per model when a rule asks
 * (`waitFacts`), and then carried in the module summary for the project index
 * (`waitFactsIfBuilt`); `wait-links.ts` follows them from function to function.
 */
import type { LineIndex } from '../parser/line-index.js';
import type { SemanticModel } from '../semantic/model.js';
import type { Binding, Scope } from '../semantic/scope.js';
import { forkPoints } from './fork-points.js';
import { endlessLoop, mayRaise, unconditionalCalls } from './never-returns.js';
import { isProjectFunction, objectUses, scopeFinder } from './object-uses.js';
import { callsIn, type StartMethod } from './pools.js';
import { runningThreads } from './running-threads.js';

export interface ParamFacts {
  name: string;
  /** Methods called on the parameter, each with the line of its first call. */
  methods: Record<string, number>;
  /** Functions of the project it is handed to, at which parameter. */
  passed: Array<{ callee: string; index: number }>;
  /** Stored, aliased, returned or given to a library: not followed. */
  escapes: boolean;
}

export interface WaitFunctionFacts {
  qualifiedName: string;
  display: string;
  path: string;
  line: number;
  /** Positional parameters in order (`self` included). */
  params: ParamFacts[];
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
  /** Calls to project functions (not awaited), in source order. */
  calls: Array<{ callee: string; line: number }>;
}

export interface ModuleWaitFacts {
  functions: WaitFunctionFacts[];
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

function build(model: SemanticModel, path: string, lines: LineIndex): { module: ModuleWaitFacts; byScope: Map<Scope, WaitFunctionFacts> } {
  const byScope = new Map<Scope, WaitFunctionFacts>();
  const scopeOf = scopeFinder(model);
  const line = (offset: number) => lines.position(offset).line;
  for (const fn of model.scopes) {
    if (fn.kind !== 'function') continue;
    const params = parameters(fn).map((binding): ParamFacts => {
      const uses = binding.uses.filter((u) => u.id !== binding.node.id);
      const found = objectUses(model, uses, scopeOf);
      const methods: Record<string, number> = {};
      for (const [method, nodes] of found.methods) methods[method] = line(nodes[0]!.startIndex);
      const rebound = (fn.bindings.get(binding.name) ?? []).length > 1;
      return { name: binding.name, methods, passed: found.passed.map((p) => ({ callee: p.callee, index: p.index })), escapes: rebound || found.escapes.length > 0 };
    });
    const loop = endlessLoop(model, fn);
    const leaking = runningThreads(model, fn).find((t) => t.leaks);
    const fork = forkPoints(model, fn)[0];
    const calls = callsIn(model, fn)
      .filter((call) => !call.awaited)
      .map((call) => ({ call, callee: model.calleeName(call) }))
      .filter((c): c is { call: typeof c.call; callee: string } => !!c.callee && isProjectFunction(model, c.callee))
      .sort((a, b) => a.call.node.startIndex - b.call.node.startIndex);
    byScope.set(fn, {
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
    });
  }
  return { module: { functions: [...byScope.values()] }, byScope };
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
