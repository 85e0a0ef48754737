/** Where a loop sits and what it binds: the facts every part of the analysis starts from. */
import type { SyntaxNode } from '../parser/parser.js';
import type { Binding, CallSite, Scope, SemanticModel } from '../semantic/model.js';

export interface LoopContext {
  model: SemanticModel;
  loop: SyntaxNode;
  /** The function, class or module scope whose code runs the loop. */
  scope: Scope;
  loopVariables: string[];
  /** Identifier nodes of the `for` target. */
  targetNodes: SyntaxNode[];
  iterable: SyntaxNode | null;
  /** Top-level body statements, comments left out. */
  statements: SyntaxNode[];
  /** Scopes by the node that opens them (def, lambda, comprehension, class), for nested code in the body. */
  scopesByNode: Map<number, Scope>;
  /** The binder's call sites by call node, to ask the model what a call calls. */
  callsByNode: Map<number, CallSite>;
}

/** Per-model lookups every loop of a module shares, built once. */
const modelMaps = new WeakMap<SemanticModel, { scopesByNode: Map<number, Scope>; callsByNode: Map<number, CallSite> }>();

export function mapsOf(model: SemanticModel): { scopesByNode: Map<number, Scope>; callsByNode: Map<number, CallSite> } {
  let maps = modelMaps.get(model);
  if (!maps) {
    const scopesByNode = new Map<number, Scope>();
    for (const scope of model.scopes) scopesByNode.set(scope.node.id, scope);
    maps = { scopesByNode, callsByNode: new Map(model.calls.map((call) => [call.node.id, call])) };
    modelMaps.set(model, maps);
  }
  return maps;
}

export function loopContext(model: SemanticModel, loop: SyntaxNode): LoopContext {
  const { scopesByNode, callsByNode } = mapsOf(model);
  const target = loop.childForFieldName('left');
  const targetNodes = target ? targetIdentifiers(target) : [];
  const body = loop.childForFieldName('body');
  return {
    model,
    loop,
    scope: scopeAround(loop, scopesByNode, model.root),
    loopVariables: [...new Set(targetNodes.map((n) => n.text))],
    targetNodes,
    iterable: loop.childForFieldName('right'),
    statements: body ? body.namedChildren.filter((s) => s.type !== 'comment') : [],
    scopesByNode,
    callsByNode,
  };
}

/** Identifiers a target binds: `x`, `i, (a, b)`, `*rest`; attributes and subscripts bind nothing. */
export function targetIdentifiers(target: SyntaxNode): SyntaxNode[] {
  switch (target.type) {
    case 'identifier':
      return [target];
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern':
    case 'expression_list':
    case 'tuple':
    case 'list':
    case 'list_splat_pattern':
    case 'parenthesized_expression':
      return target.namedChildren.flatMap(targetIdentifiers);
    default:
      return [];
  }
}

/** The innermost scope whose node encloses `node`. */
export function scopeAround(node: SyntaxNode, scopesByNode: Map<number, Scope>, root: Scope): Scope {
  for (let parent = node.parent; parent; parent = parent.parent) {
    const scope = scopesByNode.get(parent.id);
    if (scope) return scope;
  }
  return root;
}

export function isInside(node: SyntaxNode, outer: SyntaxNode): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

/** Bindings of `name` (as the loop's scope sees it) made outside the loop. */
export function bindingsOutsideLoop(context: LoopContext, name: string): Binding[] {
  return context.model.bindingsOf(name, context.scope).filter((b) => !isInside(b.node, context.loop));
}

/**
 * Whether `name` denotes something that exists before the loop runs: bound outside the loop,
 * declared `global`/`nonlocal`, or a module-level name read from a function.
 */
export function isBoundOutsideLoop(context: LoopContext, name: string): boolean {
  if (context.scope.globals.has(name) || context.scope.nonlocals.has(name)) return true;
  return bindingsOutsideLoop(context, name).length > 0;
}
