/**
 * PA101 parallelizable-loop: a `for` loop whose iterations are independent once its body is
 * split into a concurrent map stage and an in-order commit stage. Every loop it considers gets
 * a verdict in the report's `loops`, with the reason in source terms.
 */
import { analyseLoop, findLoops } from '../../loops/index.js';
import { isInside, mapsOf, scopeAround } from '../../loops/loop-context.js';
import type { LoopAnalysis } from '../../loops/types.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { planLoop } from '../../plans/plan-loop.js';
import { readAheadProblem } from '../../rewrites/iterables.js';
import { hoistedInputs } from '../../rewrites/loop-parts.js';
import { rewriteLoop } from '../../rewrites/rewrite-loop.js';
import type { Rule, RuleContext } from '../rule.js';
import { describeParallelLoop } from './describe.js';

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
        'GIL, processes for pure-Python CPU work, `asyncio.gather` when the loop already awaits. Loops that do ' +
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
        '(`--unsafe-fixes`). No fix is offered when the layout does not allow a faithful rewrite (a loop `else`, ' +
        'a body on the `for` line), when a process pool could not see what the worker needs, or when a rewrite ' +
        'would have to read a lazy iterable with effects ahead of the commit stage; the finding says which.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const { scopesByNode } = mapsOf(model);
    const parallel: SyntaxNode[] = [];
    for (const loop of findLoops(model)) {
      const outer = parallel.find((p) => isInside(loop, p));
      if (outer) {
        context.recordLoop(loop, 'rejected', `the enclosing loop at line ${lineOf(context, outer)} runs concurrently instead`);
        continue;
      }
      const analysis = analyseLoop(model, loop);
      if (analysis.verdict.kind === 'rejected') {
        context.recordLoop(loop, 'rejected', analysis.verdict.reason);
        continue;
      }
      const scope = scopeAround(loop, scopesByNode, model.root);
      const iterable = loop.childForFieldName('right');
      const readAhead = iterable ? readAheadProblem(model, scope, iterable, analysis.accumulators) : undefined;
      if (readAhead) {
        context.recordLoop(loop, 'rejected', readAhead);
        continue;
      }
      if (analysis.projectCalls.length > 0) {
        const call = analysis.projectCalls[0];
        context.recordLoop(
          loop,
          'rejected',
          `calls \`${call.node.childForFieldName('function')?.text ?? call.qualifiedName}\` (line ${call.line}), defined in another module of the project: loop analysis does not follow calls across files yet`,
        );
        continue;
      }
      const hoisted = hoistedInputs(model, analysis);
      const decision = planLoop(analysis, {
        targetVersion: context.targetVersion,
        inAsyncFunction: scope.kind === 'function' && scope.isAsync,
        mapAwaits: awaitsIn([...analysis.map, ...hoisted.map((h) => h.expression)]),
        notebook: !!context.source.notebook,
        hoistedWork: hoisted.length > 0,
      });
      if (decision.kind === 'rejected') {
        context.recordLoop(loop, 'rejected', decision.reason);
        continue;
      }
      const { plan } = decision;
      const description = describeParallelLoop(model, analysis, hoisted, plan);
      context.recordLoop(loop, 'parallel', description);
      parallel.push(loop);
      const rewrite = context.fixesAllowed
        ? rewriteLoop({ model, source: context.source.text, analysis, scope, plan, defaultWorkers: decision.defaultWorkers, targetVersion: context.targetVersion })
        : undefined;
      const header = headerOf(context, analysis);
      const noFix = rewrite?.kind === 'refused' ? ` (no automatic rewrite: ${rewrite.reason})` : '';
      context.report(header.node, `Iterations of \`${header.text}\` can run concurrently with ${plan.model}: ${description}${noFix}`, {
        plan,
        fix: rewrite?.kind === 'rewrite' ? rewrite.fix : undefined,
      });
    }
  },
};

/** The `for ... in ...` header, where the finding points. */
function headerOf(context: RuleContext, analysis: LoopAnalysis): { node: SyntaxNode; text: string } {
  const loop = analysis.loop;
  const end = loop.childForFieldName('right')?.endIndex ?? loop.startIndex + 3;
  return { node: { startIndex: loop.startIndex, endIndex: end } as SyntaxNode, text: context.source.text.slice(loop.startIndex, end).replace(/\s+/g, ' ') };
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
