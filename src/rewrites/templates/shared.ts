/** Small pieces the templates share. */
import type { SyntaxNode } from '../../parser/parser.js';
import type { RewriteContext } from '../rewrite-context.js';

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
