/** Statements that leave the loop early or suspend it: `break`, `return`, `yield`. */
import type { SyntaxNode } from '../parser/parser.js';
import { lineOf } from './lines.js';
import type { LoopReason } from './types.js';

const NESTED_SCOPES = new Set(['function_definition', 'class_definition', 'lambda']);
const INNER_LOOPS = new Set(['for_statement', 'while_statement']);

/**
 * Early exits of the loop itself: a `break` of an inner loop or a `return` in a nested def is not
 * one. Exits the commit stage replays in order (`replayed`, by node id) are not a reason.
 */
export function earlyExits(statements: readonly SyntaxNode[], replayed: ReadonlySet<number> = new Set()): LoopReason[] {
  const reasons: LoopReason[] = [];
  const visit = (node: SyntaxNode, inInnerLoop: boolean): void => {
    if (NESTED_SCOPES.has(node.type)) return;
    if (replayed.has(node.id)) return;
    if (node.type === 'break_statement' && !inInnerLoop) {
      reasons.push({ reason: `early exit: \`break\` at line ${lineOf(node)}`, line: lineOf(node) });
    } else if (node.type === 'return_statement') {
      reasons.push({ reason: `\`return\` at line ${lineOf(node)} inside the loop`, line: lineOf(node) });
    } else if (node.type === 'yield') {
      reasons.push({ reason: `\`yield\` at line ${lineOf(node)} inside the loop: the loop is a generator's`, line: lineOf(node) });
    }
    const inner = inInnerLoop || INNER_LOOPS.has(node.type);
    for (const child of node.namedChildren) visit(child, inner && !(node.type === 'for_statement' && child.field === 'right'));
  };
  for (const statement of statements) visit(statement, false);
  return reasons;
}
