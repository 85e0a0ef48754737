/**
 * `Executor.map` reads its whole input before returning; for a lazy input (a generator, a file)
 * the rewrite uses this module-level helper instead, which keeps a bounded window of items in
 * flight and still yields results in input order.
 */
import type { RewriteContext } from '../rewrite-context.js';
import { RewriteRefused } from '../loop-parts.js';
import { constantsOffset } from '../module-setup.js';
import { block } from '../source-text.js';

const HELPER = 'map_in_order';

/** The helper's name, adding its definition unless the module already has it. */
export function orderedMapHelper(context: RewriteContext): string {
  const deque = context.imports.from('collections', 'deque');
  const text = helperText(deque, context.parts.unit, context.newline);
  const existing = context.model.root.node.namedChildren.find((s) => s.type === 'function_definition' && s.childForFieldName('name')?.text === HELPER);
  if (existing) {
    if (`${existing.text}${context.newline}` === text.trimStart()) return HELPER;
    return fail();
  }
  if (!context.names.isFree(HELPER)) return fail();
  const at = constantsOffset(context.model, context.source);
  // PEP 8: two blank lines after a top-level function, before the code that follows.
  const following = /^(?:[ \t]*\r?\n)*/.exec(context.source.slice(at))![0];
  const blanks = following.split('\n').length - 1;
  const after = at + following.length < context.source.length ? context.newline.repeat(Math.max(0, 2 - blanks)) : '';
  context.moduleEdits.push({ start: at, end: at, text: `${context.newline}${context.newline}${text}${after}` });
  return HELPER;
}

function fail(): never {
  throw new RewriteRefused(`the name \`${HELPER}\` is already taken in this module`);
}

function helperText(deque: string, unit: string, newline: string): string {
  const u = (n: number) => unit.repeat(n);
  return block('', [
    `def ${HELPER}(pool, fn, items, window):`,
    `${u(1)}"""Yield fn(item) for each item in order, with at most \`window\` calls in flight.`,
    '',
    `${u(1)}Unlike \`pool.map\`, reads \`items\` lazily, so long or endless inputs stay bounded in memory;`,
    `${u(1)}an error raised by \`items\` itself surfaces after the results of the items before it.`,
    `${u(1)}"""`,
    `${u(1)}pending = ${deque}()`,
    `${u(1)}iterator = iter(items)`,
    `${u(1)}while True:`,
    `${u(2)}try:`,
    `${u(3)}item = next(iterator)`,
    `${u(2)}except StopIteration:`,
    `${u(3)}break`,
    `${u(2)}except Exception:`,
    `${u(3)}while pending:`,
    `${u(4)}yield pending.popleft().result()`,
    `${u(3)}raise`,
    `${u(2)}if len(pending) >= window:`,
    `${u(3)}yield pending.popleft().result()`,
    `${u(2)}pending.append(pool.submit(fn, item))`,
    `${u(1)}while pending:`,
    `${u(2)}yield pending.popleft().result()`,
  ], newline);
}
