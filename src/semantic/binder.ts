/**
 * The binder: one walk over a module's syntax tree that builds its scopes, the bindings of
 * every name, the references that read them, the call sites, the `with` contexts around each
 * call, class attributes assigned through `self`, and the `if __name__ == "__main__":` blocks.
 *
 * It records facts only; resolution (which binding a name reads, what a call calls) happens
 * afterwards, on demand, in `SemanticModel`, because Python resolves names by whole scopes.
 */
import { neverTrueConditions, type NeverTrue } from './never-true.js';
import type { SyntaxNode } from '../parser/parser.js';
import { resolveRelativeModule } from './module-name.js';
import { Scope, type Binding, type BindingKind } from './scope.js';

/** A `with` item active around a node: `with <value> as ...:`. Kept as a linked list, innermost first. */
export interface WithContext {
  value: SyntaxNode;
  scope: Scope;
  isAsync: boolean;
  outer?: WithContext;
}

export interface CallSite {
  node: SyntaxNode;
  /** The expression being called. */
  callee: SyntaxNode;
  /** Innermost scope (a comprehension's, possibly). */
  scope: Scope;
  /** The call is the operand of `await`. */
  awaited: boolean;
  /** The call is a whole expression statement: its value is dropped. */
  statement: boolean;
  /** Innermost enclosing `with` item, if any. */
  withContext?: WithContext;
}

export interface Reference {
  node: SyntaxNode;
  scope: Scope;
}

/** An attribute assigned on an instance inside a method: `self.<name> = <value>`. */
export interface InstanceAttribute {
  name: string;
  value: SyntaxNode;
  scope: Scope;
  node: SyntaxNode;
}

export interface ClassFacts {
  scope: Scope;
  node: SyntaxNode;
  bases: SyntaxNode[];
  instanceAttributes: Map<string, InstanceAttribute[]>;
}

export interface BinderOutput {
  root: Scope;
  scopes: Scope[];
  references: Reference[];
  calls: CallSite[];
  classes: Map<string, ClassFacts>;
  /** Byte ranges [start, end) of `if __name__ == "__main__":` bodies at module level. */
  mainGuards: Array<[number, number]>;
  /** Every comment, with its offset (for suppression comments). */
  comments: Array<{ start: number; text: string }>;
  /** The tree holds Python 2 statements (`print "x"`), which the grammar accepts. */
  hasPython2Statements: boolean;
}


export function bind(root: SyntaxNode, moduleName: string, isPackage: boolean): BinderOutput {
  return new Binder(moduleName, isPackage).run(root);
}

class Binder {
  private readonly scopes: Scope[] = [];
  private readonly references: Reference[] = [];
  private readonly calls: CallSite[] = [];
  private readonly classes = new Map<string, ClassFacts>();
  private readonly mainGuards: Array<[number, number]> = [];
  private readonly comments: Array<{ start: number; text: string }> = [];
  private hasPython2Statements = false;
  private neverTrue: NeverTrue = () => false;
  /** Above zero inside a block that never runs on Python 3 (see never-true.ts): its calls are not recorded. */
  private unreachableDepth = 0;
  private withContext: WithContext | undefined;

  constructor(
    private readonly moduleName: string,
    private readonly isPackage: boolean,
  ) {}

  run(root: SyntaxNode): BinderOutput {
    const module = this.newScope('module', root, undefined, this.moduleName, this.moduleName, false);
    this.neverTrue = neverTrueConditions(root);
    this.visitBlock(root, module);
    for (const ref of this.references) {
      for (const binding of lookupBindings(ref.node.text, ref.scope)) binding.uses.push(ref.node);
    }
    return {
      root: module,
      scopes: this.scopes,
      references: this.references,
      calls: this.calls,
      classes: this.classes,
      mainGuards: this.mainGuards,
      comments: this.comments,
      hasPython2Statements: this.hasPython2Statements,
    };
  }

  private newScope(
    kind: Scope['kind'],
    node: SyntaxNode,
    parent: Scope | undefined,
    name: string,
    qualifiedName: string,
    isAsync: boolean,
  ): Scope {
    const scope = new Scope(kind, node, parent, name, qualifiedName, isAsync);
    this.scopes.push(scope);
    return scope;
  }

  private childQualifiedName(parent: Scope, name: string): string {
    if (parent.kind === 'module' || parent.kind === 'class') return `${parent.qualifiedName}.${name}`;
    return `${parent.qualifiedName}.<locals>.${name}`;
  }

  private bindName(
    name: string,
    kind: BindingKind,
    node: SyntaxNode,
    scope: Scope,
    extra?: Partial<Pick<Binding, 'target' | 'value'>>,
  ): Binding {
    let owner = scope;
    if (scope.globals.has(name)) owner = scope.module();
    else if (scope.nonlocals.has(name)) owner = enclosingFunctionScope(scope) ?? scope;
    const binding: Binding = { name, kind, node, scope: owner, uses: [], ...extra };
    const list = owner.bindings.get(name);
    if (list) list.push(binding);
    else owner.bindings.set(name, [binding]);
    return binding;
  }

  private visitBlock(node: SyntaxNode, scope: Scope): void {
    for (const child of node.namedChildren) if (child) this.visit(child, scope);
  }

  private visit(node: SyntaxNode, scope: Scope): void {
    switch (node.type) {
      case 'identifier':
        this.references.push({ node, scope });
        return;
      case 'comment':
        this.comments.push({ start: node.startIndex, text: node.text });
        return;
      case 'yield': {
        const owner = scope.executionScope;
        if (owner.kind === 'function') owner.containsYield = true;
        return this.visitBlock(node, scope);
      }
      case 'print_statement':
      case 'exec_statement':
        this.hasPython2Statements = true;
        return this.visitBlock(node, scope);
      case 'string_content':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'escape_sequence':
      case 'pass_statement':
      case 'break_statement':
      case 'continue_statement':
      case 'future_import_statement':
        return;
      case 'expression_statement':
        return this.visitExpressionStatement(node, scope);
      case 'decorated_definition':
        return this.visitDecorated(node, scope);
      case 'function_definition':
        return this.visitFunction(node, scope, []);
      case 'class_definition':
        return this.visitClass(node, scope, []);
      case 'lambda':
        return this.visitLambda(node, scope);
      case 'import_statement':
        return this.visitImport(node, scope);
      case 'import_from_statement':
        return this.visitImportFrom(node, scope);
      case 'global_statement':
      case 'nonlocal_statement':
        for (const id of node.namedChildren) {
          if (id?.type !== 'identifier') continue;
          (node.type === 'global_statement' ? scope.globals : scope.nonlocals).add(id.text);
        }
        return;
      case 'assignment':
        return this.visitAssignment(node, scope);
      case 'augmented_assignment': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (right) this.visit(right, scope);
        if (left?.type === 'identifier') {
          this.references.push({ node: left, scope });
          this.bindName(left.text, 'augmented-assignment', left, scope, { value: node });
        } else if (left) this.visit(left, scope);
        return;
      }
      case 'named_expression': {
        const value = node.childForFieldName('value');
        if (value) this.visit(value, scope);
        const name = node.childForFieldName('name');
        let target = scope;
        while (target.kind === 'comprehension') target = target.parent!;
        if (name) this.bindName(name.text, 'walrus', name, target, { value: value ?? undefined });
        return;
      }
      case 'for_statement': {
        const right = node.childForFieldName('right');
        if (right) this.visit(right, scope);
        const left = node.childForFieldName('left');
        if (left) this.bindTargets(left, 'for-target', scope);
        const body = node.childForFieldName('body');
        if (body) this.visit(body, scope);
        const alternative = node.childForFieldName('alternative');
        if (alternative) this.visit(alternative, scope);
        return;
      }
      case 'with_statement':
        return this.visitWith(node, scope);
      case 'except_clause':
      case 'except_group_clause':
        return this.visitExcept(node, scope);
      case 'if_statement':
        return this.visitIf(node, scope);
      case 'call':
        return this.visitCall(node, scope, false, false);
      case 'await': {
        const operand = node.namedChildren[0];
        if (operand?.type === 'call') this.visitCall(operand, scope, true, false);
        else if (operand) this.visit(operand, scope);
        return;
      }
      case 'attribute': {
        const object = node.childForFieldName('object');
        if (object) this.visit(object, scope);
        return;
      }
      case 'keyword_argument': {
        const value = node.childForFieldName('value');
        if (value) this.visit(value, scope);
        return;
      }
      case 'delete_statement':
        for (const target of node.namedChildren) if (target) this.visitDeleteTarget(target, scope);
        return;
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension':
      case 'generator_expression':
        return this.visitComprehension(node, scope);
      case 'match_statement':
        return this.visitMatch(node, scope);
      case 'type_alias_statement': {
        const left = node.childForFieldName('left');
        const name = left?.descendantsOfType('identifier')[0];
        if (name) this.bindName(name.text, 'assignment', name, scope);
        const right = node.childForFieldName('right');
        if (right) this.visit(right, scope);
        return;
      }
      default:
        this.visitBlock(node, scope);
    }
  }

  private visitExpressionStatement(node: SyntaxNode, scope: Scope): void {
    const children = node.namedChildren;
    if (children.length === 1) {
      const expression = children[0]!;
      if (expression.type === 'call') return this.visitCall(expression, scope, false, true);
      if (expression.type === 'await' && expression.namedChildren[0]?.type === 'call') {
        return this.visitCall(expression.namedChildren[0], scope, true, true);
      }
    }
    this.visitBlock(node, scope);
  }

  private visitCall(node: SyntaxNode, scope: Scope, awaited: boolean, statement: boolean): void {
    const callee = node.childForFieldName('function');
    if (!callee) return this.visitBlock(node, scope);
    if (this.unreachableDepth === 0) this.calls.push({ node, callee, scope, awaited, statement, withContext: this.withContext });
    this.visit(callee, scope);
    const args = node.childForFieldName('arguments');
    if (args) this.visit(args, scope);
  }

  private visitDecorated(node: SyntaxNode, scope: Scope): void {
    const decorators: SyntaxNode[] = [];
    for (const child of node.namedChildren) {
      if (child?.type === 'decorator') {
        decorators.push(child);
        this.visitBlock(child, scope);
      }
    }
    const definition = node.childForFieldName('definition');
    if (definition?.type === 'function_definition') this.visitFunction(definition, scope, decorators);
    else if (definition?.type === 'class_definition') this.visitClass(definition, scope, decorators);
  }

  private visitFunction(node: SyntaxNode, scope: Scope, decorators: SyntaxNode[]): void {
    const nameNode = node.childForFieldName('name');
    const name = nameNode?.text ?? '<function>';
    const isAsync = node.child(0)?.type === 'async';
    const qualifiedName = this.childQualifiedName(scope, name);
    const parameters = node.childForFieldName('parameters');
    // Defaults and annotations are evaluated where the def statement runs.
    if (parameters) this.visitParameterDefaults(parameters, scope);
    const returnType = node.childForFieldName('return_type');
    if (returnType) this.visit(returnType, scope);
    if (nameNode) this.bindName(name, 'function', nameNode, scope, { target: qualifiedName });

    const functionScope = this.newScope('function', node, scope, name, qualifiedName, isAsync);
    const typeParameters = node.childForFieldName('type_parameters');
    if (typeParameters) this.bindTypeParameters(typeParameters, functionScope);
    const isStatic = decorators.some((d) => /^@\s*staticmethod\b/.test(d.text));
    if (parameters) this.bindParameters(parameters, functionScope, !isStatic && scope.kind === 'class');
    const body = node.childForFieldName('body');
    if (body) this.visit(body, functionScope);
  }

  private visitLambda(node: SyntaxNode, scope: Scope): void {
    const parameters = node.childForFieldName('parameters');
    if (parameters) this.visitParameterDefaults(parameters, scope);
    const lambdaScope = this.newScope(
      'lambda',
      node,
      scope,
      '<lambda>',
      this.childQualifiedName(scope, '<lambda>'),
      false,
    );
    if (parameters) this.bindParameters(parameters, lambdaScope, false);
    const body = node.childForFieldName('body');
    if (body) this.visit(body, lambdaScope);
  }

  private visitParameterDefaults(parameters: SyntaxNode, scope: Scope): void {
    for (const parameter of parameters.namedChildren) {
      if (!parameter) continue;
      const value = parameter.childForFieldName('value');
      if (value) this.visit(value, scope);
      const type = parameter.childForFieldName('type');
      if (type) this.visit(type, scope);
    }
  }

  /** Binds parameter names; the first parameter of a method is marked as the instance. */
  private bindParameters(parameters: SyntaxNode, scope: Scope, isMethod: boolean): void {
    let first = true;
    for (const parameter of parameters.namedChildren) {
      if (!parameter) continue;
      let nameNode: SyntaxNode | null = null;
      switch (parameter.type) {
        case 'identifier':
          nameNode = parameter;
          break;
        case 'default_parameter':
        case 'typed_default_parameter':
          nameNode = parameter.childForFieldName('name');
          break;
        case 'typed_parameter':
        case 'list_splat_pattern':
        case 'dictionary_splat_pattern':
          nameNode = parameter.namedChildren.find((c) => c?.type === 'identifier') ?? null;
          break;
        default:
          continue;
      }
      if (!nameNode) continue;
      const annotation = parameter.childForFieldName('type') ?? undefined;
      const binding = this.bindName(nameNode.text, 'parameter', nameNode, scope, { value: annotation });
      if (first && isMethod && parameter.type !== 'list_splat_pattern') binding.target = SELF_PARAMETER;
      first = false;
    }
  }

  private bindTypeParameters(node: SyntaxNode, scope: Scope): void {
    for (const id of node.descendantsOfType('identifier')) {
      if (id && id.parent?.type === 'type' && id.parent.parent?.id === node.id) {
        this.bindName(id.text, 'type-parameter', id, scope);
      }
    }
  }

  private visitClass(node: SyntaxNode, scope: Scope, _decorators: SyntaxNode[]): void {
    const nameNode = node.childForFieldName('name');
    const name = nameNode?.text ?? '<class>';
    const qualifiedName = this.childQualifiedName(scope, name);
    const superclasses = node.childForFieldName('superclasses');
    const bases: SyntaxNode[] = [];
    if (superclasses) {
      this.visit(superclasses, scope);
      for (const base of superclasses.namedChildren) {
        if (base && (base.type === 'identifier' || base.type === 'attribute')) bases.push(base);
      }
    }
    if (nameNode) this.bindName(name, 'class', nameNode, scope, { target: qualifiedName });
    const classScope = this.newScope('class', node, scope, name, qualifiedName, false);
    this.classes.set(qualifiedName, { scope: classScope, node, bases, instanceAttributes: new Map() });
    const body = node.childForFieldName('body');
    if (body) this.visit(body, classScope);
  }

  private visitImport(node: SyntaxNode, scope: Scope): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'dotted_name') {
        // `import a.b.c` binds `a`.
        const first = child.namedChildren[0]!;
        this.bindName(first.text, 'import', first, scope, { target: first.text });
      } else if (child.type === 'aliased_import') {
        const dotted = child.childForFieldName('name');
        const alias = child.childForFieldName('alias');
        if (dotted && alias) this.bindName(alias.text, 'import', alias, scope, { target: dotted.text });
      }
    }
  }

  private visitImportFrom(node: SyntaxNode, scope: Scope): void {
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    const module = this.importedModule(moduleNode);
    for (const child of node.namedChildren) {
      if (!child || child.id === moduleNode.id) continue;
      if (child.type === 'wildcard_import') {
        if (module) scope.starImports.push(module);
      } else if (child.type === 'dotted_name') {
        const bound = child.text;
        this.bindName(bound, 'from-import', child, scope, { target: module ? `${module}.${bound}` : undefined });
      } else if (child.type === 'aliased_import') {
        const name = child.childForFieldName('name');
        const alias = child.childForFieldName('alias');
        if (name && alias) {
          this.bindName(alias.text, 'from-import', alias, scope, {
            target: module ? `${module}.${name.text}` : undefined,
          });
        }
      }
    }
  }

  private importedModule(moduleNode: SyntaxNode): string | undefined {
    if (moduleNode.type !== 'relative_import') return moduleNode.text;
    const prefix = moduleNode.namedChildren.find((c) => c?.type === 'import_prefix');
    const dotted = moduleNode.namedChildren.find((c) => c?.type === 'dotted_name');
    const dots = prefix ? prefix.text.replace(/\s/g, '').length : 1;
    return resolveRelativeModule(this.moduleName, this.isPackage, dots, dotted?.text);
  }

  private visitAssignment(node: SyntaxNode, scope: Scope): void {
    const right = node.childForFieldName('right');
    const type = node.childForFieldName('type');
    if (right) this.visit(right, scope);
    // Annotations of local variables are never evaluated; module and class ones are.
    if (type && !scope.executionScope.isFunctionLike) this.visit(type, scope);
    const left = node.childForFieldName('left');
    if (!left) return;
    if (!right) {
      // `x: int` declares without binding a value; it still makes `x` local.
      if (left.type === 'identifier') this.bindName(left.text, 'annotation', left, scope, { value: type ?? undefined });
      return;
    }
    // `a = b = value`: the grammar nests the second assignment as the right side.
    let value: SyntaxNode = right;
    while (value.type === 'assignment' && value.childForFieldName('right')) value = value.childForFieldName('right')!;
    this.bindTargets(left, 'assignment', scope, value);
  }

  /** Binds the names of an assignment target; attributes and subscripts in it are reads. */
  private bindTargets(target: SyntaxNode, kind: BindingKind, scope: Scope, value?: SyntaxNode): void {
    switch (target.type) {
      case 'identifier':
        this.bindName(target.text, kind, target, scope, { value });
        return;
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'expression_list':
      case 'tuple':
      case 'list':
        // Unpacking: elements get parts of the value, not the value.
        for (const element of target.namedChildren) if (element) this.bindTargets(element, kind, scope);
        return;
      case 'list_splat_pattern':
      case 'parenthesized_expression':
        for (const element of target.namedChildren) if (element) this.bindTargets(element, kind, scope);
        return;
      case 'attribute':
        this.recordInstanceAttribute(target, scope, value);
        this.visit(target, scope);
        return;
      default:
        this.visit(target, scope);
    }
  }

  /** `self.x = value` in a method records an attribute of the class. */
  private recordInstanceAttribute(target: SyntaxNode, scope: Scope, value: SyntaxNode | undefined): void {
    if (!value) return;
    const object = target.childForFieldName('object');
    const attribute = target.childForFieldName('attribute');
    if (object?.type !== 'identifier' || !attribute) return;
    let method: Scope | undefined = scope;
    while (method && method.kind === 'comprehension') method = method.parent;
    const cls = method?.enclosingClass;
    if (!cls || !method) return;
    const selfBinding = method.bindings.get(object.text)?.find((b) => b.target === SELF_PARAMETER);
    if (!selfBinding) return;
    const facts = this.classes.get(cls.qualifiedName);
    if (!facts) return;
    const list = facts.instanceAttributes.get(attribute.text) ?? [];
    list.push({ name: attribute.text, value, scope: method, node: target });
    facts.instanceAttributes.set(attribute.text, list);
  }

  private visitDeleteTarget(target: SyntaxNode, scope: Scope): void {
    if (target.type === 'identifier') {
      this.references.push({ node: target, scope });
      this.bindName(target.text, 'deletion', target, scope);
    } else if (target.type === 'expression_list' || target.type === 'tuple' || target.type === 'list') {
      for (const element of target.namedChildren) if (element) this.visitDeleteTarget(element, scope);
    } else this.visit(target, scope);
  }

  private visitWith(node: SyntaxNode, scope: Scope): void {
    const isAsync = node.child(0)?.type === 'async';
    const saved = this.withContext;
    const clause = node.namedChildren.find((c) => c?.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      if (item?.type !== 'with_item') continue;
      const value = item.childForFieldName('value');
      if (!value) continue;
      let contextExpression = value;
      if (value.type === 'as_pattern') {
        contextExpression = value.namedChildren[0]!;
        this.visit(contextExpression, scope);
        const alias = value.childForFieldName('alias');
        const aliasTarget = alias?.namedChildren[0];
        if (aliasTarget) this.bindTargets(aliasTarget, 'with-target', scope, contextExpression);
      } else this.visit(value, scope);
      this.withContext = { value: contextExpression, scope, isAsync, outer: this.withContext };
    }
    const body = node.childForFieldName('body');
    if (body) this.visit(body, scope);
    this.withContext = saved;
  }

  private visitExcept(node: SyntaxNode, scope: Scope): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'as_pattern') {
        const expression = child.namedChildren[0];
        if (expression) this.visit(expression, scope);
        const alias = child.childForFieldName('alias')?.namedChildren[0];
        if (alias?.type === 'identifier') this.bindName(alias.text, 'except-target', alias, scope);
      } else this.visit(child, scope);
    }
  }

  private visitIf(node: SyntaxNode, scope: Scope): void {
    const condition = node.childForFieldName('condition');
    if (scope.kind === 'module' && condition && isMainGuardCondition(condition)) {
      const body = node.childForFieldName('consequence');
      if (body) this.mainGuards.push([body.startIndex, body.endIndex]);
    }
    this.visitGuardedBlock(node, scope);
  }

  /** An `if` or `elif` and what follows; a consequence that never runs has its calls dropped. */
  private visitGuardedBlock(node: SyntaxNode, scope: Scope): void {
    const condition = node.childForFieldName('condition');
    const consequence = node.childForFieldName('consequence');
    const unreachable = !!condition && this.neverTrue(condition);
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'elif_clause') this.visitGuardedBlock(child, scope);
      else if (unreachable && child.id === consequence?.id) {
        this.unreachableDepth++;
        this.visit(child, scope);
        this.unreachableDepth--;
      } else this.visit(child, scope);
    }
  }

  private visitComprehension(node: SyntaxNode, scope: Scope): void {
    const clauses = node.namedChildren.filter((c): c is SyntaxNode => !!c);
    const firstFor = clauses.find((c) => c.type === 'for_in_clause');
    // The first iterable is evaluated in the enclosing scope.
    const firstIterable = firstFor?.childForFieldName('right');
    if (firstIterable) this.visit(firstIterable, scope);
    const name = `<${node.type.replace('dictionary', 'dict').replace('_comprehension', 'comp').replace('generator_expression', 'genexpr')}>`;
    const comprehension = this.newScope('comprehension', node, scope, name, this.childQualifiedName(scope, name), false);
    for (const clause of clauses) {
      if (clause.type === 'for_in_clause') {
        const left = clause.childForFieldName('left');
        if (left) this.bindTargets(left, 'for-target', comprehension);
        const right = clause.childForFieldName('right');
        if (right && clause !== firstFor) this.visit(right, comprehension);
      }
    }
    for (const clause of clauses) {
      if (clause.type !== 'for_in_clause') this.visit(clause, comprehension);
    }
  }

  private visitMatch(node: SyntaxNode, scope: Scope): void {
    const subject = node.childForFieldName('subject');
    if (subject) this.visit(subject, scope);
    const body = node.childForFieldName('body');
    for (const clause of body?.namedChildren ?? []) {
      if (clause?.type !== 'case_clause') continue;
      for (const child of clause.namedChildren) {
        if (!child) continue;
        if (child.type === 'case_pattern') this.bindPattern(child, scope);
        else this.visit(child, scope);
      }
    }
  }

  /** Capture names in a `case` pattern bind; dotted names (`Color.RED`) are reads. */
  private bindPattern(pattern: SyntaxNode, scope: Scope): void {
    switch (pattern.type) {
      case 'dotted_name': {
        const parts = pattern.namedChildren;
        if (parts.length === 1 && parts[0]!.text !== '_') this.bindName(parts[0]!.text, 'match-capture', parts[0]!, scope);
        else if (parts.length > 1) this.references.push({ node: parts[0]!, scope });
        return;
      }
      case 'splat_pattern':
      case 'as_pattern_target':
        for (const id of pattern.namedChildren) {
          if (id?.type === 'identifier' && id.text !== '_') this.bindName(id.text, 'match-capture', id, scope);
        }
        return;
      case 'keyword_pattern': {
        // `x=pattern`: the keyword names an attribute; only the pattern can bind.
        const [, ...rest] = pattern.namedChildren;
        for (const child of rest) if (child) this.bindPattern(child, scope);
        return;
      }
      case 'class_pattern': {
        const [cls, ...rest] = pattern.namedChildren;
        if (cls?.namedChildren[0]) this.references.push({ node: cls.namedChildren[0], scope });
        for (const child of rest) if (child) this.bindPattern(child, scope);
        return;
      }
      case 'string':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
        return;
      case 'identifier':
        if (pattern.text !== '_') this.bindName(pattern.text, 'match-capture', pattern, scope);
        return;
      default:
        for (const child of pattern.namedChildren) if (child) this.bindPattern(child, scope);
    }
  }
}

/** Marker in `Binding.target` for a method's first parameter (`self`). */
export const SELF_PARAMETER = '<self>';

function isMainGuardCondition(condition: SyntaxNode): boolean {
  if (condition.type !== 'comparison_operator') return false;
  const operands = condition.namedChildren;
  if (operands.length !== 2 || !condition.text.includes('==')) return false;
  const texts = operands.map((o) => o!.text.replace(/^['"]|['"]$/g, ''));
  return texts.includes('__name__') && texts.includes('__main__');
}

/**
 * The bindings a read of `name` in `scope` may see, by Python's rules: the innermost function
 * scope that binds it, skipping class bodies (which enclosed functions do not see), then the
 * module. Builtins are not bindings; an empty result means builtin or undefined.
 */
export function lookupBindings(name: string, scope: Scope): Binding[] {
  const owner = owningScope(name, scope);
  return owner?.bindings.get(name) ?? [];
}

export function owningScope(name: string, scope: Scope): Scope | undefined {
  if (scope.globals.has(name)) return scope.module();
  if (!scope.nonlocals.has(name) && scope.bindings.has(name)) return scope;
  for (let outer = scope.parent; outer; outer = outer.parent) {
    if (outer.kind === 'class') continue;
    if (outer.globals.has(name)) return outer.module();
    if (outer.bindings.has(name) && !outer.nonlocals.has(name)) return outer;
  }
  return undefined;
}

/** The nearest function scope around `scope`, where a `nonlocal` name lives. */
function enclosingFunctionScope(scope: Scope): Scope | undefined {
  for (let outer = scope.parent; outer; outer = outer.parent) {
    if (outer.kind === 'function' || outer.kind === 'lambda') return outer;
  }
  return undefined;
}
