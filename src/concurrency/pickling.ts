/**
 * What worker processes can receive and see. A process pool pickles every task (its function
 * and arguments); under spawn and forkserver a `Process` target and its arguments are pickled
 * too, and the worker imports the module afresh, without the `if __name__ == "__main__":`
 * block and without what functions assigned to globals while the program ran. Shared by the
 * process-pool rewrites (which refuse) and the process-safety rules (which report).
 */
import type { Catalogue } from '../catalogue/schema.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { Binding, Scope, SemanticModel } from '../semantic/model.js';
import { lineOf } from '../loops/lines.js';

/** The enclosing function of a function defined inside another one (pickle cannot import it by name). */
export function enclosingFunction(scope: Scope): Scope | undefined {
  for (let outer = scope.parent; outer; outer = outer.parent) {
    if (outer.kind === 'function' || outer.kind === 'lambda') return outer;
    if (outer.kind === 'module') return undefined;
  }
  return undefined;
}

/** A function or class defined inside a function: worker processes can only use module-level ones. */
export function isNestedDefinition(scope: Scope): boolean {
  return scope.parent !== scope.module() && scope.parent?.kind !== 'class';
}

/** Not inside a def or class body: the statement runs when the module runs. */
export function isTopLevelBinding(node: SyntaxNode): boolean {
  // The name of a def or class binds where the def statement runs, not inside it.
  const own = node.field === 'name' && (node.parent?.type === 'function_definition' || node.parent?.type === 'class_definition');
  for (let current: SyntaxNode | null = own ? node.parent!.parent : node.parent; current; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'class_definition') return false;
  }
  return true;
}

/**
 * A binding of the module-level `name` that happens while the program runs rather than at
 * import: under the main guard, in a function (`global name`), or after `codeStart` (the first
 * statement a rewrite moves under the guard). Worker processes started with spawn or forkserver
 * never see its value.
 */
export function lateBinding(model: SemanticModel, name: string, codeStart?: number): Binding | undefined {
  return (model.root.bindings.get(name) ?? []).find(
    (b) => model.isUnderMainGuard(b.node) || (codeStart !== undefined && b.node.startIndex >= codeStart) || !isTopLevelBinding(b.node),
  );
}

/** The binding that makes a name a lambda (`key = lambda r: r[1]`), if any does. */
export function lambdaBinding(bindings: readonly Binding[]): Binding | undefined {
  return bindings.find((b) => b.kind === 'assignment' && b.value?.type === 'lambda');
}

/** Words for a type that does not pickle, or undefined when the catalogue does not say so. */
export function unpicklableType(catalogue: Catalogue, type: string): string | undefined {
  if (!catalogue.lookup(type)?.unpicklable) return undefined;
  return typeWords(type);
}

function typeWords(type: string): string {
  const last = type.slice(type.lastIndexOf('.') + 1);
  if (/^(threading|asyncio)\.(Lock|RLock|Condition|Semaphore|BoundedSemaphore|Event|Barrier)$/.test(type)) return `a lock (\`${type}\`)`;
  if (/^(io|builtins|bz2|lzma|gzip|tempfile)\./.test(type) || /File$/.test(last)) return `an open file (\`${type}\`)`;
  if (/^(socket|ssl)\./.test(type)) return `a socket (\`${type}\`)`;
  if (/^(sqlite3|psycopg|psycopg2|pymongo|redis)\./.test(type)) return `a database connection (\`${type}\`)`;
  if (/^(concurrent\.futures|multiprocessing\.pool)\./.test(type)) return `a pool or its future (\`${type}\`)`;
  if (type === 'threading.Thread' || type === 'threading.Timer') return `a thread (\`${type}\`)`;
  return `a \`${type}\``;
}

/** Why a value sent to worker processes does not get there. */
export interface PicklingProblem {
  kind: 'lambda' | 'nested' | 'guarded' | 'instance' | 'type' | 'process-object' | 'generator';
  /** The value as written (shortened). */
  value: string;
  /** Why, in words: "a lambda has no importable name". */
  reason: string;
  /** Where what does not pickle is made (a definition, a binding, an attribute assignment). */
  origin?: SyntaxNode;
  /** Only under spawn and forkserver (a function the worker cannot find when it imports the module afresh). */
  spawnOnly?: boolean;
}

export interface SendOptions {
  /**
   * Sent while the process starts (`Process` arguments, a pool's `initializer` and `initargs`),
   * where multiprocessing's own queues, locks and shared values are allowed; pool tasks may not
   * carry them.
   */
  atStart: boolean;
}

const PICKLE_HOOKS = ['__reduce__', '__reduce_ex__', '__getstate__'];

/**
 * What in `node` (a task's function or argument, evaluated in `scope`) cannot be pickled for a
 * worker process: lambdas, functions defined inside functions or under the main guard, bound
 * methods and instances of classes holding locks, files, sockets or connections, generators,
 * and values the catalogue marks unpicklable. Undefined when nothing is known to fail.
 */
export function picklingProblem(model: SemanticModel, node: SyntaxNode, scope: Scope, options: SendOptions, depth = 0): PicklingProblem | undefined {
  if (depth > 3) return undefined;
  const value = shorten(node.text);
  switch (node.type) {
    case 'lambda':
      return { kind: 'lambda', value, reason: 'a lambda has no importable name, so pickle cannot send it', origin: node };
    case 'generator_expression':
      return { kind: 'generator', value, reason: 'a generator cannot be pickled', origin: node };
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((c) => c.type !== 'comment');
      return inner ? picklingProblem(model, inner, scope, options, depth + 1) : undefined;
    }
    case 'tuple':
    case 'list':
      for (const element of node.namedChildren) {
        const problem = element.type === 'comment' ? undefined : picklingProblem(model, element, scope, options, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    case 'identifier':
      return nameProblem(model, node, scope, options, depth);
    case 'attribute':
      return attributeProblem(model, node, scope, options, depth);
    case 'call':
      return callProblem(model, node, scope, options, depth);
    default:
      return undefined;
  }
}

function nameProblem(model: SemanticModel, node: SyntaxNode, scope: Scope, options: SendOptions, depth: number): PicklingProblem | undefined {
  const value = node.text;
  const bindings = model.bindingsOf(value, scope).filter((b) => b.kind !== 'deletion');
  if (bindings.length === 0) return undefined;
  if (bindings.every((b) => b.kind === 'function' || b.kind === 'class')) {
    const definitions = bindings.map((b) => definedScope(model, b)).filter((s): s is Scope => !!s);
    const nested = definitions.find(isNestedDefinition);
    if (nested) {
      const outer = enclosingFunction(nested);
      return {
        kind: 'nested',
        value,
        reason: `\`${value}\` is defined inside \`${outer?.displayName ?? 'a function'}\`, and pickle sends functions and classes by their importable name, which a nested one does not have`,
        origin: nested.node,
      };
    }
    const guarded = definitions.find((s) => model.isUnderMainGuard(s.node));
    if (guarded) {
      return {
        kind: 'guarded',
        value,
        reason: `\`${value}\` is defined under the \`if __name__ == "__main__":\` guard, which worker processes started with spawn or forkserver do not run, so they cannot find it`,
        origin: guarded.node,
        spawnOnly: true,
      };
    }
    return undefined;
  }
  const lambda = lambdaBinding(bindings);
  if (lambda) return { kind: 'lambda', value, reason: `\`${value}\` is a lambda (line ${lineOf(lambda.node)}), which has no importable name, so pickle cannot send it`, origin: lambda.node };
  if (value === 'self' || value === 'cls') {
    const type = model.typeOf(node, scope);
    return type ? instanceProblem(model, value, type, options) : undefined;
  }
  const generator = bindings.find((b) => b.value && makesGenerator(model, b.value, b.scope));
  if (generator && bindings.every((b) => b.kind === 'assignment' || b.kind === 'walrus')) {
    return { kind: 'generator', value, reason: `\`${value}\` is a generator (line ${lineOf(generator.node)}), and generators cannot be pickled`, origin: generator.node };
  }
  return typeProblem(model, node, scope, options, depth, bindings);
}

function attributeProblem(model: SemanticModel, node: SyntaxNode, scope: Scope, options: SendOptions, depth: number): PicklingProblem | undefined {
  const object = node.childForFieldName('object');
  const attribute = node.childForFieldName('attribute')?.text;
  if (!object || !attribute) return undefined;
  const objectType = model.typeOf(object, scope);
  // A bound method pickles the object it is bound to.
  if (objectType && model.classes.get(objectType)?.scope.bindings.get(attribute)?.some((b) => b.kind === 'function')) {
    const problem = instanceProblem(model, object.text, objectType, options);
    if (problem) return { ...problem, value: shorten(node.text), reason: `the bound method \`${shorten(node.text)}\` pickles \`${shorten(object.text)}\`, and ${problem.reason}` };
    return undefined;
  }
  if (objectType && !model.classes.has(objectType)) {
    const words = sendable(objectType, options) ? undefined : unpicklableType(model.catalogue, objectType);
    if (words && model.catalogue.lookup(`${objectType}.${attribute}`)?.kind === 'method') {
      return { kind: 'type', value: shorten(node.text), reason: `the bound method \`${shorten(node.text)}\` pickles \`${shorten(object.text)}\`, which is ${words} and cannot be pickled` };
    }
  }
  return typeProblem(model, node, scope, options, depth, []);
}

function callProblem(model: SemanticModel, node: SyntaxNode, scope: Scope, options: SendOptions, depth: number): PicklingProblem | undefined {
  const callee = node.childForFieldName('function');
  const name = callee ? model.qualifiedNameOf(callee, scope) : undefined;
  if (name === 'functools.partial') {
    for (const argument of node.childForFieldName('arguments')?.namedChildren ?? []) {
      const part = argument.type === 'keyword_argument' ? argument.childForFieldName('value') : argument.type === 'comment' ? null : argument;
      const problem = part ? picklingProblem(model, part, scope, options, depth + 1) : undefined;
      if (problem) return problem;
    }
    return undefined;
  }
  if (makesGenerator(model, node, scope)) return { kind: 'generator', value: shorten(node.text), reason: `\`${shorten(node.text)}\` makes a generator, and generators cannot be pickled`, origin: node };
  return typeProblem(model, node, scope, options, depth, []);
}

/** The value's type is catalogued as unpicklable, or is a class of this module holding such a value. */
function typeProblem(model: SemanticModel, node: SyntaxNode, scope: Scope, options: SendOptions, _depth: number, bindings: readonly Binding[]): PicklingProblem | undefined {
  const value = shorten(node.text);
  const type = model.typeOf(node, scope) ?? creatorType(model, node, scope, bindings);
  if (!type) return undefined;
  if (model.classes.has(type)) return instanceProblem(model, value, type, options);
  if (sendable(type, options)) return undefined;
  const words = unpicklableType(model.catalogue, type);
  if (!words) return undefined;
  const origin = bindings.find((b) => b.value)?.node;
  const where = origin ? ` (line ${lineOf(origin)})` : '';
  const reason = type.startsWith('multiprocessing.')
    ? `\`${value}\`${where} is ${words}, which reaches worker processes only when they start (a \`Process\` argument or a pool's \`initializer\`), never as a task argument`
    : `\`${value}\`${where} is ${words}, which cannot be pickled`;
  return { kind: type.startsWith('multiprocessing.') ? 'process-object' : 'type', value, reason, origin };
}

/** `multiprocessing.Value(...)`: the catalogue has no type for the result, but the creating call is marked. */
function creatorType(model: SemanticModel, node: SyntaxNode, scope: Scope, bindings: readonly Binding[]): string | undefined {
  const values = node.type === 'call' ? [{ value: node, scope }] : bindings.map((b) => ({ value: b.value, scope: b.scope }));
  if (values.length === 0 || values.some((v) => v.value?.type !== 'call')) return undefined;
  const names = new Set(values.map((v) => {
    const callee = v.value!.childForFieldName('function');
    return callee ? model.qualifiedNameOf(callee, v.scope) : undefined;
  }));
  const [name] = names;
  return names.size === 1 && name && model.catalogue.lookup(name)?.unpicklable ? name : undefined;
}

/** Multiprocessing's own objects travel to a process as it starts. */
function sendable(type: string, options: SendOptions): boolean {
  if (!type.startsWith('multiprocessing.')) return false;
  if (options.atStart) return true;
  // Connections are sent through the resource sharer; manager proxies pickle.
  return type.startsWith('multiprocessing.connection.') || type.startsWith('multiprocessing.managers.');
}

/** An instance of a class of this module: it pickles its attributes unless the class says how to pickle it. */
function instanceProblem(model: SemanticModel, value: string, type: string, options: SendOptions): PicklingProblem | undefined {
  const facts = model.classes.get(type);
  if (!facts) return undefined;
  if (isNestedDefinition(facts.scope)) {
    return { kind: 'instance', value, reason: `\`${value}\` is an instance of \`${facts.scope.displayName}\`, a class defined inside a function, which pickle cannot import by name`, origin: facts.node };
  }
  if (PICKLE_HOOKS.some((hook) => facts.scope.bindings.has(hook))) return undefined;
  // Bases may define the hooks (or be unknown): only classes without bases, or with `object`, are judged.
  if (facts.bases.some((base) => base.text !== 'object')) return undefined;
  for (const [attribute, assignments] of facts.instanceAttributes) {
    for (const assignment of assignments) {
      const attributeType = model.typeOf(assignment.value, assignment.scope) ?? creatorType(model, assignment.value, assignment.scope, []);
      if (!attributeType || sendable(attributeType, options)) continue;
      const words = unpicklableType(model.catalogue, attributeType);
      if (words) {
        return {
          kind: 'instance',
          value,
          reason: `\`${value}\` is a \`${facts.scope.displayName}\` whose attribute \`${attribute}\` (line ${lineOf(assignment.node)}) is ${words}, which cannot be pickled`,
          origin: assignment.node,
        };
      }
    }
  }
  return undefined;
}

/** A generator expression, or a call of a generator function of this module. */
function makesGenerator(model: SemanticModel, value: SyntaxNode, scope: Scope): boolean {
  if (value.type === 'generator_expression') return true;
  if (value.type !== 'call') return false;
  const callee = value.childForFieldName('function');
  const name = callee ? model.qualifiedNameOf(callee, scope) : undefined;
  if (!name) return false;
  const functions = model.scopes.filter((s) => s.kind === 'function' && s.qualifiedName === name);
  return functions.length === 1 && functions[0]!.containsYield && !functions[0]!.isAsync;
}

/** The scope a def or class binding opens. */
function definedScope(model: SemanticModel, binding: Binding): Scope | undefined {
  const definition = binding.node.parent;
  return definition ? model.scopes.find((s) => s.node.id === definition.id) : undefined;
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= 40 ? flat : `${flat.slice(0, 37)}...`;
}
