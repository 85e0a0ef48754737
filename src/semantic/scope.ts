import type { SyntaxNode } from '../parser/parser.js';

export type ScopeKind = 'module' | 'class' | 'function' | 'lambda' | 'comprehension';

export type BindingKind =
  | 'import'
  | 'from-import'
  | 'function'
  | 'class'
  | 'parameter'
  | 'assignment'
  | 'augmented-assignment'
  | 'annotation'
  | 'for-target'
  | 'with-target'
  | 'except-target'
  | 'walrus'
  | 'match-capture'
  | 'deletion'
  | 'type-parameter';

/** One place where a name gets a value. */
export interface Binding {
  name: string;
  kind: BindingKind;
  /** The identifier (or the import/def node) that binds. */
  node: SyntaxNode;
  scope: Scope;
  /** Imports: the qualified name bound. Defs and classes: their qualified name. */
  target?: string;
  /** The expression whose value the name gets: `x = <value>`, `with <value> as x`, a parameter's annotation. */
  value?: SyntaxNode;
  /** Identifiers that read this binding (flow-insensitive: every binding of the name in its scope). */
  uses: SyntaxNode[];
}

export class Scope {
  readonly bindings = new Map<string, Binding[]>();
  /** Names declared `global` here. */
  readonly globals = new Set<string>();
  /** Names declared `nonlocal` here. */
  readonly nonlocals = new Set<string>();
  /** Modules imported with `from m import *` in this scope. */
  readonly starImports: string[] = [];
  readonly children: Scope[] = [];
  /** A function whose own body has `yield`: calling it makes a generator instead of running it. */
  containsYield = false;

  constructor(
    readonly kind: ScopeKind,
    readonly node: SyntaxNode,
    readonly parent: Scope | undefined,
    /** The def/class name, or `<lambda>`, `<listcomp>`, the module name. */
    readonly name: string,
    /** `pkg.mod.Class.method`, `pkg.mod.outer.<locals>.inner`, as Python's `__qualname__` with the module. */
    readonly qualifiedName: string,
    readonly isAsync: boolean,
  ) {
    parent?.children.push(this);
  }

  /** Function, lambda or module: the frame whose code runs this scope's statements. */
  get executionScope(): Scope {
    let scope: Scope = this;
    while (scope.kind === 'comprehension' || scope.kind === 'class') scope = scope.parent!;
    return scope;
  }

  get isFunctionLike(): boolean {
    return this.kind === 'function' || this.kind === 'lambda';
  }

  /** The class this scope is a method of, if it is a function defined directly in a class body. */
  get enclosingClass(): Scope | undefined {
    return this.kind === 'function' && this.parent?.kind === 'class' ? this.parent : undefined;
  }

  /** `Client.fetch`, `main`, `outer.inner`: the qualified name without the module, for messages. */
  get displayName(): string {
    const moduleName = this.module().qualifiedName;
    return this.qualifiedName.slice(moduleName.length + 1).replace(/\.<locals>/g, '');
  }

  module(): Scope {
    let scope: Scope = this;
    while (scope.parent) scope = scope.parent;
    return scope;
  }
}
