/**
 * Objects bound outside the loop that map-stage code uses and whose type the catalogue marks
 * as not thread-safe (one sqlite3 connection, one open file) or unpicklable (the plan cannot
 * send them to a process).
 */
import type { SyntaxNode } from '../parser/parser.js';
import { lineOf } from './lines.js';
import { isBoundOutsideLoop, type LoopContext } from './loop-context.js';
import { isReference } from './name-flow.js';
import type { LoopReason, SharedHandle } from './types.js';

export function sharedHandles(
  context: LoopContext,
  work: readonly SyntaxNode[],
  writtenInBody: ReadonlySet<string>,
): { handles: SharedHandle[]; reasons: LoopReason[] } {
  const handles: SharedHandle[] = [];
  const reasons: LoopReason[] = [];
  const seen = new Set<string>();
  for (const root of work) {
    for (const id of root.type === 'identifier' ? [root] : root.descendantsOfType('identifier')) {
      const name = id.text;
      if (seen.has(name) || !isReference(id) || writtenInBody.has(name) || context.loopVariables.includes(name)) continue;
      if (!isBoundOutsideLoop(context, name)) continue;
      const type = context.model.typeOf(id, context.scope);
      const entry = type ? context.model.catalogue.lookup(type) : undefined;
      if (!type || !entry || (entry.threadSafe !== false && !entry.unpicklable)) continue;
      seen.add(name);
      const line = lineOf(id);
      handles.push({ name, type, line, threadSafe: entry.threadSafe, unpicklable: entry.unpicklable ?? false });
      if (entry.threadSafe === false) {
        reasons.push({ reason: `shared \`${type}\` \`${name}\` used in every iteration (line ${line})`, line });
      }
    }
  }
  return { handles, reasons };
}
