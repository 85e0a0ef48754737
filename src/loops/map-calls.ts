/**
 * What the calls of map-stage code do: effects from the catalogue (for the plan), reasons to
 * reject (shared random generator, process-wide state, order-sensitive output, non-thread-safe
 * calls, unknown effects) and calls into the analysed project (decided later, across files).
 */
import type { BlockingKind, CatalogueEntry, CpuKind } from '../catalogue/schema.js';
import type { SyntaxNode } from '../parser/parser.js';
import { callArguments } from '../semantic/call-arguments.js';
import { rootIdentifier } from './commit-statements.js';
import { lineOf } from './lines.js';
import { isBoundOutsideLoop, isInside, type LoopContext } from './loop-context.js';
import { HIGHER_ORDER_BUILTINS, MUTATING_METHODS, PURE_BUILTINS, PURE_MODULES, READING_METHODS } from './pure-names.js';
import type { LoopReason, ProjectCall } from './types.js';

export interface MapCallFacts {
  reasons: LoopReason[];
  projectCalls: ProjectCall[];
  blocking: Set<BlockingKind>;
  cpu: Set<CpuKind>;
  releasesGil: boolean;
  callCount: number;
}

export function mapCallFacts(context: LoopContext, work: readonly SyntaxNode[], writtenInBody: ReadonlySet<string>): MapCallFacts {
  const facts: MapCallFacts = { reasons: [], projectCalls: [], blocking: new Set(), cpu: new Set(), releasesGil: false, callCount: 0 };
  const judge = new CallJudge(context, facts, writtenInBody);
  for (const root of work) {
    for (const call of root.type === 'call' ? [root, ...root.descendantsOfType('call')] : root.descendantsOfType('call')) {
      facts.callCount++;
      judge.call(call);
    }
  }
  // The loop itself (not a function body judged as map work): can it stop midway with effects done?
  if (context.loop.type === 'for_statement') {
    const speculative = speculativeEffects(context, work);
    if (speculative) facts.reasons.push(speculative);
  }
  return facts;
}

/** Effects that other code sees once they happen, even when the item that made them fails. */
const EXTERNAL_EFFECTS = new Set(['write', 'network-send', 'database-write']);
/** Handlers that catch every exception a program raises on purpose. */
const CATCH_ALL = new Set(['Exception', 'BaseException']);
const NOT_CAUGHT_BY_EXCEPTION = new Set(['SystemExit', 'KeyboardInterrupt', 'GeneratorExit']);
const NESTED_DEFINITIONS = new Set(['function_definition', 'class_definition', 'lambda', 'decorated_definition']);

interface Located {
  text: string;
  line: number;
  /** The function of this module it is in, when not the loop body. */
  in?: string;
}

/**
 * A map stage with external effects (a file written per item, a request sent) that can also
 * stop the loop by raising on purpose (`raise`, `assert`, in its code or in the functions of
 * this module it calls, and not caught on the way): run concurrently, the items after the one
 * that raises would already have run, with effects the sequential program never has. Implicit
 * failures (a missing key, a bad int) are the plan's stated assumption instead.
 */
/** External effects and uncaught raises in map-stage code, following same-module calls. */
function effectsAndRaises(context: LoopContext, work: readonly SyntaxNode[]): { effects: Located[]; raises: Located[] } {
  const { model, callsByNode } = context;
  const effects: Located[] = [];
  const raises: Located[] = [];
  const visited = new Set<string>();
  const visit = (node: SyntaxNode, caught: ReadonlySet<string>, where: string | undefined): void => {
    if (NESTED_DEFINITIONS.has(node.type)) return;
    switch (node.type) {
      case 'raise_statement':
      case 'assert_statement': {
        const raised = node.type === 'assert_statement' ? 'AssertionError' : raisedName(node);
        if (!isCaught(raised, caught)) raises.push({ text: node.type === 'assert_statement' ? 'assert' : 'raise', line: lineOf(node), in: where });
        break;
      }
      case 'try_statement': {
        const handled = new Set(caught);
        for (const clause of node.namedChildren) {
          if (clause.type === 'except_clause' || clause.type === 'except_group_clause') for (const name of handlerNames(clause)) handled.add(name);
        }
        for (const child of node.namedChildren) visit(child, child.field === 'body' ? handled : caught, where);
        return;
      }
      case 'call': {
        const site = callsByNode.get(node.id);
        const name = site ? model.calleeName(site) : undefined;
        const entry = name ? model.catalogue.lookup(name) : undefined;
        const callee = node.childForFieldName('function');
        if (entry?.orderedEffect && EXTERNAL_EFFECTS.has(entry.orderedEffect)) {
          effects.push({ text: callee ? brief(callee) : name ?? '', line: lineOf(node), in: where });
        }
        const functions = name ? model.scopes.filter((s) => s.kind === 'function' && s.qualifiedName === name) : [];
        const key = `${name}|${[...caught].sort().join(',')}`;
        if (site && functions.length === 1 && !visited.has(key)) {
          visited.add(key);
          const fn = functions[0];
          const body = fn.node.childForFieldName('body');
          // With the arguments of this call, `directory / name` in the callee has a type.
          const run = () => body && visit(body, caught, fn.displayName);
          if (!model.followCall(site, run)) run();
        }
        break;
      }
    }
    for (const child of node.namedChildren) visit(child, caught, where);
  };
  for (const root of work) visit(root, new Set(), undefined);
  return { effects, raises };
}

const place = (l: Located) => (l.in ? `, in \`${l.in}\`` : '');

function speculativeEffects(context: LoopContext, work: readonly SyntaxNode[]): LoopReason | undefined {
  const { effects, raises } = effectsAndRaises(context, work);
  const effect = effects[0];
  const raise = raises[0];
  if (!effect || !raise) return undefined;
  return {
    reason:
      `the map stage has external effects (\`${effect.text}\`, line ${effect.line}${place(effect)}) and can stop the loop with an exception ` +
      `(\`${raise.text}\` at line ${raise.line}${place(raise)}): run concurrently, the items after the one that raises would already have run, ` +
      `with effects the sequential program never has`,
    line: effect.line,
  };
}

/** Child processes and databases may do anything: work that must not run unless asked for. */
const SPECULATION_UNSAFE_BLOCKING: ReadonlySet<BlockingKind> = new Set(['subprocess', 'database']);

/**
 * Why the map stage must not run ahead of an early exit (`exit`, a `break` or `return` the commit
 * stage replays): items after the one that ends the loop would already have run, so any effect
 * they have outside the program (a write, a request that changes something, a child process) is
 * one the sequential program never has.
 */
export function speculationProblem(context: LoopContext, work: readonly SyntaxNode[], exit: SyntaxNode, blocking: ReadonlySet<BlockingKind>): LoopReason | undefined {
  const what = `early exit: \`${exit.type === 'break_statement' ? 'break' : 'return'}\` at line ${lineOf(exit)} ends the loop at the item that triggers it`;
  const [effect] = effectsAndRaises(context, work).effects;
  if (effect) {
    return {
      reason: `${what}, and the map stage has external effects (\`${effect.text}\`, line ${effect.line}${place(effect)}): run ahead concurrently, the items after it would already have had them`,
      line: effect.line,
    };
  }
  const unsafe = [...blocking].find((kind) => SPECULATION_UNSAFE_BLOCKING.has(kind));
  if (unsafe) {
    return {
      reason: `${what}, and the map stage runs ${unsafe === 'subprocess' ? 'child processes' : 'database calls'}, whose effects concur cannot see: run ahead concurrently, the items after it would already have run them`,
      line: lineOf(exit),
    };
  }
  return undefined;
}

/** `ValueError` in `raise ValueError(...)`; `?` for a bare re-raise or an expression. */
function raisedName(raise: SyntaxNode): string {
  const value = raise.namedChildren.find((c) => c.type !== 'comment');
  const expression = value?.type === 'call' ? value.childForFieldName('function') : value;
  if (!expression) return '?';
  if (expression.type === 'identifier') return expression.text;
  if (expression.type === 'attribute') return expression.childForFieldName('attribute')?.text ?? '?';
  return '?';
}

/** The exception names an `except` clause catches; `*` for a bare `except:` or `except Exception`. */
function handlerNames(clause: SyntaxNode): string[] {
  const first = clause.namedChildren.find((c) => c.type !== 'comment' && c.type !== 'block');
  if (!first) return ['*'];
  const expression = first.type === 'as_pattern' ? first.namedChildren[0] : first;
  const parts = expression?.type === 'tuple' || expression?.type === 'parenthesized_expression' ? expression.namedChildren : expression ? [expression] : [];
  return parts.map((p) => (p.type === 'attribute' ? p.childForFieldName('attribute')?.text ?? '' : p.text)).map((n) => (CATCH_ALL.has(n) ? '*' : n));
}

function isCaught(raised: string, caught: ReadonlySet<string>): boolean {
  if (caught.has('*')) return !NOT_CAUGHT_BY_EXCEPTION.has(raised);
  return caught.has(raised);
}

class CallJudge {
  constructor(
    private readonly context: LoopContext,
    private readonly facts: MapCallFacts,
    private readonly writtenInBody: ReadonlySet<string>,
  ) {}

  call(call: SyntaxNode): void {
    const callee = call.childForFieldName('function');
    if (!callee) return;
    const site = this.context.callsByNode.get(call.id);
    const name = site ? this.context.model.calleeName(site) : undefined;
    const line = lineOf(call);
    if (name) {
      this.named(name, callee, call, line);
      return;
    }
    if (callee.type === 'attribute') return this.method(callee, line);
    if (this.isLambdaDefinedInLoop(callee)) return; // its body is map-stage code, judged with the rest
    this.reject(`calls \`${brief(callee)}\` (line ${line}), whose effects are unknown`, line);
  }

  private named(name: string, callee: SyntaxNode, call: SyntaxNode, line: number): void {
    const entry = this.context.model.catalogue.lookup(name);
    if (entry) return this.catalogued(name, entry, callee, line);
    if (this.isProject(name)) {
      this.facts.projectCalls.push({ qualifiedName: name, node: call, line });
      return;
    }
    if (name.startsWith('builtins.')) {
      const builtin = name.slice('builtins.'.length);
      if (!PURE_BUILTINS.has(builtin)) return this.reject(`calls \`${builtin}\` (line ${line}), whose effects are unknown`, line);
      if (HIGHER_ORDER_BUILTINS.has(builtin)) this.functionArguments(builtin, call, line);
      return;
    }
    if (PURE_MODULES.has(name.split('.')[0])) return;
    // A method on an object of a known but uncatalogued type: judge it by its name, as for unknown types.
    const receiver = callee.type === 'attribute' ? callee.childForFieldName('object') : null;
    if (receiver && this.context.model.valueOf(receiver, this.context.scope).kind === 'instance') return this.method(callee, line);
    // `completed.stdout.strip()`: an attribute of a known instance whose own type is unknown.
    if (receiver && this.isUntypedAttribute(receiver)) return this.method(callee, line);
    this.reject(`calls \`${name}\` (line ${line}), whose effects are unknown`, line);
  }

  /**
   * An attribute of an instance of a known type that holds a value of unknown type: not a
   * method or anything else the catalogue or the class describes.
   */
  private isUntypedAttribute(node: SyntaxNode): boolean {
    if (node.type !== 'attribute') return false;
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute')?.text;
    if (!object || !attribute) return false;
    const { model } = this.context;
    const owner = model.valueOf(object, this.context.scope);
    if (owner.kind !== 'instance') return false;
    const entry = model.catalogue.lookup(`${owner.type}.${attribute}`);
    if (entry && entry.kind !== 'attribute') return false;
    const defined = model.classes.get(owner.type)?.scope.bindings.get(attribute);
    return !defined || defined.every((b) => b.kind === 'assignment' || b.kind === 'annotation');
  }

  private catalogued(name: string, entry: CatalogueEntry, callee: SyntaxNode, line: number): void {
    const shown = name.replace(/^builtins\./, '');
    if (entry.sharedState === 'random') {
      this.facts.reasons.push({ reason: `uses the shared random generator (\`${shown}\`, line ${line})`, line, sharedRandom: true });
      return;
    }
    if (entry.sharedState) return this.reject(`uses process-wide state (${entry.sharedState}) through \`${shown}\` (line ${line})`, line);
    if (entry.orderedEffect && entry.orderedEffect !== 'network-send' && !this.onIterationObject(callee)) {
      return this.reject(`order-sensitive effect of \`${shown}\` (line ${line}) outside the commit stage`, line);
    }
    if (entry.threadSafe === false && !this.onIterationObject(callee)) {
      return this.reject(`calls \`${shown}\` (line ${line}), which is not thread-safe, on an object shared by every iteration`, line);
    }
    if (entry.blocking) this.facts.blocking.add(entry.blocking);
    if (entry.cpu) this.facts.cpu.add(entry.cpu);
    if (entry.releasesGil) this.facts.releasesGil = true;
  }

  /** A method whose receiver was made or bound in this iteration (`f.write` on a file opened for this item). */
  private onIterationObject(callee: SyntaxNode): boolean {
    if (callee.type !== 'attribute') return false;
    // What a method of an iteration-local object returns (`conn.execute(...)`'s cursor) is local too.
    let object = callee.childForFieldName('object');
    while (object?.type === 'call' && object.childForFieldName('function')?.type === 'attribute') {
      object = object.childForFieldName('function')!.childForFieldName('object');
    }
    const root = rootIdentifier(object);
    return !!root && (this.writtenInBody.has(root.text) || !isBoundOutsideLoop(this.context, root.text)) && !this.context.loopVariables.includes(root.text);
  }

  /** A method of an object of unknown type, judged by its name; mutators are the mutation check's. */
  private method(callee: SyntaxNode, line: number): void {
    const method = callee.childForFieldName('attribute')?.text ?? '';
    if (READING_METHODS.has(method) || MUTATING_METHODS.has(method)) return;
    this.reject(`calls \`${brief(callee)}\` (line ${line}), whose effects are unknown`, line);
  }

  /** `map(f, xs)`, `sorted(xs, key=f)`: the function passed is called too. */
  private functionArguments(builtin: string, call: SyntaxNode, line: number): void {
    const args = callArguments(call);
    const passed = builtin === 'map' || builtin === 'filter' ? args.inputs[0] : args.keywords.get('key');
    if (!passed || passed.type === 'lambda' || passed.type === 'none' || this.isLambdaDefinedInLoop(passed)) return;
    const name = this.context.model.qualifiedNameOf(passed, this.context.scope);
    if (!name) return this.reject(`passes \`${brief(passed)}\` to \`${builtin}\` (line ${line}), whose effects are unknown`, line);
    if (name.startsWith('builtins.') && PURE_BUILTINS.has(name.slice('builtins.'.length))) return;
    if (this.isProject(name)) {
      this.facts.projectCalls.push({ qualifiedName: name, node: passed, line });
      return;
    }
    const entry = this.context.model.catalogue.lookup(name);
    if (entry) return this.catalogued(name, entry, passed, line);
    if (PURE_MODULES.has(name.split('.')[0])) return;
    this.reject(`passes \`${name}\` to \`${builtin}\` (line ${line}), whose effects are unknown`, line);
  }

  private isLambdaDefinedInLoop(callee: SyntaxNode): boolean {
    if (callee.type !== 'identifier') return false;
    const bindings = this.context.model.bindingsOf(callee.text, this.context.scope);
    return bindings.length > 0 && bindings.every((b) => b.kind === 'assignment' && b.value?.type === 'lambda' && isInside(b.node, this.context.loop));
  }

  private isProject(name: string): boolean {
    return this.context.model.isProjectName(name) || name.startsWith(`${this.context.model.moduleName}.`);
  }

  private reject(reason: string, line: number): void {
    this.facts.reasons.push({ reason, line });
  }
}

/** An expression as a reason shows it: arguments and indexes elided, on one line (`conn.execute(...).fetchone`). */
export function brief(node: SyntaxNode): string {
  switch (node.type) {
    case 'identifier':
      return node.text;
    case 'attribute': {
      const object = node.childForFieldName('object');
      return `${object ? brief(object) : ''}.${node.childForFieldName('attribute')?.text ?? ''}`;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments');
      const empty = !args || args.namedChildren.filter((c) => c.type !== 'comment').length === 0;
      return `${fn ? brief(fn) : ''}(${empty ? '' : '...'})`;
    }
    case 'subscript': {
      const value = node.childForFieldName('value');
      return `${value ? brief(value) : ''}[...]`;
    }
    default: {
      const text = node.text.replace(/\s+/g, ' ');
      return text.length > 40 ? `${text.slice(0, 37)}...` : text;
    }
  }
}
