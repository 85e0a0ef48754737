/**
 * Rewrites a comprehension whose items can run concurrently: the statement that holds it moves
 * into a `with` block over a thread or process pool, and the comprehension becomes the pool's
 * results handed to the same constructor or consumer (`list(pool.map(task, xs))`,
 * `sum(pool.map(task, xs))`), so the statement computes the same value. Only the statement,
 * the imports and the worker-count constant change. With an item timeout, the results come
 * through the bounded-window helper, which gives each call a deadline, and the `with` block
 * becomes `try:` ... `finally: pool.shutdown(...)` as in the loop rewrites (see `timedWaitFlag`).
 */
import type { Edit, Plan } from '../../diagnostics/finding.js';
import type { FixDraft } from '../../rules/rule.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { WorkersDefault } from '../../plans/plan-loop.js';
import { isSized } from '../iterables.js';
import { RewriteRefused } from '../loop-parts.js';
import { isNestedDefinition, lateBinding } from '../../concurrency/pickling.js';
import { definesOnly, guardedText } from '../../fixes/main-guard.js';
import { codeRunAtImport, constantsOffset, ImportPlan, isMainGuard, NameAllocator, workersValue, type MainGuard } from '../module-setup.js';
import { afterLineEnd, block, indentationAt, lineStart, multilineStrings, newlineOf, transformRegion } from '../source-text.js';
import type { CodeWriter } from '../code-writer.js';
import { itemTimeoutConstant, timeoutValue, TIMEOUT_VALUE } from '../item-timeout.js';
import { ORDERED_MAP_HELPERS, resultsInOrder } from './ordered-map.js';
import { openProcessPool } from './process-pool.js';
import type { Scope, SemanticModel } from '../../semantic/model.js';
import { mapStageOf, SHORT_CIRCUIT_CONSUMERS, type Candidate, type ElementFacts } from '../../rules/parallel/comprehensions.js';
import { isInside, mapsOf, scopeAround, targetIdentifiers } from '../../loops/loop-context.js';
import { isReference } from '../../loops/name-flow.js';
import { iterableText, poolClosing, poolOpening, timedWaitFlag } from './shared.js';

export interface ComprehensionRewriteInput {
  model: SemanticModel;
  source: string;
  candidate: Candidate;
  facts: ElementFacts;
  /** The simple statement that holds the comprehension. */
  statement: SyntaxNode;
  /** The scope whose code runs the statement. */
  scope: Scope;
  plan: Plan;
  defaultWorkers: WorkersDefault;
  targetVersion: [number, number];
  /** Seconds each item may take (the `item-timeout` setting), if any. */
  itemTimeout?: number;
  /** Shared by every rewrite of the file (see `FileRewrites`). */
  file: FileRewrites;
}

/**
 * What the rewrites of one file share. Fixes computed on the same text may be applied together,
 * so no two of them may pick the same fresh name; and comprehensions with the same main call
 * and plan share one worker-count constant, whose edit is then the same in every fix (applied
 * once), so that one `concur fix` pass can apply them all.
 */
export interface FileRewrites {
  names: NameAllocator;
  constants: Map<string, SharedConstants>;
}

/** A worker-count constant, with the item-timeout constant that follows it when there is one, and the edits that add them unless they were there. */
interface SharedConstants {
  name: string;
  timeout?: string;
  edits: Edit[];
}

export function fileRewrites(model: SemanticModel): FileRewrites {
  return { names: new NameAllocator(model.root.node), constants: new Map() };
}

export type ComprehensionRewrite = { kind: 'rewrite'; fix: FixDraft } | { kind: 'refused'; reason: string };

/** Consumers that stop early or keep only a running value: a lazy input is read with a bounded window. */
const WINDOWED_CONSUMERS = new Set(['any', 'all', 'sum', 'min', 'max']);
/** Conditions that can follow `not` without parentheses. */
const BINDS_TIGHTER_THAN_NOT = new Set(['call', 'identifier', 'attribute', 'subscript', 'parenthesized_expression']);
/** Names the generated code for each shape calls. */
const CONSTRUCTOR: Partial<Record<Candidate['shape'], string>> = { list: 'list', set: 'set', dict: 'dict' };

export function rewriteComprehension(input: ComprehensionRewriteInput): ComprehensionRewrite {
  try {
    return { kind: 'rewrite', fix: buildFix(input) };
  } catch (error) {
    if (error instanceof RewriteRefused) return { kind: 'refused', reason: error.message };
    throw error;
  }
}

interface Writer extends CodeWriter {
  input: ComprehensionRewriteInput;
  strings: SyntaxNode[];
}

function buildFix(input: ComprehensionRewriteInput): FixDraft {
  const { model, source, candidate, statement, plan } = input;
  const start = lineStart(source, statement.startIndex);
  const indent = source.slice(start, statement.startIndex);
  if (!/^[ \t]*$/.test(indent)) throw new RewriteRefused('the statement does not start its own line');
  const end = afterLineEnd(source, statement.endIndex - 1);
  if (!/^[ \t]*(#[^\n]*)?\r?\n?$/.test(source.slice(statement.endIndex, end))) throw new RewriteRefused('another statement shares its line');
  if (candidate.iterable === null || (candidate.shape !== 'map' && (candidate.target === null || candidate.element === null || candidate.clauses.some((c) => !c.target || !c.iterable)))) {
    throw new RewriteRefused('the comprehension is incomplete');
  }
  const constructor = input.facts.workerConditions.length === 0 ? CONSTRUCTOR[candidate.shape] : undefined;
  if (constructor && model.bindingsOf(constructor, input.scope).length > 0) {
    throw new RewriteRefused(`the name \`${constructor}\` is bound to something else here`);
  }

  const writer: Writer = {
    input,
    model,
    source,
    names: input.file.names,
    imports: new ImportPlan(model),
    newline: newlineOf(source),
    unit: indentUnitAt(statement, source) ?? indentUnit(model.root.node, source),
    targetVersion: input.targetVersion,
    itemTimeout: input.itemTimeout,
    strings: multilineStrings(model.root.node),
    moduleEdits: [],
  };
  const processes = plan.model === 'processes';
  const guard = processes ? guardFor(model, source) : undefined;
  const moduleLevelStatement = statement.parent?.type === 'module';
  const inGuard = !!guard && moduleLevelStatement && statement.startIndex >= guard.first.startIndex;
  const I = (inGuard ? writer.unit : '') + indent;
  const u = writer.unit;
  const nl = writer.newline;
  const items = itemsOf(writer, I + u);
  const direct = directFunction(input, items);
  if (processes && !direct && candidate.shape === 'map') {
    throw new RewriteRefused('a process pool needs a function defined at module top level, which it sends to the workers by name, and a lambda cannot be sent');
  }
  if (processes) checkProcessWorker(input, direct, guard);
  // A worker process sees the module as freshly imported: the values the element reads travel with the items.
  const sent = processes && !direct ? valuesSent(input, guard) : [];

  const base = nameBase(input);
  const executor = writer.imports.from('concurrent.futures', processes ? 'ProcessPoolExecutor' : 'ThreadPoolExecutor');
  const threadExecutor = processes ? writer.imports.from('concurrent.futures', 'ThreadPoolExecutor') : executor;
  const warnings = processes ? writer.imports.module('warnings') : '';
  const workers = addWorkersConstant(writer, `${base.toUpperCase()}_WORKERS`, processes ? 'Worker processes' : 'Worker threads');
  const pool = writer.names.fresh('pool');
  const task = direct ? undefined : writer.names.fresh(`${base}_task`);
  const fn = direct ?? (sent.length > 0 ? `${writer.imports.module('functools')}.partial(${task}, ${sent.map((n) => `${n}=${n}`).join(', ')})` : task!);

  const consumer = candidate.consumer?.name;
  // Listing the items can raise: the helper raises that error only after the results before it, as the comprehension would.
  const windowed =
    (consumer !== undefined && SHORT_CIRCUIT_CONSUMERS.has(consumer)) ||
    (consumer !== undefined && WINDOWED_CONSUMERS.has(consumer) && !items.sized) ||
    (!items.sized && input.facts.feedMayRaise);
  // A measured plan (`--profile`) knows the chunk size; otherwise four tasks per worker.
  const chunksize = processes && input.plan.chunksize !== undefined ? `, chunksize=${input.plan.chunksize}` : processes && items.length ? `, chunksize=max(1, ${items.length} // (4 * ${workers}))` : '';
  // With an item timeout, always the window: it gives each call its own deadline.
  const results = resultsInOrder(writer, pool, fn, { text: items.text, readAtOnce: !windowed }, workers, `${pool}.map(${fn}, ${items.text}${chunksize})`);

  const replacement = { start: candidate.node.startIndex, end: candidate.node.endIndex, text: replacementText(writer, results) };

  let text = '';
  if (task && !processes) text += taskFunction(writer, task, I, items, []) + nl;
  // Comments written inside the comprehension, in code the rewrite does not copy, stay with the statement.
  text += droppedComments(candidate, !!task, items.kept, input.facts.workerConditions).map((c) => `${I}${c}${nl}`).join('');
  if (processes) {
    const error = writer.names.fresh('error');
    text += openProcessPool({ pool, error, workers, processExecutor: executor, threadExecutor, warnings }, I, u, nl, { waitFlag: timedWaitFlag(writer, pool, 'processes') });
  } else {
    text += poolOpening(writer, pool, `${executor}(max_workers=${workers})`, I);
  }
  text += transformRegion(source, start, end, [replacement], { remove: indent.length, add: I + u }, writer.strings);
  if (end === source.length && !text.endsWith('\n')) text += nl;
  text += poolClosing(writer, pool, I);

  const statementEdit: Edit = { start, end, text };
  let templateEdits: Edit[] = [statementEdit];
  let guardEdit: Edit | undefined;
  if (guard) {
    guardEdit = { start: guard.start, end: source.length, text: guardedText(source, guard.start, inGuard ? [statementEdit] : [], u, writer.strings, nl) };
    templateEdits = inGuard ? [guardEdit] : [statementEdit, guardEdit];
  }
  if (task && processes) {
    // The worker lives at module top level, before the code that runs it, so that it pickles by name.
    const topLevel = topLevelStatement(statement);
    const at = guard && guard.start < lineStart(source, topLevel.startIndex) ? guard.start : lineStart(source, topLevel.startIndex);
    const before = at > 0 && source.slice(lineStart(source, at - 1), at).trim() !== '' ? `${nl}${nl}` : '';
    const workerText = `${before}${taskFunction(writer, task, '', items, sent)}${nl}${nl}`;
    if (guardEdit && guardEdit.start === at) guardEdit.text = `${workerText}${guardEdit.text}`;
    else templateEdits.unshift({ start: at, end: at, text: workerText });
  }

  const runner = processes ? 'a process pool' : 'a thread pool';
  return {
    applicability: isSafe(input) ? 'safe' : 'unsafe',
    message: `Run the comprehension's items in ${runner}, keeping the results in order`,
    edits: [...writer.imports.edits, ...writer.moduleEdits, ...templateEdits],
  };
}

/** The module-level statement that holds a statement. */
function topLevelStatement(statement: SyntaxNode): SyntaxNode {
  let node = statement;
  while (node.parent && node.parent.type !== 'module') node = node.parent;
  return node;
}

/**
 * What the pool maps over, and how the worker receives one item. With one `for` clause, its
 * iterable, the worker taking the clause's target. With several, the combinations in the order
 * the clauses list them: `itertools.product(xs, ys)` when every iterable is a collection that
 * does not depend on another clause and nothing filters; otherwise the clauses themselves (their
 * conditions included) as a generator of the variables the element uses, read in the caller.
 */
interface Items {
  text: string;
  /** A collection in memory (pool.map may read it at once). */
  sized: boolean;
  /** `len(...)` of it, for a process pool's chunk size, when that is simple. */
  length?: string;
  parameter: string;
  /** `x, y = pair` when the parameter is not the target. */
  unpack?: string;
  /** What one item is, for the worker's docstring. */
  noun: 'item' | 'combination';
  /** Source nodes the text copies (their comments are kept). */
  kept: SyntaxNode[];
}

const REREADABLE_METHODS = new Set(['items', 'keys', 'values']);

function itemsOf(writer: Writer, continuation: string): Items {
  const { candidate, model, scope, source } = writer.input;
  const iterable = candidate.iterable!;
  if (candidate.clauses.length <= 1) {
    const target = candidate.target;
    const parameter = !target || target.type === 'identifier' ? (target?.text ?? 'item') : parameterName(candidate, 'item');
    return {
      text: iterableText(iterable),
      sized: isSized(model, scope, iterable),
      length: isSized(model, scope, iterable) ? lengthOf(iterable) : undefined,
      parameter,
      unpack: target && target.type !== 'identifier' ? `${target.text} = ${parameter}` : undefined,
      noun: 'item',
      kept: [iterable],
    };
  }
  const { facts } = writer.input;
  const clauses = candidate.clauses;
  const variables = facts.variables;
  const used = facts.elementVariables;
  if (used.length === 0) throw new RewriteRefused('the element does not use the variables of the `for` clauses');
  const pairName = () => parameterName(candidate, clauses.length === 2 && used.length === 2 ? 'pair' : 'combination');

  const independent =
    candidate.conditions.length === 0 &&
    new Set(variables).size === clauses.flatMap((c) => targetIdentifiers(c.target!)).length &&
    clauses.every((clause) => rereadable(writer, clause.iterable!, variables));
  if (independent) {
    const parameter = pairName();
    const targets = clauses.map((c) => (c.target!.type === 'pattern_list' ? `(${c.target!.text})` : c.target!.text));
    const product = `${writer.imports.module('itertools')}.product(${clauses.map((c) => c.iterable!.text).join(', ')})`;
    const lengths = clauses.map((c) => lengthOf(c.iterable!));
    return {
      text: product,
      sized: true,
      length: lengths.every((l) => l !== undefined) ? lengths.join(' * ') : undefined,
      parameter,
      unpack: `${targets.join(', ')} = ${parameter}`,
      noun: 'combination',
      kept: clauses.map((c) => c.iterable!),
    };
  }

  // The clauses as written, up to the last condition that stays with them.
  const first = clauses[0].target!.parent!;
  const feed = [...first.parent!.namedChildren].filter(
    (child) => (child.type === 'for_in_clause' || child.type === 'if_clause') && !child.namedChildren.some((n) => facts.workerConditions.includes(n)),
  );
  const last = feed[feed.length - 1];
  const region = { start: first.startIndex, end: last.endIndex };
  const inside = (node: SyntaxNode) => node.startIndex >= region.start && node.endIndex <= region.end;
  // Clauses written over several lines read better on one, unless a comment or a multi-line string is among them.
  const keepLines = candidate.node.descendantsOfType('comment').some(inside) || writer.strings.some((string) => string.startIndex < region.end && string.endIndex > region.start);
  const clauseText = keepLines
    ? transformRegion(source, region.start, region.end, [], { remove: indentationAt(source, writer.input.statement.startIndex).length, add: continuation }, writer.strings)
    : oneLine(source.slice(region.start, region.end));
  const yielded = used.length === 1 ? used[0] : `(${used.join(', ')})`;
  const single = used.length === 1;
  const parameter = single ? used[0] : pairName();
  return {
    text: `(${yielded} ${clauseText})`,
    sized: false,
    parameter,
    unpack: single ? undefined : `${used.join(', ')} = ${parameter}`,
    noun: 'combination',
    kept: feed,
  };
}

/**
 * The worker's parameter: it only has to differ from the names the worker's body reads, which
 * all come from the comprehension (the values sent to a process worker too), so every worker
 * of a file can take `pair` or `item`.
 */
function parameterName(candidate: Candidate, base: string): string {
  const used = new Set(candidate.node.descendantsOfType('identifier').map((id) => id.text));
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
  return name;
}

/** Code written over several lines (no comments, no multi-line strings) on one line. */
function oneLine(text: string): string {
  return text.replace(/[ \t]*\r?\n\s*/g, (match: string, offset: number) => {
    const before = text[offset - 1];
    const after = text[offset + match.length];
    return (before && '([{'.includes(before)) || (after && ')]}'.includes(after)) ? '' : ' ';
  });
}

/**
 * An iterable `itertools.product` may read once where the comprehension reads it once per outer
 * item: a collection in memory, named or written out, that no clause variable changes.
 */
function rereadable(writer: Writer, node: SyntaxNode, variables: readonly string[]): boolean {
  const { model, scope } = writer.input;
  const ids = node.type === 'identifier' ? [node] : node.descendantsOfType('identifier');
  if (ids.some((id) => isReference(id) && variables.includes(id.text))) return false;
  if (!isSized(model, scope, node)) return false;
  for (const call of node.type === 'call' ? [node, ...node.descendantsOfType('call')] : node.descendantsOfType('call')) {
    const callee = call.childForFieldName('function');
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
    const object = callee?.type === 'attribute' ? callee.childForFieldName('object') : undefined;
    if (callee?.type === 'identifier' && callee.text === 'range' && model.bindingsOf('range', scope).length === 0) continue;
    if (method && REREADABLE_METHODS.has(method) && object?.type === 'identifier') continue;
    return false;
  }
  return true;
}

/** `len(xs)` for `xs`, `d.items()`, `d.keys()`, `d.values()`. */
function lengthOf(iterable: SyntaxNode): string | undefined {
  if (iterable.type === 'identifier') return `len(${iterable.text})`;
  if (iterable.type !== 'call' || (iterable.childForFieldName('arguments')?.namedChildren.length ?? 0) > 0) return undefined;
  const callee = iterable.childForFieldName('function');
  const object = callee?.type === 'attribute' ? callee.childForFieldName('object') : undefined;
  const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
  return object?.type === 'identifier' && method && REREADABLE_METHODS.has(method) ? `len(${object.text})` : undefined;
}

/**
 * The code a process pool's workers must not run again when they import the module, as
 * `codeRunAtImport` finds it, except that the constants earlier rewrites added after the
 * imports (worker counts, item timeouts) count as definitions (they only read the environment).
 */
function guardFor(model: SemanticModel, source: string): MainGuard | undefined {
  const statements = model.root.node.namedChildren.filter((s) => s.type !== 'comment');
  if (!statements.some(isEnvironmentConstant)) return codeRunAtImport(model, source);
  // The same reading of "only defines" as `codeRunAtImport`, so that a later rewrite of the file agrees with an earlier one.
  const index = statements.findIndex((s) => !isEnvironmentConstant(s) && !definesOnly(s));
  if (index < 0) return undefined;
  const definition = statements.slice(index).find((s) => DEFINITIONS.has(s.type) || isMainGuard(s));
  if (definition) {
    const line = source.slice(0, definition.startIndex).split('\n').length;
    throw new RewriteRefused(
      `a process pool needs the code this module runs at import under an \`if __name__ == "__main__":\` guard, but line ${line} defines or imports something after that code begins`,
    );
  }
  return { first: statements[index], start: lineStart(source, statements[index].startIndex) };
}

const DEFINITIONS = new Set(['function_definition', 'class_definition', 'decorated_definition', 'import_statement', 'import_from_statement']);

/**
 * `NAME_WORKERS = int(os.environ.get("NAME_WORKERS", "16"))` or `NAME_ITEM_TIMEOUT =
 * float(os.environ.get(...))`, as the rewrites write them: they only read the environment.
 */
function isEnvironmentConstant(statement: SyntaxNode): boolean {
  const value = constantAssignment(statement)?.value;
  return !!value && (/^int\([A-Za-z_]\w*\.environ\.get\("[A-Z0-9_]+", "\d+"\)\)/.test(value) || TIMEOUT_VALUE.test(value));
}

/**
 * The function the pool can call directly: `f` of `map(f, xs)`, or `f` of `[f(x) for x in xs]`
 * (or `[f(p) for row in grid for p in row]`) when `f` is a module-level function and `x` the one
 * value each item hands the worker.
 */
function directFunction(input: ComprehensionRewriteInput, items: Items): string | undefined {
  const { candidate, model, plan } = input;
  if (candidate.shape === 'map') {
    const fn = candidate.function!;
    if (plan.model !== 'processes') return fn.text;
    return fn.type === 'identifier' && isModuleFunction(model, input.scope, fn.text) ? fn.text : undefined;
  }
  const element = candidate.element;
  if (input.facts.workerConditions.length > 0 || candidate.shape === 'dict' || element?.type !== 'call' || items.unpack) return undefined;
  const callee = element.childForFieldName('function');
  const args = element.childForFieldName('arguments');
  if (callee?.type !== 'identifier' || args?.type !== 'argument_list') return undefined;
  const [arg, ...rest] = args.namedChildren;
  if (!arg || rest.length > 0 || arg.type !== 'identifier' || arg.text !== items.parameter || arg.text === callee.text) return undefined;
  return isModuleFunction(model, input.scope, callee.text) ? callee.text : undefined;
}

function isModuleFunction(model: SemanticModel, scope: Scope, name: string): boolean {
  const bindings = model.bindingsOf(name, scope);
  return bindings.length > 0 && bindings.every((b) => b.kind === 'function' && b.scope === model.root);
}

/** What a worker process needs: module-level functions it can import, and module values set before the guard. */
function checkProcessWorker(input: ComprehensionRewriteInput, fn: string | undefined, guard: MainGuard | undefined): void {
  const { model, facts, source } = input;
  const lineAt = (node: SyntaxNode) => source.slice(0, node.startIndex).split('\n').length;
  if (facts.unpicklable) {
    throw new RewriteRefused(`a process pool would have to pickle \`${facts.unpicklable.name}\` (${facts.unpicklable.type}), which cannot be pickled`);
  }
  for (const binding of fn ? model.bindingsOf(fn, input.scope) : []) {
    if (model.isUnderMainGuard(binding.node)) throw new RewriteRefused(`\`${fn}\` is defined under the \`__main__\` guard, where worker processes do not see it`);
    let definition: SyntaxNode | null = binding.node;
    while (definition && definition.type !== 'function_definition') definition = definition.parent;
    if (definition?.parent?.type === 'decorated_definition') {
      throw new RewriteRefused(`\`${fn}\` is decorated: a process pool sends it to the workers by name, and the decorated object may not pickle`);
    }
  }
  for (const scope of facts.functions) {
    if (isNestedDefinition(scope)) {
      throw new RewriteRefused(`\`${scope.displayName}\` is defined inside a function: worker processes can only use module-level functions`);
    }
    if (model.isUnderMainGuard(scope.node)) throw new RewriteRefused(`\`${scope.displayName}\` is defined under the \`__main__\` guard, where worker processes do not see it`);
  }
  for (const name of facts.globalsRead) {
    const late = lateBinding(model, name, guard?.first.startIndex);
    if (late) {
      throw new RewriteRefused(
        `a function the element calls reads the module-level \`${name}\`, which is set at line ${lineAt(late.node)} while the program runs: worker processes started with spawn or forkserver would not see that value`,
      );
    }
  }
}

/**
 * The values the element reads from outside the comprehension, which a generated worker receives
 * as keyword arguments (bound with `functools.partial`): a worker process sees the module as
 * freshly imported, not the caller's variables. Module-level functions, classes and imports are
 * imported by the worker instead; what cannot travel is refused.
 */
function valuesSent(input: ComprehensionRewriteInput, guard: MainGuard | undefined): string[] {
  const { model, candidate, facts } = input;
  const { scopesByNode } = mapsOf(model);
  const sent: string[] = [];
  for (const root of mapStageOf(candidate, facts.workerConditions)) {
    for (const id of root.type === 'identifier' ? [root] : root.descendantsOfType('identifier')) {
      if (!isReference(id) || sent.includes(id.text) || facts.variables.includes(id.text)) continue;
      const bindings = model.bindingsOf(id.text, scopeAround(id, scopesByNode, model.root));
      if (bindings.length === 0 || bindings.every((b) => isInside(b.node, candidate.node))) continue;
      if (bindings.every((b) => ['function', 'class', 'import', 'from-import'].includes(b.kind))) {
        if (bindings.some((b) => b.scope !== model.root)) {
          throw new RewriteRefused(`\`${id.text}\` is defined inside a function: worker processes can only use module-level functions and classes`);
        }
        if (bindings.some((b) => model.isUnderMainGuard(b.node) || (guard && b.node.startIndex >= guard.first.startIndex))) {
          throw new RewriteRefused(`\`${id.text}\` is defined under the \`__main__\` guard, where worker processes do not see it`);
        }
        continue;
      }
      if (id.text === 'self' || id.text === 'cls') throw new RewriteRefused(`the element uses \`${id.text}\`, which a process pool would pickle with every item`);
      if (bindings.some((b) => b.kind === 'assignment' && b.value?.type === 'lambda')) {
        throw new RewriteRefused(`\`${id.text}\` is a lambda, which a process pool cannot pickle`);
      }
      if (bindings.some((b) => b.kind === 'function' || b.kind === 'class' || b.kind === 'import' || b.kind === 'from-import')) {
        throw new RewriteRefused(`\`${id.text}\` is bound to a function or module in one place and to a value in another: a worker process could not tell which`);
      }
      sent.push(id.text);
    }
  }
  return sent;
}


/** What replaces the comprehension: the pool's results, as the same kind of value. */
function replacementText(writer: Writer, results: string): string {
  const { candidate } = writer.input;
  if (writer.input.facts.workerConditions.length === 0) {
    switch (candidate.shape) {
      case 'list':
        return `list(${results})`;
      case 'set':
        return `set(${results})`;
      case 'dict':
        return `dict(${results})`;
      case 'generator':
        // `sum(x for x in xs)`: the generator's parentheses are the call's.
        return candidate.node.parent?.type === 'call' ? `(${results})` : results;
      case 'map':
        return results;
    }
  }
  const keep = writer.names.fresh('keep');
  if (candidate.shape === 'dict') {
    const key = writer.names.fresh('key');
    const value = writer.names.fresh('value');
    return `{${key}: ${value} for ${keep}, ${key}, ${value} in ${results} if ${keep}}`;
  }
  const value = writer.names.fresh('value');
  const inner = `${value} for ${keep}, ${value} in ${results} if ${keep}`;
  return candidate.shape === 'list' ? `[${inner}]` : candidate.shape === 'set' ? `{${inner}}` : `(${inner})`;
}

/**
 * The element as a function of one item: it returns the value (`key, value` for a dictionary),
 * or, with `if` clauses it evaluates, `(keep, value)`, computing the value only when every
 * condition holds, in order, as the comprehension does. For threads it is written at the
 * statement's indentation, before it; for processes (`indent` empty) at module top level, with
 * the values it reads as keyword-only parameters.
 */
function taskFunction(writer: Writer, name: string, indent: string, items: Items, sent: readonly string[]): string {
  const { input, unit: u, newline: nl } = writer;
  const { candidate, source } = input;
  const conditions = input.facts.workerConditions;
  const parameter = items.parameter;
  const body = indent + u;
  const noteOnError = input.targetVersion[0] === 3 && input.targetVersion[1] >= 11;
  const inner = noteOnError ? body + u : body;
  // Text that spans lines needs parentheses once it is no longer inside the comprehension's brackets.
  const expression = (node: SyntaxNode, parenthesize = (text: string) => text.includes('\n')) => {
    const text = transformRegion(source, node.startIndex, node.endIndex, [], { remove: indentationAt(source, node.startIndex).length, add: inner + u }, writer.strings);
    return parenthesize(text) ? `(${text})` : text;
  };
  const element = candidate.element!;
  const value = candidate.shape === 'dict' ? `${expression(element.childForFieldName('key')!)}, ${expression(element.childForFieldName('value')!)}` : expression(element);
  const lines: string[] = [];
  if (items.unpack) lines.push(items.unpack);
  const skipped = candidate.shape === 'dict' ? 'False, None, None' : 'False, None';
  for (const condition of conditions) {
    const text = expression(condition, (t) => !BINDS_TIGHTER_THAN_NOT.has(condition.type) || t.includes('\n'));
    lines.push(`if not ${text}:`, `${u}return ${skipped}`);
  }
  lines.push(`return ${conditions.length > 0 ? 'True, ' : ''}${value}`);

  let text = '';
  const processes = indent === '' && input.plan.model === 'processes';
  if (!processes) {
    // A blank line sets the function apart from the statement before it, unless it opens the block.
    const before = source.slice(lineStart(source, Math.max(0, lineStart(source, input.statement.startIndex) - 1)), lineStart(source, input.statement.startIndex)).trim();
    text = before === '' || before.endsWith(':') ? '' : nl;
  }
  const parameters = [parameter, ...(sent.length > 0 ? ['*', ...sent] : [])].join(', ');
  text += `${indent}def ${name}(${parameters}):${nl}`;
  if (processes) {
    const where = input.scope.kind === 'function' ? `in \`${input.scope.displayName}\`` : 'at module level';
    text += `${body}"""The element of the comprehension ${where}, for one ${items.noun}; runs in worker processes."""${nl}`;
  } else {
    text += `${body}"""The element of the comprehension below, for one ${items.noun}; runs in worker threads."""${nl}`;
  }
  if (!noteOnError) return text + lines.map((l) => `${body}${l}${nl}`).join('');
  // Local to the worker, like its parameter.
  const error = parameterName(candidate, 'error');
  text += `${body}try:${nl}`;
  text += lines.map((l) => `${inner}${l}${nl}`).join('');
  text += `${body}except Exception as ${error}:${nl}`;
  text += `${inner}${error}.add_note(f"raised while processing ${items.noun} {${parameter}!r}")${nl}`;
  text += `${inner}raise${nl}`;
  return text;
}

/**
 * Safe when nothing can tell the difference: the results arrive in order either way. What can
 * differ is the work done on items the sequential code would never reach, because an item
 * failed or `any`/`all` stopped early; that is invisible when the element has no external
 * effects (reading and sleeping aside).
 */
function isSafe(input: ComprehensionRewriteInput): boolean {
  const { facts, candidate } = input;
  const effectful = facts.blocking.some((kind) => kind !== 'sleep');
  const shortCircuit = candidate.consumer !== undefined && SHORT_CIRCUIT_CONSUMERS.has(candidate.consumer.name);
  return !(effectful && (facts.mayRaise || shortCircuit));
}

/** A base for generated names: the main call of the element, or the comprehension's variable. */
function nameBase(input: ComprehensionRewriteInput): string {
  const call = input.facts.heavyCalls[0];
  const last = call?.split('.').pop();
  const base = (last && /^[A-Za-z_]\w*$/.test(last) ? last : undefined) ?? input.facts.variables[0] ?? 'item';
  return base.replace(/^_+/, '') || 'item';
}

/**
 * `FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))` after the imports, or the same
 * constant already there; with an item timeout, `FETCH_ITEM_TIMEOUT = float(...)` follows it,
 * named in `writer.timeoutVariable`.
 */
function addWorkersConstant(writer: Writer, base: string, what: string): string {
  const { defaultWorkers } = writer.input;
  const key = `${base}|${what}|${JSON.stringify(defaultWorkers)}`;
  let constants = writer.input.file.constants.get(key);
  if (!constants) writer.input.file.constants.set(key, (constants = workerConstants(writer, base, what)));
  writer.moduleEdits.push(...constants.edits);
  writer.timeoutVariable = constants.timeout;
  return constants.name;
}

function workerConstants(writer: Writer, base: string, what: string): SharedConstants {
  const { model, source, defaultWorkers, targetVersion, facts } = writer.input;
  const os = writer.imports.module('os');
  const subject = facts.heavyCalls.length > 0 ? `calling \`${facts.heavyCalls[0]}\`` : `over \`${facts.variables[0] ?? 'item'}\``;
  const timeoutLines = () => (writer.itemTimeout === undefined ? [] : itemTimeoutConstant(writer, base, os, `in comprehensions ${subject}`));
  const existing = existingConstant(model, base, what, (name) => workersValue(os, name, defaultWorkers, targetVersion));
  if (existing) {
    if (writer.itemTimeout === undefined) return { name: existing.name, edits: [] };
    const timeout = existingTimeout(model, existing.statement, (name) => timeoutValue(os, name, writer.itemTimeout!));
    if (timeout) return { name: existing.name, timeout, edits: [] };
    // An earlier pass wrote the worker count without a timeout: the timeout goes after it.
    const at = afterLineEnd(source, existing.statement.endIndex - 1);
    const text = block('', timeoutLines(), writer.newline);
    return { name: existing.name, timeout: writer.timeoutVariable, edits: [{ start: at, end: at, text }] };
  }
  const name = writer.names.fresh(base);
  const at = afterWorkerConstants(model, source, constantsOffset(model, source));
  const followedByBlank = /^[ \t]*\r?\n/.test(source.slice(at));
  const text = block('', [
    '',
    `${CONSTANT_COMMENT(what)} ${subject}; set ${name} in the environment to tune.`,
    `${name} = ${workersValue(os, name, defaultWorkers, targetVersion)}`,
    ...timeoutLines(),
    ...(followedByBlank ? [] : ['']),
  ], writer.newline);
  return { name, timeout: writer.timeoutVariable, edits: [{ start: at, end: at, text }] };
}

const CONSTANT_COMMENT = (what: string) => `# ${what} for comprehensions`;

/** A constant an earlier rewrite of this rule added with the same value: comprehensions calling the same function share it. */
function existingConstant(model: SemanticModel, base: string, what: string, value: (name: string) => string): { name: string; statement: SyntaxNode } | undefined {
  const statements = model.root.node.namedChildren;
  const pattern = new RegExp(`^${base}(_\\d+)?$`);
  for (const [index, statement] of statements.entries()) {
    const assigned = constantAssignment(statement);
    if (!assigned || !pattern.test(assigned.name) || assigned.value !== value(assigned.name)) continue;
    const comment = statements[index - 1];
    if (comment?.type === 'comment' && comment.text.startsWith(CONSTANT_COMMENT(what)) && (model.root.bindings.get(assigned.name) ?? []).length === 1) {
      return { name: assigned.name, statement };
    }
  }
  return undefined;
}

/** The item-timeout constant an earlier rewrite wrote right after the worker-count constant `after`, with the same seconds. */
function existingTimeout(model: SemanticModel, after: SyntaxNode, value: (name: string) => string): string | undefined {
  const statements = model.root.node.namedChildren;
  const next = statements.slice(statements.indexOf(after) + 1).find((s) => s.type !== 'comment');
  const assigned = next && constantAssignment(next);
  if (!assigned || !TIMEOUT_VALUE.test(assigned.value) || assigned.value !== value(assigned.name)) return undefined;
  return (model.root.bindings.get(assigned.name) ?? []).length === 1 ? assigned.name : undefined;
}

/** `NAME = value` as a module statement: the name and the value's text. */
function constantAssignment(statement: SyntaxNode): { name: string; value: string } | undefined {
  const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
  if (assignment?.type !== 'assignment') return undefined;
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  return left?.type === 'identifier' && right ? { name: left.text, value: right.text } : undefined;
}

/**
 * Past the constants and helpers earlier rewrites added after the imports, so that the
 * constants stay in the order of the code they tune.
 */
function afterWorkerConstants(model: SemanticModel, source: string, at: number): number {
  let offset = at;
  for (const statement of model.root.node.namedChildren) {
    if (statement.startIndex < offset || statement.type === 'comment') continue;
    if (statement.type === 'function_definition' && ORDERED_MAP_HELPERS.includes(statement.childForFieldName('name')?.text ?? '')) {
      offset = afterLineEnd(source, statement.endIndex - 1);
      continue;
    }
    if (!isEnvironmentConstant(statement)) break;
    offset = afterLineEnd(source, statement.endIndex - 1);
  }
  return offset;
}

/** Comments inside the comprehension that are not in the text the rewrite copies (the items, `f`, and the element and conditions when a task function holds them). */
function droppedComments(candidate: Candidate, task: boolean, items: readonly SyntaxNode[], conditions: readonly SyntaxNode[]): string[] {
  const kept = [...items, candidate.function, ...(task ? [candidate.element, ...conditions] : [])].filter((n): n is SyntaxNode => !!n);
  return candidate.node
    .descendantsOfType('comment')
    .filter((c) => !kept.some((k) => k.startIndex <= c.startIndex && c.endIndex <= k.endIndex))
    .map((c) => c.text);
}

/** The indentation step of the block that holds the statement, when it has one. */
function indentUnitAt(statement: SyntaxNode, source: string): string | undefined {
  const owner = statement.parent?.type === 'block' ? statement.parent.parent : null;
  if (!owner) return undefined;
  const inner = indentationAt(source, statement.startIndex);
  const outer = indentationAt(source, owner.startIndex);
  return inner.startsWith(outer) && inner.length > outer.length ? inner.slice(outer.length) : undefined;
}

/** One level of indentation as the file writes it (four spaces when nothing is indented). */
function indentUnit(root: SyntaxNode, source: string): string {
  for (const body of root.descendantsOfType('block')) {
    const first = body.namedChildren.find((c) => c.type !== 'comment');
    const owner = body.parent;
    if (!first || !owner || lineStart(source, first.startIndex) === lineStart(source, owner.startIndex)) continue;
    const inner = indentationAt(source, first.startIndex);
    const outer = indentationAt(source, owner.startIndex);
    if (inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
  }
  return '    ';
}
