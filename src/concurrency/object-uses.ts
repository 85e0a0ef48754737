/**
 * What code does with one object that a name holds (a queue in a local variable, a parameter):
 * the methods called on it, the functions it is handed to (and at which parameter), and
 * whether it escapes where it cannot be followed (stored, aliased, returned, passed to a
 * library). The deadlock rules follow a queue this way from the code that creates it to every
 * function that receives it.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { callsByNode, createdKind, kindOf } from './pools.js';

/** The object handed to a function of the project (or one the project may define). */
export interface PassedTo {
  /** Qualified name of the function that receives it. */
  callee: string;
  /** Position of the parameter it arrives in, in the function's own parameter list (`self` counts). */
  index: number;
  /** The argument node, in this file. */
  node: SyntaxNode;
}

export interface ObjectUses {
  /** Methods called on it (or looked up on it: `iter(q.get, None)`), each with the nodes of the calls. */
  methods: Map<string, SyntaxNode[]>;
  passed: PassedTo[];
  /** Uses that cannot be followed. */
  escapes: SyntaxNode[];
}

/** Library calls that only look at their argument. */
const INSPECTING = new Set(['builtins.print', 'builtins.len', 'builtins.isinstance', 'builtins.id', 'builtins.repr', 'builtins.str', 'builtins.type', 'builtins.hasattr', 'builtins.bool']);

/** Classifies every use of a name (the identifiers reading it, in any scope). */
export function objectUses(model: SemanticModel, uses: readonly SyntaxNode[], scopeOf: (use: SyntaxNode) => Scope): ObjectUses {
  const result: ObjectUses = { methods: new Map(), passed: [], escapes: [] };
  for (const use of uses) classify(model, use, scopeOf(use), result);
  return result;
}

/** The innermost scope around a node (a def's body, a lambda's body, a comprehension, a class body). */
export function scopeFinder(model: SemanticModel): (node: SyntaxNode) => Scope {
  const byNode = new Map<number, Scope>();
  for (const scope of model.scopes) if (scope.kind !== 'module') byNode.set(scope.node.id, scope);
  return (node) => {
    for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
      const scope = byNode.get(parent.id);
      if (!scope) continue;
      // A def's name, parameters' defaults and decorators belong to the enclosing scope; its body to the def.
      if (scope.kind === 'comprehension' || child.field === 'body') return scope;
    }
    return model.root;
  };
}

/** The value is only tested: `if q:`, `q is None`, `while not q:`. */
function isTest(node: SyntaxNode): boolean {
  let current = node;
  while (current.parent && ['boolean_operator', 'not_operator', 'parenthesized_expression'].includes(current.parent.type)) current = current.parent;
  const parent = current.parent;
  if (!parent) return false;
  if (parent.type === 'comparison_operator') return true;
  if (['if_statement', 'while_statement', 'elif_clause'].includes(parent.type)) return current.field === 'condition';
  return parent.type === 'assert_statement';
}

function classify(model: SemanticModel, use: SyntaxNode, scope: Scope, result: ObjectUses): void {
  let node = use;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (!parent) return void result.escapes.push(use);
  if (parent.type === 'attribute' && node.field === 'object') {
    const method = parent.childForFieldName('attribute')?.text ?? '';
    const list = result.methods.get(method);
    if (list) list.push(parent);
    else result.methods.set(method, [parent]);
    // `iter(q.get, None)`, `atexit.register(q.join)`: the method is looked up, which counts as using it.
    return;
  }
  if (isTest(node)) return;
  if (parent.type === 'argument_list') return void passedAsArgument(model, node, parent, scope, result);
  // `args=(q,)` of a thread or process, `pool.apply_async(f, (q,))`.
  if (parent.type === 'tuple' || parent.type === 'list') {
    const holder = parent.parent?.type === 'parenthesized_expression' ? parent.parent : parent;
    const owner = holder.parent;
    const call = owner?.type === 'keyword_argument' && owner.childForFieldName('name')?.text === 'args' ? owner.parent?.parent : owner?.type === 'argument_list' ? owner.parent : undefined;
    if (call?.type === 'call' && passedInArgsTuple(model, node, parent, call, scope, result)) return;
  }
  result.escapes.push(use);
}

/** `f(q)`, `self.consume(q)`, `Worker(q)`, `executor.submit(f, q)`. */
function passedAsArgument(model: SemanticModel, node: SyntaxNode, args: SyntaxNode, scope: Scope, result: ObjectUses): void {
  const call = args.parent!;
  const callee = call.childForFieldName('function');
  const positional = args.namedChildren.filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument' && a.type !== 'dictionary_splat');
  const position = positional.findIndex((a) => a.id === node.id);
  if (!callee || position < 0 || positional.slice(0, position).some((a) => a.type === 'list_splat')) return void result.escapes.push(node);
  const name = model.qualifiedNameOf(callee, scope);
  if (name && INSPECTING.has(name)) return;
  // `executor.submit(fn, q)`: q goes to fn.
  if (callee.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'submit' && position > 0) {
    const receiver = callee.childForFieldName('object')!;
    if (kindOf(model, receiver, scope)?.shape === 'executor') {
      const target = callableName(model, positional[0]!, scope);
      if (target) return void result.passed.push({ callee: target.name, index: position - 1 + target.shift, node });
    }
    return void result.escapes.push(node);
  }
  if (!name || !isProjectFunction(model, name)) return void result.escapes.push(node);
  const shift = boundShift(model, callee, scope, name);
  result.passed.push({ callee: shift.name, index: position + shift.shift, node });
}

/** `Thread(target=f, args=(q,))`, `Process(target=f, args=(q,))`, `pool.apply_async(f, (q,))`. */
function passedInArgsTuple(model: SemanticModel, node: SyntaxNode, tuple: SyntaxNode, call: SyntaxNode, scope: Scope, result: ObjectUses): boolean {
  const elements = tuple.namedChildren.filter((c) => c.type !== 'comment');
  const position = elements.findIndex((e) => e.id === node.id);
  if (position < 0 || elements.slice(0, position).some((e) => e.type === 'list_splat')) return false;
  const site = callsByNode(model).get(call.id);
  const calleeName = site ? model.calleeName(site) : undefined;
  const kind = calleeName ? createdKind(model, calleeName) : undefined;
  const argsNode = argument(call, 'args');
  let fn: SyntaxNode | undefined;
  if (kind && (kind.shape === 'thread' || kind.shape === 'process') && argsNode && unwrap(argsNode).id === tuple.id) {
    fn = kind.type === 'threading.Timer' ? argument(call, 'function', 1) : argument(call, 'target', 1);
  } else {
    const callee = call.childForFieldName('function');
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
    const receiver = callee?.type === 'attribute' ? callee.childForFieldName('object') : undefined;
    if ((method === 'apply_async' || method === 'apply') && receiver && kindOf(model, receiver, scope)?.shape === 'pool') {
      const positional = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
      if (positional[1] && unwrap(positional[1]).id === tuple.id) fn = positional[0];
      else if (argsNode && unwrap(argsNode).id === tuple.id) fn = positional[0] ?? argument(call, 'func');
    }
  }
  if (!fn) return false;
  const target = callableName(model, fn, scope);
  if (!target) return false;
  result.passed.push({ callee: target.name, index: position + target.shift, node });
  return true;
}

function unwrap(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.type === 'parenthesized_expression' && current.namedChildren.length === 1 && current.namedChildren[0]!.type !== 'comment') current = current.namedChildren[0]!;
  return current;
}

/** A keyword argument, or the positional one at `position`. */
function argument(call: SyntaxNode, keyword: string, position?: number): SyntaxNode | undefined {
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
  for (const a of args) if (a.type === 'keyword_argument' && a.childForFieldName('name')?.text === keyword) return a.childForFieldName('value') ?? undefined;
  if (position === undefined) return undefined;
  const positional = args.filter((a) => a.type !== 'keyword_argument' && a.type !== 'dictionary_splat');
  if (positional.slice(0, position).some((a) => a.type === 'list_splat')) return undefined;
  return positional[position];
}

/** The project function a callable expression names, and how far its parameters are shifted (a bound method's `self`). */
export function callableName(model: SemanticModel, fn: SyntaxNode, scope: Scope): { name: string; shift: number } | undefined {
  if (fn.type !== 'identifier' && fn.type !== 'attribute') return undefined;
  const name = model.qualifiedNameOf(fn, scope);
  if (!name || !isProjectFunction(model, name)) return undefined;
  return boundShift(model, fn, scope, name);
}

/** `obj.method`: `self` takes the first parameter; a class call runs `__init__` after `self`. */
function boundShift(model: SemanticModel, callee: SyntaxNode, scope: Scope, name: string): { name: string; shift: number } {
  if (model.isClassName(name)) return { name: `${name}.__init__`, shift: 1 };
  if (callee.type === 'attribute') {
    const object = callee.childForFieldName('object')!;
    if (model.valueOf(object, scope).kind === 'instance') return { name, shift: 1 };
  }
  return { name, shift: 0 };
}

/** A name this module or another module of the project defines. */
export function isProjectFunction(model: SemanticModel, name: string): boolean {
  return name.startsWith(`${model.moduleName}.`) || model.isProjectName(name);
}
