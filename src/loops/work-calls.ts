/** The calls in a piece of code, and which of them do the work a pool is for. */
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import { mapsOf } from './loop-context.js';

/** Every call in `node`, `node` itself included, outermost first. */
export function callsWithin(node: SyntaxNode): SyntaxNode[] {
  return node.type === 'call' ? [node, ...node.descendantsOfType('call')] : node.descendantsOfType('call');
}

/** A call of a project function, or of a catalogued function that waits or computes. */
export function doesWork(model: SemanticModel, call: SyntaxNode): boolean {
  const site = mapsOf(model).callsByNode.get(call.id);
  const name = site ? model.calleeName(site) : undefined;
  if (!name) return false;
  if (model.isProjectName(name) || name.startsWith(`${model.moduleName}.`)) return true;
  const entry = model.catalogue.lookup(name);
  return !!entry && (!!entry.blocking || !!entry.cpu);
}
