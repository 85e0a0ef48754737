/**
 * Whether a name holds an object made in the current iteration (a new list, a hash object, a
 * file opened for this item): mutating such an object touches nothing another iteration sees.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { isInside, type LoopContext } from './loop-context.js';
import { FRESH_CONSTRUCTORS } from './pure-names.js';

const FRESH_LITERALS = new Set([
  'list', 'dictionary', 'set', 'tuple', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'string', 'integer', 'float',
]);

export function isIterationLocalObject(context: LoopContext, name: string): boolean {
  if (context.loopVariables.includes(name)) return false;
  const bindings = context.model.bindingsOf(name, context.scope);
  if (bindings.length === 0) return false;
  // Every binding must be inside the loop and make a new object.
  return bindings.every((b) => isInside(b.node, context.loop) && (b.kind === 'assignment' || b.kind === 'with-target') && !!b.value && makesFreshObject(context, b.value));
}

/** A literal, a comprehension, or a call to a constructor or factory: a new object each time it runs. */
export function makesFreshObject(context: LoopContext, value: SyntaxNode): boolean {
  if (FRESH_LITERALS.has(value.type)) return true;
  if (value.type !== 'call') return false;
  const site = context.callsByNode.get(value.id);
  const callee = site ? context.model.calleeName(site) : undefined;
  if (!callee) return false;
  if (FRESH_CONSTRUCTORS.has(callee)) return true;
  const entry = context.model.catalogue.lookup(callee);
  // A catalogued constructor or factory (`hashlib.sha256()`, `open(...)`) returns a new object.
  return entry?.kind === 'class' || (entry?.kind === 'function' && !!entry.returns);
}
