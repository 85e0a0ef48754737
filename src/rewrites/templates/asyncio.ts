/**
 * asyncio: the awaits of the map stage run together in `asyncio.gather` under a `Semaphore`;
 * the commit stage then walks the outcomes in input order and raises the first failure (in
 * input order, as the sequential loop would) at its item's turn. With an item timeout, a second
 * function holds the semaphore and gives each item's task that long once it has started.
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
  const timed = context.timeoutVariable ? names.fresh(`${base}_timed`) : undefined;
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
      // With a timeout the semaphore is held by the timed function, so that waiting for a turn does not count.
      semaphore: timed ? undefined : semaphore,
      noteOnError: context.targetVersion[1] >= 11,
      errorName: names.fresh('error'),
    },
    I,
    newline,
    context.strings,
  );
  const element = item.parameter;
  if (timed) text += newline + timedFunction(context, { timed, worker, semaphore, element, asyncio, task: names.fresh('task') });
  const head = commitLoopHead(parts, outcome, u, names);
  text += newline;
  text += `${I}${outcomes} = await ${asyncio}.gather(*(${timed ?? worker}(${element}) for ${element} in ${iterableText(parts.iterable)}), return_exceptions=True)${newline}`;
  text += `${I}for ${outcome} in ${outcomes}:${parts.headerComment}${newline}`;
  text += `${I}${u}if isinstance(${outcome}, BaseException):${newline}`;
  text += `${I}${u}${u}raise ${outcome}${newline}`;
  if (head.target !== outcome && parts.passed.length > 0) text += `${I}${u}${head.target} = ${outcome}${newline}`;
  text += head.prelude.map((l) => `${I}${u}${l}${newline}`).join('');
  text += commitBody(source, parts, `${I}${u}`, context.strings, true, newline);
  text += elseText(source, parts, I, context.strings);
  return [{ start: parts.start, end: parts.end, text }];
}

/**
 * The item's task under the semaphore, given `timeout` seconds from when it starts: on expiry
 * the task is cancelled and a TimeoutError names the item. `asyncio.wait` tells our timeout
 * apart from a TimeoutError the map stage raises itself (which `wait_for` would not).
 */
function timedFunction(
  context: RewriteContext,
  names: { timed: string; worker: string; semaphore: string; element: string; asyncio: string; task: string },
): string {
  const { parts, newline } = context;
  const { timed, worker, semaphore, element, asyncio, task } = names;
  const timeout = context.timeoutVariable!;
  const I = parts.indent;
  const u = parts.unit;
  const lines = [
    `async def ${timed}(${element}):`,
    `${u}"""\`${worker}(${element})\` under the semaphore, for at most ${timeout} seconds once it starts."""`,
    `${u}async with ${semaphore}:`,
    `${u}${u}${task} = ${asyncio}.ensure_future(${worker}(${element}))`,
    `${u}${u}done, _ = await ${asyncio}.wait({${task}}, timeout=${timeout})`,
    `${u}${u}if not done:`,
    `${u}${u}${u}${task}.cancel()`,
    `${u}${u}${u}raise TimeoutError(f"no result for item {${element}!r} within {${timeout}} s")`,
    `${u}${u}return ${task}.result()`,
  ];
  return lines.map((line) => `${I}${line}${newline}`).join('');
}
