/**
 * Which functions of a module already run inside a pool's workers: those the map stage of a
 * splittable loop calls. A loop or comprehension in them must not start a pool of its own
 * (pools inside pool workers multiply workers, and a process pool's workers may not be allowed
 * children). The loop analyses are made once per module and shared by the rules.
 */
import { analyseLoop, findLoops } from '../../loops/index.js';
import type { LoopAnalysis } from '../../loops/types.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { Scope, SemanticModel } from '../../semantic/model.js';

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
