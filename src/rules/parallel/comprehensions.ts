/**
 * The comprehensions PA102 considers, and what their element does. A comprehension with one
 * `for` clause is a loop whose body is only a map stage (the element, the `if` conditions)
 * followed by an in-order commit the interpreter does itself (append, add, store, or hand the
 * item to the consumer): its items can run concurrently when the element does heavy work and
 * depends only on the item.
 */
import { availableParallelism } from 'node:os';
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
import { estimateIterations, mayRaise } from '../../loops/workload.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { ioThreads, type WorkersDefault } from '../../plans/plan-loop.js';
import { isMainGuard } from '../../rewrites/module-setup.js';
import type { Scope, SemanticModel } from '../../semantic/model.js';

export const COMPREHENSIONS: ReadonlySet<string> = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

/** Calls that consume a whole iterable and whose result does not depend on how it was produced. */
const CONSUMERS: ReadonlySet<string> = new Set(['sum', 'any', 'all', 'list', 'tuple', 'set', 'sorted', 'min', 'max', 'dict']);
/** Consumers that also take keyword arguments (`key=`, `reverse=`, `default=`). */
const KEYWORD_CONSUMERS: ReadonlySet<string> = new Set(['sorted', 'min', 'max']);

export type Shape = 'list' | 'set' | 'dict' | 'generator' | 'map';

export interface Candidate {
  /** The comprehension, or the `map(f, xs)` call. */
  node: SyntaxNode;
  shape: Shape;
  /** The call that consumes a generator expression or `map(...)` lazily: `sum`, `join`... */
  consumer?: { call: SyntaxNode; name: string };
  forClauses: number;
  isAsync: boolean;
  /** The `for` target (comprehensions). */
  target: SyntaxNode | null;
  iterable: SyntaxNode | null;
  /** The element (`pair` for a dict comprehension). */
  element: SyntaxNode | null;
  conditions: SyntaxNode[];
  /** `f` in `map(f, xs)`. */
  function: SyntaxNode | null;
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
      candidates.push({ node, shape: 'map', consumer, forClauses: 1, isAsync: false, target: null, iterable: args[1], element: null, conditions: [], function: args[0] });
      continue;
    }
    const consumer = consumerOf(model, node);
    if (node.type === 'generator_expression' && !consumer) continue;
    const clauses = node.namedChildren.filter((c) => c.type === 'for_in_clause');
    const first = clauses[0];
    candidates.push({
      node,
      shape: node.type === 'list_comprehension' ? 'list' : node.type === 'set_comprehension' ? 'set' : node.type === 'dictionary_comprehension' ? 'dict' : 'generator',
      // A list, set or dict is built in full before any consumer sees it: only generators are consumed lazily.
      consumer: node.type === 'generator_expression' ? consumer : undefined,
      forClauses: clauses.length,
      isAsync: clauses.some((c) => c.children.some((t) => t.type === 'async')),
      target: first?.childForFieldName('left') ?? null,
      iterable: first?.childForFieldName('right') ?? null,
      element: node.childForFieldName('body'),
      conditions: node.namedChildren.filter((c) => c.type === 'if_clause').flatMap((c) => c.namedChildren.filter((n) => n.type !== 'comment')),
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
  /** Functions of this module the element calls, directly or not. */
  functions: Scope[];
  /** Some function it calls loops. */
  loops: boolean;
  /** Module-level values those functions read. */
  globalsRead: string[];
  /** The element calls a function of this module or a catalogued heavy call. */
  heavy: boolean;
  /** The calls that do the work, by their source names. */
  heavyCalls: string[];
  mayRaise: boolean;
  iterations?: number;
  /** The comprehension's variables. */
  variables: string[];
}

/** The map stage of a candidate: element, conditions, or the lambda of `map(lambda x: ..., xs)`. */
export function mapStageOf(candidate: Candidate): SyntaxNode[] {
  if (candidate.shape === 'map') {
    const fn = candidate.function;
    const body = fn?.type === 'lambda' ? fn.childForFieldName('body') : null;
    return body ? [body] : [];
  }
  return [...(candidate.element ? [candidate.element] : []), ...candidate.conditions];
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
      : candidate.target
        ? targetIdentifiers(candidate.target)
        : [];
  const variables = [...new Set(targets.map((t) => t.text))];
  const work = mapStageOf(candidate);
  const context: LoopContext = {
    model,
    loop: ownNode ?? candidate.node,
    scope,
    loopVariables: variables,
    targetNodes: targets,
    iterable: candidate.iterable,
    statements: work,
    scopesByNode,
    callsByNode,
  };
  const written = ownNode ? new Set([...scope.bindings.keys()].filter((name) => !variables.includes(name))) : new Set<string>();

  const reasons: LoopReason[] = [];
  for (const root of work) {
    for (const node of [root, ...root.descendantsOfType(['named_expression', 'await', 'yield'])]) {
      const line = lineOf(node);
      if (node.type === 'named_expression') {
        const name = node.childForFieldName('name')?.text ?? node.text;
        reasons.push({ reason: `assigns \`${name}\` with \`:=\` (line ${line}), which binds it in the enclosing scope on every item`, line });
      } else if (node.type === 'await') reasons.push({ reason: `awaits (line ${line}): asynchronous comprehensions are left to asyncio`, line });
      else if (node.type === 'yield') reasons.push({ reason: `yields (line ${line})`, line });
    }
  }
  const calls = mapCallFacts(context, work, written);
  const handles = sharedHandles(context, work, written);
  reasons.push(...mutationsIn(context, work), ...handles.reasons, ...calls.reasons);

  const called: FunctionEffects = {
    reasons: [], blocking: new Set(calls.blocking), cpu: new Set(calls.cpu), releasesGil: calls.releasesGil, loops: false,
    elsewhere: [], globalsRead: new Set(), functions: new Set(),
  };
  // Plain names first (`hashlib.sha256` rather than `hashlib.sha256(data).hexdigest`).
  const heavyCalls = mainCalls(model, work).sort((a, b) => Number(a.includes('(')) - Number(b.includes('(')));
  const projectCalls = [...calls.projectCalls];
  if (fn && !lambda) judgeFunctionReference(model, enclosing, fn, called, projectCalls, reasons, heavyCalls);
  let direct = 0;
  for (const call of projectCalls) {
    const callee = functionScopeOf(model, call.qualifiedName);
    if (callee) {
      direct++;
      merge(called, functionEffects(model, callee));
    } else if (model.isClassName(call.qualifiedName) && call.qualifiedName.startsWith(`${model.moduleName}.`)) {
      reasons.push({ reason: `calls \`${call.node.childForFieldName('function')?.text ?? call.node.text}\` (line ${call.line}), whose effects are unknown`, line: call.line });
    } else called.elsewhere.push(call);
  }
  reasons.push(...called.reasons.map((r) => ({ reason: `calls ${r.reason}`, line: r.line })));

  const iterationContext: LoopContext = { ...context, scope: enclosing };
  return {
    reasons,
    elsewhere: called.elsewhere,
    blocking: [...called.blocking],
    cpu: [...called.cpu],
    releasesGil: called.releasesGil,
    functions: [...called.functions],
    loops: called.loops,
    globalsRead: [...called.globalsRead],
    heavy: direct > 0 || called.blocking.size > 0 || called.cpu.size > 0,
    heavyCalls,
    // `map(f, xs)` calls `f`, which can raise like any call.
    mayRaise: (fn !== null && !lambda) || mayRaise(work),
    iterations: estimateIterations(iterationContext, candidate.iterable),
    variables,
  };
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

export type ComprehensionPlan = { kind: 'plan'; plan: Plan; defaultWorkers: WorkersDefault } | { kind: 'rejected'; reason: string };


/**
 * Threads for blocking I/O and for native code that releases the GIL, processes for pure-Python
 * CPU work (a function of this module that loops or recurses, or catalogued pure-Python work).
 */
export function planComprehension(facts: ElementFacts, options: { inAsyncFunction: boolean; notebook: boolean; targetVersion: [number, number] }): ComprehensionPlan {
  const { iterations, blocking } = facts;
  if (iterations !== undefined && iterations < 2) {
    return { kind: 'rejected', reason: `not worth it: the comprehension runs over ${iterations} item${iterations === 1 ? '' : 's'}` };
  }
  if (!facts.heavy) {
    const size = iterations !== undefined ? `${iterations} items of ` : '';
    return {
      kind: 'rejected',
      reason: `not worth it: ${size}cheap work (no I/O, no heavy call, no call of a function of this module) cannot pay for starting workers and handing them items`,
    };
  }
  if (options.inAsyncFunction) {
    return {
      kind: 'rejected',
      reason: 'the comprehension runs inside `async def`: a worker pool would block the event loop; await the work with `asyncio.gather` or `asyncio.to_thread` instead',
    };
  }
  const pythonCpu = facts.cpu.includes('python') || facts.loops;
  const nativeCpu = facts.cpu.includes('native');
  if (iterations !== undefined && iterations < 4 && blocking.length === 0) {
    return { kind: 'rejected', reason: `not worth it: ${iterations} items of CPU work cannot pay for starting workers` };
  }
  const calls = facts.heavyCalls.length ? ` (${facts.heavyCalls.slice(0, 4).map((c) => `\`${c}\``).join(', ')})` : '';
  const tail = 'the consumer receives the results in the original order, so the value is the same';
  const raises = facts.mayRaise ? '; if an item fails, the same exception is raised, but items after it may already have run' : '';
  if (blocking.length > 0) {
    const workers = ioThreads(blocking, iterations);
    const also = pythonCpu ? '; the element also computes in pure Python, which threads do not speed up' : '';
    return {
      kind: 'plan',
      defaultWorkers: { kind: 'fixed', count: workers },
      plan: {
        model: 'threads',
        workload: pythonCpu ? 'mixed' : 'io',
        workers,
        rationale: `each item waits on ${blocking.join(' and ')}${calls}, during which the GIL is released: threads overlap the waiting; ${workers} worker threads by default (set the environment variable to tune it)${also}; ${tail}${raises}.`,
      },
    };
  }
  const cpus = availableParallelism();
  if (nativeCpu && facts.releasesGil && !pythonCpu) {
    return {
      kind: 'plan',
      defaultWorkers: { kind: 'cpu-count' },
      plan: {
        model: 'threads',
        workload: 'native',
        workers: cpus,
        rationale: `the element spends its time in native code that releases the GIL${calls}: threads run it in parallel without pickling; one thread per CPU (${cpus} here); ${tail}${raises}.`,
      },
    };
  }
  if (options.notebook) {
    return {
      kind: 'rejected',
      reason: 'pure-Python CPU work needs a process pool, and a process pool cannot import a worker defined in a notebook: move the function into a module and import it',
    };
  }
  const forkserver = options.targetVersion[0] === 3 && options.targetVersion[1] >= 14 ? '; Python 3.14 starts workers with forkserver by default: the worker must not rely on state set up at run time' : '';
  return {
    kind: 'plan',
    defaultWorkers: { kind: 'cpu-count' },
    plan: {
      model: 'processes',
      workload: 'cpu',
      workers: cpus,
      rationale: `the element is pure-Python CPU work${calls}, which holds the GIL: separate processes run it in parallel; one worker per CPU the process may use (${cpus} here); the function is sent to the workers by name, so it must live at module top level, and items and results are pickled${forkserver}; ${tail}${raises}.`,
    },
  };
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
  return `${work}${calls}, the element depends only on the item and on values that do not change while the comprehension runs, and ${receiver} in the original order`;
}

/** The enclosing scope of a candidate (the code that runs the comprehension). */
export function enclosingScope(model: SemanticModel, candidate: Candidate): Scope {
  return scopeAround(candidate.node, mapsOf(model).scopesByNode, model.root);
}
