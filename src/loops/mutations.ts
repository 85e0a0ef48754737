/**
 * Writes through attributes and subscripts, and mutating method calls, in map-stage code: on
 * the item they change the caller's object, on anything bound outside the iteration they race.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { rootIdentifier } from './commit-statements.js';
import { isIterationLocalObject } from './freshness.js';
import { lineOf } from './lines.js';
import type { LoopContext } from './loop-context.js';
import { MUTATING_METHODS } from './pure-names.js';
import type { LoopReason } from './types.js';

export function mutationsIn(context: LoopContext, work: readonly SyntaxNode[]): LoopReason[] {
  const reasons: LoopReason[] = [];
  for (const root of work) {
    for (const node of [root, ...root.descendantsOfType(['assignment', 'augmented_assignment', 'delete_statement', 'call'])]) {
      for (const { target, described } of mutatedTargets(node)) {
        const reason = judge(context, target, described);
        if (reason) reasons.push(reason);
      }
    }
  }
  return reasons;
}

function mutatedTargets(node: SyntaxNode): Array<{ target: SyntaxNode; described: string }> {
  switch (node.type) {
    case 'assignment':
    case 'augmented_assignment': {
      const left = node.childForFieldName('left');
      return left ? storeTargets(left).map((t) => ({ target: t, described: t.text })) : [];
    }
    case 'delete_statement':
      return node.namedChildren
        .flatMap((t) => (t.type === 'expression_list' ? t.namedChildren : [t]))
        .filter((t) => t.type === 'attribute' || t.type === 'subscript')
        .map((t) => ({ target: t, described: t.text }));
    case 'call': {
      const callee = node.childForFieldName('function');
      const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
      const receiver = callee?.childForFieldName('object');
      if (!method || !receiver || !MUTATING_METHODS.has(method)) return [];
      return [{ target: receiver, described: `${receiver.text}.${method}()` }];
    }
    default:
      return [];
  }
}

/** Attribute and subscript targets of an assignment (inside tuples too). */
function storeTargets(target: SyntaxNode): SyntaxNode[] {
  if (target.type === 'attribute' || target.type === 'subscript') return [target];
  if (target.type === 'identifier') return [];
  return target.namedChildren.flatMap(storeTargets);
}

function judge(context: LoopContext, target: SyntaxNode, described: string): LoopReason | undefined {
  const root = rootIdentifier(target);
  const line = lineOf(target);
  if (!root) {
    return { reason: `mutates \`${described}\` (line ${line}), an object the analysis cannot trace`, line };
  }
  if (context.loopVariables.includes(root.text)) {
    return { reason: `mutates \`${described}\` (line ${line}): the item object is shared with the caller`, line };
  }
  if (isIterationLocalObject(context, root.text)) return undefined;
  return { reason: `mutates the shared object \`${root.text}\` (line ${line})`, line };
}
