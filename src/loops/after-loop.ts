/**
 * Names whose last value the code after the loop reads: the loop variable, or a map-stage
 * local. Run concurrently, the map stage's locals never reach the caller's scope.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { lineOf } from './lines.js';
import { isInside, type LoopContext } from './loop-context.js';
import type { LoopReason } from './types.js';

export function lastValueUses(context: LoopContext, names: Iterable<string>): LoopReason[] {
  const reasons: LoopReason[] = [];
  const elseClause = context.loop.childForFieldName('alternative');
  for (const name of names) {
    const bindings = context.model.bindingsOf(name, context.scope);
    const uses = bindings.flatMap((b) => b.uses).sort((a, b) => a.startIndex - b.startIndex);
    const use = uses.find(
      (u) => (u.startIndex >= context.loop.endIndex || (elseClause && isInside(u, elseClause))) && !isReboundBefore(context, name, u),
    );
    if (!use) continue;
    const line = lineOf(use);
    reasons.push({ reason: `last value of \`${name}\` is used after the loop (line ${line})`, line });
  }
  return reasons;
}

/**
 * Whether a statement after the loop, which always runs before `use`, binds the name again:
 * `for line in f: ...` then `line = ""` then `print(line)` does not read the last value.
 */
function isReboundBefore(context: LoopContext, name: string, use: SyntaxNode): boolean {
  for (const binding of context.model.bindingsOf(name, context.scope)) {
    if (binding.node.startIndex < context.loop.endIndex || binding.node.startIndex >= use.startIndex) continue;
    const statement = statementOf(binding.node);
    if (!statement || !isAfterInSameBlock(context.loop, statement)) continue;
    // Straight-line: the statement sits in a block that also holds the loop (or one around it).
    if (statement.endIndex <= use.startIndex) return true;
    // A later `for name in ...:` binds the name before each run of its body.
    const body = statement.type === 'for_statement' ? statement.childForFieldName('body') : null;
    if (binding.kind === 'for-target' && body && isInside(use, body)) return true;
  }
  return false;
}

/** The statement (a direct child of a block or the module) that holds `node`. */
function statementOf(node: SyntaxNode): SyntaxNode | null {
  for (let current: SyntaxNode | null = node; current?.parent; current = current.parent) {
    if (current.parent.type === 'block' || current.parent.type === 'module') return current;
  }
  return null;
}

/** `statement` follows, in its own block, the statement of that block that holds the loop. */
function isAfterInSameBlock(loop: SyntaxNode, statement: SyntaxNode): boolean {
  const block = statement.parent!;
  const holder = block.namedChildren.find((s) => isInside(loop, s));
  return !!holder && holder.endIndex <= statement.startIndex;
}
