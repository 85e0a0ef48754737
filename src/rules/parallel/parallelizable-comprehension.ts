/**
 * PA102 parallelizable-comprehension: a list, set or dict comprehension, or a generator
 * expression or `map(f, xs)` handed to a consumer (`sum`, `any`, `sorted`, `"".join`...), whose
 * element does heavy work that depends only on the item. Every comprehension it considers gets a
 * verdict in the report's `loops`, with the reason in source terms.
 */
import { lineOf } from '../../loops/lines.js';
import { readAheadProblem } from '../../rewrites/iterables.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { FixDraft, Rule, RuleContext } from '../rule.js';
import { functionsRunByPools, functionsRunInPools } from './pool-workers.js';
import { planLoop } from '../../plans/plan-loop.js';
import { fileRewrites, rewriteComprehension, type FileRewrites } from '../../rewrites/templates/comprehension.js';
import {
  analyseElement,
  describeComprehension,
  enclosingScope,
  findCandidates,
  placementOf,
  SHORT_CIRCUIT_CONSUMERS,
  type Candidate,
} from './comprehensions.js';

export const parallelizableComprehension: Rule = {
  meta: {
    code: 'PA102',
    name: 'parallelizable-comprehension',
    category: 'opportunity',
    summary: 'Comprehension whose items can run concurrently, keeping its result',
    fix: 'sometimes',
    docs: {
      what:
        'A list, set or dict comprehension, or a generator expression or `map(f, xs)` passed to ' +
        '`sum`, `any`, `all`, `list`, `tuple`, `set`, `sorted`, `min`, `max`, `dict` or `"sep".join`, whose element ' +
        '(with its `if` conditions) depends only on the item and does heavy work: it calls a function of the module, or ' +
        'a call the effect catalogue knows to block on I/O or to burn CPU. With several `for` clauses the items are the ' +
        'combinations the clauses list, in their order; the inner iterables and the conditions between clauses must have ' +
        'no effects, since they are read ahead of the work. The finding carries a plan (the same planner as PA101): threads for ' +
        'blocking I/O and native code that releases the GIL, processes for pure-Python CPU work. Comprehensions that ' +
        'do not qualify are listed in the report\'s `loops` with the reason (`concur check --format json`).',
      why:
        'A comprehension that fetches a page, hashes a file or parses a document per item runs one item after another, ' +
        'waiting on each in turn. Handing the items to a pool and collecting the results in the original order makes it ' +
        'several times faster and gives exactly the same list, set, dictionary or total.',
      example: [
        'import urllib.request',
        '',
        'def fetch(url):',
        '    with urllib.request.urlopen(url) as response:',
        '        return response.read()',
        '',
        'def sizes(urls):',
        '    return [len(fetch(url)) for url in urls]',
      ].join('\n'),
      fixed: [
        'import urllib.request',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for comprehensions calling `fetch`; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        'def fetch(url):',
        '    with urllib.request.urlopen(url) as response:',
        '        return response.read()',
        '',
        'def sizes(urls):',
        '    def fetch_task(url):',
        '        """The element of the comprehension below, for one item; runs in worker threads."""',
        '        return len(fetch(url))',
        '',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        return list(pool.map(fetch_task, urls))',
      ].join('\n'),
      fixSafety:
        'The statement that holds the comprehension moves into a `with` block over the pool, and the comprehension ' +
        'becomes the pool\'s results in input order, handed to the same constructor or consumer (`list(...)`, ' +
        '`set(...)`, `dict(...)`, `sum(...)`), so the value is the same; with `if` clauses the worker evaluates the ' +
        'conditions and then the element, as the comprehension does. `[f(x) for x in xs]` with a module-level `f` ' +
        'becomes `pool.map(f, xs)` with no extra function. Several `for` clauses become the items they list: ' +
        '`itertools.product(xs, ys)` when every iterable is a collection independent of the others and nothing filters, ' +
        'otherwise a generator of the clauses as written, so that each inner iterable is read when and as often as ' +
        'before; the worker takes the pair (`x, y = pair`). What can differ is the work done on items the original ' +
        'would not reach: when an item raises, the same exception is raised, but later items may already have run, and ' +
        '`any`/`all` may evaluate items past the one that decides. The fix is safe when the element has no external ' +
        'effects (or nothing in it can raise and the consumer does not stop early), and unsafe otherwise ' +
        '(`--unsafe-fixes`). `any`/`all` are not parallelized when the element runs child processes or database calls ' +
        '(whose effects concur cannot see), nor over an iterator that the code after them or a caller may read on ' +
        '(running ahead would consume its items). For a process pool the element becomes a module-level worker function (it pickles by ' +
        'name) that imports what the module defines and receives the caller\'s values it reads as keyword arguments ' +
        '(`functools.partial(worker, k=k)`); `map(f, xs)` needs `f` defined at module top level. The code the module ' +
        'runs at import moves under `if __name__ == "__main__":`. No fix is offered when the statement shares its line, ' +
        'when a process pool could not import a function or pickle a value (a lambda, a function defined inside ' +
        'another, a lock), or when another comprehension of the same statement is rewritten instead; the finding says which. ' +
        'With an item timeout (`--item-timeout SECONDS`, `item-timeout` in `[tool.concur]`; a constant `<NAME>_ITEM_TIMEOUT` ' +
        'after the worker count lets the environment change it), the items go to the pool one at a time through the ' +
        'bounded-window helper `map_in_order`, whatever the input and consumer (no chunks for a process pool), and each ' +
        'call gets that many seconds from when it starts; past them the statement raises `TimeoutError` naming the item ' +
        '(the combination, with several `for` clauses). The `with` block then becomes `try:` ... `finally: ' +
        'pool.shutdown(wait=...)`, which does not wait for the calls still running when an error leaves it, so the error ' +
        'reaches the caller at once (a process pool keeps its `with` block for Python 3.8, whose `shutdown(wait=False)` ' +
        'hangs the program at exit). A call that runs too long cannot be stopped: it runs on in a daemon thread, which ' +
        'neither the pool nor the program waits for, and which is stopped where it stands when the program (or the worker ' +
        'process) exits, so an element that writes may leave its write unfinished. `any`/`all` still stop at the item ' +
        'that decides, cancelling the calls not yet started.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const rewritten = new Map<number, number>();
    let file: FileRewrites | undefined;
    for (const candidate of findCandidates(model)) {
      const node = candidate.node;
      if (candidate.isAsync) {
        context.recordLoop(node, 'rejected', 'asynchronous comprehension (`async for`): left to asyncio');
        continue;
      }
      const facts = analyseElement(model, candidate);
      if (facts.reasons.length > 0) {
        context.recordLoop(node, 'rejected', facts.reasons[0].reason.replace('outside the commit stage', 'in the element'));
        continue;
      }
      if (facts.elsewhere.length > 0) {
        const call = facts.elsewhere[0];
        context.recordLoop(
          node,
          'rejected',
          `calls \`${call.node.type === 'call' ? (call.node.childForFieldName('function')?.text ?? call.qualifiedName) : call.node.text}\` (line ${call.line}), defined in another module of the project: comprehension analysis does not follow calls across files yet`,
        );
        continue;
      }
      const scope = enclosingScope(model, candidate);
      // `any`/`all` stop at the item that decides: the rest of the iterable stays unread, and items past it never run.
      const stopper = candidate.consumer && SHORT_CIRCUIT_CONSUMERS.has(candidate.consumer.name) ? candidate.consumer.name : undefined;
      const readAhead = candidate.iterable ? readAheadProblem(model, scope, candidate.iterable, [], stopper !== undefined) : undefined;
      if (readAhead) {
        const reason = readAhead
          .replace('the loop reads', 'the comprehension reads')
          .replace('the loop can stop early', `\`${stopper}\` can stop early`)
          .replace('the code after the loop', 'the code after it');
        context.recordLoop(node, 'rejected', reason);
        continue;
      }
      const unsafe = stopper ? facts.blocking.find((kind) => kind === 'subprocess' || kind === 'database') : undefined;
      if (unsafe) {
        context.recordLoop(
          node,
          'rejected',
          `\`${stopper}\` stops at the item that decides, and the element runs ${unsafe === 'subprocess' ? 'child processes' : 'database calls'}, whose effects concur cannot see: run ahead concurrently, the items after it would already have run them`,
        );
        continue;
      }
      const executionScope = scope.executionScope;
      const pool = functionsRunByPools(model).get(executionScope);
      if (pool) {
        const line = context.lines.position(pool.startIndex).line;
        context.recordLoop(node, 'rejected', `\`${executionScope.displayName}\` is called by the map stage of the loop at line ${line}, which is the one to run concurrently: pools inside pool workers multiply workers`);
        continue;
      }
      const handedOver = functionsRunInPools(model).get(executionScope);
      if (handedOver) {
        const line = context.lines.position(handedOver.startIndex).line;
        context.recordLoop(node, 'rejected', `\`${executionScope.displayName}\` already runs in a pool's workers (handed to the pool at line ${line}): pools inside pool workers multiply workers`);
        continue;
      }
      const measured = context.measurement(node);
      const decision = planLoop(measured ? { ...facts.plan, measured } : facts.plan, {
        targetVersion: context.targetVersion,
        inAsyncFunction: executionScope.kind === 'function' && executionScope.isAsync,
        // An awaiting element is rejected above: asynchronous comprehensions are left to asyncio.
        mapAwaits: false,
        notebook: !!context.source.notebook,
        hoistedWork: false,
        construct: 'comprehension',
        freeThreaded: context.runtime.freeThreaded,
      });
      if (decision.kind === 'rejected') {
        context.recordLoop(node, 'rejected', decision.reason);
        continue;
      }
      // Where it runs decides only whether it can be rewritten: what it does is the better reason.
      const placement = placementOf(node);
      if (placement.kind === 'rejected') {
        context.recordLoop(node, 'rejected', `the comprehension ${placement.reason}`);
        continue;
      }
      const { plan } = decision;
      const description = describeComprehension(candidate, facts, plan);
      context.recordLoop(node, 'parallel', description);

      const statement = placement.statement;
      const earlier = rewritten.get(statement.id);
      let noFix = '';
      let fix: FixDraft | undefined;
      if (earlier !== undefined) {
        noFix = ` (no automatic rewrite: another comprehension of the same statement, at line ${earlier}, is rewritten instead)`;
      } else if (context.fixesAllowed) {
        const rewrite = rewriteComprehension({
          model,
          source: context.source.text,
          candidate,
          facts,
          statement,
          scope,
          plan,
          defaultWorkers: decision.defaultWorkers,
          targetVersion: context.targetVersion,
          itemTimeout: context.runtime.itemTimeout,
          file: (file ??= fileRewrites(model)),
        });
        if (rewrite.kind === 'rewrite') {
          fix = rewrite.fix;
          rewritten.set(statement.id, lineOf(node));
        } else noFix = ` (no automatic rewrite: ${rewrite.reason})`;
      }
      context.report(node, `Items of ${shown(context, candidate)} can run concurrently with ${plan.model}: ${description}${noFix}`, { plan, fix });
    }
  },
};

/** The comprehension as the message names it: its kind and its first line, shortened. */
function shown(context: RuleContext, candidate: Candidate): string {
  const text = `\`${firstLine(context.source.text, candidate.node)}\``;
  if (candidate.shape === 'map') return text;
  return `${candidate.shape === 'generator' ? 'the generator expression' : `the ${candidate.shape} comprehension`} ${text}`;
}

function firstLine(source: string, node: SyntaxNode): string {
  const text = source.slice(node.startIndex, node.endIndex).replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
