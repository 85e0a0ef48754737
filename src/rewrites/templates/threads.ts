/**
 * Threads: the map stage becomes a function run by a `ThreadPoolExecutor` in a `with` block; the
 * commit stage stays in the caller and consumes the results in input order.
 */
import type { Edit } from '../../diagnostics/finding.js';
import { commitBody, commitLoopHead, elseText } from '../loop-parts.js';
import { addWorkersConstant, nameBase, workerDocstring, type RewriteContext } from '../rewrite-context.js';
import { workerFunction } from '../worker-function.js';
import { collectListIdiom } from './collect-list.js';
import { resultsInOrder } from './ordered-map.js';
import { itemParameter, loopPoolInput, poolClosing, poolOpening } from './shared.js';

export function threadsRewrite(context: RewriteContext): Edit[] {
  const { parts, names, newline, source } = context;
  const base = nameBase(context);
  const executor = context.imports.from('concurrent.futures', 'ThreadPoolExecutor');
  const workers = addWorkersConstant(context, `${base.toUpperCase()}_WORKERS`, 'Worker threads');
  const pool = names.fresh('pool');
  const I = parts.indent;
  const u = parts.unit;
  const create = `${executor}(max_workers=${workers})`;
  const idiom = collectListIdiom(context);
  if (idiom) {
    const results = resultsInOrder(context, pool, idiom.function.text, loopPoolInput(context), workers);
    const text = `${poolOpening(context, pool, create, I, parts.headerComment)}${I}${u}${idiom.results} = list(${results})${newline}${poolClosing(context, pool, I)}`;
    return [{ start: idiom.start, end: parts.end, text }];
  }
  const item = itemParameter(context);
  const worker = names.fresh(`${base}_task`);

  let text = (parts.leadingBlank ? newline : '') + workerFunction(
    source,
    parts,
    {
      name: worker,
      parameter: item.parameter,
      keywordParameters: [],
      isAsync: false,
      unpack: item.unpack,
      docstring: workerDocstring(context, 'worker threads'),
      noteOnError: context.targetVersion[1] >= 11,
      errorName: names.fresh('error'),
    },
    I,
    newline,
    context.strings,
  );
  const results = resultsInOrder(context, pool, worker, loopPoolInput(context), workers);
  const head = commitLoopHead(parts, names.fresh('result'), u, names);
  text += newline;
  text += poolOpening(context, pool, create, I);
  text += `${I}${u}for ${head.target} in ${results}:${parts.headerComment}${newline}`;
  text += head.prelude.map((l) => `${I}${u}${u}${l}${newline}`).join('');
  text += commitBody(source, parts, `${I}${u}${u}`, context.strings, head.prelude.length > 0, newline);
  text += elseText(source, parts, `${I}${u}`, context.strings);
  text += poolClosing(context, pool, I);
  return [{ start: parts.start, end: parts.end, text }];
}

