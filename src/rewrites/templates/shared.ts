/** Small pieces the templates share. */
import type { SyntaxNode } from '../../parser/parser.js';
import type { CodeWriter } from '../code-writer.js';
import { isSized } from '../iterables.js';
import type { PoolInput } from './ordered-map.js';
import type { RewriteContext } from '../rewrite-context.js';
import { block } from '../source-text.js';

/** The worker's parameter: the loop variable itself, or `item` unpacked into the loop's names. */
export function itemParameter(context: RewriteContext): { parameter: string; unpack?: string } {
  const target = context.parts.target;
  if (target.type === 'identifier') return { parameter: target.text };
  const parameter = context.names.fresh('item');
  return { parameter, unpack: `${target.text} = ${parameter}` };
}

/** The iterable as an argument: `for x in a, b:` needs parentheses there. */
export function iterableText(iterable: SyntaxNode): string {
  return iterable.type === 'expression_list' ? `(${iterable.text})` : iterable.text;
}

/** What the loop's pool maps over: its iterable, which `pool.map` may read at once when it is a collection in memory. */
export function loopPoolInput(context: RewriteContext): PoolInput {
  return { text: iterableText(context.parts.iterable), readAtOnce: isSized(context.model, context.scope, context.parts.iterable) };
}

/**
 * With an item timeout, the block that uses a pool shuts it down without waiting when an
 * exception (a TimeoutError) leaves it, so that the error reaches the caller at once rather than
 * after the calls still running (each gives up at its own deadline: see `call_with_timeout`).
 * Returns the flag that says whether to wait, or undefined for a plain `with` block: without a
 * timeout, and for a process pool on Python 3.8, whose `shutdown(wait=False)` closes the pipes
 * its manager thread still reads, so that the program hangs at exit; there the `with` block
 * waits for the running calls, which their deadlines bound.
 */
export function timedWaitFlag(writer: CodeWriter, pool: string, kind: 'threads' | 'processes'): string | undefined {
  if (!writer.timeoutVariable) return undefined;
  const [major, minor] = writer.targetVersion;
  if (kind === 'processes' && major === 3 && minor < 9) return undefined;
  let flags = waitFlags.get(writer);
  if (!flags) waitFlags.set(writer, (flags = new Map()));
  let flag = flags.get(pool);
  if (!flag) flags.set(pool, (flag = writer.names.fresh('wait_for_calls')));
  return flag;
}

const waitFlags = new WeakMap<CodeWriter, Map<string, string>>();

/** The line that opens the block using a thread pool: `with ... as pool:`, or `pool = ...`, the flag and `try:` (see `timedWaitFlag`). */
export function poolOpening(writer: CodeWriter, pool: string, create: string, indent: string, comment = ''): string {
  const newline = writer.newline;
  const flag = timedWaitFlag(writer, pool, 'threads');
  if (!flag) return `${indent}with ${create} as ${pool}:${comment}${newline}`;
  return `${indent}${pool} = ${create}${newline}${indent}${flag} = True${newline}${indent}try:${comment}${newline}`;
}

/**
 * What ends the block that uses the pool, when it has a flag (see `timedWaitFlag`): when an
 * exception leaves the block, the pool is shut down without waiting for its calls; otherwise
 * it waits, as the `with` block would. `closedFirst`: pools used beside `pool` (threads that
 * feed it), shut down before it under the same flag.
 */
export function poolClosing(writer: CodeWriter, pool: string, indent: string, closedFirst: readonly string[] = []): string {
  const flag = waitFlags.get(writer)?.get(pool);
  if (!flag) return '';
  const { unit, newline } = writer;
  return block(indent, [
    'except BaseException:',
    `${unit}# Let the calls still running end on their own: the error goes to the caller now.`,
    `${unit}${flag} = False`,
    `${unit}raise`,
    'finally:',
    ...[...closedFirst, pool].map((each) => `${unit}${each}.shutdown(wait=${flag})`),
  ], newline);
}
