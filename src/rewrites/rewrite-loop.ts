/**
 * Rewrites a loop the analysis split into map and commit stages, following its plan: threads,
 * processes, threads feeding processes (hybrid) or asyncio. Returns the edits, or the reason the loop is left as it is.
 */
import type { Edit, Fix, Plan } from '../diagnostics/finding.js';
import type { LoopAnalysis } from '../loops/types.js';
import type { WorkersDefault } from '../plans/plan-loop.js';
import type { Scope, SemanticModel } from '../semantic/model.js';
import { readAheadProblem } from './iterables.js';
import { loopParts, RewriteRefused } from './loop-parts.js';
import { ImportPlan, NameAllocator } from './module-setup.js';
import type { RewriteContext } from './rewrite-context.js';
import { multilineStrings, newlineOf } from './source-text.js';
import { asyncioRewrite } from './templates/asyncio.js';
import { hybridRewrite } from './templates/hybrid.js';
import { processesRewrite } from './templates/processes.js';
import { threadsRewrite } from './templates/threads.js';

export interface RewriteInput {
  model: SemanticModel;
  source: string;
  analysis: LoopAnalysis;
  scope: Scope;
  plan: Plan;
  defaultWorkers: WorkersDefault;
  /** Hybrid plans: the threads that wait (`defaultWorkers` counts the processes). */
  ioThreads?: number;
  targetVersion: [number, number];
  /** Seconds each item may take (the `item-timeout` setting), if any. */
  itemTimeout?: number;
}

export type RewriteResult = { kind: 'rewrite'; fix: Omit<Fix, 'edits'> & { edits: Edit[] }; workersVariable?: string } | { kind: 'refused'; reason: string };

export function rewriteLoop(input: RewriteInput): RewriteResult {
  try {
    const { fix, workersVariable } = buildFix(input);
    return { kind: 'rewrite', fix, workersVariable };
  } catch (error) {
    if (error instanceof RewriteRefused) return { kind: 'refused', reason: error.message };
    throw error;
  }
}

function buildFix(input: RewriteInput) {
  const { model, source, analysis, plan } = input;
  if (input.scope.kind === 'class') throw new RewriteRefused('the loop runs in a class body, where a nested worker function cannot see the class namespace');
  const problem = readAheadProblem(model, input.scope, analysis.loop.childForFieldName('right')!, analysis.accumulators, analysis.exits.length > 0);
  if (problem) throw new RewriteRefused(problem);
  const names = new NameAllocator(model.root.node);
  const parts = loopParts(model, source, analysis, (base) => names.fresh(base));
  const context: RewriteContext = {
    model,
    source,
    analysis,
    parts,
    plan,
    defaultWorkers: input.defaultWorkers,
    ioThreads: input.ioThreads,
    targetVersion: input.targetVersion,
    itemTimeout: input.itemTimeout,
    scope: input.scope,
    names,
    imports: new ImportPlan(model),
    strings: multilineStrings(model.root.node),
    newline: newlineOf(source),
    unit: parts.unit,
    moduleEdits: [],
  };
  const templates: Partial<Record<Plan['model'], (context: RewriteContext) => Edit[]>> = {
    asyncio: asyncioRewrite,
    processes: processesRewrite,
    hybrid: hybridRewrite,
  };
  const templateEdits = (templates[plan.model] ?? threadsRewrite)(context);
  const edits = [...context.imports.edits, ...context.moduleEdits, ...templateEdits];
  const runners: Partial<Record<Plan['model'], string>> = {
    asyncio: '`asyncio.gather` under a semaphore',
    processes: 'a process pool',
    hybrid: 'a thread pool that waits, feeding a process pool that computes,',
  };
  const runner = runners[plan.model] ?? 'a thread pool';
  const fix = {
    applicability: isSafe(context) ? ('safe' as const) : ('unsafe' as const),
    message: `Run the map stage in ${runner}, committing results in order`,
    edits,
  };
  return { fix, workersVariable: context.workersVariable };
}

/**
 * Safe when nothing can tell the difference: the output is committed in order either way, so
 * the only visible change is the extra items a pool may already have started when one item
 * fails. That is invisible when the map stage has no external effects, and cannot happen when
 * nothing raises.
 */
function isSafe(context: RewriteContext): boolean {
  const { analysis, parts } = context;
  const effectful = analysis.effects.blocking.some((kind) => kind !== 'sleep');
  const movedPastCommits = parts.hoisted.some((h) => analysis.commit.findIndex((c) => c.node.startIndex <= h.expression.startIndex && h.expression.endIndex <= c.node.endIndex) > 0);
  // Requests past the item that stops the loop reach the server (its logs, quotas, rate
  // limits) although the program discards their answers.
  const speculativeRequests = analysis.exits.length > 0 && analysis.effects.blocking.includes('network');
  return !(effectful && analysis.effects.mayRaise) && !movedPastCommits && !speculativeRequests;
}
