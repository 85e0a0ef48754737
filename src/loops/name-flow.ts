/**
 * Reads and writes of plain names in a loop body, in execution order, each read marked with
 * whether the name is definitely assigned earlier in the same iteration.
 *
 * "Definitely assigned" follows Python's control flow the way a compiler's definite-assignment
 * pass does: both branches of an `if` must assign, a loop or `try` body may not run to the end,
 * a branch that ends in `continue`/`break`/`return`/`raise` does not reach what follows. A read
 * that is not definitely assigned but is written somewhere in the body can see the value of the
 * previous iteration: that is a loop-carried dependence.
 *
 * Code in nested scopes (lambdas, comprehensions, nested defs) contributes the names it reads
 * from the loop's scope; its own locals are its own.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { owningScope } from '../semantic/binder.js';
import type { Scope } from '../semantic/model.js';
import { scopeAround, targetIdentifiers, type LoopContext } from './loop-context.js';

export interface NameEvent {
  kind: 'read' | 'write' | 'delete';
  name: string;
  node: SyntaxNode;
  /** Reads: the name is definitely assigned earlier in this iteration. Writes: the write surely happens. */
  definite: boolean;
  /** The top-level body statement the event is in. */
  statement?: SyntaxNode;
}

/** `null`: this point is not reached (after `continue`, `return`...). */
type Assigned = Set<string> | null;

const LITERALS = new Set([
  'string_content', 'integer', 'float', 'true', 'false', 'none', 'comment', 'escape_sequence', 'ellipsis',
  'pass_statement', 'global_statement', 'nonlocal_statement', 'future_import_statement',
]);

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

/** The name events of the loop body, with the loop variables assigned at the start of every iteration. */
export function nameEvents(context: LoopContext): NameEvent[] {
  const walker = new FlowWalker(context);
  walker.statements(context.statements, new Set(context.loopVariables));
  for (const event of walker.events) {
    event.statement = context.statements.find((s) => event.node.startIndex >= s.startIndex && event.node.endIndex <= s.endIndex);
  }
  return walker.events;
}

class FlowWalker {
  readonly events: NameEvent[] = [];

  constructor(private readonly context: LoopContext) {}

  statements(list: readonly SyntaxNode[], assigned: Assigned): Assigned {
    let state = assigned;
    let reached = true;
    for (const statement of list) {
      // Code after `continue` is still walked (for its reads), as if everything were assigned.
      state = this.statement(statement, state ?? new Set(ALL_NAMES));
      if (state === null) reached = false;
    }
    return reached ? state : null;
  }

  private statement(node: SyntaxNode, assigned: Set<string>): Assigned {
    switch (node.type) {
      case 'block':
        return this.statements(node.namedChildren, assigned);
      case 'expression_statement':
        for (const child of node.namedChildren) this.expression(child, assigned, false);
        return assigned;
      case 'assignment':
        this.assignment(node, assigned);
        return assigned;
      case 'if_statement':
        return this.ifStatement(node, assigned);
      case 'for_statement': {
        const iterable = node.childForFieldName('right');
        if (iterable) this.expression(iterable, assigned, false);
        const inner = new Set(assigned);
        const target = node.childForFieldName('left');
        if (target) this.target(target, inner, true);
        this.optionalBlock(node.childForFieldName('body'), inner);
        this.optionalBlock(node.childForFieldName('alternative'), new Set(assigned));
        return assigned;
      }
      case 'while_statement': {
        const condition = node.childForFieldName('condition');
        if (condition) this.expression(condition, assigned, false);
        this.optionalBlock(node.childForFieldName('body'), new Set(assigned));
        this.optionalBlock(node.childForFieldName('alternative'), new Set(assigned));
        return assigned;
      }
      case 'try_statement':
        return this.tryStatement(node, assigned);
      case 'with_statement':
        return this.withStatement(node, assigned);
      case 'match_statement':
        return this.matchStatement(node, assigned);
      case 'continue_statement':
      case 'break_statement':
        return null;
      case 'return_statement':
      case 'raise_statement':
        for (const child of node.namedChildren) this.expression(child, assigned, false);
        return null;
      case 'delete_statement':
        for (const target of node.namedChildren) this.deleteTarget(target, assigned);
        return assigned;
      case 'decorated_definition':
      case 'function_definition':
      case 'class_definition':
        this.definition(node, assigned);
        return assigned;
      case 'import_statement':
      case 'import_from_statement':
        for (const name of importedNames(node)) this.write(name, assigned, true);
        return assigned;
      default:
        if (LITERALS.has(node.type)) return assigned;
        for (const child of node.namedChildren) this.expression(child, assigned, false);
        return assigned;
    }
  }

  private optionalBlock(block: SyntaxNode | null, assigned: Set<string>): Assigned {
    return block ? this.statement(block, assigned) : assigned;
  }

  private assignment(node: SyntaxNode, assigned: Set<string>): void {
    // `a = b = value`: the grammar nests assignments in `right`; the value is evaluated first.
    const targets: SyntaxNode[] = [];
    let current: SyntaxNode | null = node;
    while (current?.type === 'assignment') {
      const left = current.childForFieldName('left');
      const right: SyntaxNode | null = current.childForFieldName('right');
      if (!right) return; // `x: int` binds nothing
      if (left) targets.push(left);
      current = right;
    }
    if (current) this.expression(current, assigned, false);
    for (const target of targets) this.target(target, assigned, true);
  }

  /** Names in a target are written; attributes and subscripts in it read their parts. */
  target(target: SyntaxNode, assigned: Set<string>, definite: boolean): void {
    const names = targetIdentifiers(target);
    for (const part of targetParts(target)) this.expression(part, assigned, !definite);
    for (const name of names) this.write(name, assigned, definite);
  }

  private ifStatement(node: SyntaxNode, assigned: Set<string>): Assigned {
    const condition = node.childForFieldName('condition');
    let fallThrough: Set<string> = new Set(assigned);
    if (condition) this.expression(condition, fallThrough, false);
    const outcomes: Assigned[] = [this.optionalBlock(node.childForFieldName('consequence'), withTruthy(fallThrough, condition))];
    let hasElse = false;
    for (const clause of node.namedChildren) {
      if (clause.type === 'elif_clause') {
        const elifCondition = clause.childForFieldName('condition');
        fallThrough = new Set(fallThrough);
        if (elifCondition) this.expression(elifCondition, fallThrough, false);
        outcomes.push(this.optionalBlock(clause.childForFieldName('consequence'), withTruthy(fallThrough, elifCondition)));
      } else if (clause.type === 'else_clause') {
        hasElse = true;
        outcomes.push(this.optionalBlock(clause.childForFieldName('body'), new Set(fallThrough)));
      }
    }
    if (!hasElse) outcomes.push(fallThrough);
    return intersect(outcomes);
  }

  private tryStatement(node: SyntaxNode, assigned: Set<string>): Assigned {
    const outcomes: Assigned[] = [];
    let afterBody = this.optionalBlock(node.childForFieldName('body'), new Set(assigned));
    let finallyClause: SyntaxNode | null = null;
    for (const clause of node.namedChildren) {
      if (clause.type === 'except_clause' || clause.type === 'except_group_clause') {
        // The body may have stopped anywhere: only what held before it is certain.
        const state = new Set(assigned);
        for (const child of clause.namedChildren) {
          if (child.type === 'block') outcomes.push(this.statement(child, state));
          else if (child.type === 'as_pattern') {
            const expression = child.namedChildren[0];
            if (expression) this.expression(expression, state, false);
            const alias = child.childForFieldName('alias')?.namedChildren[0];
            if (alias?.type === 'identifier') this.write(alias, state, true);
          } else this.expression(child, state, false);
        }
      } else if (clause.type === 'else_clause' && afterBody) {
        afterBody = this.optionalBlock(clause.childForFieldName('body'), afterBody);
      } else if (clause.type === 'finally_clause') finallyClause = clause;
    }
    outcomes.push(afterBody);
    const merged = intersect(outcomes);
    if (!finallyClause) return merged;
    const block = finallyClause.namedChildren.find((c) => c.type === 'block') ?? null;
    const afterFinally = this.optionalBlock(block, new Set(merged ?? assigned));
    return merged === null ? null : afterFinally;
  }

  private withStatement(node: SyntaxNode, assigned: Set<string>): Assigned {
    const clause = node.namedChildren.find((c) => c.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      const value = item.childForFieldName('value');
      if (!value) continue;
      if (value.type === 'as_pattern') {
        const expression = value.namedChildren[0];
        if (expression) this.expression(expression, assigned, false);
        const alias = value.childForFieldName('alias')?.namedChildren[0];
        if (alias) this.target(alias, assigned, true);
      } else this.expression(value, assigned, false);
    }
    return this.optionalBlock(node.childForFieldName('body'), assigned);
  }

  private matchStatement(node: SyntaxNode, assigned: Set<string>): Assigned {
    const subject = node.childForFieldName('subject');
    if (subject) this.expression(subject, assigned, false);
    // No case may match: nothing a case assigns is certain afterwards.
    const outcomes: Assigned[] = [assigned];
    for (const clause of node.childForFieldName('body')?.namedChildren ?? []) {
      if (clause.type !== 'case_clause') continue;
      const state = new Set(assigned);
      for (const child of clause.namedChildren) {
        if (child.type === 'case_pattern') {
          for (const id of child.descendantsOfType('identifier')) {
            if (id.parent?.type === 'dotted_name' && id.parent.namedChildren.length > 1) this.read(id, state);
            else if (id.text !== '_') this.write(id, state, true);
          }
        } else if (child.type === 'block') outcomes.push(this.statement(child, state));
        else this.expression(child, state, false);
      }
    }
    return intersect(outcomes);
  }

  private deleteTarget(target: SyntaxNode, assigned: Set<string>): void {
    if (target.type === 'identifier') {
      this.read(target, assigned);
      this.events.push({ kind: 'delete', name: target.text, node: target, definite: true });
      assigned.delete(target.text);
    } else if (target.type === 'expression_list' || target.type === 'tuple' || target.type === 'list') {
      for (const element of target.namedChildren) this.deleteTarget(element, assigned);
    } else this.expression(target, assigned, false);
  }

  private definition(node: SyntaxNode, assigned: Set<string>): void {
    const definition = node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
    for (const decorator of node.type === 'decorated_definition' ? node.namedChildren : []) {
      if (decorator.type === 'decorator') this.expression(decorator, assigned, false);
    }
    if (!definition) return;
    // Defaults, annotations and base classes run now; the body's free names are read when it runs.
    for (const parameter of definition.childForFieldName('parameters')?.namedChildren ?? []) {
      const value = parameter.childForFieldName('value');
      if (value) this.expression(value, assigned, false);
    }
    const superclasses = definition.childForFieldName('superclasses');
    if (superclasses) this.expression(superclasses, assigned, false);
    const body = definition.childForFieldName('body');
    if (body) this.nestedScope(definition, body, assigned);
    const name = definition.childForFieldName('name');
    if (name) this.write(name, assigned, true);
  }

  /**
   * Expressions in evaluation order. `conditional`: this part may not run (`b` in `a and b`),
   * so a walrus in it does not make its name definitely assigned.
   */
  expression(node: SyntaxNode, assigned: Set<string>, conditional: boolean): void {
    switch (node.type) {
      case 'identifier':
        this.read(node, assigned);
        return;
      case 'attribute': {
        const object = node.childForFieldName('object');
        if (object) this.expression(object, assigned, conditional);
        return;
      }
      case 'keyword_argument': {
        const value = node.childForFieldName('value');
        if (value) this.expression(value, assigned, conditional);
        return;
      }
      case 'named_expression': {
        const value = node.childForFieldName('value');
        if (value) this.expression(value, assigned, conditional);
        const name = node.childForFieldName('name');
        if (name) this.write(name, assigned, !conditional);
        return;
      }
      case 'boolean_operator': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (left) this.expression(left, assigned, conditional);
        if (right) this.expression(right, assigned, true);
        return;
      }
      case 'conditional_expression': {
        // `a if c else b`: `c` runs first, then one of the others.
        const [consequence, condition, alternative] = node.namedChildren;
        if (condition) this.expression(condition, assigned, conditional);
        if (consequence) this.expression(consequence, assigned, true);
        if (alternative) this.expression(alternative, assigned, true);
        return;
      }
      case 'lambda': {
        for (const parameter of node.childForFieldName('parameters')?.namedChildren ?? []) {
          const value = parameter.childForFieldName('value');
          if (value) this.expression(value, assigned, conditional);
        }
        const body = node.childForFieldName('body');
        if (body) this.nestedScope(node, body, assigned);
        return;
      }
      case 'augmented_assignment': {
        // Only as a statement's child; handled here so expression statements need no special case.
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (right) this.expression(right, assigned, conditional);
        if (left?.type === 'identifier') {
          this.read(left, assigned);
          this.write(left, assigned, !conditional);
        } else if (left) this.expression(left, assigned, conditional);
        return;
      }
      case 'assignment':
        this.assignment(node, assigned);
        return;
      default:
        if (LITERALS.has(node.type)) return;
        if (COMPREHENSIONS.has(node.type)) return this.comprehension(node, assigned);
        for (const child of node.namedChildren) this.expression(child, assigned, conditional);
    }
  }

  private comprehension(node: SyntaxNode, assigned: Set<string>): void {
    // The first iterable is evaluated in the enclosing scope, the rest in the comprehension's.
    const firstFor = node.namedChildren.find((c) => c.type === 'for_in_clause');
    const firstIterable = firstFor?.childForFieldName('right');
    if (firstIterable) this.expression(firstIterable, assigned, false);
    this.nestedScope(node, node, assigned, firstIterable ?? undefined);
  }

  /** Names that code in a nested scope reads from (or, by walrus, writes to) the loop's scope. */
  private nestedScope(scopeNode: SyntaxNode, within: SyntaxNode, assigned: Set<string>, skip?: SyntaxNode): void {
    const nested = this.context.scopesByNode.get(scopeNode.id);
    for (const id of within.descendantsOfType('identifier')) {
      if (skip && id.startIndex >= skip.startIndex && id.endIndex <= skip.endIndex) continue;
      if (!isReference(id)) continue;
      const scope = nested ? scopeAround(id, this.context.scopesByNode, nested) : undefined;
      if (scope && !this.resolvesOutside(id.text, scope, nested!)) continue;
      if (id.parent?.type === 'named_expression' && id.field === 'name') this.write(id, assigned, false);
      else this.read(id, assigned);
    }
  }

  private resolvesOutside(name: string, scope: Scope, nested: Scope): boolean {
    const owner = owningScope(name, scope);
    for (let s: Scope | undefined = owner; s; s = s.parent) if (s === nested) return false;
    return true;
  }

  private read(node: SyntaxNode, assigned: Set<string>): void {
    this.events.push({ kind: 'read', name: node.text, node, definite: assigned.has(node.text) || assigned.has(ALL) });
  }

  private write(node: SyntaxNode, assigned: Set<string>, definite: boolean): void {
    this.events.push({ kind: 'write', name: node.text, node, definite });
    if (definite) assigned.add(node.text);
  }
}

/** Marker in an `Assigned` set for code that is not reached: every name counts as assigned there. */
const ALL = '\u0000all';
const ALL_NAMES = [ALL];

function intersect(outcomes: Assigned[]): Assigned {
  const reached = outcomes.filter((o): o is Set<string> => o !== null && !o.has(ALL));
  if (reached.length === 0) return null;
  const [first, ...rest] = reached;
  return new Set([...first].filter((name) => rest.every((o) => o.has(name))));
}

/** The state in a branch taken when `condition` is true: `b` in `a and (b := f())` is then assigned. */
function withTruthy(assigned: Set<string>, condition: SyntaxNode | null): Set<string> {
  const state = new Set(assigned);
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'parenthesized_expression') node.namedChildren.forEach(visit);
    else if (node.type === 'named_expression') {
      const name = node.childForFieldName('name');
      if (name) state.add(name.text);
    } else if (node.type === 'boolean_operator' && node.child(1)?.type === 'and') node.namedChildren.forEach(visit);
    else if (node.type === 'comparison_operator') {
      const first = node.namedChildren[0];
      if (first) visit(first);
    }
  };
  if (condition) visit(condition);
  return state;
}

/** Expressions inside a target that are evaluated, not bound: `obj` and `k` in `obj.a[k] = v`. */
function targetParts(target: SyntaxNode): SyntaxNode[] {
  switch (target.type) {
    case 'identifier':
      return [];
    case 'attribute': {
      const object = target.childForFieldName('object');
      return object ? [object] : [];
    }
    case 'subscript':
      return target.namedChildren;
    default:
      return target.namedChildren.flatMap(targetParts);
  }
}

/** An identifier that names a variable, not an attribute or a keyword argument's name. */
export function isReference(id: SyntaxNode): boolean {
  const parent = id.parent;
  if (!parent) return true;
  if (parent.type === 'attribute' && id.field === 'attribute') return false;
  if (parent.type === 'keyword_argument' && id.field === 'name') return false;
  if ((parent.type === 'function_definition' || parent.type === 'class_definition') && id.field === 'name') return false;
  if (parent.type === 'dotted_name' || parent.type === 'aliased_import' || parent.type === 'import_prefix') return false;
  return true;
}

function importedNames(node: SyntaxNode): SyntaxNode[] {
  const names: SyntaxNode[] = [];
  const moduleName = node.childForFieldName('module_name');
  for (const child of node.namedChildren) {
    if (moduleName && child.id === moduleName.id) continue;
    if (child.type === 'aliased_import') {
      const alias = child.childForFieldName('alias');
      if (alias) names.push(alias);
    } else if (child.type === 'dotted_name') {
      const first = child.namedChildren[0];
      if (first) names.push(first);
    }
  }
  return names;
}
