/**
 * Which functions of a module already run inside a pool's workers: those the map stage of a
 * splittable loop calls. A loop or comprehension in them must not start a pool of its own
 * (pools inside pool workers multiply workers, and a process pool's workers may not be allowed
 * children). The loop analyses are made once per module and shared by the rules.
 */
import { analyseLoop, findLoops } from '../../loops/index.js';
import type { LoopAnalysis } from '../../loops/types.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { CallSite, Scope, SemanticModel } from '../../semantic/model.js';
import { functionEffects, functionScopeOf } from '../../loops/function-effects.js';
import { mapsOf, scopeAround } from '../../loops/loop-context.js';

const analyses = new WeakMap<SemanticModel, Map<number, LoopAnalysis>>();
const poolCalled = new WeakMap<SemanticModel, Map<Scope, SyntaxNode>>();

/** The analysis of every `for` loop of the module, by loop node id. */
export function loopAnalyses(model: SemanticModel): Map<number, LoopAnalysis> {
  let known = analyses.get(model);
  if (!known) {
    known = new Map(findLoops(model).map((loop) => [loop.id, analyseLoop(model, loop)]));
    analyses.set(model, known);
  }
  return known;
}

/** Functions called by the map stage of a splittable loop, each with the first such loop. */
export function functionsRunByPools(model: SemanticModel): Map<Scope, SyntaxNode> {
  let known = poolCalled.get(model);
  if (!known) {
    known = new Map();
    for (const analysis of loopAnalyses(model).values()) {
      if (analysis.verdict.kind !== 'splittable') continue;
      for (const fn of analysis.calledFunctions) if (!known.has(fn)) known.set(fn, analysis.loop);
    }
    poolCalled.set(model, known);
  }
  return known;
}

/** Executors and pools whose workers run the functions handed to them. */
const POOL_TYPES = /^(concurrent\.futures(\.\w+)*\.\w*PoolExecutor|multiprocessing(\.pool)?\.(Pool|ThreadPool))$/;
/** Methods that hand a function to a pool's workers, the function first. */
const POOL_METHODS = new Set(['map', 'submit', 'imap', 'imap_unordered', 'starmap', 'map_async', 'starmap_async', 'apply_async']);
/** The module-level helper the rewrites write: `map_in_order(pool, fn, items, window)`. */
const ORDERED_MAP = 'map_in_order';

const poolRun = new WeakMap<SemanticModel, Map<Scope, SyntaxNode>>();

/**
 * Functions the code already hands to a pool (`pool.map(work, xs)`, `pool.submit(work, x)`,
 * `map_in_order(pool, functools.partial(work, k=k), xs, n)`), and the functions of this module
 * they call, each with the first call that hands it over. Code written by an earlier rewrite
 * counts too: a second pass must not start a pool inside the first one's workers.
 */
export function functionsRunInPools(model: SemanticModel): Map<Scope, SyntaxNode> {
  let known = poolRun.get(model);
  if (known) return known;
  known = new Map();
  const { scopesByNode, callsByNode } = mapsOf(model);
  for (const call of model.root.node.descendantsOfType('call')) {
    const callee = call.childForFieldName('function');
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
    const scope = scopeAround(call, scopesByNode, model.root);
    let handed: SyntaxNode | undefined;
    if (callee?.type === 'attribute' && POOL_METHODS.has(callee.childForFieldName('attribute')?.text ?? '')) {
      const receiver = callee.childForFieldName('object');
      if (receiver?.type === 'identifier' && isPool(model, receiver, scope, callsByNode)) handed = args[0];
    } else if (callee?.type === 'identifier' && callee.text === ORDERED_MAP) handed = args[1];
    const fn = handed && unwrapPartial(model, handed, callsByNode);
    const name = fn?.type === 'identifier' || fn?.type === 'attribute' ? model.qualifiedNameOf(fn, scope) : undefined;
    const target = name ? functionScopeOf(model, name) : undefined;
    if (!target) continue;
    for (const reached of functionEffects(model, target).functions) if (!known.has(reached)) known.set(reached, call);
  }
  poolRun.set(model, known);
  return known;
}

/** `pool` in `pool.map(...)`: bound to a new executor or pool somewhere in its scope. */
function isPool(model: SemanticModel, receiver: SyntaxNode, scope: Scope, callsByNode: Map<number, CallSite>): boolean {
  return model.bindingsOf(receiver.text, scope).some((binding) => {
    const value = binding.value;
    if ((binding.kind !== 'assignment' && binding.kind !== 'with-target') || value?.type !== 'call') return false;
    const site = callsByNode.get(value.id);
    const name = site ? model.calleeName(site) : undefined;
    return !!name && POOL_TYPES.test(name);
  });
}

/** `work` of `functools.partial(work, k=k)`, or the node itself. */
function unwrapPartial(model: SemanticModel, node: SyntaxNode, callsByNode: Map<number, CallSite>): SyntaxNode | undefined {
  if (node.type !== 'call') return node;
  const site = callsByNode.get(node.id);
  if (!site || model.calleeName(site) !== 'functools.partial') return undefined;
  return node.childForFieldName('arguments')?.namedChildren.find((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
}
