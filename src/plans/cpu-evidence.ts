/** Evidence in the source that code does pure-Python work worth a worker process. */
import type { SyntaxNode } from '../parser/parser.js';

/**
 * A `while`, or a `for` over a `range` that is not a handful of iterations, in `node`. A short
 * inner loop over the item's parts (`for suffix in suffixes`) is not evidence.
 */
export function hasHeavyLoop(node: SyntaxNode): boolean {
  const loops = node.type === 'for_statement' || node.type === 'while_statement' ? [node] : node.descendantsOfType(['for_statement', 'while_statement']);
  return loops.some((loop) => {
    if (loop.type === 'while_statement') return true;
    const iterable = loop.childForFieldName('right');
    if (iterable?.type !== 'call' || iterable.childForFieldName('function')?.text !== 'range') return false;
    const args = iterable.childForFieldName('arguments')?.namedChildren ?? [];
    const stop = args.length === 1 ? args[0] : args[1];
    // `range(3)` is a handful of iterations; `range(n)` or `range(10_000)` is work.
    return !stop || stop.type !== 'integer' || Number(stop.text.replace(/_/g, '')) >= 100;
  });
}
