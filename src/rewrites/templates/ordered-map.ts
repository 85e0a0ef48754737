/**
 * `Executor.map` reads its whole input before returning; for a lazy input (a generator, a file)
 * the rewrite uses this module-level helper instead, which keeps a bounded window of items in
 * flight and still yields results in input order. With an item timeout every rewrite uses it,
 * and each call runs through a second helper that gives it a deadline.
 */
import type { CodeWriter } from '../code-writer.js';
import { RewriteRefused } from '../loop-parts.js';
import { constantsOffset } from '../module-setup.js';
import { block } from '../source-text.js';

const HELPER = 'map_in_order';
const TIMED_CALL = 'call_with_timeout';
/** The module-level functions the rewrites may add. */
export const ORDERED_MAP_HELPERS: readonly string[] = [HELPER, TIMED_CALL];

/**
 * The helper's name, adding its definition unless the module already has it. With an item
 * timeout (`writer.timeoutVariable`) it takes a fifth argument, the seconds each call may run,
 * and `call_with_timeout` comes with it.
 */
export function orderedMapHelper(writer: CodeWriter): string {
  const deque = writer.imports.from('collections', 'deque');
  const threading = writer.timeoutVariable ? writer.imports.module('threading') : undefined;
  const functions: Array<[string, string]> = [[HELPER, mapInOrderText(deque, !!threading, writer.unit, writer.newline)]];
  if (threading) functions.push([TIMED_CALL, callWithTimeoutText(threading, writer.unit, writer.newline)]);
  addModuleFunctions(writer, functions);
  return HELPER;
}

/** Adds the functions (name, text) the module does not define yet, in one block after the imports; refused when a name means something else. */
function addModuleFunctions(writer: CodeWriter, functions: ReadonlyArray<[string, string]>): void {
  const missing: string[] = [];
  for (const [name, text] of functions) {
    const existing = writer.model.root.node.namedChildren.find((s) => s.type === 'function_definition' && s.childForFieldName('name')?.text === name);
    if (existing) {
      if (`${existing.text}${writer.newline}` !== text.trimStart()) throw new RewriteRefused(`the name \`${name}\` is already taken in this module`);
      continue;
    }
    if (!writer.names.isFree(name)) throw new RewriteRefused(`the name \`${name}\` is already taken in this module`);
    missing.push(text);
  }
  if (missing.length === 0) return;
  const { newline } = writer;
  const at = constantsOffset(writer.model, writer.source);
  // PEP 8: two blank lines around a top-level function, also before the code that follows (which
  // may follow at once, in a module without imports, or after one blank line).
  const following = /^(?:[ \t]*\r?\n)*/.exec(writer.source.slice(at))![0];
  const blanks = following.split('\n').length - 1;
  const after = at + following.length < writer.source.length ? newline.repeat(Math.max(0, 2 - blanks)) : '';
  writer.moduleEdits.push({ start: at, end: at, text: `${newline}${newline}${missing.join(`${newline}${newline}`)}${after}` });
}

/**
 * `map_in_order`. With `timed`, it takes a per-item `timeout` and hands each call to
 * `call_with_timeout`, which raises TimeoutError naming the item once the call has run that long.
 */
function mapInOrderText(deque: string, timed: boolean, unit: string, newline: string): string {
  const u = (n: number) => unit.repeat(n);
  const next = 'pending.popleft().result()';
  return block('', [
    `def ${HELPER}(pool, fn, items, window${timed ? ', timeout' : ''}):`,
    `${u(1)}"""Yield fn(item) for each item in order, with at most \`window\` calls in flight.`,
    '',
    `${u(1)}Unlike \`pool.map\`, reads \`items\` lazily, so long or endless inputs stay bounded in memory;`,
    `${u(1)}an error raised by \`items\` itself surfaces after the results of the items before it.`,
    `${u(1)}A caller that stops early cancels the calls not yet started.`,
    ...(timed ? [`${u(1)}Each call may run \`timeout\` seconds once it starts (see \`${TIMED_CALL}\`).`] : []),
    `${u(1)}"""`,
    `${u(1)}pending = ${deque}()`,
    `${u(1)}iterator = iter(items)`,
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
    `${u(3)}pending.append(${timed ? `pool.submit(${TIMED_CALL}, fn, item, timeout)` : 'pool.submit(fn, item)'})`,
    `${u(2)}while pending:`,
    `${u(3)}yield ${next}`,
    `${u(1)}finally:`,
    `${u(2)}for future in pending:`,
    `${u(3)}future.cancel()`,
  ], newline);
}

/**
 * `call_with_timeout`: the call runs in a daemon thread, and the pool's worker waits for it at
 * most `timeout` seconds. A running call cannot be stopped, but a daemon thread can be left
 * behind: neither the pool nor the program at exit waits for it, as they would for a pool's
 * own thread (or for a process pool's worker process, where this runs too).
 */
function callWithTimeoutText(threading: string, unit: string, newline: string): string {
  const u = (n: number) => unit.repeat(n);
  return block('', [
    `def ${TIMED_CALL}(fn, item, timeout):`,
    `${u(1)}"""Return fn(item), or raise TimeoutError naming the item once it has run \`timeout\` seconds.`,
    '',
    `${u(1)}The call runs in a daemon thread of its own. One that takes too long cannot be stopped, so`,
    `${u(1)}it is left behind: neither the pool nor the program waits for it, and it ends where it`,
    `${u(1)}stands when the program (or the worker process) exits.`,
    `${u(1)}"""`,
    `${u(1)}outcome = {}`,
    '',
    `${u(1)}def call():`,
    `${u(2)}try:`,
    `${u(3)}outcome["result"] = fn(item)`,
    `${u(2)}except BaseException as error:`,
    `${u(3)}outcome["error"] = error`,
    '',
    `${u(1)}thread = ${threading}.Thread(target=call, daemon=True)`,
    `${u(1)}thread.start()`,
    `${u(1)}thread.join(timeout)`,
    `${u(1)}if thread.is_alive():`,
    `${u(2)}raise TimeoutError(f"no result for item {item!r} within {timeout} s")`,
    `${u(1)}if "error" in outcome:`,
    `${u(2)}raise outcome.pop("error")`,
    `${u(1)}return outcome["result"]`,
  ], newline);
}

/** What a pool maps over: its text, and whether `pool.map` may take it (it reads every item at once). */
export interface PoolInput {
  text: string;
  /** A collection in memory, every result of which is used: `pool.map` may read it all at once. */
  readAtOnce: boolean;
}

/**
 * The results of `fn` over the items, in input order: `mapForm` (`pool.map(fn, items)` unless
 * given) when the input may be read at once, the bounded-window helper otherwise, and always
 * the helper with an item timeout, which gives every call its own deadline.
 */
export function resultsInOrder(writer: CodeWriter, pool: string, fn: string, input: PoolInput, workers: string, mapForm?: string): string {
  if (writer.timeoutVariable) return `${orderedMapHelper(writer)}(${pool}, ${fn}, ${input.text}, 2 * ${workers}, ${writer.timeoutVariable})`;
  if (input.readAtOnce) return mapForm ?? `${pool}.map(${fn}, ${input.text})`;
  return `${orderedMapHelper(writer)}(${pool}, ${fn}, ${input.text}, 2 * ${workers})`;
}
