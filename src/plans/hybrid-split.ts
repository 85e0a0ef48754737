/**
 * Whether a map stage that waits and then computes can be cut in two: a waiting part that
 * threads run (statements up to the last one that blocks) and a computing part that worker
 * processes run (the statements after it, and the heavy inputs the commit stage consumes). The
 * cut is only made where it is clearly safe:
 *
 * - the computing part blocks on nothing, and shows pure-Python work (the same evidence as a
 *   process plan: a heavy loop, or a function of this module that loops);
 * - every value the waiting part hands over (loop variables included) looks picklable: str,
 *   bytes, numbers and containers of them, as far as the code shows (a literal, a string
 *   method, `response.read()`, a function of this module that returns such values); an open
 *   file, a response object or anything of unknown type is not;
 * - the computing part calls only functions a worker process can import: defined at module
 *   level, not under the `__main__` guard, no lambdas or nested functions; it does not
 *   `continue` the loop or use `self`.
 *
 * When no cut qualifies, the reason says why, in source terms, and the plan stays what it was.
 */
import type { BlockingKind } from '../catalogue/schema.js';
import { rootIdentifier } from '../loops/commit-statements.js';
import { functionEffects, functionScopeOf } from '../loops/function-effects.js';
import { lineOf } from '../loops/lines.js';
import { isInside, mapsOf, scopeAround } from '../loops/loop-context.js';
import { isReference } from '../loops/name-flow.js';
import { MUTATING_METHODS } from '../loops/pure-names.js';
import type { LoopAnalysis } from '../loops/types.js';
import { callsWithin, doesWork } from '../loops/work-calls.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { Binding, Scope, SemanticModel } from '../semantic/model.js';
import { isNestedDefinition, lambdaBinding } from '../concurrency/pickling.js';
import { hasHeavyLoop } from './cpu-evidence.js';

export interface HybridSplit {
  /** Map statements before this index wait and run in threads; the rest, and the hoisted inputs, compute in processes. */
  at: number;
  /** What the waiting part waits on. */
  blocking: BlockingKind[];
  /** Names the waiting part hands to the computing part (loop variables included), in order of first use. */
  handed: string[];
  /** The calls that wait and the calls that compute, as written: for the rationale. */
  waits: string[];
  computes: string[];
}

export type HybridSplitResult = { kind: 'split'; split: HybridSplit } | { kind: 'none'; reason: string };

/**
 * The cut, the reason there is none, or undefined when the question does not arise (the map
 * stage does not both wait and compute).
 */
export function hybridSplit(model: SemanticModel, analysis: LoopAnalysis, hoisted: readonly SyntaxNode[]): HybridSplitResult | undefined {
  if (analysis.effects.blocking.length === 0) return undefined;
  const map = analysis.map;
  const roots = [...map, ...hoisted];
  const facts = roots.map((root) => rootFacts(model, root));
  const last = facts.map((f) => f.blocking.size > 0).lastIndexOf(true);
  if (last < 0 || !facts.some((f) => f.computes)) return undefined;
  if (analysis.projectCalls.length > 0) {
    return none('the map stage calls functions of other files, whose waiting and computing are only known after linking');
  }
  if (last >= map.length) {
    return none(`the waiting (\`${brief(roots[last])}\`, line ${lineOf(roots[last])}) is in what the commit stage consumes, so no computing follows it in the map stage`);
  }
  const firstCompute = facts.findIndex((f, i) => i > last && f.computes);
  if (firstCompute < 0) {
    const both = facts.findIndex((f) => f.computes && f.blocking.size > 0);
    return none(
      both >= 0
        ? `\`${brief(roots[both])}\` (line ${lineOf(roots[both])}) both waits and computes: the computing can go to worker processes only when it is a statement of its own after the waiting`
        : 'the computing comes before the waiting ends, so there is no computing part to hand over',
    );
  }

  const loopScope = scopeAround(analysis.loop, mapsOf(model).scopesByNode, model.root);
  const judge = new PicklableJudge(model);
  let problem = '';
  for (let at = last + 1; at <= Math.min(firstCompute, map.length); at++) {
    if (at < map.length && lineOf(map[at - 1]) === lineOf(map[at])) continue;
    const waiting = map.slice(0, at);
    const computing = roots.slice(at);
    const blocker = importProblem(model, analysis, computing, facts.slice(at));
    if (blocker) return none(blocker);
    const handed = handedNames(model, analysis, loopScope, waiting, computing);
    const unpicklable = handed.find((name) => !handedValuePickles(model, judge, analysis, loopScope, waiting, name));
    if (!unpicklable) {
      return {
        kind: 'split',
        split: {
          at,
          blocking: [...new Set(facts.slice(0, at).flatMap((f) => [...f.blocking]))],
          handed,
          waits: workCalls(model, waiting),
          computes: workCalls(model, computing),
        },
      };
    }
    problem ||= `\`${unpicklable}\`, which the waiting part hands to the computing part, is not clearly a value a worker process can receive (str, bytes, numbers or containers of them)`;
  }
  return none(problem);
}

/** The functions of this module the computing part runs (transitively), and the module-level values they read. */
export function functionsRun(model: SemanticModel, roots: readonly SyntaxNode[]): { functions: Scope[]; globalsRead: string[] } {
  const functions = new Set(roots.flatMap((root) => [...rootFacts(model, root).functions]));
  const globalsRead = new Set([...functions].flatMap((fn) => [...functionEffects(model, fn).globalsRead]));
  return { functions: [...functions], globalsRead: [...globalsRead] };
}

function none(reason: string): HybridSplitResult {
  return { kind: 'none', reason };
}

interface RootFacts {
  blocking: Set<BlockingKind>;
  /** Evidence of pure-Python work. */
  computes: boolean;
  /** Functions of this module it runs, transitively. */
  functions: Set<Scope>;
}

/** What one map statement (or hoisted input) does: what it waits on, whether it computes, which functions it runs. */
function rootFacts(model: SemanticModel, root: SyntaxNode): RootFacts {
  const { callsByNode, scopesByNode } = mapsOf(model);
  const facts: RootFacts = { blocking: new Set(), computes: hasHeavyLoop(root), functions: new Set() };
  const addFunction = (scope: Scope) => {
    const effects = functionEffects(model, scope);
    for (const kind of effects.blocking) facts.blocking.add(kind);
    if (effects.loops || effects.cpu.has('python')) facts.computes = true;
    for (const fn of effects.functions) facts.functions.add(fn);
  };
  for (const call of callsWithin(root)) {
    const site = callsByNode.get(call.id);
    const name = site ? model.calleeName(site) : undefined;
    if (!name) continue;
    const entry = model.catalogue.lookup(name);
    if (entry) {
      if (entry.blocking) facts.blocking.add(entry.blocking);
      if (entry.cpu === 'python') facts.computes = true;
      continue;
    }
    const scope = functionScopeOf(model, name);
    if (scope) addFunction(scope);
  }
  // Functions passed as values (`map(score, words)`, `sorted(xs, key=rank)`) run too.
  for (const id of identifiersIn(root)) {
    if (!isReference(id) || (id.parent?.type === 'call' && id.field === 'function')) continue;
    const name = model.qualifiedNameOf(id, scopeAround(id, scopesByNode, model.root));
    const scope = name ? functionScopeOf(model, name) : undefined;
    if (scope) addFunction(scope);
  }
  return facts;
}

/** Why a worker process could not run the computing part, if it could not. */
function importProblem(model: SemanticModel, analysis: LoopAnalysis, computing: readonly SyntaxNode[], facts: readonly RootFacts[]): string | undefined {
  const continued = computing
    .flatMap((root) => (root.type === 'continue_statement' ? [root] : root.descendantsOfType('continue_statement')))
    .find((node) => continuesLoop(node, analysis.loop));
  if (continued) return `the computing part can skip the item (\`continue\` at line ${lineOf(continued)}), which a worker process cannot do for the loop`;
  for (const fn of new Set(facts.flatMap((f) => [...f.functions]))) {
    if (isNestedDefinition(fn)) return `\`${fn.displayName}\` is defined inside a function: a worker process can only import module-level functions`;
    if (model.isUnderMainGuard(fn.node)) return `\`${fn.displayName}\` is defined under the \`__main__\` guard, where a worker process does not see it`;
  }
  const { scopesByNode } = mapsOf(model);
  for (const id of computing.flatMap(identifiersIn)) {
    if (!isReference(id)) continue;
    if (id.text === 'self' || id.text === 'cls') return `the computing part uses \`${id.text}\`, which would be pickled for every item`;
    const bindings = model.bindingsOf(id.text, scopeAround(id, scopesByNode, model.root)).filter((b) => !isInside(b.node, analysis.loop));
    if (lambdaBinding(bindings)) return `\`${id.text}\` is a lambda, which a worker process cannot receive`;
    const nested = bindings.find((b) => (b.kind === 'function' || b.kind === 'class') && b.scope !== model.root);
    if (nested) return `\`${id.text}\` is defined inside a function: a worker process can only import module-level functions and classes`;
  }
  return undefined;
}

/** A `continue` that continues `loop` (not a loop nested in it). */
function continuesLoop(node: SyntaxNode, loop: SyntaxNode): boolean {
  let owner: SyntaxNode | null = node.parent;
  while (owner && !['for_statement', 'while_statement', 'function_definition', 'class_definition', 'lambda'].includes(owner.type)) owner = owner.parent;
  return owner?.id === loop.id;
}

/** Loop variables and names the waiting part binds that the computing part reads, in order of first read. */
function handedNames(model: SemanticModel, analysis: LoopAnalysis, loopScope: Scope, waiting: readonly SyntaxNode[], computing: readonly SyntaxNode[]): string[] {
  const { scopesByNode } = mapsOf(model);
  const bound = new Set(analysis.mapBound.filter((name) => bindingsIn(loopScope, name, waiting).length > 0));
  const names: string[] = [];
  for (const id of computing.flatMap(identifiersIn)) {
    if (!isReference(id) || names.includes(id.text)) continue;
    if (!bound.has(id.text) && !analysis.loopVariables.includes(id.text)) continue;
    // A comprehension's own variable of the same name is not the loop's.
    const bindings = model.bindingsOf(id.text, scopeAround(id, scopesByNode, model.root));
    if (!bindings.some((b) => b.scope === loopScope)) continue;
    names.push(id.text);
  }
  return names;
}

/** Bindings of `name` in the loop's scope made inside `roots`. */
export function bindingsIn(loopScope: Scope, name: string, roots: readonly SyntaxNode[]): Binding[] {
  return (loopScope.bindings.get(name) ?? []).filter((b) => roots.some((root) => isInside(b.node, root)));
}

/**
 * Names of `names` the computing part may change in place (`words.sort()`, `counts[k] = v`,
 * `xs += ys`): a worker process changes its own copy, so the caller must take the value it returns.
 */
export function changedInPlace(computing: readonly SyntaxNode[], names: readonly string[]): string[] {
  const changed = new Set<string>();
  for (const root of computing) {
    for (const node of [root, ...root.descendantsOfType(['call', 'assignment', 'augmented_assignment', 'delete_statement'])]) {
      if (node.type === 'call') {
        const callee = node.childForFieldName('function');
        if (callee?.type === 'attribute' && MUTATING_METHODS.has(callee.childForFieldName('attribute')?.text ?? '')) {
          const receiver = rootIdentifier(callee.childForFieldName('object'));
          if (receiver) changed.add(receiver.text);
        }
      } else if (node.type === 'assignment' || node.type === 'augmented_assignment' || node.type === 'delete_statement') {
        const targets = node.type === 'delete_statement' ? node.namedChildren : [node.childForFieldName('left')];
        for (const target of targets) {
          if (!target) continue;
          const stores = target.type === 'subscript' || target.type === 'attribute' ? [target] : target.descendantsOfType(['subscript', 'attribute']);
          for (const store of stores) {
            const root = rootIdentifier(store);
            if (root) changed.add(root.text);
          }
          if (node.type === 'augmented_assignment' && target.type === 'identifier') changed.add(target.text);
        }
      }
    }
  }
  return names.filter((name) => changed.has(name));
}

function handedValuePickles(model: SemanticModel, judge: PicklableJudge, analysis: LoopAnalysis, loopScope: Scope, waiting: readonly SyntaxNode[], name: string): boolean {
  const bindings = bindingsIn(loopScope, name, waiting);
  if (bindings.length === 0 && analysis.loopVariables.includes(name)) {
    // The item: a process pool pickles items too. Refused only when its type is known not to pickle.
    const target = analysis.loop.childForFieldName('left');
    const id = target ? [target, ...target.descendantsOfType('identifier')].find((n) => n.type === 'identifier' && n.text === name) : undefined;
    const type = id ? model.typeOf(id, loopScope) : undefined;
    return !(type && model.catalogue.lookup(type)?.unpicklable);
  }
  return bindings.length > 0 && bindings.every((b) => judge.binding(b));
}

const PRIMITIVE_TYPES = new Set(['builtins.str', 'builtins.bytes', 'builtins.bytearray', 'builtins.int', 'builtins.float', 'builtins.bool', 'builtins.complex']);
/** Builtins that always return a str, bytes or number. */
const VALUE_BUILTINS = new Set(['str', 'repr', 'ascii', 'bytes', 'bytearray', 'int', 'float', 'bool', 'complex', 'len', 'ord', 'chr', 'hex', 'oct', 'bin', 'format', 'abs', 'round', 'hash', 'divmod', 'pow']);
/** Builtins whose result holds what their arguments hold. */
const CONTAINER_BUILTINS = new Set(['list', 'tuple', 'set', 'frozenset', 'sorted', 'dict', 'min', 'max', 'sum']);
/**
 * Methods that return str, bytes, numbers or lists of them on whatever usually has them (str,
 * bytes, files, HTTP responses, hash objects, paths).
 */
const VALUE_METHODS = new Set([
  'strip', 'lstrip', 'rstrip', 'split', 'rsplit', 'splitlines', 'partition', 'rpartition', 'lower', 'upper', 'casefold', 'title',
  'capitalize', 'swapcase', 'startswith', 'endswith', 'replace', 'join', 'format', 'format_map', 'encode', 'decode', 'find', 'rfind',
  'index', 'rindex', 'count', 'zfill', 'center', 'ljust', 'rjust', 'expandtabs', 'removeprefix', 'removesuffix', 'translate', 'hex',
  'hexdigest', 'digest', 'isdigit', 'isalpha', 'isalnum', 'isspace', 'read', 'readline', 'readlines', 'read_text', 'read_bytes',
  'getvalue', 'tobytes',
]);
/** Standard-library calls that return plain data (str, bytes, numbers, JSON values). */
const VALUE_CALLS = new Set([
  'json.loads', 'json.load', 'json.dumps', 'zlib.decompress', 'zlib.compress', 'gzip.decompress', 'gzip.compress', 'bz2.decompress',
  'lzma.decompress', 'base64.b64decode', 'base64.b64encode', 'base64.urlsafe_b64decode', 'subprocess.check_output', 'os.path.join',
  'os.path.basename', 'os.path.dirname', 'os.fspath', 'shlex.split', 'html.unescape', 'urllib.parse.quote', 'urllib.parse.unquote',
]);
/** Attributes of result objects that hold plain data. */
const VALUE_ATTRIBUTES: Record<string, readonly string[]> = {
  'subprocess.CompletedProcess': ['stdout', 'stderr', 'returncode'],
  'requests.Response': ['text', 'content', 'status_code'],
  'httpx.Response': ['text', 'content', 'status_code'],
};
/** Nesting followed through names, calls and returns before giving up. */
const MAX_DEPTH = 6;

/** Whether an expression's value looks picklable as the code shows it: plain data, conservatively. */
class PicklableJudge {
  private readonly visiting = new Set<SyntaxNode['id']>();

  constructor(private readonly model: SemanticModel) {}

  binding(binding: Binding, depth = 0): boolean {
    if (depth > MAX_DEPTH || this.visiting.has(binding.node.id)) return false;
    this.visiting.add(binding.node.id);
    try {
      const scope = binding.scope;
      switch (binding.kind) {
        case 'assignment':
        case 'walrus':
          return !!binding.value && this.value(binding.value, scope, depth + 1);
        case 'augmented-assignment': {
          const right = binding.value?.type === 'augmented_assignment' ? binding.value.childForFieldName('right') : binding.value;
          return !!right && this.value(right, scope, depth + 1);
        }
        default:
          return false;
      }
    } finally {
      this.visiting.delete(binding.node.id);
    }
  }

  value(node: SyntaxNode, scope: Scope, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const parts = node.namedChildren.filter((c) => c.type !== 'comment');
    const all = (nodes: readonly SyntaxNode[]) => nodes.every((n) => this.value(n, scope, depth + 1));
    switch (node.type) {
      case 'string':
      case 'concatenated_string':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
        return true;
      case 'parenthesized_expression':
      case 'tuple':
      case 'list':
      case 'set':
      case 'expression_list':
      case 'dictionary':
      case 'pair':
      case 'list_splat':
      case 'dictionary_splat':
      case 'boolean_operator':
      case 'unary_operator':
        return all(parts);
      case 'not_operator':
      case 'comparison_operator':
        return true;
      // Arithmetic with plain data gives plain data (numbers, strings, lists).
      case 'binary_operator':
        return parts.some((p) => this.value(p, scope, depth + 1));
      case 'conditional_expression':
        return parts.length === 3 && all([parts[0], parts[2]]);
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension': {
        const body = node.childForFieldName('body') ?? parts[0];
        return !!body && this.value(body, this.innerScope(node) ?? scope, depth + 1);
      }
      case 'subscript': {
        const value = node.childForFieldName('value');
        return !!value && this.value(value, scope, depth + 1);
      }
      case 'identifier':
        return this.name(node, scope, depth);
      case 'attribute':
        return this.attribute(node, scope);
      case 'call':
        return this.call(node, scope, depth);
      default:
        return this.primitive(node, scope);
    }
  }

  private primitive(node: SyntaxNode, scope: Scope): boolean {
    const type = this.model.typeOf(node, scope);
    return !!type && PRIMITIVE_TYPES.has(type);
  }

  private innerScope(node: SyntaxNode): Scope | undefined {
    return mapsOf(this.model).scopesByNode.get(node.id);
  }

  private name(id: SyntaxNode, scope: Scope, depth: number): boolean {
    if (this.primitive(id, scope)) return true;
    const bindings = this.model.bindingsOf(id.text, scope);
    if (bindings.length === 0) return false;
    return bindings.every((b) => b.kind === 'deletion' || this.binding(b, depth + 1));
  }

  private attribute(node: SyntaxNode, scope: Scope): boolean {
    if (this.primitive(node, scope)) return true;
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute')?.text ?? '';
    const type = object ? this.model.typeOf(object, scope) : undefined;
    return !!type && (VALUE_ATTRIBUTES[type] ?? []).includes(attribute);
  }

  private call(node: SyntaxNode, scope: Scope, depth: number): boolean {
    const callee = node.childForFieldName('function');
    if (!callee) return false;
    const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
    const site = mapsOf(this.model).callsByNode.get(node.id);
    const name = site ? this.model.calleeName(site) : this.model.qualifiedNameOf(callee, scope);
    if (name?.startsWith('builtins.')) {
      const builtin = name.slice('builtins.'.length);
      if (VALUE_BUILTINS.has(builtin)) return true;
      if (CONTAINER_BUILTINS.has(builtin)) return args.every((a) => this.value(a, scope, depth + 1));
    }
    if (name && VALUE_CALLS.has(name)) return true;
    if (this.primitive(node, scope)) return true;
    if (callee.type === 'attribute') {
      const method = callee.childForFieldName('attribute')?.text ?? '';
      const receiver = callee.childForFieldName('object');
      const type = receiver ? this.model.typeOf(receiver, scope) : undefined;
      if (method === 'json' && (type === 'requests.Response' || type === 'httpx.Response')) return true;
      return VALUE_METHODS.has(method);
    }
    const fn = name ? functionScopeOf(this.model, name) : undefined;
    return !!fn && this.returns(fn, depth);
  }

  /** A plain function of this module whose every `return` gives plain data (no `return`: None). */
  private returns(fn: Scope, depth: number): boolean {
    if (fn.isAsync || fn.containsYield || fn.node.parent?.type === 'decorated_definition') return false;
    if (this.visiting.has(fn.node.id)) return false;
    this.visiting.add(fn.node.id);
    try {
      const body = fn.node.childForFieldName('body');
      const returns = (body?.descendantsOfType('return_statement') ?? []).filter((r) => ownerFunction(r)?.id === fn.node.id);
      return returns.every((r) => {
        const value = r.namedChildren.find((c) => c.type !== 'comment');
        return !value || this.value(value, fn, depth + 1);
      });
    } finally {
      this.visiting.delete(fn.node.id);
    }
  }
}

function ownerFunction(node: SyntaxNode): SyntaxNode | null {
  let owner = node.parent;
  while (owner && owner.type !== 'function_definition' && owner.type !== 'lambda') owner = owner.parent;
  return owner;
}

function identifiersIn(root: SyntaxNode): SyntaxNode[] {
  return root.type === 'identifier' ? [root] : root.descendantsOfType('identifier');
}

/** The calls that do the work, as written: `fetch`, `parse_page`. */
function workCalls(model: SemanticModel, roots: readonly SyntaxNode[]): string[] {
  const names: string[] = [];
  for (const call of roots.flatMap(callsWithin)) {
    if (!doesWork(model, call)) continue;
    const written = call.childForFieldName('function')?.text ?? '';
    if (/^[\w.]+$/.test(written) && !names.includes(written)) names.push(written);
  }
  return names.slice(0, 3);
}

function brief(node: SyntaxNode): string {
  const text = node.text.split('\n')[0].trim();
  return text.length > 50 ? `${text.slice(0, 47)}...` : text;
}
