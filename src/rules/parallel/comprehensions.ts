/**
 * The comprehensions PA102 considers, and what their element does. A comprehension is a loop
 * whose body is only a map stage (the element, the `if` conditions) followed by an in-order
 * commit the interpreter does itself (append, add, store, or hand the item to the consumer):
 * its items can run concurrently when the element does heavy work and depends only on the item.
 * With several `for` clauses the items are the combinations the clauses list, in their order;
 * listing them (the inner iterables, the conditions between clauses) stays in the caller and
 * runs ahead of the work, so it must have no effects the work could see.
 *
 * The plan comes from the loop planner (`planLoop`), fed with the same plain facts a loop gives.
 */
import type { BlockingKind, CatalogueEntry, CpuKind } from '../../catalogue/schema.js';
import type { Plan } from '../../diagnostics/finding.js';
import { functionEffects, functionScopeOf, merge, type FunctionEffects } from '../../loops/function-effects.js';
import { lineOf } from '../../loops/lines.js';
import { isInside, mapsOf, scopeAround, targetIdentifiers, type LoopContext } from '../../loops/loop-context.js';
import { callsWithin, doesWork } from '../../loops/work-calls.js';
import { mapCallFacts } from '../../loops/map-calls.js';
import { mutationsIn } from '../../loops/mutations.js';
import { PURE_BUILTINS, PURE_MODULES } from '../../loops/pure-names.js';
import { sharedHandles } from '../../loops/shared-handles.js';
import type { LoopReason, ProjectCall } from '../../loops/types.js';
import { isReference } from '../../loops/name-flow.js';
import { estimateIterations, mayRaise, workHints } from '../../loops/workload.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { hasHeavyLoop } from '../../plans/cpu-evidence.js';
import { betterSuggestion, type PlanFacts } from '../../plans/plan-loop.js';
import { isMainGuard } from '../../rewrites/module-setup.js';
import type { Scope, SemanticModel } from '../../semantic/model.js';

export const COMPREHENSIONS: ReadonlySet<string> = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

/** Calls that consume a whole iterable and whose result does not depend on how it was produced. */
const CONSUMERS: ReadonlySet<string> = new Set(['sum', 'any', 'all', 'list', 'tuple', 'set', 'sorted', 'min', 'max', 'dict']);
/** Consumers that stop reading once the answer is known: the rest of the iterable stays unread. */
export const SHORT_CIRCUIT_CONSUMERS: ReadonlySet<string> = new Set(['any', 'all']);
/** Consumers that also take keyword arguments (`key=`, `reverse=`, `default=`). */
const KEYWORD_CONSUMERS: ReadonlySet<string> = new Set(['sorted', 'min', 'max']);

export type Shape = 'list' | 'set' | 'dict' | 'generator' | 'map';

export interface Candidate {
  /** The comprehension, or the `map(f, xs)` call. */
  node: SyntaxNode;
  shape: Shape;
  /** The call that consumes a generator expression or `map(...)` lazily: `sum`, `join`... */
  consumer?: { call: SyntaxNode; name: string };
  isAsync: boolean;
  /** The `for` clauses in order, each with the `if` clauses that follow it (comprehensions). */
  clauses: Clause[];
  /** The first `for` clause's target and iterable. */
  target: SyntaxNode | null;
  iterable: SyntaxNode | null;
  /** The element (`pair` for a dict comprehension). */
  element: SyntaxNode | null;
  /** Every `if` condition, in order. */
  conditions: SyntaxNode[];
  /** `f` in `map(f, xs)`. */
  function: SyntaxNode | null;
}

export interface Clause {
  target: SyntaxNode | null;
  iterable: SyntaxNode | null;
  /** The conditions of the `if` clauses after it, before the next `for`. */
  conditions: SyntaxNode[];
}

/** Every comprehension of the module, and every `map(f, xs)` handed to a consumer, in source order. */
export function findCandidates(model: SemanticModel): Candidate[] {
  const { callsByNode } = mapsOf(model);
  const candidates: Candidate[] = [];
  for (const node of model.root.node.descendantsOfType([...COMPREHENSIONS, 'call'])) {
    if (node.type === 'call') {
      const site = callsByNode.get(node.id);
      if (!site || model.calleeName(site) !== 'builtins.map') continue;
      const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
      if (args.length !== 2 || args.some((a) => a.type === 'keyword_argument' || a.type === 'list_splat' || a.type === 'dictionary_splat')) continue;
      const consumer = consumerOf(model, node);
      if (!consumer) continue;
      candidates.push({ node, shape: 'map', consumer, isAsync: false, clauses: [], target: null, iterable: args[1], element: null, conditions: [], function: args[0] });
      continue;
    }
    const consumer = consumerOf(model, node);
    if (node.type === 'generator_expression' && !consumer) continue;
    const clauses: Clause[] = [];
    for (const child of node.namedChildren) {
      if (child.type === 'for_in_clause') clauses.push({ target: child.childForFieldName('left'), iterable: child.childForFieldName('right'), conditions: [] });
      else if (child.type === 'if_clause') clauses[clauses.length - 1]?.conditions.push(...child.namedChildren.filter((n) => n.type !== 'comment'));
    }
    const first = clauses[0];
    const forClauses = node.namedChildren.filter((c) => c.type === 'for_in_clause');
    candidates.push({
      node,
      shape: node.type === 'list_comprehension' ? 'list' : node.type === 'set_comprehension' ? 'set' : node.type === 'dictionary_comprehension' ? 'dict' : 'generator',
      // A list, set or dict is built in full before any consumer sees it: only generators are consumed lazily.
      consumer: node.type === 'generator_expression' ? consumer : undefined,
      isAsync: forClauses.some((c) => c.children.some((t) => t.type === 'async')),
      clauses,
      target: first?.target ?? null,
      iterable: first?.iterable ?? null,
      element: node.childForFieldName('body'),
      conditions: clauses.flatMap((c) => c.conditions),
      function: null,
    });
  }
  return candidates;
}

/** The consumer call a generator expression or `map(...)` is the sole positional argument of. */
function consumerOf(model: SemanticModel, node: SyntaxNode): Candidate['consumer'] {
  const parent = node.parent;
  if (!parent) return undefined;
  let call: SyntaxNode;
  let keywords = false;
  if (parent.type === 'call' && node.field === 'arguments') call = parent;
  else if (parent.type === 'argument_list' && parent.parent?.type === 'call') {
    const args = parent.namedChildren.filter((a) => a.type !== 'comment');
    const positional = args.filter((a) => a.type !== 'keyword_argument');
    if (positional.length !== 1 || positional[0].id !== node.id) return undefined;
    keywords = args.length > 1;
    call = parent.parent;
  } else return undefined;
  const name = consumerName(model, call);
  if (!name || (keywords && !KEYWORD_CONSUMERS.has(name))) return undefined;
  return { call, name };
}

function consumerName(model: SemanticModel, call: SyntaxNode): string | undefined {
  const callee = call.childForFieldName('function');
  if (!callee) return undefined;
  if (callee.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'join') {
    const object = callee.childForFieldName('object');
    if (!object) return undefined;
    if (object.type === 'string' || object.type === 'concatenated_string') return 'join';
    const { scopesByNode } = mapsOf(model);
    const type = model.typeOf(object, scopeAround(call, scopesByNode, model.root));
    return type === 'builtins.str' || type === 'builtins.bytes' ? 'join' : undefined;
  }
  const site = mapsOf(model).callsByNode.get(call.id);
  const name = site ? model.calleeName(site) : undefined;
  return name?.startsWith('builtins.') && CONSUMERS.has(name.slice('builtins.'.length)) ? name.slice('builtins.'.length) : undefined;
}

/** Where the comprehension runs: the statement a rewrite wraps, or why it is left alone. */
export type Placement = { kind: 'statement'; statement: SyntaxNode; moduleLevel: boolean } | { kind: 'rejected'; reason: string };

export function placementOf(node: SyntaxNode): Placement {
  let child = node;
  for (let parent = node.parent; parent && parent.type !== 'block' && parent.type !== 'module'; parent = parent.parent) {
    if (COMPREHENSIONS.has(parent.type) && !inFirstIterable(node, parent)) {
      return { kind: 'rejected', reason: `runs inside another comprehension (line ${lineOf(parent)}), which would run concurrently instead` };
    }
    if (parent.type === 'lambda') return { kind: 'rejected', reason: `runs inside a lambda (line ${lineOf(parent)}): only comprehensions in a simple statement are rewritten` };
    child = parent;
  }
  const statement = child;
  const block = statement.parent;
  if (!block) return { kind: 'rejected', reason: 'the comprehension is not part of a statement' };
  const owner = block.type === 'block' ? block.parent : null;
  if (owner?.type === 'class_definition') {
    return { kind: 'rejected', reason: 'runs in a class body, where a worker function cannot see the class namespace' };
  }
  if (statement.type !== 'expression_statement' && statement.type !== 'return_statement') {
    return {
      kind: 'rejected',
      reason: `is part of ${article(keywordOf(statement))} statement (line ${lineOf(statement)}): only comprehensions in an expression statement, assignment or \`return\` are rewritten`,
    };
  }
  if (block.type === 'module') return { kind: 'statement', statement, moduleLevel: true };
  if (owner?.type === 'function_definition') return { kind: 'statement', statement, moduleLevel: false };
  if (owner && isMainGuard(owner) && owner.parent?.type === 'module' && block.field === 'consequence') return { kind: 'statement', statement, moduleLevel: true };
  return {
    kind: 'rejected',
    reason: `runs inside ${article(owner ? keywordOf(owner) : 'nested')} block (line ${owner ? lineOf(owner) : lineOf(block)}): only comprehensions directly in a function body or at module level are rewritten`,
  };
}

/** The first iterable of a comprehension runs in the enclosing scope, not in the comprehension. */
function inFirstIterable(node: SyntaxNode, comprehension: SyntaxNode): boolean {
  const first = comprehension.namedChildren.find((c) => c.type === 'for_in_clause')?.childForFieldName('right');
  return !!first && isInside(node, first);
}

function keywordOf(statement: SyntaxNode): string {
  return /^[a-z_]+/.exec(statement.text)?.[0] ?? statement.type.replace(/_statement$/, '');
}

function article(keyword: string): string {
  return `${/^[aeiou]/.test(keyword) ? 'an' : 'a'} \`${keyword}\``;
}

/** What the element of a comprehension does, as far as the catalogue and this module's functions tell. */
export interface ElementFacts {
  /** Reasons the element cannot run concurrently, the first is the verdict's. */
  reasons: LoopReason[];
  /** Calls into other modules of the project. */
  elsewhere: ProjectCall[];
  blocking: BlockingKind[];
  cpu: CpuKind[];
  releasesGil: boolean;
  /** Functions of this module the worker calls, directly or not. */
  functions: Scope[];
  /** Module-level values those functions read. */
  globalsRead: string[];
  /** The calls that do the work, by their source names. */
  heavyCalls: string[];
  /** The worker's code can raise. */
  mayRaise: boolean;
  /** Code that stays in the caller to list the items (inner iterables, conditions) can raise. */
  feedMayRaise: boolean;
  /** The comprehension's variables, every `for` clause's. */
  variables: string[];
  /** Those the worker's code reads, in the order of the clauses. */
  elementVariables: string[];
  /** The `if` conditions the worker evaluates with the element; the others stay where the items are listed. */
  workerConditions: SyntaxNode[];
  /** A value the element reads that a process pool could not pickle. */
  unpicklable?: { name: string; type: string };
  /** What the planner needs, as plain data. */
  plan: PlanFacts;
}

/**
 * The conditions a worker evaluates with the element. With one `for` clause, all of them. With
 * several, the conditions after the last clause when one of them does work (`if is_big(path)`);
 * cheap ones, and every condition between clauses, stay in the code that lists the items, since
 * they decide which inner iterables are read at all.
 */
export function workerConditionsOf(model: SemanticModel, candidate: Candidate): SyntaxNode[] {
  if (candidate.clauses.length <= 1) return candidate.conditions;
  const trailing = candidate.clauses[candidate.clauses.length - 1].conditions;
  return trailing.some((condition) => callsWithin(condition).some((call) => doesWork(model, call))) ? trailing : [];
}

/** The work a pool runs per item: element and worker conditions, or the lambda of `map(lambda x: ..., xs)`. */
export function mapStageOf(candidate: Candidate, workerConditions: readonly SyntaxNode[] = candidate.conditions): SyntaxNode[] {
  if (candidate.shape === 'map') {
    const fn = candidate.function;
    const body = fn?.type === 'lambda' ? fn.childForFieldName('body') : null;
    return body ? [body] : [];
  }
  return [...(candidate.element ? [candidate.element] : []), ...workerConditions];
}

/** What judging some of the comprehension's code found. */
interface Judgement {
  reasons: LoopReason[];
  called: FunctionEffects;
  /** Calls of functions of this module. */
  direct: number;
  heavyCalls: string[];
}

export function analyseElement(model: SemanticModel, candidate: Candidate): ElementFacts {
  const { scopesByNode, callsByNode } = mapsOf(model);
  const enclosing = scopeAround(candidate.node, scopesByNode, model.root);
  const fn = candidate.function;
  const lambda = fn?.type === 'lambda' ? fn : null;
  // The scope the element runs in: the comprehension's own, the lambda's, or (for `map(f, xs)`) the caller's.
  const ownNode = candidate.shape === 'map' ? lambda : candidate.node;
  const scope = (ownNode && scopesByNode.get(ownNode.id)) || enclosing;
  const targets =
    candidate.shape === 'map'
      ? lambda
        ? [...scope.bindings.values()].flat().filter((b) => b.kind === 'parameter').map((b) => b.node)
        : []
      : candidate.clauses.flatMap((clause) => (clause.target ? targetIdentifiers(clause.target) : []));
  const variables = [...new Set(targets.map((t) => t.text))];
  const workerConditions = workerConditionsOf(model, candidate);
  const work = mapStageOf(candidate, workerConditions);
  // Several `for` clauses: the inner iterables and the other conditions list the items, in the caller.
  const inner = candidate.clauses.slice(1).flatMap((clause) => (clause.iterable ? [clause.iterable] : []));
  const feedConditions = candidate.conditions.filter((c) => !workerConditions.includes(c));
  const everything = [...work, ...feedConditions, ...inner];
  const context: LoopContext = {
    model,
    loop: ownNode ?? candidate.node,
    scope,
    loopVariables: variables,
    targetNodes: targets,
    iterable: candidate.iterable,
    statements: everything,
    scopesByNode,
    callsByNode,
  };
  const written = ownNode ? new Set([...scope.bindings.keys()].filter((name) => !variables.includes(name))) : new Set<string>();

  const reasons: LoopReason[] = [];
  for (const root of everything) {
    for (const node of [root, ...root.descendantsOfType(['named_expression', 'await', 'yield'])]) {
      const line = lineOf(node);
      if (node.type === 'named_expression') {
        const name = node.childForFieldName('name')?.text ?? node.text;
        reasons.push({ reason: `assigns \`${name}\` with \`:=\` (line ${line}), which binds it in the enclosing scope on every item`, line });
      } else if (node.type === 'await') reasons.push({ reason: `awaits (line ${line}): asynchronous comprehensions are left to asyncio`, line });
      else if (node.type === 'yield') reasons.push({ reason: `yields (line ${line})`, line });
    }
  }
  const handles = sharedHandles(context, everything, written);
  reasons.push(...handles.reasons);

  const elsewhere: ProjectCall[] = [];
  const judge = (roots: SyntaxNode[], reference: SyntaxNode | null): Judgement => {
    const calls = mapCallFacts(context, roots, written);
    const found: LoopReason[] = [...mutationsIn(context, roots), ...calls.reasons];
    const called: FunctionEffects = {
      reasons: [], blocking: new Set(calls.blocking), cpu: new Set(calls.cpu), releasesGil: calls.releasesGil, loops: false,
      elsewhere: [], globalsRead: new Set(), functions: new Set(),
    };
    // Plain names first (`hashlib.sha256` rather than `hashlib.sha256(data).hexdigest`).
    const heavyCalls = mainCalls(model, roots).sort((a, b) => Number(a.includes('(')) - Number(b.includes('(')));
    const projectCalls = [...calls.projectCalls];
    if (reference) judgeFunctionReference(model, enclosing, reference, called, projectCalls, found, heavyCalls);
    let direct = 0;
    for (const call of projectCalls) {
      const callee = functionScopeOf(model, call.qualifiedName);
      if (callee) {
        direct++;
        merge(called, functionEffects(model, callee));
      } else if (model.isClassName(call.qualifiedName) && call.qualifiedName.startsWith(`${model.moduleName}.`)) {
        found.push({ reason: `calls \`${call.node.childForFieldName('function')?.text ?? call.node.text}\` (line ${call.line}), whose effects are unknown`, line: call.line });
      } else called.elsewhere.push(call);
    }
    found.push(...called.reasons.map((r) => ({ reason: `calls ${r.reason}`, line: r.line })));
    elsewhere.push(...called.elsewhere.filter((c) => !elsewhere.includes(c)));
    return { reasons: found, called, direct, heavyCalls };
  };

  const element = judge(work, fn && !lambda ? fn : null);
  reasons.push(...element.reasons);
  // Listing the items runs ahead of the work on earlier items: what it does must not be seen.
  reasons.push(...judge(feedConditions, null).reasons);
  for (const clause of candidate.clauses.slice(1)) {
    if (!clause.iterable) continue;
    const found = judge([clause.iterable], null).reasons;
    if (found.length === 0) continue;
    const outer = outerVariablesRead(clause.iterable, candidate, clause);
    const depends = outer.length > 0 ? ` depends on ${outer.map((n) => `\`${n}\``).join(' and ')}, so it` : '';
    const line = lineOf(clause.iterable);
    reasons.push({
      reason: `the inner \`for\` clause over \`${firstLineOf(clause.iterable)}\` (line ${line})${depends} is read again for every outer item, ahead of the work on earlier items, and it ${found[0].reason.replace(' outside the commit stage', '')}`,
      line,
    });
  }

  const { called, direct } = element;
  const poolRaises = (fn !== null && !lambda) || mayRaise(work);
  const unpicklable = handles.handles.find((h) => h.unpicklable);
  const iterationContext: LoopContext = { ...context, scope: enclosing };
  return {
    reasons,
    elsewhere,
    blocking: [...called.blocking],
    cpu: [...called.cpu],
    releasesGil: called.releasesGil,
    functions: [...called.functions],
    globalsRead: [...called.globalsRead],
    heavyCalls: element.heavyCalls,
    // `map(f, xs)` calls `f`, which can raise like any call.
    mayRaise: poolRaises,
    feedMayRaise: mayRaise([...feedConditions, ...inner]),
    variables,
    elementVariables: variables.filter((name) => work.some((root) => (root.type === 'identifier' ? [root] : root.descendantsOfType('identifier')).some((id) => id.text === name && isReference(id)))),
    workerConditions,
    unpicklable: unpicklable ? { name: unpicklable.name, type: unpicklable.type } : undefined,
    plan: {
      // `map(f, xs)` has no code of its own: the call of `f` is its one statement.
      mapStatements: Math.max(1, work.length),
      effects: { blocking: [...called.blocking], cpu: [...called.cpu], releasesGil: called.releasesGil, mayRaise: poolRaises },
      workPerIteration: workHints({ blocking: called.blocking.size, cpu: called.cpu.size, projectCalls: direct, loopsInCalls: called.loops }, work),
      estimatedIterations: estimateItems(iterationContext, candidate, variables),
      suggestion: betterSuggestion(work),
      heavyLoop: work.some(hasHeavyLoop) || called.loops,
      earlyExit: false,
    },
  };
}

/** Items the comprehension runs over, when every `for` clause shows its length and none depends on another. */
function estimateItems(context: LoopContext, candidate: Candidate, variables: readonly string[]): number | undefined {
  if (candidate.clauses.length <= 1) return estimateIterations(context, candidate.iterable);
  let product = 1;
  for (const clause of candidate.clauses) {
    if (!clause.iterable) return undefined;
    const ids = clause.iterable.type === 'identifier' ? [clause.iterable] : clause.iterable.descendantsOfType('identifier');
    if (ids.some((id) => variables.includes(id.text))) return undefined;
    const count = estimateIterations(context, clause.iterable);
    if (count === undefined) return undefined;
    product *= count;
  }
  return product;
}

/** The variables of earlier `for` clauses an inner iterable reads. */
export function outerVariablesRead(iterable: SyntaxNode, candidate: Candidate, clause: Clause): string[] {
  const index = candidate.clauses.indexOf(clause);
  const outer = new Set(candidate.clauses.slice(0, index).flatMap((c) => (c.target ? targetIdentifiers(c.target).map((t) => t.text) : [])));
  const names: string[] = [];
  for (const id of iterable.type === 'identifier' ? [iterable] : iterable.descendantsOfType('identifier')) {
    if (isReference(id) && outer.has(id.text) && !names.includes(id.text)) names.push(id.text);
  }
  return names;
}

function firstLineOf(node: SyntaxNode): string {
  const text = node.text.split('\n')[0];
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** `f` in `map(f, xs)`: what calling it does, judged as the call `f(item)` would be. */
function judgeFunctionReference(
  model: SemanticModel,
  scope: Scope,
  fn: SyntaxNode,
  facts: FunctionEffects,
  projectCalls: ProjectCall[],
  reasons: LoopReason[],
  heavyCalls: string[],
): void {
  const line = lineOf(fn);
  const name = model.qualifiedNameOf(fn, scope);
  if (!name) {
    reasons.push({ reason: `passes \`${fn.text}\` to \`map\` (line ${line}), whose effects are unknown`, line });
    return;
  }
  if (functionScopeOf(model, name) || model.isProjectName(name) || name.startsWith(`${model.moduleName}.`)) {
    projectCalls.push({ qualifiedName: name, node: fn, line });
    if (!heavyCalls.includes(fn.text)) heavyCalls.push(fn.text);
    return;
  }
  const entry = model.catalogue.lookup(name);
  if (entry) {
    const problem = catalogueProblem(name.replace(/^builtins\./, ''), entry, line);
    if (problem) reasons.push({ reason: problem, line });
    if (entry.blocking) facts.blocking.add(entry.blocking);
    if (entry.cpu) facts.cpu.add(entry.cpu);
    if (entry.releasesGil) facts.releasesGil = true;
    if ((entry.blocking || entry.cpu) && !heavyCalls.includes(fn.text)) heavyCalls.push(fn.text);
    return;
  }
  if (name.startsWith('builtins.') && PURE_BUILTINS.has(name.slice('builtins.'.length))) return;
  if (PURE_MODULES.has(name.split('.')[0])) return;
  reasons.push({ reason: `passes \`${name.replace(/^builtins\./, '')}\` to \`map\` (line ${line}), whose effects are unknown`, line });
}

/** The catalogue's reasons not to call something concurrently, as the loop analysis gives them. */
function catalogueProblem(shown: string, entry: CatalogueEntry, line: number): string | undefined {
  if (entry.sharedState === 'random') return `uses the shared random generator (\`${shown}\`, line ${line})`;
  if (entry.sharedState) return `uses process-wide state (${entry.sharedState}) through \`${shown}\` (line ${line})`;
  if (entry.orderedEffect && entry.orderedEffect !== 'network-send') return `order-sensitive effect of \`${shown}\` (line ${line}) in the element`;
  if (entry.threadSafe === false) return `calls \`${shown}\` (line ${line}), which is not thread-safe`;
  return undefined;
}

/** Project functions and catalogued heavy calls of the element, by their source names. */
function mainCalls(model: SemanticModel, roots: readonly SyntaxNode[]): string[] {
  const names: string[] = [];
  for (const call of roots.flatMap(callsWithin)) {
    if (!doesWork(model, call)) continue;
    const shown = call.childForFieldName('function')?.text ?? '';
    if (!names.includes(shown)) names.push(shown);
  }
  return names;
}

/** The verdict's reason for a comprehension that can run concurrently. */
export function describeComprehension(candidate: Candidate, facts: ElementFacts, plan: Plan): string {
  const calls = facts.heavyCalls.length ? ` (${facts.heavyCalls.slice(0, 4).map((c) => `\`${c}\``).join(', ')})` : '';
  const work =
    plan.workload === 'io'
      ? `each item waits on ${facts.blocking.join(' and ')}`
      : plan.workload === 'native'
        ? 'each item runs native code that releases the GIL'
        : plan.workload === 'mixed'
          ? 'each item waits on I/O and computes in pure Python'
          : 'each item does pure-Python CPU work';
  const receiver =
    candidate.shape === 'list' ? 'the list is built' : candidate.shape === 'set' ? 'the set is built' : candidate.shape === 'dict' ? 'the dictionary is built' : `\`${candidate.consumer?.name}\` receives the results`;
  if (candidate.clauses.length > 1) {
    const names = facts.elementVariables.map((n) => `\`${n}\``).join(', ');
    return `${work.replace('each item', 'each combination')}${calls}, the element depends only on ${names} and on values that do not change while the comprehension runs, and ${receiver} in the order of its \`for\` clauses`;
  }
  return `${work}${calls}, the element depends only on the item and on values that do not change while the comprehension runs, and ${receiver} in the original order`;
}

/** The enclosing scope of a candidate (the code that runs the comprehension). */
export function enclosingScope(model: SemanticModel, candidate: Candidate): Scope {
  return scopeAround(candidate.node, mapsOf(model).scopesByNode, model.root);
}
