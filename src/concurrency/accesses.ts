/**
 * Accesses to state that threads can share, per function: every write (rebinding, item store,
 * insertion, removal) and every compound access that is not atomic under the GIL, which is a
 * read-modify-write (`x += 1`, `d[k] = d[k] + 1`) or a check-then-act (`if k not in d: d[k] = v`,
 * `if q: q.pop()`, `if x is None: x = make()`, `if not os.path.exists(p): os.makedirs(p)`).
 * Single operations on built-in containers (`append`, `d[k] = v`, `pop`) are atomic: they are
 * writes, never compound accesses on their own. Thread-safe objects (`queue.Queue`, `Event`) are
 * not state at all. Reads are not recorded: a race needs a write on the other side.
 *
 * State is named relative to the function (`facts.ts`: `StateKey`); whether it is shared is
 * decided when the project is linked, by who reaches the function and through which object.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { LineIndex } from '../parser/line-index.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { SELF_PARAMETER } from '../semantic/binder.js';
import type { CallFact, CompoundPattern, FunctionFacts, StateKey, WriteMode } from './facts.js';
import { LockFactCollector } from './lock-facts.js';
import { LockFinder } from './locks.js';

const INSERT_METHODS = new Set(['append', 'extend', 'insert', 'add', 'update', 'setdefault', 'appendleft', 'extendleft']);
const REMOVE_METHODS = new Set(['pop', 'popleft', 'popitem', 'remove', 'discard', 'clear', 'difference_update', 'intersection_update', 'symmetric_difference_update']);
const STORE_METHODS = new Set(['sort', 'reverse', 'rotate', 'move_to_end']);
const POP_METHODS = new Set(['pop', 'popleft', 'popitem']);

const CONTAINER_LITERALS = new Set(['list', 'dictionary', 'set', 'list_comprehension', 'dictionary_comprehension', 'set_comprehension']);
const CONTAINER_TYPES = new Set([
  'builtins.list',
  'builtins.dict',
  'builtins.set',
  'builtins.bytearray',
  'collections.deque',
  'collections.Counter',
  'collections.defaultdict',
  'collections.OrderedDict',
]);
const CONTAINER_FACTORIES = new Set(['builtins.list', 'builtins.dict', 'builtins.set', 'builtins.bytearray', ...CONTAINER_TYPES]);
/** Augmented operators that change a mutable container in place (the rebinding stores the same object). */
const IN_PLACE_OPERATORS = new Set(['+=', '|=', '-=', '&=', '^=']);

const CONFLICTS: Record<CompoundPattern, WriteMode[]> = {
  'read-modify-write': ['assign'],
  'insert-if-absent': ['store', 'insert', 'assign'],
  'remove-if-present': ['remove', 'assign'],
  'read-if-present': ['remove', 'assign'],
  'pop-if-nonempty': ['remove', 'assign'],
  'init-if-unset': ['assign'],
  'create-if-missing': ['insert'],
  'remove-if-exists': ['remove'],
};
const ITEM_CONFLICTS: WriteMode[] = ['store', 'insert', 'remove', 'assign'];

const FS_EXISTS = new Set(['os.path.exists', 'os.path.isdir', 'os.path.isfile', 'os.path.lexists']);
const FS_CREATE = new Set(['os.makedirs', 'os.mkdir']);
const FS_REMOVE = new Set(['os.remove', 'os.unlink', 'os.rmdir', 'shutil.rmtree', 'os.removedirs']);
const PATH_EXISTS = new Set(['exists', 'is_dir', 'is_file']);

export interface CollectOptions {
  path: string;
  lines: LineIndex;
  /** Functions (and the module) that start entry points: their own variables may be shared with what they start. */
  spawners: ReadonlyMap<Scope, ReadonlySet<string>>;
  /** Filled with the syntax node of every access, by offset (rules report and fix at them). */
  nodes?: Map<number, AccessNode>;
}

export interface AccessNode {
  node: SyntaxNode;
  /** The function, lambda or comprehension scope the access runs in. */
  scope: Scope;
}

/** Facts for every function, lambda and (when it starts something) the module body. */
export function collectFunctionFacts(model: SemanticModel, options: CollectOptions): FunctionFacts[] {
  const collector = new AccessCollector(model, options);
  const facts: FunctionFacts[] = [];
  for (const scope of model.scopes) {
    if (scope.kind === 'function' || scope.kind === 'lambda' || (scope.kind === 'module' && options.spawners.has(scope))) {
      facts.push(collector.collect(scope));
    }
  }
  return facts;
}

/** The state `node` names in `fn` (e.g. a spawner's `self` or a global), as `collectFunctionFacts` would name it. */
export function stateOfExpression(model: SemanticModel, fn: Scope, node: SyntaxNode, scope: Scope, options: CollectOptions): StateKey | undefined {
  const facts: FunctionFacts = { key: '', qualifiedName: '', display: '', path: '', line: 0, isAsync: false, isMethod: false, accesses: [], calls: [] };
  return new FunctionWalker(model, fn, facts, new LockFinder(model), new Map(), options, hasDecorator(fn, 'classmethod')).stateOf(node, scope);
}

/** Key of a function's facts: its qualified name, made unique for lambdas by position. */
export function functionKey(scope: Scope, lines: LineIndex): string {
  if (scope.kind !== 'lambda') return scope.qualifiedName;
  const { line, column } = lines.position(scope.node.startIndex);
  return `${scope.qualifiedName}@${line}:${column}`;
}

class AccessCollector {
  private readonly locks: LockFinder;
  private readonly scopeOfNode = new Map<SyntaxNode, Scope>();
  private readonly lockFacts: LockFactCollector;
  private readonly callsByScope = new Map<Scope, CallSite[]>();

  constructor(
    private readonly model: SemanticModel,
    private readonly options: CollectOptions,
  ) {
    this.locks = new LockFinder(model);
    this.lockFacts = new LockFactCollector(model, this.locks, options.lines, options.path);
    for (const scope of model.scopes) this.scopeOfNode.set(scope.node, scope);
    for (const call of model.calls) {
      const scope = call.scope.executionScope;
      const list = this.callsByScope.get(scope);
      if (list) list.push(call);
      else this.callsByScope.set(scope, [call]);
    }
  }

  private callsOf(fn: Scope): CallSite[] {
    return this.callsByScope.get(fn) ?? [];
  }

  collect(fn: Scope): FunctionFacts {
    const { lines, path } = this.options;
    const cls = fn.enclosingClass;
    const isClassMethod = hasDecorator(fn, 'classmethod');
    const isStatic = hasDecorator(fn, 'staticmethod');
    const position = lines.position(fn.node.startIndex);
    const facts: FunctionFacts = {
      key: functionKey(fn, lines),
      qualifiedName: fn.qualifiedName,
      display: fn.kind === 'module' ? '<module>' : fn.kind === 'lambda' ? `lambda (line ${position.line})` : fn.displayName,
      path,
      line: position.line,
      isAsync: fn.isAsync,
      isMethod: !!cls && !isClassMethod && !isStatic && !!selfName(fn),
      className: cls?.qualifiedName,
      accesses: [],
      calls: [],
    };
    const walker = new FunctionWalker(this.model, fn, facts, this.locks, this.scopeOfNode, this.options, isClassMethod);
    walker.walkBody();
    const calls = this.callsOf(fn);
    const locks = this.lockFacts.collect(fn, calls, (node, scope) => walker.stateOf(node, scope));
    for (const call of calls) {
      const fact = walker.callFact(call, locks.heldAt);
      if (fact) facts.calls.push(fact);
    }
    if (locks.acquisitions.length > 0) facts.acquisitions = locks.acquisitions;
    if (locks.callbacks.length > 0) facts.callbacks = locks.callbacks;
    if (locks.foreignReleases.length > 0) facts.foreignReleases = locks.foreignReleases;
    return facts;
  }
}

function hasDecorator(fn: Scope, name: string): boolean {
  const parent = fn.node.parent;
  if (parent?.type !== 'decorated_definition') return false;
  return parent.namedChildren.some((d) => d.type === 'decorator' && d.namedChildren[0]?.text === name);
}

function selfName(fn: Scope): string | undefined {
  for (const [name, bindings] of fn.bindings) {
    if (bindings.some((b) => b.kind === 'parameter' && b.target === SELF_PARAMETER)) return name;
  }
  return undefined;
}

function parameterNames(fn: Scope): string[] {
  const parameters = fn.node.childForFieldName('parameters');
  const names: string[] = [];
  for (const parameter of parameters?.namedChildren ?? []) {
    let name: SyntaxNode | null | undefined = null;
    if (parameter.type === 'identifier') name = parameter;
    else if (parameter.type === 'default_parameter' || parameter.type === 'typed_default_parameter') name = parameter.childForFieldName('name');
    else if (parameter.type === 'typed_parameter') name = parameter.namedChildren.find((c) => c.type === 'identifier');
    else if (parameter.type === 'keyword_separator' || parameter.type === 'positional_separator') continue;
    else break; // *args, **kwargs: nothing positional after them.
    if (name) names.push(name.text);
  }
  return names;
}

interface Condition {
  kind: 'membership' | 'nonempty' | 'unset' | 'exists';
  /** The container, the variable, or the path. */
  subject: SyntaxNode;
  /** The branch taken when the condition is true is the "present"/"nonempty"/"unset"/"exists" one. */
  positive: boolean;
}

class FunctionWalker {
  private readonly self: string | undefined;
  private readonly params: string[];
  private readonly sharedLocals: ReadonlySet<string> | undefined;

  constructor(
    private readonly model: SemanticModel,
    private readonly fn: Scope,
    private readonly facts: FunctionFacts,
    private readonly locks: LockFinder,
    private readonly scopeOfNode: ReadonlyMap<SyntaxNode, Scope>,
    private readonly options: CollectOptions,
    private readonly isClassMethod: boolean,
  ) {
    this.self = fn.enclosingClass ? selfName(fn) : undefined;
    this.params = fn.kind === 'module' ? [] : parameterNames(fn);
    this.sharedLocals = options.spawners.get(fn);
  }

  walkBody(): void {
    const fnNode = this.fn.node;
    if (this.fn.kind === 'module') for (const child of fnNode.namedChildren) this.visit(child, this.fn);
    else {
      const body = fnNode.childForFieldName('body');
      if (body) this.visit(body, this.fn);
    }
  }

  private visit(node: SyntaxNode, scope: Scope): void {
    switch (node.type) {
      case 'function_definition':
      case 'class_definition':
      case 'lambda':
      case 'decorated_definition':
        return;
      case 'augmented_assignment':
        this.augmented(node, scope);
        break;
      case 'assignment':
        this.assignment(node, scope);
        break;
      case 'delete_statement':
        for (const target of node.namedChildren) this.deletion(target, scope);
        break;
      case 'call':
        this.mutatingCall(node, scope);
        break;
      case 'if_statement':
      case 'while_statement':
        this.checkThenAct(node, scope);
        break;
    }
    for (const child of node.namedChildren) {
      const inner = this.scopeOfNode.get(child);
      this.visit(child, inner && inner.kind === 'comprehension' ? inner : scope);
    }
  }

  // --- state names -------------------------------------------------------------------------

  /** The state an expression names, relative to this function, if threads could share it. */
  stateOf(node: SyntaxNode, scope: Scope): StateKey | undefined {
    if (node.type === 'parenthesized_expression' && node.namedChildren.length === 1) return this.stateOf(node.namedChildren[0], scope);
    if (node.type === 'identifier') return this.nameState(node, scope);
    if (node.type !== 'attribute') return undefined;
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute')?.text;
    if (!object || !attribute) return undefined;
    // `type(self).x`, `self.__class__.x`: the class attribute.
    const cls = this.fn.enclosingClass;
    const typeOfSelf = object.type === 'call' && object.childForFieldName('function')?.text === 'type' && normalise(object.childForFieldName('arguments')?.text ?? '') === `(${this.self})`;
    if (cls && this.self && (typeOfSelf || object.text === `${this.self}.__class__`)) {
      return { root: 'name', id: cls.qualifiedName, path: [attribute], scope: 'class' };
    }
    const base = this.stateOf(object, scope);
    if (!base) return undefined;
    return { ...base, path: [...base.path, attribute] };
  }

  private nameState(node: SyntaxNode, scope: Scope): StateKey | undefined {
    const name = node.text;
    const bindings = this.model.bindingsOf(name, scope);
    if (bindings.length === 0) return undefined;
    const owner = bindings[0].scope;
    const ownFunction = owner.executionScope === this.fn || owner === this.fn;
    if (ownFunction && this.fn.kind !== 'module') {
      if (name === this.self) {
        if (this.isClassMethod) return { root: 'name', id: this.fn.enclosingClass!.qualifiedName, path: [], scope: 'class' };
        return { root: 'self', id: 'self', path: [], scope: 'self' };
      }
      const index = this.params.indexOf(name);
      if (index >= 0 && bindings.every((b) => b.kind === 'parameter')) return { root: 'param', id: String(index), path: [], scope: 'param' };
      if (this.sharedLocals?.has(name)) {
        const identity = this.model.identityOf(node, scope);
        return identity ? { root: 'name', id: identity, path: [], scope: 'local' } : undefined;
      }
      return undefined;
    }
    if (owner.kind === 'module') {
      if (ownFunction && !this.sharedLocals) return undefined;
      const value = this.model.valueOf(node, scope);
      if (value.kind === 'ref') return { root: 'name', id: value.qualifiedName, path: [], scope: this.model.isClassName(value.qualifiedName) ? 'class' : 'module' };
      return { root: 'name', id: `${owner.qualifiedName}.${name}`, path: [], scope: 'module' };
    }
    if (owner.kind === 'function' || owner.kind === 'lambda') {
      // A method's `self` captured by a nested function is that method's receiver.
      const capturedSelf = bindings.find((b) => b.kind === 'parameter' && b.target === SELF_PARAMETER);
      const ownerClass = owner.enclosingClass;
      if (capturedSelf && ownerClass && !hasDecorator(owner, 'classmethod')) {
        return { root: 'name', id: `${ownerClass.qualifiedName}#self`, path: [], scope: 'enclosing' };
      }
      const identity = this.model.identityOf(node, scope);
      return identity ? { root: 'name', id: identity, path: [], scope: 'enclosing' } : undefined;
    }
    return undefined;
  }

  // --- writes and read-modify-writes ------------------------------------------------------

  private augmented(node: SyntaxNode, scope: Scope): void {
    const left = node.childForFieldName('left');
    const operator = node.child(1)?.type ?? '';
    if (!left) return;
    if (left.type === 'subscript') {
      const container = left.childForFieldName('value');
      const state = container && this.stateOf(container, scope);
      if (!state || this.isThreadSafe(container!, scope)) return;
      this.write(node, state, container!, 'store', scope);
      this.compound(node, state, container!, 'read-modify-write', scope, { conflictsWith: ITEM_CONFLICTS, awaitInside: containsAwait(node.childForFieldName('right')) });
      return;
    }
    const state = this.stateOf(left, scope);
    if (!state || isPrivateRebinding(state)) return;
    if (IN_PLACE_OPERATORS.has(operator) && this.isMutableContainer(left, scope)) {
      this.write(node, state, left, 'insert', scope);
      return;
    }
    this.write(node, state, left, 'assign', scope);
    this.compound(node, state, left, 'read-modify-write', scope, { awaitInside: containsAwait(node.childForFieldName('right')) });
  }

  private assignment(node: SyntaxNode, scope: Scope): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    // `a = b = v`: the grammar nests the second assignment as the right side; it is visited itself.
    for (const target of targetsOf(left)) {
      if (target.type === 'subscript') {
        const container = target.childForFieldName('value');
        const state = container && this.stateOf(container, scope);
        if (!state || this.isThreadSafe(container!, scope)) continue;
        this.write(node, state, container!, 'store', scope);
        if (right.type !== 'assignment' && readsItem(right, target, container!)) {
          this.compound(node, state, container!, 'read-modify-write', scope, { conflictsWith: ITEM_CONFLICTS, awaitInside: containsAwait(right) });
        }
        continue;
      }
      if (target.type !== 'identifier' && target.type !== 'attribute') continue;
      const state = this.stateOf(target, scope);
      if (!state || isPrivateRebinding(state)) continue;
      this.write(node, state, target, 'assign', scope);
      if (right.type !== 'assignment' && left === target && readsSame(right, target)) {
        this.compound(node, state, target, 'read-modify-write', scope, { awaitInside: containsAwait(right) });
      }
    }
  }

  private deletion(target: SyntaxNode, scope: Scope): void {
    if (target.type === 'expression_list' || target.type === 'tuple' || target.type === 'list') {
      for (const element of target.namedChildren) this.deletion(element, scope);
      return;
    }
    if (target.type === 'subscript') {
      const container = target.childForFieldName('value');
      const state = container && this.stateOf(container, scope);
      if (state && !this.isThreadSafe(container!, scope)) this.write(target.parent ?? target, state, container!, 'remove', scope);
      return;
    }
    const state = this.stateOf(target, scope);
    if (state && !isPrivateRebinding(state)) this.write(target.parent ?? target, state, target, 'assign', scope);
  }

  /** `items.append(x)`, `cache.pop(k)`, `os.makedirs(p)`: atomic writes. */
  private mutatingCall(node: SyntaxNode, scope: Scope): void {
    const callee = node.childForFieldName('function');
    if (!callee) return;
    const fs = this.filesystemWrite(node, scope);
    if (fs) {
      this.write(node, { root: 'filesystem', id: normalise(fs.path.text), path: [], scope: 'filesystem' }, fs.path, fs.mode, scope);
      return;
    }
    if (callee.type !== 'attribute') return;
    const method = callee.childForFieldName('attribute')?.text ?? '';
    const mode: WriteMode | undefined = INSERT_METHODS.has(method) ? 'insert' : REMOVE_METHODS.has(method) ? 'remove' : STORE_METHODS.has(method) ? 'store' : undefined;
    if (!mode) return;
    const object = callee.childForFieldName('object')!;
    const state = this.stateOf(object, scope);
    if (!state || this.isThreadSafe(object, scope) || state.root === 'filesystem') return;
    // `helpers.update(x)` calls a function of an imported module; it writes no container.
    if (object.type === 'identifier' && this.model.bindingsOf(object.text, scope).some((b) => b.kind === 'import')) return;
    this.write(node, state, object, mode, scope);
  }

  private filesystemWrite(node: SyntaxNode, scope: Scope): { path: SyntaxNode; mode: WriteMode } | undefined {
    const callee = node.childForFieldName('function');
    if (!callee) return undefined;
    const name = this.model.qualifiedNameOf(callee, scope);
    const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
    if (name && (FS_CREATE.has(name) || FS_REMOVE.has(name))) {
      const first = args[0];
      if (!first || first.type === 'keyword_argument') return undefined;
      if (args.some((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'exist_ok' && a.childForFieldName('value')?.text !== 'False')) return undefined;
      if (args.some((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'ignore_errors' && a.childForFieldName('value')?.text !== 'False')) return undefined;
      return { path: first, mode: FS_CREATE.has(name) ? 'insert' : 'remove' };
    }
    if (callee.type === 'attribute') {
      const method = callee.childForFieldName('attribute')?.text;
      const object = callee.childForFieldName('object')!;
      const type = this.model.typeOf(object, scope);
      if (!type?.startsWith('pathlib.')) return undefined;
      if (args.some((a) => a.type === 'keyword_argument' && /^(exist_ok|missing_ok)$/.test(a.childForFieldName('name')?.text ?? '') && a.childForFieldName('value')?.text !== 'False')) return undefined;
      if (method === 'mkdir') return { path: object, mode: 'insert' };
      if (method === 'unlink' || method === 'rmdir') return { path: object, mode: 'remove' };
    }
    return undefined;
  }

  // --- check-then-act ---------------------------------------------------------------------

  private checkThenAct(node: SyntaxNode, scope: Scope): void {
    const conditionNode = node.childForFieldName('condition');
    if (!conditionNode) return;
    const consequence = node.childForFieldName('body') ?? node.childForFieldName('consequence');
    const alternative = node.type === 'if_statement' ? node.namedChildren.find((c) => c.type === 'else_clause')?.childForFieldName('body') : undefined;
    for (const condition of this.conditions(conditionNode, scope)) {
      const onTrue = consequence;
      const onFalse = node.type === 'if_statement' && !node.namedChildren.some((c) => c.type === 'elif_clause') ? alternative : undefined;
      const branch = (positive: boolean) => (condition.positive === positive ? onTrue : onFalse) ?? undefined;
      const subject = condition.subject;
      let act: { node: SyntaxNode; pattern: CompoundPattern } | undefined;
      switch (condition.kind) {
        case 'membership': {
          const absent = branch(false);
          const present = branch(true);
          const insert = absent && this.findAct(absent, (n) => this.insertsInto(n, subject));
          const remove = present && this.findAct(present, (n) => this.removesFrom(n, subject, false));
          const read = present && !remove ? this.findAct(present, (n) => readsItemOf(n, subject)) : undefined;
          if (insert) act = { node: insert, pattern: 'insert-if-absent' };
          else if (remove) act = { node: remove, pattern: 'remove-if-present' };
          else if (read) act = { node: read, pattern: 'read-if-present' };
          break;
        }
        case 'nonempty': {
          const nonempty = branch(true);
          const pop = nonempty && this.findAct(nonempty, (n) => this.removesFrom(n, subject, true));
          if (pop) act = { node: pop, pattern: 'pop-if-nonempty' };
          break;
        }
        case 'unset': {
          const unset = branch(true);
          const assign = unset && this.findAct(unset, (n) => assigns(n, subject));
          // Only when the race does harm: the object is published before it is complete
          // (`x = {}` then `x[k] = ...`), or a flag guards something meant to run once.
          if (assign && unset && (publishedEarly(unset, assign, subject) || guardsOnce(unset, assign))) act = { node: assign, pattern: 'init-if-unset' };
          break;
        }
        case 'exists': {
          const missing = branch(false);
          const exists = branch(true);
          const create = missing && this.findAct(missing, (n) => this.fsAct(n, subject, scope, 'insert'));
          const remove = exists && this.findAct(exists, (n) => this.fsAct(n, subject, scope, 'remove'));
          if (create) act = { node: create, pattern: 'create-if-missing' };
          else if (remove) act = { node: remove, pattern: 'remove-if-exists' };
          break;
        }
      }
      if (!act) continue;
      const state: StateKey | undefined =
        condition.kind === 'exists' ? { root: 'filesystem', id: normalise(subject.text), path: [], scope: 'filesystem' } : this.stateOf(subject, scope);
      if (!state || (condition.kind !== 'exists' && this.isThreadSafe(subject, scope))) continue;
      if (act.pattern === 'init-if-unset' && isPrivateRebinding(state)) continue;
      const awaitInside = containsAwait(conditionNode) || awaitBefore(node, act.node);
      // Double-checked locking: the act holds a lock the check does not, and checks again under it.
      const checkLocks = this.locks.heldAt(conditionNode, scope);
      const actLocks = this.locks.heldAt(act.node, scope);
      const rechecked = actLocks.some((l) => !checkLocks.includes(l)) && checksAgain(node, conditionNode, act.node, subject);
      this.compound(conditionNode, state, subject, act.pattern, scope, {
        awaitInside,
        actNode: act.node,
        code: `${firstLine(node)} ... ${firstLine(act.node)}`,
        locks: rechecked ? actLocks : checkLocks,
      });
      return;
    }
  }

  /** The checks a condition makes, for each conjunct (`if a and k not in d`). */
  private conditions(node: SyntaxNode, scope: Scope, positive = true): Condition[] {
    node = unparen(node);
    if (node.type === 'not_operator') {
      const operand = node.childForFieldName('argument');
      return operand ? this.conditions(operand, scope, !positive) : [];
    }
    if (node.type === 'boolean_operator') {
      const operator = node.child(1)?.type;
      if ((operator === 'and' && positive) || (operator === 'or' && !positive)) {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        return [...(left ? this.conditions(left, scope, positive) : []), ...(right ? this.conditions(right, scope, positive) : [])];
      }
      return [];
    }
    if (node.type === 'comparison_operator') {
      const operands = node.namedChildren.filter((c) => c.type !== 'comment');
      if (operands.length !== 2) return [];
      const [left, right] = operands;
      const operator = node.text.slice(left.endIndex - node.startIndex, right.startIndex - node.startIndex).replace(/\s+/g, ' ').trim();
      if (operator === 'in' || operator === 'not in') return [{ kind: 'membership', subject: unparen(right), positive: positive === (operator === 'in') }];
      if ((operator === 'is' || operator === 'is not' || operator === '==' || operator === '!=') && right.type === 'none') {
        const isNone = positive === (operator === 'is' || operator === '==');
        const get = getCallContainer(left);
        if (get) return [{ kind: 'membership', subject: get, positive: !isNone }];
        return [{ kind: 'unset', subject: unparen(left), positive: isNone }];
      }
      const length = lenArgument(left) ?? lenArgument(right);
      if (length) {
        const other = lenArgument(left) ? right : left;
        const leftIsLen = !!lenArgument(left);
        const zero = other.text === '0';
        const one = other.text === '1';
        let nonempty: boolean | undefined;
        if (zero && (operator === '>' && leftIsLen || operator === '<' && !leftIsLen || operator === '!=')) nonempty = true;
        else if (one && (operator === '>=' && leftIsLen || operator === '<=' && !leftIsLen)) nonempty = true;
        else if (zero && operator === '==') nonempty = false;
        if (nonempty !== undefined) return [{ kind: 'nonempty', subject: length, positive: positive === nonempty }];
      }
      return [];
    }
    if (node.type === 'call') {
      const length = lenArgument(node);
      if (length) return [{ kind: 'nonempty', subject: length, positive }];
      const get = getCallContainer(node);
      if (get) return [{ kind: 'membership', subject: get, positive }];
      const callee = node.childForFieldName('function');
      const name = callee ? this.model.qualifiedNameOf(callee, scope) : undefined;
      const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
      if (name && FS_EXISTS.has(name) && args[0] && args[0].type !== 'keyword_argument') return [{ kind: 'exists', subject: args[0], positive }];
      if (callee?.type === 'attribute' && PATH_EXISTS.has(callee.childForFieldName('attribute')?.text ?? '')) {
        const object = callee.childForFieldName('object')!;
        if (this.model.typeOf(object, scope)?.startsWith('pathlib.')) return [{ kind: 'exists', subject: object, positive }];
      }
      return [];
    }
    if (node.type === 'identifier' || node.type === 'attribute') {
      // `if items: items.pop()` and `if not ready: ready = True`.
      return [
        { kind: 'nonempty', subject: node, positive },
        { kind: 'unset', subject: node, positive: !positive },
      ];
    }
    return [];
  }

  /** The first statement (in source order) of a branch that `matches`, not looking into nested defs. */
  private findAct(branch: SyntaxNode, matches: (node: SyntaxNode) => boolean): SyntaxNode | undefined {
    let found: SyntaxNode | undefined;
    const visit = (node: SyntaxNode): void => {
      if (found) return;
      if (node.type === 'function_definition' || node.type === 'class_definition' || node.type === 'lambda') return;
      if (matches(node)) {
        found = node;
        return;
      }
      for (const child of node.namedChildren) visit(child);
    };
    visit(branch);
    return found;
  }

  /** `C[k] = v`, `C[k] += v`, `C.add(x)`, `C.setdefault(k, v)`. */
  private insertsInto(node: SyntaxNode, container: SyntaxNode): boolean {
    if (node.type === 'assignment' || node.type === 'augmented_assignment') {
      const left = node.childForFieldName('left');
      return !!left && targetsOf(left).some((t) => t.type === 'subscript' && sameText(t.childForFieldName('value'), container));
    }
    if (node.type === 'call') {
      const callee = node.childForFieldName('function');
      return callee?.type === 'attribute' && INSERT_METHODS.has(callee.childForFieldName('attribute')?.text ?? '') && sameText(callee.childForFieldName('object'), container);
    }
    return false;
  }

  /** `del C[k]`, `C.pop(k)`, `C.remove(x)` (only pops when `popOnly`). */
  private removesFrom(node: SyntaxNode, container: SyntaxNode, popOnly: boolean): boolean {
    if (node.type === 'delete_statement') {
      return node.namedChildren.some((t) => t.type === 'subscript' && sameText(t.childForFieldName('value'), container));
    }
    if (node.type === 'call') {
      const callee = node.childForFieldName('function');
      const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text ?? '' : '';
      const methods = popOnly ? POP_METHODS : new Set(['pop', 'remove', 'popitem']);
      return methods.has(method) && sameText(callee!.childForFieldName('object'), container);
    }
    return false;
  }

  private fsAct(node: SyntaxNode, path: SyntaxNode, scope: Scope, mode: WriteMode): boolean {
    if (node.type !== 'call') return false;
    const write = this.filesystemWrite(node, scope);
    return !!write && write.mode === mode && sameText(write.path, path);
  }

  // --- recording ---------------------------------------------------------------------------

  private write(node: SyntaxNode, state: StateKey, subject: SyntaxNode, mode: WriteMode, scope: Scope): void {
    this.options.nodes?.set(node.startIndex, { node, scope });
    this.facts.accesses.push({
      ...this.position(node),
      state,
      display: displayOf(subject),
      kind: 'write',
      mode,
      code: firstLine(statementOf(node)),
      locks: this.locks.heldAt(node, scope),
    });
  }

  private compound(
    node: SyntaxNode,
    state: StateKey,
    subject: SyntaxNode,
    pattern: CompoundPattern,
    scope: Scope,
    extra: { conflictsWith?: WriteMode[]; awaitInside?: boolean; actNode?: SyntaxNode; code?: string; locks?: string[] },
  ): void {
    const position = this.position(node);
    this.options.nodes?.set(node.startIndex, { node, scope });
    this.facts.accesses.push({
      ...position,
      state,
      display: displayOf(subject),
      kind: 'compound',
      pattern,
      conflictsWith: extra.conflictsWith ?? CONFLICTS[pattern],
      code: extra.code ?? firstLine(node),
      actLine: extra.actNode ? this.options.lines.position(extra.actNode.startIndex).line : undefined,
      locks: extra.locks ?? this.locks.heldAt(node, scope),
      awaitInside: extra.awaitInside || undefined,
      siteId: `${this.options.path}:${position.line}:${position.column}`,
    });
  }

  private position(node: SyntaxNode) {
    return { ...this.options.lines.range(node.startIndex, node.endIndex), offset: node.startIndex };
  }

  // --- calls -------------------------------------------------------------------------------

  callFact(call: CallSite, heldAt: (node: SyntaxNode, scope: Scope) => { identities: string[]; held: number[] }): CallFact | undefined {
    const callee = this.model.calleeName(call);
    if (!callee || !(this.model.isProjectName(callee) || callee.startsWith(`${this.model.moduleName}.`))) return undefined;
    const position = this.options.lines.position(call.node.startIndex);
    const held = heldAt(call.node, call.scope);
    let receiver: CallFact['receiver'];
    let bound = this.model.isClassName(callee);
    if (call.callee.type === 'attribute') {
      const object = call.callee.childForFieldName('object')!;
      const value = this.model.valueOf(object, call.scope);
      bound = value.kind !== 'ref';
      if (object.type === 'identifier' && object.text === this.self && !this.isClassMethod) receiver = 'self';
      else if (bound) receiver = this.stateOf(object, call.scope);
    }
    const args = call.node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument') ?? [];
    const firstSplat = args.findIndex((a) => a.type === 'list_splat' || a.type === 'dictionary_splat');
    return {
      callee,
      line: position.line,
      column: position.column,
      offset: call.node.startIndex,
      locks: held.identities,
      ...(held.held.length > 0 ? { held: held.held } : {}),
      awaited: call.awaited,
      receiver,
      bound,
      args: (firstSplat >= 0 ? args.slice(0, firstSplat) : args).map((a) => this.stateOf(a, call.scope) ?? null),
    };
  }

  // --- types -------------------------------------------------------------------------------

  private isThreadSafe(node: SyntaxNode, scope: Scope): boolean {
    const type = this.model.typeOf(node, scope);
    return !!type && this.model.catalogue.lookup(type)?.threadSafe === true;
  }

  /** A list, dict, set or deque: `+=`, `|=` change it in place. */
  private isMutableContainer(node: SyntaxNode, scope: Scope): boolean {
    const type = this.model.typeOf(node, scope);
    if (type) return CONTAINER_TYPES.has(type);
    const values: Array<{ value: SyntaxNode; scope: Scope }> = [];
    if (node.type === 'identifier') {
      for (const b of this.model.bindingsOf(node.text, scope)) if (b.kind === 'assignment' && b.value) values.push({ value: b.value, scope: b.scope });
    } else if (node.type === 'attribute') {
      const object = node.childForFieldName('object')!;
      const objectType = this.model.typeOf(object, scope);
      const attribute = node.childForFieldName('attribute')!.text;
      for (const a of (objectType && this.model.classes.get(objectType)?.instanceAttributes.get(attribute)) || []) values.push(a);
      const classBindings = objectType ? this.model.classes.get(objectType)?.scope.bindings.get(attribute) : undefined;
      for (const b of classBindings ?? []) if (b.kind === 'assignment' && b.value) values.push({ value: b.value, scope: b.scope });
    }
    const real = values.filter((v) => v.value.type !== 'none');
    return real.length > 0 && real.every((v) => this.isContainerValue(v.value, v.scope));
  }

  private isContainerValue(value: SyntaxNode, scope: Scope): boolean {
    if (CONTAINER_LITERALS.has(value.type)) return true;
    if (value.type !== 'call') return false;
    const callee = value.childForFieldName('function');
    const name = callee ? this.model.qualifiedNameOf(callee, scope) : undefined;
    return !!name && CONTAINER_FACTORIES.has(name);
  }
}

/** Rebinding a parameter or `self` itself changes only this call's variable. */
function isPrivateRebinding(state: StateKey): boolean {
  return (state.root === 'param' || state.root === 'self') && state.path.length === 0;
}

function targetsOf(left: SyntaxNode): SyntaxNode[] {
  if (['pattern_list', 'tuple_pattern', 'list_pattern', 'expression_list', 'tuple', 'list'].includes(left.type)) {
    return left.namedChildren.flatMap((c) => targetsOf(c));
  }
  if (left.type === 'parenthesized_expression' || left.type === 'list_splat_pattern') return left.namedChildren.flatMap((c) => targetsOf(c));
  return [left];
}

function unparen(node: SyntaxNode): SyntaxNode {
  while (node.type === 'parenthesized_expression' && node.namedChildren.length === 1) node = node.namedChildren[0];
  return node;
}

function normalise(text: string): string {
  return text.replace(/\s+/g, '');
}

function sameText(a: SyntaxNode | null | undefined, b: SyntaxNode): boolean {
  return !!a && normalise(a.text) === normalise(b.text);
}

/** `len(C)` -> `C`. */
function lenArgument(node: SyntaxNode): SyntaxNode | undefined {
  node = unparen(node);
  if (node.type !== 'call' || node.childForFieldName('function')?.text !== 'len') return undefined;
  const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  return args.length === 1 && (args[0].type === 'identifier' || args[0].type === 'attribute') ? args[0] : undefined;
}

/** `C.get(k)` -> `C`. */
function getCallContainer(node: SyntaxNode): SyntaxNode | undefined {
  node = unparen(node);
  if (node.type !== 'call') return undefined;
  const callee = node.childForFieldName('function');
  if (callee?.type !== 'attribute' || callee.childForFieldName('attribute')?.text !== 'get') return undefined;
  const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  if (args.length !== 1) return undefined;
  const object = callee.childForFieldName('object')!;
  return object.type === 'identifier' || object.type === 'attribute' ? object : undefined;
}

/** `x = v` (or `x: T = v`) whose target is `subject`. */
function assigns(node: SyntaxNode, subject: SyntaxNode): boolean {
  if (node.type !== 'assignment') return false;
  const left = node.childForFieldName('left');
  return !!left && !!node.childForFieldName('right') && targetsOf(left).some((t) => sameText(t, subject));
}

/** After `x = <new object>`, the branch goes on filling `x` in (`x[k] = v`, `x.update(...)`, `x.attr = v`). */
function publishedEarly(branch: SyntaxNode, assignment: SyntaxNode, subject: SyntaxNode): boolean {
  const text = normalise(subject.text);
  const visit = (node: SyntaxNode): boolean => {
    if (node.startIndex >= assignment.endIndex) {
      if (node.type === 'subscript' || node.type === 'attribute') {
        const object = node.type === 'subscript' ? node.childForFieldName('value') : node.childForFieldName('object');
        const parent = node.parent;
        const stored = (parent?.type === 'assignment' || parent?.type === 'augmented_assignment') && targetsOf(parent.childForFieldName('left')!).includes(node);
        if (object && normalise(object.text) === text && stored) return true;
      }
      if (node.type === 'call') {
        const callee = node.childForFieldName('function');
        const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text ?? '' : '';
        if ((INSERT_METHODS.has(method) || REMOVE_METHODS.has(method)) && normalise(callee!.childForFieldName('object')!.text) === text) return true;
      }
    }
    if (node.type === 'function_definition' || node.type === 'lambda' || node.type === 'class_definition') return false;
    return node.namedChildren.some(visit);
  };
  return visit(branch);
}

/** `if not started: started = True; ...`: a flag set to a constant, with more work in the branch. */
function guardsOnce(branch: SyntaxNode, assignment: SyntaxNode): boolean {
  const value = assignment.childForFieldName('right');
  if (!value || !['true', 'false', 'integer'].includes(value.type)) return false;
  return branch.namedChildren.filter((c) => c.type !== 'comment').length > 1;
}

/** Between the check and the act, an `if`/`while` tests the same state again. */
function checksAgain(statement: SyntaxNode, condition: SyntaxNode, act: SyntaxNode, subject: SyntaxNode): boolean {
  const text = normalise(subject.text);
  const visit = (node: SyntaxNode): boolean => {
    if (node.startIndex >= act.startIndex) return false;
    if ((node.type === 'if_statement' || node.type === 'while_statement') && node !== statement) {
      const inner = node.childForFieldName('condition');
      if (inner && inner !== condition && normalise(inner.text).includes(text)) return true;
    }
    return node.namedChildren.some(visit);
  };
  return visit(statement);
}

/** `C[k]` read (not as an assignment target). */
function readsItemOf(node: SyntaxNode, container: SyntaxNode): boolean {
  if (node.type !== 'subscript' || !sameText(node.childForFieldName('value'), container)) return false;
  const parent = node.parent;
  if ((parent?.type === 'assignment' || parent?.type === 'augmented_assignment') && parent.childForFieldName('left') === node) return false;
  return parent?.type !== 'delete_statement';
}

/** The right side reads the target (`x + 1` for `x`), outside lambdas and nested defs. */
function readsSame(right: SyntaxNode, target: SyntaxNode): boolean {
  const text = normalise(target.text);
  const visit = (node: SyntaxNode): boolean => {
    if (node.type === 'lambda' || /comprehension|generator_expression/.test(node.type)) return false;
    if ((node.type === 'identifier' || node.type === 'attribute') && normalise(node.text) === text) {
      // `x.y` in `x = x.y` reads `x` too, but a name inside a longer attribute `self.x` of `x`? Only exact matches.
      return !(node.parent?.type === 'attribute' && node.parent.childForFieldName('attribute') === node);
    }
    return node.namedChildren.some(visit);
  };
  return visit(right);
}

/** `d[k] = d[k] + 1`, `d[k] = d.get(k, 0) + 1`. */
function readsItem(right: SyntaxNode, target: SyntaxNode, container: SyntaxNode): boolean {
  const item = normalise(target.text);
  const visit = (node: SyntaxNode): boolean => {
    if (node.type === 'lambda') return false;
    if (node.type === 'subscript' && normalise(node.text) === item) return true;
    if (node.type === 'call') {
      const callee = node.childForFieldName('function');
      if (callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'get' && sameText(callee.childForFieldName('object'), container)) return true;
    }
    return node.namedChildren.some(visit);
  };
  return visit(right);
}

function containsAwait(node: SyntaxNode | null | undefined): boolean {
  if (!node) return false;
  if (node.type === 'await') return true;
  if (node.type === 'function_definition' || node.type === 'lambda') return false;
  return node.namedChildren.some(containsAwait);
}

/** An `await` in `statement` before `act` ends. */
function awaitBefore(statement: SyntaxNode, act: SyntaxNode): boolean {
  const visit = (node: SyntaxNode): boolean => {
    if (node.startIndex >= act.endIndex) return false;
    if (node.type === 'await') return true;
    if (node.type === 'function_definition' || node.type === 'lambda') return false;
    return node.namedChildren.some(visit);
  };
  return visit(statement);
}

function statementOf(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.parent && !current.type.endsWith('statement') && current.type !== 'augmented_assignment' && current.type !== 'assignment') current = current.parent;
  if (current.parent?.type === 'expression_statement') return current.parent;
  return current;
}

function firstLine(node: SyntaxNode): string {
  const text = node.text.split(/\r?\n/)[0].trim();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function displayOf(node: SyntaxNode): string {
  const text = normalise(node.text);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
