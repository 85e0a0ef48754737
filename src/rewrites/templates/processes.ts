/**
 * Processes: the map stage becomes a module-level function (so that it pickles) run by a
 * `ProcessPoolExecutor`; the values it reads are sent with each chunk of items; the code the
 * module runs at import moves under `if __name__ == "__main__":` so that worker processes,
 * which import the module, do not run it again. If the platform cannot start processes, the
 * loop runs in one worker thread, in order, with a warning.
 */
import type { Edit } from '../../diagnostics/finding.js';
import { commitBody, commitLoopHead, elseText } from '../loop-parts.js';
import { codeRunAtImport } from '../module-setup.js';
import { addWorkersConstant, nameBase, workerDocstring, type RewriteContext } from '../rewrite-context.js';
import { isSized } from '../iterables.js';
import { workerFunction } from '../worker-function.js';
import { resultsInOrder } from './ordered-map.js';
import { openProcessPool } from './process-pool.js';
import { loopInGuard, placeProcessWorker, prepareProcessPart, wholeMapStage } from './process-worker.js';
import { itemParameter, iterableText, loopPoolInput, poolClosing, timedWaitFlag } from './shared.js';

export function processesRewrite(context: RewriteContext): Edit[] {
  const { parts, names, newline, source, model } = context;
  const guard = codeRunAtImport(model, source);
  const sent = prepareProcessPart(context, guard, wholeMapStage(context));

  const base = nameBase(context);
  const processExecutor = context.imports.from('concurrent.futures', 'ProcessPoolExecutor');
  const threadExecutor = context.imports.from('concurrent.futures', 'ThreadPoolExecutor');
  const warnings = context.imports.module('warnings');
  const workers = addWorkersConstant(context, `${base.toUpperCase()}_WORKERS`, 'Worker processes');
  const worker = names.fresh(`${base}_task`);
  const pool = names.fresh('pool');
  const error = names.fresh('error');
  const item = itemParameter(context);
  const u = parts.unit;

  const workerText = workerFunction(
    source,
    parts,
    {
      name: worker,
      parameter: item.parameter,
      keywordParameters: sent,
      isAsync: false,
      unpack: item.unpack,
      docstring: workerDocstring(context, 'worker processes'),
      noteOnError: context.targetVersion[1] >= 11,
      errorName: names.fresh('error'),
    },
    '',
    newline,
    context.strings,
  );

  const I = (loopInGuard(context, guard) ? u : '') + parts.indent;
  let fn = worker;
  if (sent.length > 0) fn = `${context.imports.module('functools')}.partial(${worker}, ${sent.map((n) => `${n}=${n}`).join(', ')})`;
  const iterable = iterableText(parts.iterable);
  // Chunks amortise pickling; a loop that can stop early sends one item at a time, so that
  // stopping wastes at most one item per worker. A measured plan (`--profile`) knows the size.
  const stopsEarly = context.analysis.exits.length > 0;
  const chunksize =
    context.plan.chunksize !== undefined && !stopsEarly
      ? context.plan.chunksize > 1
        ? `, chunksize=${context.plan.chunksize}`
        : ''
      : parts.iterable.type === 'identifier' && isSized(model, context.scope, parts.iterable) && !stopsEarly
        ? `, chunksize=max(1, len(${iterable}) // (4 * ${workers}))`
        : '';
  const results = resultsInOrder(context, pool, fn, loopPoolInput(context), workers, `${pool}.map(${fn}, ${iterable}${chunksize})`);
  const head = commitLoopHead(parts, names.fresh('result'), u, names);
  let loopText = '';
  loopText += openProcessPool({ pool, error, workers, processExecutor, threadExecutor, warnings }, I, u, newline, { waitFlag: timedWaitFlag(context, pool, 'processes') });
  loopText += `${I}${u}for ${head.target} in ${results}:${parts.headerComment}${newline}`;
  loopText += head.prelude.map((l) => `${I}${u}${u}${l}${newline}`).join('');
  loopText += commitBody(source, parts, `${I}${u}${u}`, context.strings, head.prelude.length > 0, newline);
  loopText += elseText(source, parts, `${I}${u}`, context.strings);
  loopText += poolClosing(context, pool, I);
  return placeProcessWorker(context, guard, workerText, loopText);
}
