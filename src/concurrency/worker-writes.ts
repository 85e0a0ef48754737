/**
 * What a function changes that its caller could see: module-level containers and counters
 * (`RESULTS.append(x)`, `global total; total += x`) and the objects passed to it
 * (`item["done"] = True`), directly or through the functions of the module it calls. In a
 * worker process those changes land in the worker's own copy and are lost to the parent.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { Binding, CallSite, Scope, SemanticModel } from '../semantic/model.js';
import { rootIdentifier } from '../loops/commit-statements.js';
import { mapsOf, scopeAround } from '../loops/loop-context.js';
import { callArguments } from '../semantic/call-arguments.js';
import { callsIn, functionNamed } from './pools.js';

/** Methods that change a built-in container in place (not writes to files, queues or sockets, which other processes can see). */
const CONTAINER_MUTATORS = new Set([
  'append', 'appendleft', 'extend', 'extendleft', 'insert', 'add', 'update', 'pop', 'popleft', 'popitem', 'remove',
  'discard', 'clear', 'sort', 'reverse', 'setdefault', 'rotate', 'intersection_update', 'difference_update',
  'symmetric_difference_update', 'subtract',
]);

/** Values whose changes stay in the process that makes them. */
const PLAIN_CONSTRUCTORS = new Set([
  'builtins.list', 'builtins.dict', 'builtins.set', 'builtins.bytearray', 'collections.defaultdict', 'collections.Counter',
  'collections.deque', 'collections.OrderedDict',
]);
const PLAIN_LITERALS = new Set([
  'list', 'dictionary', 'set', 'tuple', 'integer', 'float', 'string', 'concatenated_string', 'true', 'false', 'none',
  'list_comprehension', 'dictionary_comprehension', 'set_comprehension', 'unary_operator', 'binary_operator',
]);

export interface Write {
  kind: 'global' | 'parameter';
  /** The global's name, or the parameter's. */
  name: string;
  /** Position of the parameter among the function's positional parameters. */
  index?: number;
  /** Where the change is made. */
  node: SyntaxNode;
  /** The change as written, shortened: `RESULTS.append(...)`, `total += 1`. */
  shown: string;
  /** The function that makes it. */
  scope: Scope;
  /** Calls from the function asked about down to the one that makes the change. */
  via: CallSite[];
}

const memo = new WeakMap<SemanticModel, Map<Scope, Write[]>>();

/** The changes `fn` makes (directly or through functions of this module) that its caller could see. */
export function writesOf(model: SemanticModel, fn: Scope): Write[] {
  let known = memo.get(model);
  if (!known) {
    known = new Map();
    memo.set(model, known);
  }
  const cached = known.get(fn);
  if (cached) return cached;
  const writes: Write[] = [];
  // Recursion sees what is known so far.
  known.set(fn, writes);
  writes.push(...directWrites(model, fn));
  for (const call of callsIn(model, fn)) {
    const name = model.calleeName(call);
    const callee = name ? functionNamed(model, name) : undefined;
    if (!callee || callee === fn || callee.isAsync || callee.containsYield) continue;
    const args = callArguments(call.node);
    const offset = callee.enclosingClass && call.callee.type === 'attribute' ? 1 : 0;
    for (const inner of writesOf(model, callee)) {
      const via = [call, ...inner.via];
      if (inner.kind === 'global') {
        writes.push({ ...inner, via });
        continue;
      }
      const argument = inner.index !== undefined ? (args.known[inner.index - offset] ?? args.keywords.get(inner.name)) : args.keywords.get(inner.name);
      const root = argument ? rootIdentifier(argument) : null;
      const target = root ? classify(model, fn, root) : undefined;
      if (target) writes.push({ ...inner, ...target, via });
    }
  }
  return writes;
}

function directWrites(model: SemanticModel, fn: Scope): Write[] {
  const writes: Write[] = [];
  const body = fn.node.childForFieldName('body');
  if (!body) return writes;
  // `global total` then `total += 1`: rebinding the module's name.
  for (const name of fn.globals) {
    for (const binding of model.root.bindings.get(name) ?? []) {
      if (!within(binding.node, body) || ownerFunction(model, binding.node) !== fn) continue;
      if (!isPlainGlobal(model, name)) continue;
      const statement = statementOf(binding.node);
      writes.push({ kind: 'global', name, node: statement, shown: short(statement.text), scope: fn, via: [] });
    }
  }
  for (const node of body.descendantsOfType(['assignment', 'augmented_assignment', 'call', 'delete_statement'])) {
    if (ownerFunction(model, node) !== fn) continue;
    for (const target of changedObjects(node)) {
      const root = rootIdentifier(target);
      if (!root || root.text === 'self' || root.text === 'cls') continue;
      const found = classify(model, fn, root, node);
      if (found) writes.push({ ...found, node, shown: short(node.type === 'call' ? `${node.childForFieldName('function')?.text ?? ''}(...)` : node.text), scope: fn, via: [] });
    }
  }
  return writes;
}

/** The objects a statement changes in place: `x[k] = v`, `x.a = v`, `del x[k]`, `x.append(v)`. */
function changedObjects(node: SyntaxNode): SyntaxNode[] {
  switch (node.type) {
    case 'assignment':
    case 'augmented_assignment': {
      const left = node.childForFieldName('left');
      if (!left) return [];
      const targets = left.type === 'pattern_list' || left.type === 'tuple_pattern' || left.type === 'expression_list' ? left.namedChildren : [left];
      return targets.filter((t) => t.type === 'subscript' || t.type === 'attribute');
    }
    case 'delete_statement':
      return node.namedChildren.flatMap((t) => (t.type === 'expression_list' ? t.namedChildren : [t])).filter((t) => t.type === 'subscript' || t.type === 'attribute');
    case 'call': {
      const callee = node.childForFieldName('function');
      const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
      const receiver = callee?.type === 'attribute' ? callee.childForFieldName('object') : null;
      return method && receiver && CONTAINER_MUTATORS.has(method) ? [receiver] : [];
    }
    default:
      return [];
  }
}

/** Whether the changed object is a plain module-level value or a parameter of `fn`. */
function classify(model: SemanticModel, fn: Scope, root: SyntaxNode, at: SyntaxNode = root): Pick<Write, 'kind' | 'name' | 'index'> | undefined {
  const { scopesByNode } = mapsOf(model);
  const scope = scopeAround(at, scopesByNode, model.root);
  const bindings = model.bindingsOf(root.text, scope);
  if (bindings.length === 0) return undefined;
  if (bindings.every((b) => b.scope === model.root)) return isPlainGlobal(model, root.text) ? { kind: 'global', name: root.text } : undefined;
  if (bindings.every((b) => b.scope === fn && b.kind === 'parameter')) {
    const index = positionalParameters(fn).indexOf(root.text);
    return { kind: 'parameter', name: root.text, index: index >= 0 ? index : undefined };
  }
  return undefined;
}

/**
 * A module-level name bound only to values whose changes stay in one process: literals, built-in
 * containers, counters. Not multiprocessing's shared values and proxies, files, or whatever an
 * unknown call returns.
 */
export function isPlainGlobal(model: SemanticModel, name: string): boolean {
  const bindings = model.root.bindings.get(name) ?? [];
  const valued = bindings.filter((b) => b.kind === 'assignment' || b.kind === 'annotation' || b.kind === 'augmented-assignment');
  if (valued.length !== bindings.length) return false;
  const initial = valued.filter((b) => b.kind !== 'augmented-assignment' && b.value);
  return initial.length > 0 && initial.every((b) => isPlainValue(model, b));
}

function isPlainValue(model: SemanticModel, binding: Binding): boolean {
  const value = binding.value!;
  if (binding.kind === 'annotation') return false;
  if (PLAIN_LITERALS.has(value.type)) return true;
  if (value.type !== 'call') return false;
  const callee = value.childForFieldName('function');
  const name = callee ? model.qualifiedNameOf(callee, binding.scope) : undefined;
  return !!name && PLAIN_CONSTRUCTORS.has(name);
}

/**
 * Whether the value a local name holds could be shared with other processes (a multiprocessing
 * `Value`, a manager proxy) or is unknown: bound by a call other than a built-in container's
 * constructor. Parameters and literals are taken as plain objects.
 */
export function mayBeShared(model: SemanticModel, bindings: readonly Binding[]): boolean {
  return bindings.some((b) => {
    if (b.kind === 'parameter' || b.kind === 'for-target') return false;
    if ((b.kind !== 'assignment' && b.kind !== 'walrus') || !b.value) return true;
    return !isPlainValue(model, b);
  });
}

export function positionalParameters(fn: Scope): string[] {
  const parameters = fn.node.childForFieldName('parameters');
  const names: string[] = [];
  for (const parameter of parameters?.namedChildren ?? []) {
    if (parameter.type === 'keyword_separator' || parameter.type === 'list_splat_pattern' || parameter.type === 'dictionary_splat_pattern') break;
    const name = parameter.type === 'identifier' ? parameter : (parameter.childForFieldName('name') ?? parameter.namedChildren.find((c) => c.type === 'identifier'));
    if (name) names.push(name.text);
  }
  return names;
}

/** The function whose own code runs a node (not a def or lambda nested in it). */
export function ownerFunction(model: SemanticModel, node: SyntaxNode): Scope {
  return scopeAround(node, mapsOf(model).scopesByNode, model.root).executionScope;
}

function within(node: SyntaxNode, outer: SyntaxNode): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

function statementOf(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.parent && current.parent.type !== 'block' && current.parent.type !== 'module') current = current.parent;
  return current;
}

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= 40 ? flat : `${flat.slice(0, 37)}...`;
}
