/**
 * `Executor.map` reads its whole input before returning; for a lazy input (a generator, a file)
 * the rewrite uses this module-level helper instead, which keeps a bounded window of items in
 * flight and still yields results in input order.
 */
import type { RewriteContext } from '../rewrite-context.js';
import { RewriteRefused } from '../loop-parts.js';
import { constantsOffset } from '../module-setup.js';
import { block } from '../source-text.js';
import { isSized } from '../iterables.js';
import { iterableText } from './shared.js';

const HELPER = 'map_in_order';

/**
 * The helper's name, adding its definition unless the module already has it. With an item
 * timeout (`context.timeoutVariable`) it takes a fifth argument, the seconds to wait per item.
 */
export function orderedMapHelper(context: RewriteContext): string {
  const deque = context.imports.from('collections', 'deque');
  const wait = context.timeoutVariable ? context.imports.from('concurrent.futures', 'wait') : undefined;
  const text = helperText(deque, wait, context.parts.unit, context.newline);
  const existing = context.model.root.node.namedChildren.find((s) => s.type === 'function_definition' && s.childForFieldName('name')?.text === HELPER);
  if (existing) {
    if (`${existing.text}${context.newline}` === text.trimStart()) return HELPER;
    return fail();
  }
  if (!context.names.isFree(HELPER)) return fail();
  const at = constantsOffset(context.model, context.source);
  // PEP 8: two blank lines after a top-level function, before the code that follows (which
  // may follow at once, in a module without imports, or after one blank line).
  const following = /^(?:[ \t]*\r?\n)*/.exec(context.source.slice(at))![0];
  const blanks = following.split('\n').length - 1;
  const after = at + following.length < context.source.length ? context.newline.repeat(Math.max(0, 2 - blanks)) : '';
  context.moduleEdits.push({ start: at, end: at, text: `${context.newline}${context.newline}${text}${after}` });
  return HELPER;
}

function fail(): never {
  throw new RewriteRefused(`the name \`${HELPER}\` is already taken in this module`);
}

/**
 * The helper's text. With `wait` (the name `concurrent.futures.wait` is imported as) it takes a
 * per-item `timeout`: waiting longer for the oldest result raises TimeoutError naming the item.
 */
function helperText(deque: string, wait: string | undefined, unit: string, newline: string): string {
  const u = (n: number) => unit.repeat(n);
  const next = wait ? 'result_of_oldest()' : 'pending.popleft().result()';
  const docstringEnd = wait
    ? [
        `${u(1)}A caller that stops early cancels the calls not yet started. Waiting more than \`timeout\``,
        `${u(1)}seconds for one item's result raises TimeoutError naming the item; the call itself runs on`,
        `${u(1)}(a running call cannot be stopped), so the caller should not wait for the pool to finish.`,
      ]
    : [`${u(1)}A caller that stops early cancels the calls not yet started.`];
  const oldest = wait
    ? [
        '',
        `${u(1)}def result_of_oldest():`,
        `${u(2)}item, future = pending.popleft()`,
        `${u(2)}if not ${wait}([future], timeout=timeout).done:`,
        `${u(3)}raise TimeoutError(f"no result for item {item!r} within {timeout} s")`,
        `${u(2)}return future.result()`,
        '',
      ]
    : [];
  return block('', [
    `def ${HELPER}(pool, fn, items, window${wait ? ', timeout' : ''}):`,
    `${u(1)}"""Yield fn(item) for each item in order, with at most \`window\` calls in flight.`,
    '',
    `${u(1)}Unlike \`pool.map\`, reads \`items\` lazily, so long or endless inputs stay bounded in memory;`,
    `${u(1)}an error raised by \`items\` itself surfaces after the results of the items before it.`,
    ...docstringEnd,
    `${u(1)}"""`,
    `${u(1)}pending = ${deque}()`,
    `${u(1)}iterator = iter(items)`,
    ...oldest,
    `${u(1)}try:`,
    `${u(2)}while True:`,
    `${u(3)}try:`,
    `${u(4)}item = next(iterator)`,
    `${u(3)}except StopIteration:`,
    `${u(4)}break`,
    `${u(3)}except Exception:`,
    `${u(4)}while pending:`,
    `${u(5)}yield ${next}`,
    `${u(4)}raise`,
    `${u(3)}if len(pending) >= window:`,
    `${u(4)}yield ${next}`,
    `${u(3)}pending.append(${wait ? '(item, pool.submit(fn, item))' : 'pool.submit(fn, item)'})`,
    `${u(2)}while pending:`,
    `${u(3)}yield ${next}`,
    `${u(1)}finally:`,
    `${u(2)}for ${wait ? '_, future' : 'future'} in pending:`,
    `${u(3)}future.cancel()`,
  ], newline);
}

/**
 * The results of `fn` over the items, in input order: `pool.map` for a sized input, the
 * bounded-window helper for a lazy one or when each item has a timeout.
 */
export function resultsInOrder(context: RewriteContext, pool: string, fn: string, workers: string, sizedForm?: string): string {
  const iterable = iterableText(context.parts.iterable);
  if (context.timeoutVariable) return `${orderedMapHelper(context)}(${pool}, ${fn}, ${iterable}, 2 * ${workers}, ${context.timeoutVariable})`;
  if (isSized(context.model, context.scope, context.parts.iterable)) return sizedForm ?? `${pool}.map(${fn}, ${iterable})`;
  return `${orderedMapHelper(context)}(${pool}, ${fn}, ${iterable}, 2 * ${workers})`;
}

