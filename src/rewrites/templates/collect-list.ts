/**
 * The collecting idiom: `results = []` directly followed by `for x in xs: results.append(f(x))`
 * is `results = list(pool.map(f, xs))`. Exactly equivalent only where a half-filled `results`
 * can never be seen: no `try` (or `with`, which may suppress the exception) around the loop in
 * its function, so an exception midway leaves the function, or the program, either way.
 */
import type { SyntaxNode } from '../../parser/parser.js';
import type { RewriteContext } from '../rewrite-context.js';
import { lineStart } from '../source-text.js';

export interface CollectList {
  /** The `results = []` statement. */
  initialiser: SyntaxNode;
  results: string;
  /** The function called on each item: `f` in `f(x)`. */
  function: SyntaxNode;
  /** Offset where the replacement starts: the initialiser's line. */
  start: number;
}

export function collectListIdiom(context: RewriteContext): CollectList | undefined {
  const { analysis, parts, source } = context;
  if (analysis.map.length > 0 || analysis.commit.length !== 1 || parts.continues.length > 0 || parts.elseRegion || parts.target.type !== 'identifier') return undefined;
  const [commit] = analysis.commit;
  if (commit.kind !== 'accumulate' || commit.operation !== 'append' || !commit.accumulator) return undefined;
  const [input] = commit.inputs;
  if (commit.inputs.length !== 1 || input.type !== 'call') return undefined;
  const callee = input.childForFieldName('function');
  const args = (input.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
  if (callee?.type !== 'identifier' || args.length !== 1 || args[0].text !== parts.target.text) return undefined;

  const initialiser = previousStatement(parts.loop);
  const assignment = initialiser?.type === 'expression_statement' ? initialiser.namedChildren[0] : undefined;
  if (!initialiser || assignment?.type !== 'assignment') return undefined;
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  if (left?.text !== commit.accumulator || right?.type !== 'list' || right.namedChildren.length > 0) return undefined;
  if (source.slice(initialiser.endIndex, parts.loop.startIndex).trim() !== '') return undefined;
  if (insideTry(parts.loop)) return undefined;
  return { initialiser, results: commit.accumulator, function: callee, start: lineStart(source, initialiser.startIndex) };
}

function previousStatement(loop: SyntaxNode): SyntaxNode | undefined {
  const siblings = loop.parent?.namedChildren.filter((s) => s.type !== 'comment') ?? [];
  const index = siblings.findIndex((s) => s.id === loop.id);
  return index > 0 ? siblings[index - 1] : undefined;
}

function insideTry(node: SyntaxNode): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'try_statement' || current.type === 'with_statement') return true;
    if (current.type === 'function_definition') return false;
  }
  return false;
}
