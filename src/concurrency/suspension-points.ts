/**
 * Where a coroutine can be suspended, letting other tasks of its event loop run: every
 * `await`, `async for` and `async with` in an `async def`'s own code (comprehensions included;
 * not nested functions, lambdas, or generator expressions, whose code runs when they are
 * consumed).
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { Scope } from '../semantic/scope.js';

export interface SuspensionPoint {
  /** The `await` expression, or the `async for` / `async with` statement (or comprehension clause). */
  node: SyntaxNode;
  kind: 'await' | 'async for' | 'async with';
}

const SKIPPED = new Set(['function_definition', 'lambda', 'class_definition', 'decorated_definition', 'generator_expression']);

export function suspensionPoints(fn: Scope): SuspensionPoint[] {
  if (fn.kind !== 'function' || !fn.isAsync) return [];
  const points: SuspensionPoint[] = [];
  const stack = [...(fn.node.childForFieldName('body')?.namedChildren ?? [])];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (SKIPPED.has(node.type)) continue;
    if (node.type === 'await') points.push({ node, kind: 'await' });
    else if ((node.type === 'for_statement' || node.type === 'for_in_clause') && node.child(0)?.type === 'async') points.push({ node, kind: 'async for' });
    else if (node.type === 'with_statement' && node.child(0)?.type === 'async') points.push({ node, kind: 'async with' });
    for (const child of node.namedChildren) stack.push(child);
  }
  return points.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** The code of a suspension point as messages show it: `await asyncio.sleep(1)`, `async with session.get(url)`. */
export function suspensionText(point: SuspensionPoint): string {
  let text: string;
  if (point.kind === 'await') text = point.node.text;
  else if (point.kind === 'async with') text = `async with ${point.node.namedChildren.find((c) => c.type === 'with_clause')?.text ?? ''}`;
  else text = `async for ${point.node.childForFieldName('left')?.text ?? ''} in ${point.node.childForFieldName('right')?.text ?? ''}`;
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= 50 ? flat : `${flat.slice(0, 47)}...`;
}
