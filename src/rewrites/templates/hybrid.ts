/**
 * Hybrid: a map stage that waits (network, child processes) and then computes in pure Python,
 * split where `plans/hybrid-split.ts` says. Worker threads run the waiting part; each hands
 * what it got to a process pool, which runs the computing part in a module-level function, and
 * waits for the result, so that a thread has at most one item at a time. The caller takes the
 * results in input order through a bounded window of items in flight and runs the commit stage
 * on them; an item's failure, in either part, raises at its turn.
 *
 * The process pool starts its workers while the threads run, so it spawns them: a fork would
 * copy locks the threads hold. If the platform cannot start processes, the computing runs in
 * one thread, with a warning. With an item timeout, it bounds the wait for each item's result
 * (both parts), and when it expires neither pool waits for its running calls.
 *
 * A loop that stops early never gets here (the plan is threads; see plans/plan-loop.ts).
 */
import type { Edit } from '../../diagnostics/finding.js';
import { mapsOf, scopeAround } from '../../loops/loop-context.js';
import { bindingsIn, changedInPlace, functionsRun, hybridSplit } from '../../plans/hybrid-split.js';
import { commitBody, commitLoopHead, elseText, returnExpression, RewriteRefused } from '../loop-parts.js';
import { codeRunAtImport } from '../module-setup.js';
import { addWorkersConstants, nameBase, workerDocstring, type RewriteContext } from '../rewrite-context.js';
import { afterLineEnd } from '../source-text.js';
import { workerFunction } from '../worker-function.js';
import { orderedMapHelper } from './ordered-map.js';
import { openProcessPool } from './process-pool.js';
import { loopInGuard, placeProcessWorker, prepareProcessPart } from './process-worker.js';
import { itemParameter, iterableText, poolClosing, timedWaitFlag } from './shared.js';

export function hybridRewrite(context: RewriteContext): Edit[] {
  const { parts, names, newline, source, model, analysis } = context;
  const hoisted = parts.hoisted.map((h) => h.expression);
  if (analysis.exits.length > 0) throw new RewriteRefused('the loop can stop early: its speculative items would already be computing in worker processes');
  const found = hybridSplit(model, analysis, hoisted);
  if (found?.kind !== 'split') throw new RewriteRefused(found?.reason ?? 'the map stage does not wait and then compute');
  const { at, handed } = found.split;
  const waiting = analysis.map.slice(0, at);
  const computingStatements = analysis.map.slice(at);
  const computing = [...computingStatements, ...hoisted];
  const cut = at < analysis.map.length ? afterLineEnd(source, analysis.map[at - 1].endIndex - 1) : parts.mapRegion[1];

  const guard = codeRunAtImport(model, source);
  const run = functionsRun(model, computing);
  const reads = new Set(computing.flatMap((root) => (root.type === 'identifier' ? [root] : root.descendantsOfType('identifier')).map((id) => id.text)));
  const sent = prepareProcessPart(context, guard, {
    roots: computing,
    local: [...handed, ...analysis.mapBound],
    handles: analysis.sharedHandles.filter((h) => reads.has(h.name)),
    functions: run.functions,
    globalsRead: run.globalsRead,
  });

  // What the commit stage reads that the computing part makes (or may change in place): the
  // process worker returns it; the rest the thread worker already has.
  const loopScope = scopeAround(parts.loop, mapsOf(model).scopesByNode, model.root);
  const changed = changedInPlace(computing, handed);
  const computed = parts.passed.filter(
    (name) => parts.hoisted.some((h) => h.name === name) || bindingsIn(loopScope, name, computingStatements).length > 0 || changed.includes(name),
  );

  const ioBase = nameBase(context, waiting);
  const cpuBase = nameBase(context, computing);
  const processExecutor = context.imports.from('concurrent.futures', 'ProcessPoolExecutor');
  const threadExecutor = context.imports.from('concurrent.futures', 'ThreadPoolExecutor');
  const multiprocessing = context.imports.module('multiprocessing');
  const warnings = context.imports.module('warnings');
  const [threads, workers] = addWorkersConstants(context, [
    { base: `${ioBase.toUpperCase()}_THREADS`, what: 'Worker threads waiting on I/O', defaults: { kind: 'fixed', count: context.ioThreads ?? 8 }, reported: false, timeout: true },
    { base: `${cpuBase.toUpperCase()}_WORKERS`, what: 'Worker processes computing', defaults: context.defaultWorkers, reported: true },
  ]);
  const cpuWorker = names.fresh(`${cpuBase}_task`);
  const ioWorker = names.fresh(`${ioBase}_task`);
  const processPool = names.fresh('process_pool');
  const threadPool = names.fresh('thread_pool');
  const error = names.fresh('error');
  const item = itemParameter(context);
  const u = parts.unit;
  const quoted = (list: readonly string[]) => list.map((n) => `\`${n}\``).join(', ');

  const cpuText = workerFunction(
    source,
    parts,
    {
      name: cpuWorker,
      parameter: handed.join(', '),
      keywordParameters: sent,
      isAsync: false,
      docstring: workerDocstring(context, 'worker processes', {
        title: 'Computing part',
        roots: computing,
        local: [...handed, ...analysis.mapBound, ...sent],
        given: 'its arguments',
        note: 'Its arguments and its result travel pickled between processes.',
      }),
      // The thread that waits for the result names the item.
      noteOnError: false,
      errorName: names.fresh('error'),
      part: { region: [cut, parts.mapRegion[1]], hoisted: parts.hoisted, tail: [], returns: computed.join(', ') || undefined },
    },
    '',
    newline,
    context.strings,
  );

  const submit = `${processPool}.submit(${[cpuWorker, ...handed, ...sent.map((n) => `${n}=${n}`)].join(', ')}).result()`;
  const direct = parts.continues.length === 0 && computed.length > 0 && computed.join() === parts.passed.join();
  const tail = direct ? [] : [computed.length ? `${computed.join(', ')} = ${submit}` : submit];
  const I = (loopInGuard(context, guard) ? u : '') + parts.indent;
  let loopText = (parts.leadingBlank ? newline : '') + workerFunction(
    source,
    parts,
    {
      name: ioWorker,
      parameter: item.parameter,
      keywordParameters: [],
      isAsync: false,
      unpack: item.unpack,
      docstring: workerDocstring(context, 'worker threads', {
        title: 'Waiting part',
        // It also reads what it sends to the worker process.
        roots: [...waiting, ...computing],
        local: [...analysis.loopVariables, ...analysis.mapBound],
        given: 'its item',
        note:
          `Then it hands ${handed.length ? quoted(handed) : 'the work'} to \`${cpuWorker}\` in a worker process and waits for the result, so that the computing runs in parallel too.` +
          (analysis.commit.length ? ' The caller applies the results in the original order.' : ''),
      }),
      noteOnError: context.targetVersion[1] >= 11,
      errorName: names.fresh('error'),
      part: { region: [parts.mapRegion[0], cut], hoisted: [], tail, returns: direct ? submit : returnExpression(parts) },
    },
    I,
    newline,
    context.strings,
  );
  const head = commitLoopHead(parts, names.fresh('result'), u, names);
  // Always the bounded window, even for a sized input: each thread holds a downloaded item until
  // its turn comes, so the window bounds memory.
  const timeout = context.timeoutVariable ? `, ${context.timeoutVariable}` : '';
  const results = `${orderedMapHelper(context)}(${threadPool}, ${ioWorker}, ${iterableText(parts.iterable)}, 2 * ${threads}${timeout})`;
  loopText += newline;
  loopText += openProcessPool({ pool: processPool, error, workers, processExecutor, threadExecutor, warnings }, I, u, newline, {
    startMethod: {
      context: `${multiprocessing}.get_context("spawn")`,
      why: ['The threads are running when worker processes start: spawn them, since a fork', 'would copy locks those threads hold.'],
    },
    alongside: { pool: threadPool, create: `${threadExecutor}(max_workers=${threads})` },
    fallback: { verb: 'computes', noun: 'computing' },
    waitFlag: timedWaitFlag(context, processPool, 'processes'),
  });
  loopText += `${I}${u}for ${head.target} in ${results}:${parts.headerComment}${newline}`;
  loopText += head.prelude.map((l) => `${I}${u}${u}${l}${newline}`).join('');
  loopText += commitBody(source, parts, `${I}${u}${u}`, context.strings, head.prelude.length > 0, newline);
  loopText += elseText(source, parts, `${I}${u}`, context.strings);
  // The threads feed the process pool: they finish (or are abandoned) first.
  loopText += poolClosing(context, processPool, I, [threadPool]);
  return placeProcessWorker(context, guard, cpuText, loopText);
}
