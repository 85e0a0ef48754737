/** Small pieces the templates share. */
import type { SyntaxNode } from '../../parser/parser.js';
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

/**
 * What ends the block that uses the pool. A `with` block waits for every running call; with an
 * item timeout the pool is used in `try:` and, when an exception (a TimeoutError) leaves it,
 * shut down without waiting, so that the error reaches the caller instead of waiting for the
 * call that timed out. Otherwise it waits, as the `with` block would. `closedFirst`: pools used
 * beside `pool` (threads that feed it), shut down before it under the same flag.
 */
export function poolClosing(context: RewriteContext, pool: string, indent: string, closedFirst: readonly string[] = []): string {
  if (!context.timeoutVariable) return '';
  const { unit } = context.parts;
  const newline = context.newline;
  const flag = waitFlag(context, pool);
  return block(indent, [
    'except BaseException:',
    `${unit}# A call that timed out cannot be stopped: do not wait for it here.`,
    `${unit}${flag} = False`,
    `${unit}raise`,
    'finally:',
    ...[...closedFirst, pool].map((each) => `${unit}${each}.shutdown(wait=${flag})`),
  ], newline);
}

/** The line that opens the block using the pool: `with ... as pool:`, or `pool = ...` and `try:` with an item timeout. */
export function poolOpening(context: RewriteContext, pool: string, create: string, indent: string, comment = ''): string {
  const newline = context.newline;
  if (!context.timeoutVariable) return `${indent}with ${create} as ${pool}:${comment}${newline}`;
  return `${indent}${pool} = ${create}${newline}${indent}${waitFlag(context, pool)} = True${newline}${indent}try:${comment}${newline}`;
}

const waitFlags = new WeakMap<RewriteContext, Map<string, string>>();

/** The name of the flag that says whether to wait for the pool's calls, one per pool. */
export function waitFlag(context: RewriteContext, pool: string): string {
  let flags = waitFlags.get(context);
  if (!flags) waitFlags.set(context, (flags = new Map()));
  let flag = flags.get(pool);
  if (!flag) flags.set(pool, (flag = context.names.fresh('wait_for_calls')));
  return flag;
}
