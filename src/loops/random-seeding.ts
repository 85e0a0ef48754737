/**
 * Why the shared random generator matters: a `random.seed(...)` before the loop makes the run
 * reproducible, and each item's numbers then depend on the draws of the items before it.
 */
import type { SemanticModel } from '../semantic/model.js';
import { lineOf } from './lines.js';
import type { LoopContext } from './loop-context.js';
import type { LoopReason } from './types.js';

const SEEDING = new Set(['random.seed', 'numpy.random.seed']);

/** `reason`, naming the seeding call before the loop in the same function when there is one. */
export function withSeeding(model: SemanticModel, context: LoopContext, reason: LoopReason): LoopReason {
  if (!reason.sharedRandom) return reason;
  const loopStart = context.loop.startIndex;
  const seeding = model.calls
    .filter((call) => call.scope === context.scope && call.node.endIndex <= loopStart)
    .filter((call) => SEEDING.has(model.calleeName(call) ?? ''))
    .at(-1);
  if (!seeding) return reason;
  const shown = seeding.node.text.length <= 40 ? seeding.node.text : `${model.calleeName(seeding)}(...)`;
  return {
    ...reason,
    reason: `${reason.reason}, seeded by \`${shown}\` at line ${lineOf(seeding.node)}: each item's numbers depend on the draws of the items before it`,
  };
}
