/**
 * The semantic model of one module: what the binder recorded, plus the queries rules ask.
 * Rules never walk scopes themselves; they ask the model what a name or a call refers to.
 *
 * Values are resolved flow-insensitively: a name has a type when every binding of it in its
 * scope (ignoring `None`) gives the same one. That is enough to know that `s.get(u)` after
 * `s = requests.Session()` calls `requests.Session.get`, without a type checker. A `for` target
 * gets the type of its iterable's items (`element-types.ts`).
 */
import type { Catalogue } from '../catalogue/schema.js';
import type { SyntaxNode } from '../parser/parser.js';
import {
  bind,
  lookupBindings,
  owningScope,
  SELF_PARAMETER,
  type BinderOutput,
  type CallSite,
  type ClassFacts,
  type WithContext,
} from './binder.js';
import { BUILTIN_NAMES } from './builtins.js';
import { ElementTypes, returnValues } from './element-types.js';
import { dottedPrefixes } from './module-name.js';
import type { Binding, Scope } from './scope.js';

/** What an expression denotes. */
export type Value =
  /** A module, function, class or other named thing: `requests`, `requests.get`, `pkg.mod.Client`. */
  | { kind: 'ref'; qualifiedName: string }
  /** An instance of a type: the result of `requests.Session()`, `self` in a method. */
  | { kind: 'instance'; type: string }
  | { kind: 'unknown' };

const UNKNOWN: Value = { kind: 'unknown' };

/** Binary operators and the method of the left operand that computes them. */
const OPERATOR_METHODS: Record<string, string> = {
  '/': '__truediv__',
  '+': '__add__',
  '-': '__sub__',
  '*': '__mul__',
  '%': '__mod__',
  '//': '__floordiv__',
};

/** Lock-like types: holding one with `with` serialises the code inside. */
export const LOCK_TYPES: ReadonlySet<string> = new Set([
  'threading.Lock',
  'threading.RLock',
  'threading.Condition',
  'threading.Semaphore',
  'threading.BoundedSemaphore',
  'multiprocessing.Lock',
  'multiprocessing.RLock',
  'multiprocessing.synchronize.Lock',
  'multiprocessing.synchronize.RLock',
  'multiprocessing.synchronize.Condition',
  'multiprocessing.synchronize.Semaphore',
  'multiprocessing.synchronize.BoundedSemaphore',
  'asyncio.Lock',
  'asyncio.Semaphore',
  'asyncio.BoundedSemaphore',
  'asyncio.Condition',
]);

export interface HeldLock {
  /** Identity of the lock object: `pkg.mod.LOCK`, `pkg.mod.Cache.lock` (per class attribute). */
  identity: string;
  type: string;
  node: SyntaxNode;
  isAsync: boolean;
}

export interface ModelOptions {
  moduleName: string;
  isPackage: boolean;
  catalogue: Catalogue;
  /** Qualified names of the modules of the analysed project (to tell project code from libraries). */
  projectModules?: ReadonlySet<string>;
}

export class SemanticModel {
  readonly root: Scope;
  readonly scopes: readonly Scope[];
  readonly calls: readonly CallSite[];
  readonly classes: ReadonlyMap<string, ClassFacts>;
  readonly moduleName: string;
  readonly isPackage: boolean;
  readonly catalogue: Catalogue;
  private readonly facts: BinderOutput;
  private readonly projectModules: ReadonlySet<string>;
  private readonly bindingTypes = new Map<Binding, string | null>();
  private readonly inProgress = new Set<Binding>();
  private readonly calleeNames = new Map<CallSite, string | undefined>();
  /** `Type.attr` pairs being resolved, against `self.x = self.x.copy()` cycles. */
  private readonly attributesInProgress = new Set<string>();
  /** Item types of iterables, for `for` targets. */
  private readonly elements: ElementTypes;
  /** What this module's plain functions return, when every `return` agrees on a type. */
  private readonly returnTypes = new Map<Scope, string | null>();

  constructor(tree: SyntaxNode, options: ModelOptions) {
    this.moduleName = options.moduleName;
    this.isPackage = options.isPackage;
    this.catalogue = options.catalogue;
    this.projectModules = options.projectModules ?? new Set();
    this.facts = bind(tree, options.moduleName, options.isPackage);
    this.root = this.facts.root;
    this.scopes = this.facts.scopes;
    this.calls = this.facts.calls;
    this.classes = this.facts.classes;
    this.elements = new ElementTypes(this);
  }

  /** Comments with their offsets, in source order. */
  get comments(): ReadonlyArray<{ start: number; text: string }> {
    return this.facts.comments;
  }

  /** Whether the tree holds Python 2 statements (`print "x"`, `exec code`). */
  get hasPython2Statements(): boolean {
    return this.facts.hasPython2Statements;
  }

  /** Bindings a read of `name` in `scope` sees (empty for builtins and undefined names). */
  bindingsOf(name: string, scope: Scope): Binding[] {
    return lookupBindings(name, scope);
  }

  isUnderMainGuard(node: SyntaxNode): boolean {
    return this.facts.mainGuards.some(([start, end]) => node.startIndex >= start && node.endIndex <= end);
  }

  /** Whether a qualified name belongs to a module of the analysed project. */
  isProjectName(qualifiedName: string): boolean {
    if (this.projectModules.size === 0) return false;
    return dottedPrefixes(qualifiedName).some((prefix) => this.projectModules.has(prefix));
  }

  /** What an expression denotes, as far as names, attributes and calls can tell. */
  valueOf(node: SyntaxNode, scope: Scope): Value {
    switch (node.type) {
      case 'identifier':
        return this.valueOfName(node.text, scope);
      case 'attribute': {
        const object = node.childForFieldName('object');
        const attribute = node.childForFieldName('attribute');
        if (!object || !attribute) return UNKNOWN;
        return this.attributeOf(this.valueOf(object, scope), attribute.text);
      }
      case 'call': {
        const callee = node.childForFieldName('function');
        return callee ? this.resultOf(this.valueOf(callee, scope)) : UNKNOWN;
      }
      case 'parenthesized_expression': {
        const inner = node.namedChildren[0];
        return inner ? this.valueOf(inner, scope) : UNKNOWN;
      }
      case 'binary_operator':
        return this.operatorResult(node, scope);
      default:
        return UNKNOWN;
    }
  }

  /** Qualified name of what a call calls: `requests.Session.get` for `s.get(u)`. */
  calleeName(call: CallSite): string | undefined {
    // Inside a call being followed, the answer holds for that call only.
    if (this.elements.dependsOnFollowedCall(call.scope)) {
      const value = this.valueOf(call.callee, call.scope);
      return value.kind === 'ref' ? value.qualifiedName : undefined;
    }
    // Every rule asks about every call: resolve each once.
    if (this.calleeNames.has(call)) return this.calleeNames.get(call);
    const value = this.valueOf(call.callee, call.scope);
    const name = value.kind === 'ref' ? value.qualifiedName : undefined;
    this.calleeNames.set(call, name);
    return name;
  }

  /**
   * Runs `body` while the parameters of the function of this module that `call` calls are typed
   * by the arguments of that call (call-site inference): in `export(record, Path(tmp))`,
   * `directory / name` inside `export` is a `pathlib.Path`. What the model answers inside holds
   * for that call only and is not kept. Undefined, without running `body`, when the call does
   * not call one plain function of this module or cannot be followed (a method, a decorated
   * function, arguments that do not match, recursion, three calls deep already).
   */
  followCall<T>(call: CallSite, body: (callee: Scope) => T): { value: T } | undefined {
    const name = this.calleeName(call);
    const functions = name ? this.scopes.filter((s) => s.kind === 'function' && s.qualifiedName === name) : [];
    if (functions.length !== 1) return undefined;
    const callee = functions[0];
    return this.elements.follow(callee, call.node, call.scope, () => body(callee));
  }

  /** Qualified name an expression refers to (`r.get` -> `requests.get`), if it names something. */
  qualifiedNameOf(node: SyntaxNode, scope: Scope): string | undefined {
    const value = this.valueOf(node, scope);
    return value.kind === 'ref' ? value.qualifiedName : undefined;
  }

  /** Type of the value an expression evaluates to, when known. */
  typeOf(node: SyntaxNode, scope: Scope): string | undefined {
    const value = this.valueOf(node, scope);
    return value.kind === 'instance' ? value.type : undefined;
  }

  /** Locks held by `with` statements around a call, innermost first. */
  heldLocks(call: CallSite): HeldLock[] {
    const held: HeldLock[] = [];
    for (let context: WithContext | undefined = call.withContext; context; context = context.outer) {
      const type = this.typeOf(context.value, context.scope);
      if (!type || !LOCK_TYPES.has(type)) continue;
      const identity = this.identityOf(context.value, context.scope);
      if (identity) held.push({ identity, type, node: context.value, isAsync: context.isAsync });
    }
    return held;
  }

  /**
   * A stable name for the object an expression denotes, for comparing two uses of "the same"
   * shared object: a module global `mod.NAME`, a class's instance attribute `mod.Class.attr`,
   * a local `mod.func.<locals>.name`.
   */
  identityOf(node: SyntaxNode, scope: Scope): string | undefined {
    if (node.type === 'identifier') {
      const owner = owningScope(node.text, scope);
      return owner ? `${owner.qualifiedName}${owner.kind === 'module' || owner.kind === 'class' ? '.' : '.<locals>.'}${node.text}` : undefined;
    }
    if (node.type === 'attribute') {
      const object = node.childForFieldName('object');
      const attribute = node.childForFieldName('attribute')?.text;
      if (!object || !attribute) return undefined;
      const value = this.valueOf(object, scope);
      if (value.kind === 'instance') return `${value.type}.${attribute}`;
      if (value.kind === 'ref') return `${value.qualifiedName}.${attribute}`;
    }
    return undefined;
  }

  private valueOfName(name: string, scope: Scope): Value {
    const owner = owningScope(name, scope);
    if (!owner) {
      if (BUILTIN_NAMES.has(name)) return { kind: 'ref', qualifiedName: `builtins.${name}` };
      return this.starImported(name, scope);
    }
    const bindings = owner.bindings.get(name)!;
    // A name bound once by import/def/class denotes that thing; rebinding makes it unknown.
    const definitions = bindings.filter((b) => b.kind !== 'deletion');
    const named = definitions.filter((b) => !(b.kind === 'assignment' && b.value?.type === 'none'));
    if (named.length > 0 && named.every(isNamingBinding)) {
      const target = named[0].target;
      return target && named.every((b) => b.target === target) ? { kind: 'ref', qualifiedName: target } : UNKNOWN;
    }
    const type = this.typeOfBindings(definitions);
    return type ? { kind: 'instance', type } : UNKNOWN;
  }

  /** `from m import *`: the name comes from the star-imported module that can provide it. */
  private starImported(name: string, scope: Scope): Value {
    const modules: string[] = [];
    for (let s: Scope | undefined = scope; s; s = s.parent) modules.push(...s.starImports);
    if (modules.length === 0) return UNKNOWN;
    const known = modules.find((m) => this.catalogue.knows(`${m}.${name}`));
    const project = modules.find((m) => this.isProjectName(m));
    const module = known ?? project ?? (modules.length === 1 ? modules[0] : undefined);
    return module ? { kind: 'ref', qualifiedName: `${module}.${name}` } : UNKNOWN;
  }

  private typeOfBindings(bindings: Binding[]): string | undefined {
    return soleType(
      bindings,
      (b) => (b.kind === 'assignment' && b.value?.type === 'none') || (b.kind === 'annotation' && !b.value),
      (b) => this.typeOfBinding(b),
    );
  }

  private typeOfBinding(binding: Binding): string | undefined {
    if (this.elements.dependsOnFollowedCall(binding.scope)) {
      // Typed for the call being followed (call-site inference): not a fact to keep.
      if (this.inProgress.has(binding)) return undefined;
      this.inProgress.add(binding);
      try {
        return this.computeBindingType(binding);
      } finally {
        this.inProgress.delete(binding);
      }
    }
    const cached = this.bindingTypes.get(binding);
    if (cached !== undefined) return cached ?? undefined;
    if (this.inProgress.has(binding)) return undefined;
    this.inProgress.add(binding);
    const type = this.computeBindingType(binding);
    this.inProgress.delete(binding);
    this.bindingTypes.set(binding, type ?? null);
    return type;
  }

  private computeBindingType(binding: Binding): string | undefined {
    const scope = binding.scope;
    switch (binding.kind) {
      case 'parameter': {
        const passed = this.elements.passedType(binding);
        if (passed !== null) return passed;
        if (binding.target === SELF_PARAMETER) {
          const cls = scope.enclosingClass;
          return cls?.qualifiedName;
        }
        return binding.value ? this.annotationType(binding.value, scope.parent ?? scope) : undefined;
      }
      case 'annotation':
        return binding.value ? this.annotationType(binding.value, scope) : undefined;
      case 'assignment':
      case 'walrus': {
        if (!binding.value) return undefined;
        const value = this.valueOf(binding.value, scope);
        return value.kind === 'instance' ? value.type : undefined;
      }
      case 'for-target':
        return this.elements.forTargetType(binding);
      case 'with-target': {
        if (!binding.value) return undefined;
        // `with closing(conn) as c:` and `with nullcontext(x) as c:` bind their argument.
        const wrapped = this.wrappedByContext(binding.value, scope);
        if (wrapped) return this.typeOf(wrapped, scope);
        const value = this.valueOf(binding.value, scope);
        if (value.kind !== 'instance') return undefined;
        const entry = this.catalogue.lookup(value.type);
        return entry?.enterReturns ?? this.catalogue.lookup(`${value.type}.__enter__`)?.returns ?? value.type;
      }
      default:
        return undefined;
    }
  }

  private wrappedByContext(value: SyntaxNode, scope: Scope): SyntaxNode | undefined {
    if (value.type !== 'call') return undefined;
    const callee = value.childForFieldName('function');
    const name = callee ? this.qualifiedNameOf(callee, scope) : undefined;
    if (name !== 'contextlib.closing' && name !== 'contextlib.nullcontext') return undefined;
    return value.childForFieldName('arguments')?.namedChildren.find((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
  }

  /** `s: requests.Session` or `s: "requests.Session"` types `s`. */
  private annotationType(annotation: SyntaxNode, scope: Scope): string | undefined {
    let node = annotation.type === 'type' ? annotation.namedChildren[0] : annotation;
    if (!node) return undefined;
    if (node.type === 'string') return undefined;
    if (node.type !== 'identifier' && node.type !== 'attribute') return undefined;
    const value = this.valueOf(node, scope);
    if (value.kind !== 'ref') return undefined;
    return this.isClassName(value.qualifiedName) ? value.qualifiedName : undefined;
  }

  private attributeOf(object: Value, attribute: string): Value {
    if (object.kind === 'ref') {
      const name = `${object.qualifiedName}.${attribute}`;
      const entry = this.catalogue.lookup(name);
      if (entry?.kind === 'attribute' && entry.returns) return { kind: 'instance', type: entry.returns };
      return { kind: 'ref', qualifiedName: name };
    }
    if (object.kind === 'instance') {
      const facts = this.classes.get(object.type);
      const assigned = facts?.instanceAttributes.get(attribute);
      if (assigned) {
        const key = `${object.type}.${attribute}`;
        if (this.attributesInProgress.has(key)) return UNKNOWN;
        this.attributesInProgress.add(key);
        try {
          return this.typeOfAssignedAttribute(assigned);
        } finally {
          this.attributesInProgress.delete(key);
        }
      }
      const classAttribute = facts?.scope.bindings.get(attribute);
      if (classAttribute && classAttribute.every((b) => b.kind === 'assignment')) {
        const type = this.typeOfBindings(classAttribute);
        return type ? { kind: 'instance', type } : UNKNOWN;
      }
      const entry = this.catalogue.lookup(`${object.type}.${attribute}`);
      if (entry?.kind === 'attribute' && entry.returns) return { kind: 'instance', type: entry.returns };
      return { kind: 'ref', qualifiedName: `${object.type}.${attribute}` };
    }
    return UNKNOWN;
  }

  private typeOfAssignedAttribute(assigned: ReadonlyArray<{ value: SyntaxNode; scope: Scope }>): Value {
    const type = soleType(
      assigned,
      (a) => a.value.type === 'none',
      (a) => {
        const value = this.valueOf(a.value, a.scope);
        return value.kind === 'instance' ? value.type : undefined;
      },
    );
    return type ? { kind: 'instance', type } : UNKNOWN;
  }

  /** `path / "name"`: the catalogue's entry for the left operand's dunder method (`pathlib.Path.__truediv__`) gives the type. */
  private operatorResult(node: SyntaxNode, scope: Scope): Value {
    const dunder = OPERATOR_METHODS[node.child(1)?.type ?? ''];
    const left = node.childForFieldName('left');
    if (!dunder || !left) return UNKNOWN;
    const type = this.typeOf(left, scope);
    const returns = type ? this.catalogue.lookup(`${type}.${dunder}`)?.returns : undefined;
    return returns ? { kind: 'instance', type: returns } : UNKNOWN;
  }

  /** The value a call to `callee` returns. */
  private resultOf(callee: Value): Value {
    if (callee.kind !== 'ref') return UNKNOWN;
    const name = callee.qualifiedName;
    const entry = this.catalogue.lookup(name);
    if (entry?.returns) return { kind: 'instance', type: entry.returns };
    if (entry?.kind === 'class') return { kind: 'instance', type: name };
    if (this.isClassName(name)) return { kind: 'instance', type: name };
    const returned = this.returnTypeOf(name);
    return returned ? { kind: 'instance', type: returned } : UNKNOWN;
  }

  /**
   * The type a plain function of this module returns (`def connect(): conn = sqlite3.connect(p);
   * ...; return conn`), when all its `return` statements agree. Not for methods, decorated
   * functions, generators or coroutines, whose call does not return the body's value as is.
   */
  private returnTypeOf(name: string): string | undefined {
    const functions = this.scopes.filter((s) => s.kind === 'function' && s.qualifiedName === name);
    const fn = functions.length === 1 ? functions[0]! : undefined;
    if (!fn || fn.isAsync || fn.containsYield || fn.parent?.kind === 'class' || fn.node.parent?.type === 'decorated_definition') return undefined;
    const known = this.returnTypes.get(fn);
    if (known !== undefined) return known ?? undefined;
    // Recursion sees "unknown" until the answer is in.
    this.returnTypes.set(fn, null);
    const values = returnValues(fn.node);
    const type = values.length > 0 ? soleType(values, () => false, (value) => this.typeOf(value, fn)) : undefined;
    // Inside a call being followed the parameters have that call's types: not a fact to keep.
    if (this.elements.dependsOnFollowedCall(fn)) this.returnTypes.delete(fn);
    else this.returnTypes.set(fn, type ?? null);
    return type;
  }

  /**
   * Whether a qualified name names a class: a class of this module, a catalogued class, or a
   * project name whose last part is CapWords (PEP 8), which the project linker confirms.
   */
  isClassName(name: string): boolean {
    if (this.classes.has(name)) return true;
    const entry = this.catalogue.lookup(name);
    if (entry) return entry.kind === 'class';
    const last = name.slice(name.lastIndexOf('.') + 1);
    return this.isProjectName(name) && /^_?[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/.test(last);
  }
}

/**
 * The one type all items give (`None` placeholders skipped), or undefined when one has no known
 * type or two disagree: flow-insensitive typing stays sound only when every assignment agrees.
 */
function soleType<T>(items: Iterable<T>, isPlaceholder: (item: T) => boolean, typeOf: (item: T) => string | undefined): string | undefined {
  let type: string | undefined;
  for (const item of items) {
    if (isPlaceholder(item)) continue;
    const itemType = typeOf(item);
    if (!itemType || (type && type !== itemType)) return undefined;
    type = itemType;
  }
  return type;
}

/** Bindings that make a name denote a module, function or class rather than a value. */
function isNamingBinding(binding: Binding): boolean {
  return binding.kind === 'import' || binding.kind === 'from-import' || binding.kind === 'function' || binding.kind === 'class';
}

export type { CallSite, ClassFacts, WithContext } from './binder.js';
export type { Binding, Scope } from './scope.js';
