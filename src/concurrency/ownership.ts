/**
 * Who holds a pool, executor or thread after it is created, and what the holder does with it:
 * a `with` block, a name, an attribute of `self`, or someone else (returned, passed on, stored
 * in a container), which takes ownership. For the resource rules.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { Binding, CallSite, SemanticModel } from '../semantic/model.js';

export type Holder =
  /** `with Pool() as pool:`: closed by the block. */
  | { kind: 'with' }
  /** `pool = Pool()`: the name, in the scope that binds it. */
  | { kind: 'name'; name: string; binding: Binding; statement: SyntaxNode }
  /** `self.pool = Pool()` in a method. */
  | { kind: 'attribute'; attribute: string; statement: SyntaxNode }
  /** `Pool().map(...)`, `threading.Thread(...).start()`: used once and dropped. */
  | { kind: 'dropped'; method: string; statement: SyntaxNode }
  /** Returned, yielded, passed to a call, stored in a container: another owner. */
  | { kind: 'escapes' };

export function holderOf(model: SemanticModel, creation: CallSite): Holder {
  let node = creation.node;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (!parent) return { kind: 'escapes' };
  if (parent.type === 'with_item' || (parent.type === 'as_pattern' && node.field !== 'alias' && parent.parent?.type === 'with_item')) return { kind: 'with' };
  if (parent.type === 'assignment' && node.field === 'right' && parent.parent?.type === 'expression_statement') {
    const left = parent.childForFieldName('left');
    if (left?.type === 'identifier') {
      const binding = model.bindingsOf(left.text, creation.scope).find((b) => b.node.id === left.id);
      return binding ? { kind: 'name', name: left.text, binding, statement: parent.parent } : { kind: 'escapes' };
    }
    if (left?.type === 'attribute' && left.childForFieldName('object')?.text === 'self') {
      return { kind: 'attribute', attribute: left.childForFieldName('attribute')!.text, statement: parent.parent };
    }
    return { kind: 'escapes' };
  }
  // `Pool().map(f, xs)`, `Thread(target=f).start()`.
  if (parent.type === 'attribute' && node.field === 'object' && parent.parent?.type === 'call') {
    const statement = parent.parent.parent;
    return { kind: 'dropped', method: parent.childForFieldName('attribute')?.text ?? '', statement: statement ?? parent.parent };
  }
  return { kind: 'escapes' };
}

/** How one reference to the holder uses the object. */
export type UseKind =
  /** `pool.shutdown()`, `pool.close()`, `pool.terminate()`, `pool.join()`, the bound method handed on (`atexit.register(pool.shutdown)`), or `del pool`. */
  | 'closes'
  /** `with pool:` */
  | 'with'
  /** `pool.<method>(...)`: work handed over, or another method call. */
  | 'method'
  /** Passed on, returned, stored, aliased: someone else may close it. */
  | 'escapes'
  /** A re-binding or anything not understood. */
  | 'other';

const CLOSING = new Set(['shutdown', 'close', 'terminate', 'join', '__exit__', 'kill_workers', 'terminate_workers']);

export function useKind(use: SyntaxNode): { kind: UseKind; method?: string } {
  let node = use;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (!parent) return { kind: 'other' };
  if (parent.type === 'attribute' && node.field === 'object') {
    const method = parent.childForFieldName('attribute')?.text ?? '';
    if (CLOSING.has(method)) return { kind: 'closes', method };
    const called = parent.parent?.type === 'call' && parent.field === 'function';
    return called ? { kind: 'method', method } : { kind: 'other', method };
  }
  if (parent.type === 'with_item' || (parent.type === 'as_pattern' && parent.parent?.type === 'with_item')) return { kind: 'with' };
  // `del pool`: handed to the garbage collector on purpose.
  if (parent.type === 'delete_statement' || (parent.type === 'expression_list' && parent.parent?.type === 'delete_statement')) return { kind: 'closes', method: 'del' };
  if (parent.type === 'argument_list' || parent.type === 'keyword_argument' || parent.type === 'return_statement' || parent.type === 'yield') return { kind: 'escapes' };
  if (['list', 'tuple', 'set', 'dictionary', 'pair', 'expression_list', 'conditional_expression', 'boolean_operator'].includes(parent.type)) return { kind: 'escapes' };
  if (parent.type === 'assignment' && node.field === 'right') return { kind: 'escapes' };
  if (parent.type === 'assignment' || parent.type === 'augmented_assignment') return { kind: 'other' };
  return { kind: 'other' };
}

/** Every reference to the value a name holder holds: the uses of every binding of that name in its scope. */
export function usesOf(holder: Extract<Holder, { kind: 'name' }>): SyntaxNode[] {
  const bindings = holder.binding.scope.bindings.get(holder.name) ?? [];
  const seen = new Set<number>();
  const uses: SyntaxNode[] = [];
  for (const binding of bindings) {
    for (const use of binding.uses) {
      if (use.id === binding.node.id || seen.has(use.id)) continue;
      seen.add(use.id);
      uses.push(use);
    }
  }
  return uses.sort((a, b) => a.startIndex - b.startIndex);
}

/** The other bindings of a holder's name in its scope, `None` placeholders aside. */
export function otherBindings(holder: Extract<Holder, { kind: 'name' }>): Binding[] {
  return (holder.binding.scope.bindings.get(holder.name) ?? []).filter(
    (b) => b !== holder.binding && !(b.kind === 'assignment' && b.value?.type === 'none') && b.kind !== 'deletion',
  );
}

/** References to `<anything>.attribute` in the module (for holders that are attributes of `self`). */
export function attributeReferences(root: SyntaxNode, attribute: string): SyntaxNode[] {
  return root.descendantsOfType('attribute').filter((a) => a.childForFieldName('attribute')?.text === attribute);
}

