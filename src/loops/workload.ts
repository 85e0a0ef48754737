/** How much work a loop holds, as far as the code shows: iteration count and per-iteration hints. */
import type { SyntaxNode } from '../parser/parser.js';
import type { LoopContext } from './loop-context.js';
import type { WorkHint } from './types.js';

const SEQUENCE_LITERALS = new Set(['list', 'tuple', 'set']);
/** Builtins whose result has as many items as their (first) argument. */
const SAME_LENGTH = new Set(['builtins.enumerate', 'builtins.reversed', 'builtins.sorted', 'builtins.list', 'builtins.tuple']);

/** Iterations, when the iterable is a literal, `range` of literals, or a name bound once to one. */
export function estimateIterations(context: LoopContext, iterable: SyntaxNode | null, depth = 0): number | undefined {
  if (!iterable || depth > 3) return undefined;
  if (SEQUENCE_LITERALS.has(iterable.type)) {
    const items = iterable.namedChildren.filter((c) => c.type !== 'comment');
    return items.some((i) => i.type === 'list_splat' || i.type === 'parenthesized_list_splat') ? undefined : items.length;
  }
  if (iterable.type === 'identifier') {
    const bindings = context.model.bindingsOf(iterable.text, context.scope);
    const only = bindings.length === 1 ? bindings[0] : undefined;
    return only?.kind === 'assignment' && only.value ? estimateIterations(context, only.value, depth + 1) : undefined;
  }
  if (iterable.type !== 'call') return undefined;
  const site = context.callsByNode.get(iterable.id);
  const callee = site ? context.model.calleeName(site) : undefined;
  const args = (iterable.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
  if (callee === 'builtins.range') return rangeLength(args);
  if (callee && SAME_LENGTH.has(callee) && args[0]) return estimateIterations(context, args[0], depth + 1);
  if (callee === 'builtins.zip') {
    const lengths = args.map((a) => estimateIterations(context, a, depth + 1));
    return lengths.length > 0 && lengths.every((n) => n !== undefined) ? Math.min(...(lengths as number[])) : undefined;
  }
  return undefined;
}

function rangeLength(args: SyntaxNode[]): number | undefined {
  const values = args.map(integerLiteral);
  if (values.length === 0 || values.length > 3 || values.some((v) => v === undefined)) return undefined;
  const [start, stop, step] = values.length === 1 ? [0, values[0]!, 1] : [values[0]!, values[1]!, values[2] ?? 1];
  if (step === 0) return undefined;
  return Math.max(0, Math.ceil((stop - start) / step));
}

function integerLiteral(node: SyntaxNode): number | undefined {
  if (node.type === 'integer' && /^\d+$/.test(node.text.replace(/_/g, ''))) return Number(node.text.replace(/_/g, ''));
  if (node.type === 'unary_operator' && node.text.startsWith('-')) {
    const operand = node.namedChildren[0];
    const value = operand ? integerLiteral(operand) : undefined;
    return value === undefined ? undefined : -value;
  }
  return undefined;
}

export function workHints(
  facts: { blocking: number; cpu: number; projectCalls: number; loopsInCalls: boolean },
  work: readonly SyntaxNode[],
): WorkHint[] {
  const hints: WorkHint[] = [];
  if (facts.blocking > 0) hints.push('blocking-call');
  if (facts.loopsInCalls || work.some((n) => n.type === 'for_statement' || n.type === 'while_statement' || n.descendantsOfType(['for_statement', 'while_statement']).length > 0)) {
    hints.push('nested-loop');
  }
  if (facts.cpu > 0) hints.push('heavy-call');
  if (facts.projectCalls > 0) hints.push('project-call');
  return hints;
}

const RAISING = new Set(['call', 'subscript', 'raise_statement', 'assert_statement']);

/** Whether map-stage code can raise: any call, index, `raise`, `assert`, division. */
export function mayRaise(work: readonly SyntaxNode[]): boolean {
  return work.some(
    (root) =>
      RAISING.has(root.type) ||
      root.descendantsOfType([...RAISING, 'binary_operator']).some((n) => n.type !== 'binary_operator' || /^(\/\/?|%)$/.test(n.child(1)?.type ?? '')),
  );
}
