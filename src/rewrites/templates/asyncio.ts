/**
 * asyncio: the awaits of the map stage run together in `asyncio.gather` under a `Semaphore`;
 * the commit stage then walks the outcomes in input order and raises the first failure (in
 * input order, as the sequential loop would) at its item's turn.
 */
import type { Edit } from '../../diagnostics/finding.js';
import { commitBody, commitLoopHead, elseText } from '../loop-parts.js';
import { addWorkersConstant, nameBase, workerDocstring, type RewriteContext } from '../rewrite-context.js';
import { workerFunction } from '../worker-function.js';
import { itemParameter, iterableText } from './shared.js';

export function asyncioRewrite(context: RewriteContext): Edit[] {
  const { parts, names, newline, source } = context;
  const base = nameBase(context);
  const asyncio = context.imports.module('asyncio');
  const limit = addWorkersConstant(context, `${base.toUpperCase()}_CONCURRENCY`, 'Awaits in flight');
  const semaphore = names.fresh('semaphore');
  const worker = names.fresh(`${base}_task`);
  const outcomes = names.fresh('outcomes');
  const outcome = names.fresh('outcome');
  const item = itemParameter(context);
  const I = parts.indent;
  const u = parts.unit;

  let text = `${parts.leadingBlank ? newline : ''}${I}${semaphore} = ${asyncio}.Semaphore(${limit})${newline}${newline}`;
  text += workerFunction(
    source,
    parts,
    {
      name: worker,
      parameter: item.parameter,
      keywordParameters: [],
      isAsync: true,
      unpack: item.unpack,
      docstring: workerDocstring(context, 'concurrent tasks'),
      semaphore,
      noteOnError: context.targetVersion[1] >= 11,
      errorName: names.fresh('error'),
    },
    I,
    newline,
    context.strings,
  );
  const element = item.parameter;
  const head = commitLoopHead(parts, outcome, u, names);
  text += newline;
  text += `${I}${outcomes} = await ${asyncio}.gather(*(${worker}(${element}) for ${element} in ${iterableText(parts.iterable)}), return_exceptions=True)${newline}`;
  text += `${I}for ${outcome} in ${outcomes}:${parts.headerComment}${newline}`;
  text += `${I}${u}if isinstance(${outcome}, BaseException):${newline}`;
  text += `${I}${u}${u}raise ${outcome}${newline}`;
  if (head.target !== outcome && parts.passed.length > 0) text += `${I}${u}${head.target} = ${outcome}${newline}`;
  text += head.prelude.map((l) => `${I}${u}${l}${newline}`).join('');
  text += commitBody(source, parts, `${I}${u}`, context.strings, true, newline);
  text += elseText(source, parts, I, context.strings);
  return [{ start: parts.start, end: parts.end, text }];
}
