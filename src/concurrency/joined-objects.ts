/**
 * The calls that made the threads or processes a `join()` waits for: `t.join()` after
 * `t = Thread(...)`, `self._worker.join()` after `self._worker = Process(...)`, and `p.join()` in
 * `for p in procs:` where `procs` is a list of them (a comprehension, a list display, or
 * `procs.append(...)` of them). Only when every value the name can hold is one of those calls:
 * otherwise the join may wait for something else.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { callsByNode, createdKind, type Kind } from './pools.js';

export interface Made {
  call: CallSite;
  kind: Kind;
}

/** What made the object(s) `receiver` denotes, or undefined when it cannot be told. */
export function madeBehind(model: SemanticModel, receiver: SyntaxNode, scope: Scope, seen = new Set<string>()): Made[] | undefined {
  if (receiver.type === 'identifier') {
    // `p = Process(...); procs.append(p)` and `for p in procs:` bind the same name: follow it once.
    const key = `${scope.executionScope.qualifiedName}:${receiver.text}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const bindings = model.bindingsOf(receiver.text, scope).filter((b) => !(b.kind === 'assignment' && b.value?.type === 'none'));
    if (bindings.length === 0) return undefined;
    const made: Made[] = [];
    for (const binding of bindings) {
      if (binding.kind === 'assignment' && binding.value) {
        const one = madeBy(model, binding.value);
        if (!one) return undefined;
        made.push(one);
      } else if (binding.kind === 'for-target') {
        const loop = binding.node.parent;
        if (!loop || (loop.type !== 'for_statement' && loop.type !== 'for_in_clause') || binding.node.field !== 'left') return undefined;
        const items = itemsOf(model, loop.childForFieldName('right'), binding.scope, seen);
        if (!items) return undefined;
        made.push(...items);
      } else return undefined;
    }
    return made;
  }
  if (receiver.type === 'attribute') {
    const object = receiver.childForFieldName('object')!;
    const attribute = receiver.childForFieldName('attribute')!.text;
    const type = model.typeOf(object, scope);
    const assigned = type ? model.classes.get(type)?.instanceAttributes.get(attribute)?.filter((a) => a.value.type !== 'none') : undefined;
    if (!assigned || assigned.length === 0) return undefined;
    const made = assigned.map((a) => madeBy(model, a.value));
    return made.every((m): m is Made => !!m) ? made : undefined;
  }
  return undefined;
}

/** A call that creates a thread, a process or a pool. */
export function madeBy(model: SemanticModel, value: SyntaxNode): Made | undefined {
  if (value.type !== 'call') return undefined;
  const call = callsByNode(model).get(value.id);
  const callee = call ? model.calleeName(call) : undefined;
  const kind = callee ? createdKind(model, callee) : undefined;
  return call && kind ? { call, kind } : undefined;
}

/** The creations a list holds: `[Process(...) for ...]`, `[p1, p2]`, a name bound to one of those or filled by `append`. */
function itemsOf(model: SemanticModel, iterable: SyntaxNode | null, scope: Scope, seen: Set<string>, depth = 0): Made[] | undefined {
  if (!iterable || depth > 2) return undefined;
  if (iterable.type === 'list_comprehension') {
    const body = iterable.childForFieldName('body');
    const made = body ? madeBy(model, body) : undefined;
    return made ? [made] : undefined;
  }
  if (iterable.type === 'list' || iterable.type === 'tuple') {
    const made: Made[] = [];
    for (const element of iterable.namedChildren.filter((c) => c.type !== 'comment')) {
      const items = element.type === 'identifier' ? madeBehind(model, element, scope, seen) : madeBy(model, element) && [madeBy(model, element)!];
      if (!items) return undefined;
      made.push(...items);
    }
    return made;
  }
  if (iterable.type !== 'identifier') return undefined;
  const bindings = model.bindingsOf(iterable.text, scope);
  if (bindings.length !== 1 || bindings[0]!.kind !== 'assignment' || !bindings[0]!.value) return undefined;
  const value = bindings[0]!.value;
  if (value.type === 'list' && value.namedChildren.filter((c) => c.type !== 'comment').length === 0) {
    // `procs = []` then `procs.append(Process(...))` (or of a name bound to one).
    const made: Made[] = [];
    let appended = 0;
    for (const use of bindings[0]!.uses) {
      const attribute = use.parent;
      if (attribute?.type !== 'attribute' || use.field !== 'object') continue;
      const method = attribute.childForFieldName('attribute')?.text;
      const call = attribute.parent;
      if (method !== 'append' || call?.type !== 'call') continue;
      const argument = call.childForFieldName('arguments')?.namedChildren.find((c) => c.type !== 'comment');
      if (!argument) return undefined;
      const items = argument.type === 'identifier' ? madeBehind(model, argument, scopeOfUse(model, argument, scope), seen) : madeBy(model, argument) && [madeBy(model, argument)!];
      if (!items) return undefined;
      appended++;
      made.push(...items);
    }
    return appended > 0 ? made : undefined;
  }
  return itemsOf(model, value, bindings[0]!.scope, seen, depth + 1);
}

/** The scope a use inside `scope`'s function sits in (a comprehension's, possibly). */
function scopeOfUse(model: SemanticModel, node: SyntaxNode, scope: Scope): Scope {
  const fn = scope.executionScope;
  let best = fn;
  for (const s of model.scopes) {
    if (s.kind === 'comprehension' && s.executionScope === fn && node.startIndex >= s.node.startIndex && node.endIndex <= s.node.endIndex) best = s;
  }
  return best;
}
