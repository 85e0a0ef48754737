/**
 * What iterating a value yields, so that loop variables get types: in
 * `for path in sorted(directory.glob("*.csv")):` the items are `pathlib.Path`s, and
 * `path.stat()` calls `pathlib.Path.stat`.
 *
 * The sources of element types are literals and comprehensions, the builtins that pass items
 * through (`sorted`, `list`, `enumerate`, `zip`...), `dict.items()` of a known dict, parameter
 * annotations (`paths: list[Path]`), catalogue entries that say what a call `yields`, and calls
 * to functions of this module, whose returned value is typed with the arguments of that call
 * (call-site inference, as pyright does for unannotated functions).
 *
 * A name's elements are those of every value bound to it and of everything its uses add
 * (`paths.append(p)`, `paths.extend(more)`); a use that may add anything else (passing the list
 * to an unknown function, aliasing it) makes them unknown. Types must all agree, or they are
 * unknown: flow-insensitive typing stays sound only when every source agrees.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { owningScope } from './binder.js';
import type { Binding, Scope } from './scope.js';

/** One item's type, or per-position types for items that are tuples (`enumerate`, `zip`, `dict.items()`). */
export type Element = string | ReadonlyArray<Element | undefined>;

/** `undefined`: unknown. `null`: nothing is known to be in it yet (`[]`), which any other source overrides. */
type Found = Element | undefined | null;

/** What the model offers this module. */
export interface ElementHost {
  readonly scopes: readonly Scope[];
  readonly catalogue: { lookup(name: string): { kind?: string; returns?: string; yields?: string; enterReturns?: string } | undefined };
  valueOf(node: SyntaxNode, scope: Scope): { kind: 'ref'; qualifiedName: string } | { kind: 'instance'; type: string } | { kind: 'unknown' };
  typeOf(node: SyntaxNode, scope: Scope): string | undefined;
  isClassName(name: string): boolean;
}

/** An argument passed at the call being followed: its value is typed on demand, in the caller's scope. */
interface Passed {
  node?: SyntaxNode;
  scope: Scope;
  type?: string | null;
  element?: Found;
}

const DESTRUCTURING = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list']);
/** Builtins whose items are their (first) argument's. */
const PASS_THROUGH = new Set(['builtins.sorted', 'builtins.list', 'builtins.tuple', 'builtins.set', 'builtins.frozenset', 'builtins.reversed', 'builtins.iter']);
/** Builtins that read a collection passed to them without changing it or keeping it. */
const READING_BUILTINS = new Set([
  'builtins.len', 'builtins.sorted', 'builtins.list', 'builtins.tuple', 'builtins.set', 'builtins.frozenset', 'builtins.dict',
  'builtins.enumerate', 'builtins.zip', 'builtins.reversed', 'builtins.sum', 'builtins.min', 'builtins.max', 'builtins.any',
  'builtins.all', 'builtins.iter', 'builtins.print', 'builtins.str', 'builtins.repr', 'builtins.bool', 'builtins.isinstance',
  'builtins.id', 'builtins.map', 'builtins.filter',
]);
/** Methods that add one item (the argument at this position) or the items of an iterable. */
const ADD_ONE: ReadonlyMap<string, number> = new Map([['append', 0], ['add', 0], ['appendleft', 0], ['insert', 1]]);
const ADD_MANY = new Set(['extend', 'extendleft', 'update']);
/** Methods that read, reorder or remove items: nothing new gets in. */
const KEEP_ITEMS = new Set([
  'pop', 'popleft', 'popitem', 'remove', 'discard', 'clear', 'sort', 'reverse', 'index', 'count', 'copy', 'get', 'keys',
  'values', 'items', 'issubset', 'issuperset', 'isdisjoint', 'union', 'intersection', 'difference', 'symmetric_difference',
]);
/** Generic aliases whose first parameter is the item type. */
const ITEM_ANNOTATIONS = new Set([
  'builtins.list', 'builtins.set', 'builtins.frozenset', 'typing.List', 'typing.Set', 'typing.FrozenSet', 'typing.Iterable',
  'typing.Iterator', 'typing.Sequence', 'typing.MutableSequence', 'typing.Collection', 'typing.AbstractSet',
  'typing.MutableSet', 'typing.Reversible', 'collections.abc.Iterable', 'collections.abc.Iterator',
  'collections.abc.Sequence', 'collections.abc.MutableSequence', 'collections.abc.Collection', 'collections.abc.Set',
  'collections.abc.MutableSet', 'collections.abc.Reversible',
]);
const MAPPING_ANNOTATIONS = new Set(['builtins.dict', 'typing.Dict', 'typing.Mapping', 'typing.MutableMapping', 'collections.abc.Mapping', 'collections.abc.MutableMapping']);
/** Annotations that say nothing about the value. */
const UNTYPED_ANNOTATIONS = new Set(['typing.Any', 'builtins.object', 'typing_extensions.Any']);
/** Call-site inference follows at most this many calls inside one another. */
const MAX_FOLLOWED = 3;

export class ElementTypes {
  private readonly scopesByNode = new Map<number, Scope>();
  /** Parameters of the functions whose call is being followed, by function scope. */
  private readonly followed = new Map<Scope, Map<string, Passed>>();
  private readonly byName = new Map<Binding[], Found>();
  private readonly mappingsByName = new Map<Binding[], [Found, Found] | undefined>();
  private readonly byCall = new Map<number, Found>();
  private readonly inProgress = new Set<Binding[]>();
  private readonly mappingsInProgress = new Set<Binding[]>();

  constructor(private readonly host: ElementHost) {
    for (const scope of host.scopes) this.scopesByNode.set(scope.node.id, scope);
  }

  /** The type a `for` target (or a comprehension's) gets from the items of its iterable. */
  forTargetType(binding: Binding): string | undefined {
    let node = binding.node;
    const path: SyntaxNode[] = [];
    for (let parent = node.parent; parent; node = parent, parent = parent.parent) {
      if (parent.type === 'parenthesized_expression') continue;
      if (DESTRUCTURING.has(parent.type)) {
        path.unshift(node);
        continue;
      }
      if ((parent.type === 'for_statement' || parent.type === 'for_in_clause') && node.field === 'left') {
        const iterable = parent.childForFieldName('right');
        if (!iterable) return undefined;
        let element = this.elementsOf(iterable, this.iterableScope(parent)) ?? undefined;
        for (const part of path) {
          const pattern = part.parent!.type === 'parenthesized_expression' ? part.parent!.parent! : part.parent!;
          const items = pattern.namedChildren.filter((c) => c.type !== 'comment');
          if (!Array.isArray(element) || element.length !== items.length) return undefined;
          const index = items.findIndex((c) => c.id === part.id || (c.type === 'parenthesized_expression' && c.namedChildren.some((i) => i.id === part.id)));
          element = (element as ReadonlyArray<Element | undefined>)[index];
        }
        return typeof element === 'string' ? element : undefined;
      }
      return undefined;
    }
    return undefined;
  }

  /**
   * While a call is followed: the type of the argument a parameter received. `null` when the
   * call is not followed or the argument's type is unknown (the annotation, if any, still holds).
   */
  passedType(binding: Binding): string | null {
    const passed = this.followed.get(binding.scope)?.get(binding.name);
    if (!passed || binding.kind !== 'parameter') return null;
    if (passed.type === undefined) passed.type = passed.node ? this.host.typeOf(passed.node, passed.scope) ?? null : null;
    return passed.type;
  }

  /** A binding in a function whose call is being followed: its type holds for that call only, so it must not be cached. */
  dependsOnFollowedCall(scope: Scope): boolean {
    if (this.followed.size === 0) return false;
    for (let s: Scope | undefined = scope; s; s = s.parent) if (this.followed.has(s)) return true;
    return false;
  }

  private iterableScope(loop: SyntaxNode): Scope {
    if (loop.type === 'for_statement') return this.scopeAt(loop);
    const comprehension = this.scopesByNode.get(loop.parent!.id);
    if (!comprehension) return this.scopeAt(loop);
    const first = loop.parent!.namedChildren.find((c) => c.type === 'for_in_clause');
    return first?.id === loop.id ? comprehension.parent ?? comprehension : comprehension;
  }

  /** The innermost scope around a node. */
  private scopeAt(node: SyntaxNode): Scope {
    for (let parent = node.parent; parent; parent = parent.parent) {
      const scope = this.scopesByNode.get(parent.id);
      if (scope) return scope;
    }
    return this.host.scopes[0];
  }

  /** What iterating `node` yields. */
  private elementsOf(node: SyntaxNode, scope: Scope): Found {
    switch (node.type) {
      case 'parenthesized_expression': {
        const inner = node.namedChildren.filter((c) => c.type !== 'comment');
        return inner.length === 1 ? this.elementsOf(inner[0], scope) : undefined;
      }
      case 'list':
      case 'tuple':
      case 'set':
      case 'expression_list':
        return agree(
          node.namedChildren
            .filter((c) => c.type !== 'comment')
            .map((item) => (item.type === 'list_splat' || item.type === 'parenthesized_list_splat' ? this.splatElements(item, scope) : this.valueElement(item, scope))),
        );
      case 'list_comprehension':
      case 'set_comprehension':
      case 'generator_expression': {
        const own = this.scopesByNode.get(node.id);
        const body = node.childForFieldName('body');
        return own && body ? this.valueElement(body, own) : undefined;
      }
      case 'dictionary':
      case 'dictionary_comprehension':
        return this.mappingOf(node, scope)?.[0];
      case 'string':
      case 'concatenated_string':
        return 'builtins.str';
      case 'call':
        return this.callElements(node, scope);
      case 'identifier':
        return this.nameElements(node.text, scope);
      default: {
        const type = this.host.typeOf(node, scope);
        return type ? this.host.catalogue.lookup(type)?.yields : undefined;
      }
    }
  }

  private splatElements(splat: SyntaxNode, scope: Scope): Found {
    const inner = splat.namedChildren[0];
    return inner ? this.elementsOf(inner, scope) ?? undefined : undefined;
  }

  /** The type of one value put in a collection: a tuple literal gives per-position types. */
  private valueElement(node: SyntaxNode, scope: Scope): Element | undefined {
    if (node.type === 'parenthesized_expression') {
      const inner = node.namedChildren.filter((c) => c.type !== 'comment');
      return inner.length === 1 ? this.valueElement(inner[0], scope) : undefined;
    }
    if (node.type === 'tuple' || node.type === 'expression_list') {
      const items = node.namedChildren.filter((c) => c.type !== 'comment');
      if (items.some((i) => i.type === 'list_splat' || i.type === 'parenthesized_list_splat')) return undefined;
      return items.map((i) => this.valueElement(i, scope));
    }
    return this.host.typeOf(node, scope);
  }

  private callElements(call: SyntaxNode, scope: Scope): Found {
    const callee = call.childForFieldName('function');
    if (!callee) return undefined;
    const args = callArguments(call);
    if (callee.type === 'attribute' && args && args.positional.length === 0 && args.keywords.size === 0) {
      const method = callee.childForFieldName('attribute')?.text;
      const object = callee.childForFieldName('object');
      if (object && (method === 'items' || method === 'keys' || method === 'values')) {
        const mapping = this.mappingOf(object, scope);
        if (mapping) {
          const [key, value] = mapping.map((part) => part ?? undefined);
          if (method === 'keys') return key;
          if (method === 'values') return value;
          return key === undefined && value === undefined ? undefined : [key, value];
        }
      }
    }
    const value = this.host.valueOf(callee, scope);
    if (value.kind !== 'ref') return undefined;
    const name = value.qualifiedName;
    if (name.startsWith('builtins.')) {
      if (!args) return undefined;
      const first = args.positional[0];
      if (PASS_THROUGH.has(name)) {
        if (!first) return name === 'builtins.iter' ? undefined : null;
        return name === 'builtins.iter' && args.positional.length > 1 ? undefined : this.elementsOf(first, scope);
      }
      if (name === 'builtins.range') return 'builtins.int';
      if (name === 'builtins.enumerate') return first ? ['builtins.int', this.elementsOf(first, scope) ?? undefined] : undefined;
      if (name === 'builtins.zip') return args.positional.length > 0 ? args.positional.map((a) => this.elementsOf(a, scope) ?? undefined) : undefined;
      if (name === 'builtins.filter') return args.positional[1] ? this.elementsOf(args.positional[1], scope) : undefined;
    }
    const entry = this.host.catalogue.lookup(name);
    if (entry) {
      if (entry.kind === 'class' || entry.yields) return entry.yields;
      return entry.returns ? this.host.catalogue.lookup(entry.returns)?.yields : undefined;
    }
    const functions = this.host.scopes.filter((s) => s.kind === 'function' && s.qualifiedName === name);
    return functions.length === 1 && args ? this.returnedElements(functions[0], call, args, scope) : undefined;
  }

  /**
   * Call-site inference: the items of what `fn` returns when called with these arguments. Only
   * plain functions of this module (no methods, decorators, generators or coroutines).
   */
  private returnedElements(fn: Scope, call: SyntaxNode, args: CallArguments, callerScope: Scope): Found {
    if (this.byCall.has(call.id)) return this.byCall.get(call.id);
    if (fn.isAsync || fn.containsYield) return undefined;
    const outermost = this.followed.size === 0;
    const followed = this.followWith(fn, args, callerScope, () => {
      // A function without a value to return gives None, which has no items.
      const values = returnValues(fn.node);
      return values.length > 0 ? agree(values.map((value) => this.elementsOf(value, fn))) : undefined;
    });
    const result = followed ? followed.value : undefined;
    if (outermost) this.byCall.set(call.id, result);
    return result;
  }

  /**
   * Runs `body` while the parameters of `fn` have the types of the arguments `call` passes
   * (call-site inference). Undefined, without running `body`, when the call cannot be followed:
   * a method, a decorated function, arguments that do not match, recursion or too deep.
   */
  follow<T>(fn: Scope, call: SyntaxNode, callerScope: Scope, body: () => T): { value: T } | undefined {
    const args = callArguments(call);
    return args ? this.followWith(fn, args, callerScope, body) : undefined;
  }

  private followWith<T>(fn: Scope, args: CallArguments, callerScope: Scope, body: () => T): { value: T } | undefined {
    if (fn.kind !== 'function' || fn.enclosingClass || fn.node.parent?.type === 'decorated_definition') return undefined;
    if (this.followed.has(fn) || this.followed.size >= MAX_FOLLOWED) return undefined;
    const passed = this.bindParameters(fn, args, callerScope);
    if (!passed) return undefined;
    this.followed.set(fn, passed);
    try {
      return { value: body() };
    } finally {
      this.followed.delete(fn);
    }
  }

  /** Parameters of `fn` and what this call passes to each (an argument, or the default). */
  private bindParameters(fn: Scope, args: CallArguments, callerScope: Scope): Map<string, Passed> | undefined {
    const passed = new Map<string, Passed>();
    let position = 0;
    let keywordOnly = false;
    const used = new Set<string>();
    for (const parameter of fn.node.childForFieldName('parameters')?.namedChildren ?? []) {
      if (parameter.type === 'comment' || parameter.type === 'positional_separator') continue;
      if (parameter.type === 'keyword_separator') {
        keywordOnly = true;
        continue;
      }
      if (parameter.type === 'list_splat_pattern' || parameter.type === 'dictionary_splat_pattern') {
        const name = parameter.namedChildren.find((c) => c.type === 'identifier')?.text;
        if (name) passed.set(name, { scope: callerScope, type: null, element: undefined });
        if (parameter.type === 'list_splat_pattern') keywordOnly = true;
        continue;
      }
      const nameNode = parameter.type === 'identifier' ? parameter : parameter.childForFieldName('name') ?? parameter.namedChildren.find((c) => c.type === 'identifier');
      if (!nameNode) return undefined;
      const name = nameNode.text;
      const byKeyword = args.keywords.get(name);
      const byPosition = !keywordOnly ? args.positional[position] : undefined;
      if (!keywordOnly) position++;
      if (byKeyword && byPosition) return undefined;
      used.add(name);
      const argument = byKeyword ?? byPosition;
      if (argument) passed.set(name, { node: argument, scope: callerScope });
      else {
        const fallback = parameter.childForFieldName('value');
        passed.set(name, fallback ? { node: fallback, scope: fn.parent ?? fn } : { scope: callerScope, type: null, element: undefined });
      }
    }
    // More arguments than parameters, or a keyword no parameter takes: the call would fail.
    if (position < args.positional.length || [...args.keywords.keys()].some((k) => !used.has(k))) return undefined;
    return passed;
  }

  /** Elements of a name: every value bound to it and everything its uses add. */
  private nameElements(name: string, scope: Scope): Found {
    const owner = owningScope(name, scope);
    const bindings = owner?.bindings.get(name);
    if (!owner || !bindings) return undefined;
    const cacheable = !this.dependsOnFollowedCall(owner);
    if (cacheable && this.byName.has(bindings)) return this.byName.get(bindings);
    if (this.inProgress.has(bindings)) return undefined;
    this.inProgress.add(bindings);
    let result: Found;
    try {
      result = agree([...bindings.map((b) => this.bindingElements(b)), ...(bindings[0]?.uses ?? []).map((use) => this.addedByUse(use))]);
    } finally {
      this.inProgress.delete(bindings);
    }
    if (cacheable) this.byName.set(bindings, result);
    return result;
  }

  private bindingElements(binding: Binding): Found {
    switch (binding.kind) {
      case 'assignment':
      case 'walrus':
        return binding.value ? this.elementsOf(binding.value, this.scopeAt(binding.node)) : undefined;
      case 'augmented-assignment': {
        const right = binding.value?.childForFieldName('right');
        const operator = binding.value?.child(1)?.type;
        return right && (operator === '+=' || operator === '|=') ? this.elementsOf(right, this.scopeAt(binding.node)) : undefined;
      }
      case 'parameter': {
        const passed = this.followed.get(binding.scope)?.get(binding.name);
        if (passed && passed.element === undefined && passed.node) passed.element = this.elementsOf(passed.node, passed.scope) ?? null;
        if (passed?.element) return passed.element;
        return binding.value ? this.annotationElements(binding.value, binding.scope.parent ?? binding.scope) : undefined;
      }
      case 'with-target': {
        // `with os.scandir(d) as entries:` binds the iterator itself, unless the type says otherwise.
        if (!binding.value) return undefined;
        const scope = this.scopeAt(binding.node);
        const type = this.host.typeOf(binding.value, scope);
        return type && this.host.catalogue.lookup(type)?.enterReturns ? undefined : this.elementsOf(binding.value, scope);
      }
      case 'annotation':
        return null;
      default:
        return undefined;
    }
  }

  /** `list[Path]`, `Iterable[Path]`, `dict[str, int]` (its keys). */
  private annotationElements(annotation: SyntaxNode, scope: Scope): Found {
    const generic = genericOf(annotation);
    if (!generic) return undefined;
    const base = this.host.valueOf(generic.base, scope);
    if (base.kind !== 'ref') return undefined;
    const first = generic.parameters[0] ? this.annotationClass(generic.parameters[0], scope) : undefined;
    if (ITEM_ANNOTATIONS.has(base.qualifiedName) || MAPPING_ANNOTATIONS.has(base.qualifiedName)) return first;
    if ((base.qualifiedName === 'builtins.tuple' || base.qualifiedName === 'typing.Tuple') && generic.parameters[1]?.text === '...') return first;
    return undefined;
  }

  private annotationMapping(annotation: SyntaxNode, scope: Scope): [Found, Found] | undefined {
    const generic = genericOf(annotation);
    if (!generic || generic.parameters.length !== 2) return undefined;
    const base = this.host.valueOf(generic.base, scope);
    if (base.kind !== 'ref' || !MAPPING_ANNOTATIONS.has(base.qualifiedName)) return undefined;
    return [this.annotationClass(generic.parameters[0], scope), this.annotationClass(generic.parameters[1], scope)];
  }

  private annotationClass(node: SyntaxNode, scope: Scope): string | undefined {
    const inner = node.type === 'type' ? node.namedChildren[0] : node;
    if (!inner || (inner.type !== 'identifier' && inner.type !== 'attribute')) return undefined;
    const value = this.host.valueOf(inner, scope);
    if (value.kind !== 'ref' || UNTYPED_ANNOTATIONS.has(value.qualifiedName)) return undefined;
    return this.host.isClassName(value.qualifiedName) ? value.qualifiedName : undefined;
  }

  /**
   * What a use of a collection's name adds to it: `null` for nothing (iterating, `len`, reading
   * an item), the item's type for `append`, `undefined` when the use may add anything.
   */
  private addedByUse(use: SyntaxNode): Found {
    const parent = use.parent;
    if (!parent) return undefined;
    if (parent.type === 'attribute' && use.field === 'object') {
      const call = parent.parent;
      const method = parent.childForFieldName('attribute')?.text ?? '';
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== parent.id) return undefined;
      const args = callArguments(call);
      if (!args) return undefined;
      const scope = this.scopeAt(call);
      const one = ADD_ONE.get(method);
      if (one !== undefined) return args.positional[one] ? this.valueElement(args.positional[one], scope) : undefined;
      if (ADD_MANY.has(method)) return args.positional.length === 1 && args.keywords.size === 0 ? this.elementsOf(args.positional[0], scope) : undefined;
      return KEEP_ITEMS.has(method) ? null : undefined;
    }
    if (parent.type === 'subscript' && use.field === 'value') return isStoreTarget(parent) ? undefined : null;
    return this.isReadOnlyUse(use) ? null : undefined;
  }

  /** Uses that read a collection without changing it or letting other code reach it. */
  private isReadOnlyUse(use: SyntaxNode): boolean {
    const parent = use.parent!;
    switch (parent.type) {
      case 'for_statement':
      case 'for_in_clause':
        return use.field === 'right';
      case 'return_statement':
      case 'comparison_operator':
      case 'not_operator':
      case 'interpolation':
      case 'expression_statement':
      case 'delete_statement':
      case 'assert_statement':
        return true;
      case 'expression_list':
        return parent.parent?.type === 'return_statement';
      case 'augmented_assignment':
        return use.field === 'left';
      case 'if_statement':
      case 'elif_clause':
      case 'while_statement':
        return use.field === 'condition';
      case 'argument_list': {
        const call = parent.parent;
        const callee = call?.childForFieldName('function');
        if (!callee) return false;
        const value = this.host.valueOf(callee, this.scopeAt(call!));
        return value.kind === 'ref' && READING_BUILTINS.has(value.qualifiedName);
      }
      default:
        return false;
    }
  }

  /** Key and value types of a dict: literal, comprehension, annotated parameter, or a name holding one. */
  private mappingOf(node: SyntaxNode, scope: Scope): [Found, Found] | undefined {
    switch (node.type) {
      case 'parenthesized_expression': {
        const inner = node.namedChildren.filter((c) => c.type !== 'comment');
        return inner.length === 1 ? this.mappingOf(inner[0], scope) : undefined;
      }
      case 'dictionary': {
        const keys: Found[] = [];
        const values: Found[] = [];
        for (const item of node.namedChildren) {
          if (item.type === 'comment') continue;
          if (item.type === 'pair') {
            const key = item.childForFieldName('key');
            const value = item.childForFieldName('value');
            keys.push(key ? this.valueElement(key, scope) : undefined);
            values.push(value ? this.valueElement(value, scope) : undefined);
          } else if (item.type === 'dictionary_splat') {
            const inner = item.namedChildren[0] ? this.mappingOf(item.namedChildren[0], scope) : undefined;
            keys.push(inner ? inner[0] : undefined);
            values.push(inner ? inner[1] : undefined);
          } else return undefined;
        }
        return [agree(keys), agree(values)];
      }
      case 'dictionary_comprehension': {
        const own = this.scopesByNode.get(node.id);
        const pair = node.childForFieldName('body');
        const key = pair?.childForFieldName('key');
        const value = pair?.childForFieldName('value');
        return own && key && value ? [this.valueElement(key, own), this.valueElement(value, own)] : undefined;
      }
      case 'identifier':
        return this.nameMapping(node.text, scope);
      default:
        return undefined;
    }
  }

  private nameMapping(name: string, scope: Scope): [Found, Found] | undefined {
    const owner = owningScope(name, scope);
    const bindings = owner?.bindings.get(name);
    if (!owner || !bindings) return undefined;
    const cacheable = !this.dependsOnFollowedCall(owner);
    if (cacheable && this.mappingsByName.has(bindings)) return this.mappingsByName.get(bindings);
    if (this.mappingsInProgress.has(bindings)) return undefined;
    this.mappingsInProgress.add(bindings);
    const parts: Array<[Found, Found] | undefined> = [];
    try {
      for (const binding of bindings) {
        if (binding.kind === 'annotation') continue;
        if (binding.kind === 'parameter') {
          const passed = this.followed.get(binding.scope)?.get(binding.name);
          parts.push(passed?.node ? this.mappingOf(passed.node, passed.scope) : binding.value ? this.annotationMapping(binding.value, binding.scope.parent ?? binding.scope) : undefined);
        } else if (binding.kind === 'assignment' && binding.value) parts.push(this.mappingOf(binding.value, this.scopeAt(binding.node)));
        else parts.push(undefined);
      }
      for (const use of bindings[0]?.uses ?? []) parts.push(this.storedByUse(use));
    } finally {
      this.mappingsInProgress.delete(bindings);
    }
    const result: [Found, Found] | undefined = parts.some((p) => p === undefined)
      ? undefined
      : [agree(parts.map((p) => p![0])), agree(parts.map((p) => p![1]))];
    if (cacheable) this.mappingsByName.set(bindings, result);
    return result;
  }

  /** What a use of a dict's name stores in it: `d[k] = v`, `d.setdefault(k, v)`; reads store nothing. */
  private storedByUse(use: SyntaxNode): [Found, Found] | undefined {
    const parent = use.parent;
    if (!parent) return undefined;
    if (parent.type === 'subscript' && use.field === 'value') {
      if (!isStoreTarget(parent)) return [null, null];
      const assignment = parent.parent!;
      const key = parent.namedChildren.filter((c) => c.field === 'subscript');
      const scope = this.scopeAt(parent);
      const keyType = key.length === 1 ? this.valueElement(key[0], scope) : undefined;
      if (assignment.type === 'delete_statement') return [null, null];
      const value = assignment.type === 'assignment' ? assignment.childForFieldName('right') : null;
      return [keyType, value && value.type !== 'assignment' ? this.valueElement(value, scope) : undefined];
    }
    if (parent.type === 'attribute' && use.field === 'object') {
      const call = parent.parent;
      const method = parent.childForFieldName('attribute')?.text ?? '';
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== parent.id) return undefined;
      const args = callArguments(call);
      if (!args) return undefined;
      const scope = this.scopeAt(call);
      if (method === 'setdefault' && args.positional.length === 2) return [this.valueElement(args.positional[0], scope), this.valueElement(args.positional[1], scope)];
      if (method === 'update' && args.positional.length === 1 && args.keywords.size === 0) return this.mappingOf(args.positional[0], scope);
      return KEEP_ITEMS.has(method) && method !== 'setdefault' ? [null, null] : undefined;
    }
    return this.isReadOnlyUse(use) ? [null, null] : undefined;
  }
}

interface CallArguments {
  positional: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
}

/** Positional and keyword arguments; undefined when `*args` or `**kwargs` hide which is which. */
function callArguments(call: SyntaxNode): CallArguments | undefined {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const list = call.childForFieldName('arguments');
  if (list?.type === 'generator_expression') return { positional: [list], keywords };
  for (const argument of list?.namedChildren ?? []) {
    if (argument.type === 'comment') continue;
    if (argument.type === 'list_splat' || argument.type === 'dictionary_splat') return undefined;
    if (argument.type === 'keyword_argument') {
      const name = argument.childForFieldName('name')?.text;
      const value = argument.childForFieldName('value');
      if (!name || !value) return undefined;
      keywords.set(name, value);
    } else positional.push(argument);
  }
  return { positional, keywords };
}

/** `d[k]` being assigned to, augmented or deleted. */
function isStoreTarget(subscript: SyntaxNode): boolean {
  const parent = subscript.parent;
  if (!parent) return false;
  if ((parent.type === 'assignment' || parent.type === 'augmented_assignment') && subscript.field === 'left') return true;
  if (parent.type === 'delete_statement') return true;
  return false;
}

/** The value expressions of a function's `return` statements, not counting nested functions. */
export function returnValues(fn: SyntaxNode): SyntaxNode[] {
  const values: SyntaxNode[] = [];
  const visit = (node: SyntaxNode): void => {
    for (const child of node.namedChildren) {
      if (child.type === 'function_definition' || child.type === 'class_definition' || child.type === 'lambda' || child.type === 'decorated_definition') continue;
      if (child.type === 'return_statement') {
        const value = child.namedChildren.find((c) => c.type !== 'comment');
        if (value) values.push(value);
        continue;
      }
      visit(child);
    }
  };
  const body = fn.childForFieldName('body');
  if (body) visit(body);
  return values;
}

/** `list[Path]` or `typing.List[Path]`: the generic and its parameters. */
function genericOf(annotation: SyntaxNode): { base: SyntaxNode; parameters: SyntaxNode[] } | undefined {
  const node = annotation.type === 'type' ? annotation.namedChildren[0] : annotation;
  if (!node) return undefined;
  if (node.type === 'generic_type') {
    const base = node.namedChildren[0];
    const parameters = node.namedChildren.find((c) => c.type === 'type_parameter')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    return base ? { base, parameters } : undefined;
  }
  if (node.type === 'subscript') {
    const base = node.childForFieldName('value');
    const parameters = node.namedChildren.filter((c) => c.field === 'subscript');
    return base ? { base, parameters } : undefined;
  }
  return undefined;
}

/** The one element all sources agree on; `null` sources (nothing known in them yet) do not count. */
function agree(found: readonly Found[]): Found {
  let result: Found = null;
  let key: string | undefined;
  for (const item of found) {
    if (item === null) continue;
    if (item === undefined) return undefined;
    const itemKey = JSON.stringify(item);
    if (key !== undefined && key !== itemKey) return undefined;
    key = itemKey;
    result = item;
  }
  return result;
}
