/**
 * PA101 parallelizable-loop: a `for` loop whose iterations are independent once its body is
 * split into a concurrent map stage and an in-order commit stage. Every loop it considers gets
 * a verdict in the report's `loops`, with the reason in source terms.
 */
import { findLoops } from '../../loops/index.js';
import { isInside, mapsOf, scopeAround } from '../../loops/loop-context.js';
import type { LoopAnalysis } from '../../loops/types.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { planFactsOf, planLoop, type PlanFacts, type PlanOptions, type WorkersDefault } from '../../plans/plan-loop.js';
import { readAheadProblem } from '../../rewrites/iterables.js';
import { hoistedInputs } from '../../rewrites/loop-parts.js';
import { rewriteLoop } from '../../rewrites/rewrite-loop.js';
import type { Fix, Plan } from '../../diagnostics/finding.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { SemanticModel } from '../../semantic/model.js';
import { lineOf as loopLineOf } from '../../loops/lines.js';
import { callsWithin } from '../../loops/work-calls.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { describeParallelLoop, loopWords, type LoopWords } from './describe.js';
import { functionsRunByPools, functionsRunInPools, loopAnalyses } from './pool-workers.js';

export const parallelizableLoop: Rule = {
  meta: {
    code: 'PA101',
    name: 'parallelizable-loop',
    category: 'opportunity',
    summary: 'Loop whose iterations can run concurrently, keeping its output in order',
    fix: 'sometimes',
    docs: {
      what:
        'A `for` loop whose body splits into a *map* stage, which depends only on the item and on values the loop ' +
        'never changes, and an in-order *commit* stage (appends, totals, dictionary stores, counters, `print`), ' +
        'where the map stage does enough work to pay for workers: it waits on I/O, runs an inner loop, or calls ' +
        'heavy functions. The finding carries a plan: threads for blocking I/O and native code that releases the ' +
        'GIL, processes for pure-Python CPU work, a hybrid (worker threads that wait, each handing what it got ' +
        'to a process pool that computes) when the map stage waits on a network or a child process and then ' +
        'computes in pure Python (on a free-threaded build, plain threads, which run the computing in parallel ' +
        'too), `asyncio.gather` when the loop already awaits. A search that ' +
        'stops early (`if ok: found = x; break`, or `return` from the loop) qualifies when the map stage has no ' +
        'effects outside the program: the work of the next few items runs ahead speculatively and is discarded, ' +
        'the rest is cancelled (such a loop gets threads, never a hybrid: its speculative items would already be ' +
        'computing in worker processes). Loops that do ' +
        'not qualify are listed in the report\'s `loops` with the reason (`concur check --format json`).',
      why:
        'A loop that fetches 500 URLs, hashes 10,000 files or awaits one request at a time spends most of its ' +
        'time waiting, one item after another. Running the map stage concurrently and committing the results in ' +
        'the original order makes it several times faster and keeps its output byte for byte.',
      example: [
        'import urllib.request',
        '',
        'def fetch(url):',
        '    with urllib.request.urlopen(url) as response:',
        '        return response.read()',
        '',
        'def download(urls):',
        '    sizes = []',
        '    for url in urls:',
        '        body = fetch(url)',
        '        sizes.append(len(body))',
        '    return sizes',
      ].join('\n'),
      fixed: [
        'import os',
        'import urllib.request',
        'from concurrent.futures import ThreadPoolExecutor',
        '',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        'def fetch(url):',
        '    with urllib.request.urlopen(url) as response:',
        '        return response.read()',
        '',
        'def download(urls):',
        '    sizes = []',
        '    def fetch_task(url):',
        '        body = fetch(url)',
        '        return body',
        '',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        for body in pool.map(fetch_task, urls):',
        '            sizes.append(len(body))',
        '    return sizes',
      ].join('\n'),
      fixSafety:
        'The rewrite keeps every commit statement in the caller, in the original order, so output, totals and ' +
        'collections come out the same. What can differ is what happens when an item fails: the same exception ' +
        'is raised at the same item, but items after it may already have run in the pool. The fix is safe when ' +
        'the map stage has no external effects (or nothing in the loop can raise), and unsafe otherwise ' +
        '(`--unsafe-fixes`). A loop that stops early and makes network requests is unsafe too: the requests for ' +
        'the items run ahead reach the server although their answers are discarded. A loop `else:` stays on the loop over the results, so it still runs only when no ' +
        '`break` ended the loop. No fix is offered when the layout does not allow a faithful rewrite (a body on ' +
        'the `for` line), when a process pool could not see what the worker needs, or when a rewrite ' +
        'would have to read a lazy iterable with effects ahead of the commit stage; the finding says which. A ' +
        'hybrid rewrite also assumes that what the waiting part hands to the computing part pickles (it is only ' +
        'planned when the code shows str, bytes, numbers or containers of them); when the computing part cannot ' +
        'go to a process pool, the plan is threads and says why. With an item timeout (`item-timeout`), a hybrid ' +
        'rewrite bounds the wait for each item\'s waiting and computing together, and the first items\' wait ' +
        'includes starting the worker processes.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const { scopesByNode } = mapsOf(model);
    const parallel: SyntaxNode[] = [];
    const deferred: SyntaxNode[] = [];
    const loops = findLoops(model);
    const analyses = loopAnalyses(model);
    const calledByMaps = functionsRunByPools(model);
    const runInPools = functionsRunInPools(model);
    for (const loop of loops) {
      const outer = parallel.find((p) => isInside(loop, p));
      if (outer) {
        context.recordLoop(loop, 'rejected', `the enclosing loop at line ${lineOf(context, outer)} runs concurrently instead`);
        continue;
      }
      // Never two pools nested: an enclosing loop that may run concurrently once other files are known comes first.
      const pendingOuter = deferred.find((p) => isInside(loop, p));
      if (pendingOuter) {
        context.recordLoop(loop, 'rejected', `the enclosing loop at line ${lineOf(context, pendingOuter)} may run concurrently (it calls other files of the project), and pools must not nest`);
        continue;
      }
      const analysis = analyses.get(loop.id)!;
      if (analysis.verdict.kind === 'rejected') {
        context.recordLoop(loop, 'rejected', analysis.verdict.reason);
        continue;
      }
      const scope = scopeAround(loop, scopesByNode, model.root);
      const home = scope.executionScope;
      if (analysis.calledFunctions.includes(home)) {
        context.recordLoop(loop, 'rejected', `the map stage calls \`${home.displayName}\` again, the function the loop is in: every level of the recursion would start its own pool of workers`);
        continue;
      }
      const caller = calledByMaps.get(home);
      if (caller && caller.id !== loop.id && !isInside(loop, caller)) {
        context.recordLoop(
          loop,
          'rejected',
          `\`${home.displayName}\` is called by the map stage of the loop at line ${lineOf(context, caller)}, which is the one to run concurrently: pools inside pool workers multiply workers`,
        );
        continue;
      }
      const handedOver = runInPools.get(home);
      if (handedOver) {
        context.recordLoop(loop, 'rejected', `\`${home.displayName}\` already runs in a pool's workers (handed to the pool at line ${lineOf(context, handedOver)}): pools inside pool workers multiply workers`);
        continue;
      }
      const iterable = loop.childForFieldName('right');
      const readAhead = iterable ? readAheadProblem(model, scope, iterable, analysis.accumulators, analysis.exits.length > 0) : undefined;
      if (readAhead) {
        context.recordLoop(loop, 'rejected', readAhead);
        continue;
      }
      const delay = deliberateDelay(model, analysis);
      if (delay) {
        context.recordLoop(loop, 'rejected', delay);
        continue;
      }
      const hoisted = hoistedInputs(model, analysis);
      const options: PlanOptions = {
        targetVersion: context.targetVersion,
        inAsyncFunction: scope.kind === 'function' && scope.isAsync,
        mapAwaits: awaitsIn([...analysis.map, ...hoisted.map((h) => h.expression)]),
        notebook: !!context.source.notebook,
        hoistedWork: hoisted.length > 0,
        freeThreaded: context.runtime.freeThreaded,
      };
      const facts = planFactsOf(model, analysis, hoisted.map((h) => h.expression));
      const measured = context.measurement(loop);
      if (measured) facts.measured = measured;
      const words = loopWords(model, analysis, hoisted);
      const header = headerOf(context, analysis);
      const rewrite = (plan: Plan, defaultWorkers: WorkersDefault, ioThreads?: number) =>
        context.fixesAllowed
          ? rewriteLoop({
              model,
              source: context.source.text,
              analysis,
              scope,
              plan,
              defaultWorkers,
              ioThreads,
              targetVersion: context.targetVersion,
              itemTimeout: context.runtime.itemTimeout,
            })
          : undefined;

      if (analysis.projectCalls.length > 0) {
        // The map stage calls functions of other files: decide once every file is linked, with
        // the rewrite for each plan the answer can lead to already made here, where the tree is.
        const candidates: Record<string, CandidateFix> = {};
        const plans = candidatePlans(options, facts.estimatedIterations);
        // A measured plan is decided by the measurement, which the other files do not change.
        const decided = measured ? planLoop(facts, options) : undefined;
        const measuredPlan = decided?.kind === 'plan' ? decided : undefined;
        if (measuredPlan) plans.push([candidateKey(measuredPlan.plan.model, measuredPlan.defaultWorkers), measuredPlan.plan, measuredPlan.defaultWorkers]);
        for (const [key, plan, workers] of plans) {
          const result = rewrite(plan, workers, plan === measuredPlan?.plan ? measuredPlan.ioThreads : undefined);
          if (result) {
            candidates[key] = result.kind === 'rewrite' ? { fix: withRanges(context, result.fix), workersVariable: result.workersVariable } : { refused: result.reason };
          }
        }
        const data: DeferredLoop = {
          header: header.text,
          calls: analysis.projectCalls.map((c) => ({ qualifiedName: c.qualifiedName, shown: c.node.childForFieldName('function')?.text ?? c.node.text, line: c.line })),
          facts,
          options,
          words,
          candidates,
        };
        context.defer(header.node, data as unknown as Record<string, unknown>);
        deferred.push(loop);
        continue;
      }

      let decision = planLoop(facts, options);
      let result = decision.kind === 'plan' ? rewrite(decision.plan, decision.defaultWorkers, decision.ioThreads) : undefined;
      if (decision.kind === 'plan' && decision.plan.model === 'hybrid' && result?.kind === 'refused') {
        // What the split cannot see (the module's layout, exceptions that do not pickle): plan as without it.
        decision = planLoop({ ...facts, hybrid: { kind: 'none', reason: `the rewrite cannot hand the computing to worker processes: ${result.reason}` } }, options);
        result = decision.kind === 'plan' ? rewrite(decision.plan, decision.defaultWorkers, decision.ioThreads) : undefined;
      }
      if (decision.kind === 'rejected') {
        context.recordLoop(loop, 'rejected', decision.reason);
        continue;
      }
      const { plan } = decision;
      const handed = plan.model === 'hybrid' && facts.hybrid?.kind === 'split' ? facts.hybrid.split.handed : [];
      const description = describeParallelLoop(words, plan, facts.effects.blocking, handed);
      context.recordLoop(loop, 'parallel', description);
      parallel.push(loop);
      if (result?.kind === 'rewrite' && result.workersVariable) plan.workersVariable = result.workersVariable;
      const noFix = result?.kind === 'refused' ? ` (no automatic rewrite: ${result.reason})` : '';
      context.report(header.node, `Iterations of \`${header.text}\` can run concurrently with ${plan.model}: ${description}${noFix}`, {
        plan,
        fix: result?.kind === 'rewrite' ? result.fix : undefined,
      });
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const data = pending.data as unknown as DeferredLoop;
    const merged = mergeProjectCalls(data, project);
    if ('reason' in merged) return { loop: { verdict: 'rejected', reason: merged.reason } };
    const decision = planLoop(merged.facts, data.options);
    if (decision.kind === 'rejected') return { loop: { verdict: 'rejected', reason: decision.reason } };
    const { plan } = decision;
    const description = describeParallelLoop(data.words, plan, merged.facts.effects.blocking);
    const candidate = data.candidates[candidateKey(plan.model, decision.defaultWorkers)];
    const noFix = candidate && 'refused' in candidate ? ` (no automatic rewrite: ${candidate.refused})` : '';
    return {
      loop: { verdict: 'parallel', reason: description },
      message: `Iterations of \`${data.header}\` can run concurrently with ${plan.model}: ${description}${noFix}`,
      plan: candidate && 'fix' in candidate && candidate.workersVariable ? { ...plan, workersVariable: candidate.workersVariable } : plan,
      fix: candidate && 'fix' in candidate ? candidate.fix : undefined,
    };
  },
};

type CandidateFix = { fix: Fix; workersVariable?: string } | { refused: string };

/** What a loop whose map stage calls into other files carries to the main thread. */
interface DeferredLoop {
  header: string;
  calls: Array<{ qualifiedName: string; shown: string; line: number }>;
  facts: PlanFacts;
  options: PlanOptions;
  words: LoopWords;
  candidates: Record<string, CandidateFix>;
}

function candidateKey(model: Plan['model'], workers: WorkersDefault): string {
  return `${model}:${workers.kind === 'fixed' ? workers.count : 'cpus'}`;
}

/** Every plan the planner can choose for this loop once the calls are known (see planLoop), with a placeholder rationale. */
function candidatePlans(options: PlanOptions, iterations: number | undefined): Array<[string, Plan, WorkersDefault]> {
  const capped = (count: number): WorkersDefault => ({ kind: 'fixed', count: Math.max(1, Math.min(count, iterations ?? count)) });
  const plans: Array<[Plan['model'], Plan['workload'], WorkersDefault]> = options.inAsyncFunction
    ? [['asyncio', 'io', capped(16)]]
    : [
        ['threads', 'io', capped(8)],
        ['threads', 'io', capped(16)],
        ['threads', 'native', { kind: 'cpu-count' }],
        ['processes', 'cpu', { kind: 'cpu-count' }],
      ];
  return plans.map(([model, workload, workers]) => [candidateKey(model, workers), { model, workload, workers: 0, rationale: '' }, workers]);
}

/**
 * Follows the map stage's calls into other files through their summaries: any reason one of
 * them (or what it calls, transitively) cannot run concurrently rejects the loop; otherwise
 * their effects join the loop's.
 */
function mergeProjectCalls(data: DeferredLoop, project: ProjectIndex): { facts: PlanFacts } | { reason: string } {
  const facts: PlanFacts = structuredClone(data.facts);
  const blocking = new Set(facts.effects.blocking);
  const cpu = new Set(facts.effects.cpu);
  let loops = false;
  const seen = new Set<string>();
  for (const call of data.calls) {
    const queue = [call.qualifiedName];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const target = project.resolveFunction(name);
      const concurrency = target?.concurrency;
      if (!target || !concurrency) {
        return { reason: `calls \`${call.shown}\` (line ${call.line}), whose effects are unknown${name === call.qualifiedName ? '' : ` (through \`${name}\`)`}` };
      }
      const [reason] = concurrency.reasons;
      if (reason) return { reason: `calls \`${call.shown}\` (line ${call.line}), and in ${target.path}: ${reason}` };
      for (const kind of concurrency.blocking) blocking.add(kind);
      for (const kind of concurrency.cpu) cpu.add(kind);
      facts.effects.releasesGil ||= concurrency.releasesGil;
      loops ||= concurrency.loops;
      queue.push(...concurrency.calls);
    }
  }
  facts.effects.blocking = [...blocking];
  facts.effects.cpu = [...cpu];
  facts.heavyLoop ||= loops;
  return { facts };
}

function withRanges(context: RuleContext, fix: Fix): Fix {
  return { ...fix, edits: fix.edits.map((edit) => ({ ...edit, range: context.lines.range(edit.start, edit.end) })) };
}

/** The `for ... in ...` header, where the finding points. */
function headerOf(context: RuleContext, analysis: LoopAnalysis): { node: SyntaxNode; text: string } {
  const loop = analysis.loop;
  const end = loop.childForFieldName('right')?.endIndex ?? loop.startIndex + 3;
  return { node: { startIndex: loop.startIndex, endIndex: end } as SyntaxNode, text: context.source.text.slice(loop.startIndex, end).replace(/\s+/g, ' ') };
}

/**
 * `time.sleep` written in the loop body, with no other waiting: a deliberate delay (polling,
 * back-off, rate limiting), whose point is the time it takes. Overlapping it defeats it.
 */
function deliberateDelay(model: SemanticModel, analysis: LoopAnalysis): string | undefined {
  if (analysis.effects.blocking.some((kind) => kind !== 'sleep') || analysis.effects.blocking.length === 0) return undefined;
  const { callsByNode } = mapsOf(model);
  for (const statement of analysis.map) {
    for (const call of callsWithin(statement)) {
      const site = callsByNode.get(call.id);
      const name = site ? model.calleeName(site) : undefined;
      const entry = name ? model.catalogue.lookup(name) : undefined;
      if (entry?.blocking !== 'sleep') continue;
      return `the loop sleeps on purpose (\`${call.text.split('\n')[0]}\`, line ${loopLineOf(call)}): a delay between attempts or requests is the point of the loop, and running the sleeps together would remove it`;
    }
  }
  return undefined;
}

function awaitsIn(nodes: readonly SyntaxNode[]): boolean {
  return nodes.some((n) => n.type === 'await' || n.descendantsOfType('await').some((a) => !insideNestedFunction(a, n)));
}

function insideNestedFunction(node: SyntaxNode, root: SyntaxNode): boolean {
  for (let current = node.parent; current && current.id !== root.id; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'lambda') return true;
  }
  return false;
}

function lineOf(context: RuleContext, node: SyntaxNode): number {
  return context.lines.position(node.startIndex).line;
}
