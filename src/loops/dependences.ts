/**
 * Loop-carried dependences through plain names, from the body's name events: a read that may
 * see the previous iteration's value, a read in the map stage of what the commit stage writes,
 * and writes to `global`/`nonlocal` names.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { isInside, type LoopContext } from './loop-context.js';
import { lineOf } from './lines.js';
import type { NameEvent } from './name-flow.js';
import type { CommitStatement, LoopReason } from './types.js';

export function carriedDependences(events: readonly NameEvent[], commitOperationNodes: ReadonlySet<number>): LoopReason[] {
  const reasons: LoopReason[] = [];
  const own = events.filter((e) => !commitOperationNodes.has(e.node.id));
  const written = new Map<string, NameEvent[]>();
  for (const event of own) if (event.kind === 'write') written.set(event.name, [...(written.get(event.name) ?? []), event]);
  const reported = new Set<string>();
  for (const [index, event] of own.entries()) {
    if (event.kind !== 'read' || event.definite || reported.has(event.name)) continue;
    const writes = written.get(event.name);
    if (!writes) continue;
    reported.add(event.name);
    const line = lineOf(event.node);
    const nested = nestedCommitOperation(event);
    if (nested) {
      reasons.push(nested);
      continue;
    }
    const earlier = own.slice(0, index).find((e) => e.kind === 'write' && e.name === event.name);
    if (earlier) {
      reasons.push({
        reason: `loop-carried dependence on \`${event.name}\`: read at line ${line}, but assigned only conditionally before it (line ${lineOf(earlier.node)}), so it can hold the previous iteration's value`,
        line,
      });
    } else {
      reasons.push({
        reason: `loop-carried dependence on \`${event.name}\`: read at line ${line} before it is assigned at line ${lineOf(writes[0].node)}, and its value carries over from the previous iteration`,
        line,
      });
    }
  }
  return reasons;
}

/**
 * `skipped += 1` in an `except` handler, `total += x` in an `if` that also computes: an update
 * a commit stage would replay, but inside a map-stage statement. Only whole top-level statements
 * after the map stage are replayed in order, so it cannot move there; say that, rather than only
 * "read before it is assigned".
 */
function nestedCommitOperation(event: NameEvent): LoopReason | undefined {
  const operation = commitShapedUpdate(event.node);
  if (!operation || !event.statement || operation.id === event.statement.id) return undefined;
  const where = enclosingConstruct(operation, event.statement);
  if (!where) return undefined;
  const line = lineOf(operation);
  const skips = where.kind === 'the `except` handler' && operation.parent?.namedChildren.some((s) => s.type === 'continue_statement');
  return {
    reason:
      `\`${operation.text}\` (line ${line}) updates the loop-carried \`${event.name}\` inside ${where.kind} at line ${where.line}, in map-stage code: ` +
      'the commit stage replays only whole statements that follow the map stage, so this update cannot be replayed there in order' +
      (skips ? '; an item the handler skips with `continue` leaves no result to replay it from' : ''),
    line,
  };
}

const REDUCTIONS = new Set(['+=', '-=', '*=', '|=', '&=', '^=']);

/** The statement of `n += x`, `n = n + x` or `n = max(n, x)` whose accumulator this identifier is. */
function commitShapedUpdate(node: SyntaxNode): SyntaxNode | undefined {
  const parent = node.parent;
  if (parent?.type === 'augmented_assignment') {
    const isUpdate = parent.childForFieldName('left')?.id === node.id && REDUCTIONS.has(parent.child(1)?.type ?? '');
    return isUpdate && parent.parent?.type === 'expression_statement' ? parent.parent : undefined;
  }
  let assignment: SyntaxNode | null | undefined;
  if (parent?.type === 'binary_operator' && parent.childForFieldName('left')?.id === node.id) assignment = parent.parent;
  else if (parent?.type === 'argument_list' && /^(max|min)$/.test(parent.parent?.childForFieldName('function')?.text ?? '')) assignment = parent.parent?.parent;
  const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
  if (!assignment || left?.type !== 'identifier' || left.text !== node.text) return undefined;
  return assignment.parent?.type === 'expression_statement' ? assignment.parent : undefined;
}

const CONSTRUCTS: Record<string, string> = {
  except_clause: 'the `except` handler',
  except_group_clause: 'the `except*` handler',
  finally_clause: 'the `finally` block',
  try_statement: 'the `try` block',
  if_statement: 'the `if`',
  elif_clause: 'the `elif` branch',
  else_clause: 'the `else` branch',
  with_statement: 'the `with` block',
  for_statement: 'the inner loop',
  while_statement: 'the `while` loop',
  case_clause: 'the `case`',
};

/** The innermost compound statement around `node`, up to the top-level statement. */
function enclosingConstruct(node: SyntaxNode, top: SyntaxNode): { kind: string; line: number } | undefined {
  for (let current = node.parent; current; current = current.parent) {
    const kind = CONSTRUCTS[current.type];
    if (kind) return { kind, line: lineOf(current) };
    if (current.id === top.id) return undefined;
  }
  return undefined;
}

/** The map stage must not read what the commit stage writes: that value depends on earlier items. */
export function mapReadsOfCommitState(
  events: readonly NameEvent[],
  mapStatements: readonly SyntaxNode[],
  commits: readonly CommitStatement[],
): LoopReason[] {
  const writers = new Map<string, CommitStatement>();
  for (const commit of commits) for (const name of accumulatorsOf(commit)) if (!writers.has(name)) writers.set(name, commit);
  const reasons: LoopReason[] = [];
  const reported = new Set<string>();
  for (const event of events) {
    const writer = writers.get(event.name);
    if (!writer || event.kind !== 'read' || reported.has(event.name)) continue;
    if (!mapStatements.some((s) => isInside(event.node, s))) continue;
    reported.add(event.name);
    reasons.push({
      reason: `the map stage reads \`${event.name}\` (line ${lineOf(event.node)}), which the commit stage writes (line ${writer.line})`,
      line: lineOf(event.node),
    });
  }
  return reasons;
}

export function accumulatorsOf(commit: CommitStatement): string[] {
  const own = commit.accumulator ? [commit.accumulator] : [];
  return [...own, ...(commit.parts ?? []).flatMap(accumulatorsOf)];
}

export function sharedNameWrites(events: readonly NameEvent[], context: LoopContext): LoopReason[] {
  const reasons: LoopReason[] = [];
  const reported = new Set<string>();
  for (const event of events) {
    if (event.kind === 'read' || reported.has(event.name)) continue;
    const declaration = context.scope.globals.has(event.name) ? 'global' : context.scope.nonlocals.has(event.name) ? 'nonlocal' : undefined;
    if (!declaration) continue;
    reported.add(event.name);
    const line = lineOf(event.node);
    reasons.push({ reason: `writes the ${declaration} \`${event.name}\` (line ${line}), which is shared state`, line });
  }
  return reasons;
}
