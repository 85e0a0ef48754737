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
