/**
 * What a function of this module does when map-stage code calls it: its body is judged as map
 * work (catalogued effects, unknown calls, writes to its arguments or to shared objects,
 * `global`/`nonlocal` writes), following calls into other functions of the module. Functions of
 * other modules are left for the project index.
 */
import type { BlockingKind, CpuKind } from '../catalogue/schema.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { Scope, SemanticModel } from '../semantic/model.js';
import { lineOf } from './lines.js';
import { mapsOf, type LoopContext } from './loop-context.js';
import { mapCallFacts } from './map-calls.js';
import { mutationsIn } from './mutations.js';
import { isReference } from './name-flow.js';
import type { LoopReason, ProjectCall } from './types.js';

export interface FunctionEffects {
  /** Reasons the function cannot run in the map stage, in its own terms. */
  reasons: LoopReason[];
  blocking: Set<BlockingKind>;
  cpu: Set<CpuKind>;
  releasesGil: boolean;
  /** It loops or recurses (or calls something that does): work worth spreading over processes. */
  loops: boolean;
  /** Calls into other modules of the project, decided across files. */
  elsewhere: ProjectCall[];
  /** Module-level names it reads (values, not functions), for the process plan. */
  globalsRead: Set<string>;
  /** The same-module functions it calls, itself included, for the process plan. */
  functions: Set<Scope>;
}

const cache = new WeakMap<SemanticModel, Map<Scope, FunctionEffects>>();
/** Functions whose bodies are being judged: a call back into one of them is recursion. */
const judging = new Set<Scope>();

/** The function scope of this module a qualified name names, if any. */
export function functionScopeOf(model: SemanticModel, qualifiedName: string): Scope | undefined {
  return model.scopes.find((s) => s.kind === 'function' && s.qualifiedName === qualifiedName);
}

export function functionEffects(model: SemanticModel, scope: Scope): FunctionEffects {
  let memo = cache.get(model);
  if (!memo) {
    memo = new Map();
    cache.set(model, memo);
  }
  const known = memo.get(scope);
  if (known) return known;
  const effects: FunctionEffects = {
    reasons: [],
    blocking: new Set(),
    cpu: new Set(),
    releasesGil: false,
    loops: false,
    elsewhere: [],
    globalsRead: new Set(),
    functions: new Set([scope]),
  };
  // Recursion sees the facts gathered so far; a cycle adds nothing new.
  memo.set(scope, effects);
  judging.add(scope);
  try {
    judgeBody(model, scope, effects);
  } finally {
    judging.delete(scope);
  }
  return effects;
}

function judgeBody(model: SemanticModel, scope: Scope, effects: FunctionEffects): void {
  const body = scope.node.childForFieldName('body');
  if (!body) return;
  const statements = body.namedChildren.filter((s) => s.type !== 'comment');
  const parameters = [...scope.bindings.values()].flat().filter((b) => b.kind === 'parameter');
  const { scopesByNode, callsByNode } = mapsOf(model);
  // The function body plays the loop body: its parameters are the "item" the caller shares.
  const context: LoopContext = {
    model,
    loop: scope.node,
    scope,
    loopVariables: [...new Set(parameters.map((p) => p.name))],
    targetNodes: parameters.map((p) => p.node),
    iterable: null,
    statements,
    scopesByNode,
    callsByNode,
  };
  const written = new Set([...scope.bindings.keys()].filter((name) => !context.loopVariables.includes(name)));
  const name = scope.displayName;
  const line = lineOf(scope.node);
  // "calls `derive` (line 1): order-sensitive effect of `print` ..." once the loop names the call.
  const own = (reason: LoopReason) => ({ ...reason, reason: `\`${name}\` (line ${line}): ${reason.reason}` });

  for (const declared of [...scope.globals, ...scope.nonlocals]) {
    const kind = scope.globals.has(declared) ? 'global' : 'nonlocal';
    effects.reasons.push({ reason: `\`${name}\` (line ${line}): writes the ${kind} \`${declared}\``, line });
  }
  if (scope.containsYield) effects.loops = true;
  const loops = body.descendantsOfType(['for_statement', 'while_statement', 'list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension']);
  if (loops.some((loop) => !onlyFeedsNativeCode(context, loop, written))) effects.loops = true;

  const calls = mapCallFacts(context, statements, written);
  effects.reasons.push(...calls.reasons.map(own));
  effects.reasons.push(...mutationsIn(context, statements).map(own));
  for (const kind of calls.blocking) effects.blocking.add(kind);
  for (const kind of calls.cpu) effects.cpu.add(kind);
  effects.releasesGil ||= calls.releasesGil;
  collectGlobalReads(model, scope, body, effects);

  for (const call of calls.projectCalls) {
    const callee = functionScopeOf(model, call.qualifiedName);
    if (!callee) {
      if (model.isClassName(call.qualifiedName) || !call.qualifiedName.startsWith(`${model.moduleName}.`)) {
        effects.elsewhere.push(call);
      } else {
        effects.reasons.push({ reason: `\`${name}\` (line ${line}): calls \`${call.node.text}\` (line ${call.line}), whose effects are unknown`, line: call.line });
      }
      continue;
    }
    // Recursion repeats the body like a loop does: `fib(n - 1) + fib(n - 2)` is work worth a process.
    if (judging.has(callee)) effects.loops = true;
    const inner = functionEffects(model, callee);
    merge(effects, inner);
  }
}

/**
 * A loop that only hands chunks to native code (`for chunk in iter(read, b""): digest.update(chunk)`)
 * is not pure-Python work: its iterations are few and each one's time is spent where the GIL is
 * released.
 */
function onlyFeedsNativeCode(context: LoopContext, loop: SyntaxNode, written: ReadonlySet<string>): boolean {
  if (loop.type !== 'for_statement' || loop.childForFieldName('alternative')) return false;
  const statements = loop.childForFieldName('body')?.namedChildren.filter((s) => s.type !== 'comment') ?? [];
  const onlyCalls = statements.length > 0 && statements.every((s) => s.type === 'expression_statement' && s.namedChildren.length === 1 && s.namedChildren[0]!.type === 'call');
  if (!onlyCalls) return false;
  const facts = mapCallFacts(context, [loop.childForFieldName('right')!, ...statements], written);
  const native = facts.releasesGil || facts.blocking.size > 0;
  return native && facts.reasons.length === 0 && facts.projectCalls.length === 0 && !facts.cpu.has('python');
}

/** Adds what a called function does to its caller's facts. */
export function merge(into: FunctionEffects, from: FunctionEffects): void {
  if (into === from) return;
  for (const reason of from.reasons) if (!into.reasons.some((r) => r.reason === reason.reason)) into.reasons.push(reason);
  for (const kind of from.blocking) into.blocking.add(kind);
  for (const kind of from.cpu) into.cpu.add(kind);
  into.releasesGil ||= from.releasesGil;
  into.loops ||= from.loops;
  into.elsewhere.push(...from.elsewhere.filter((c) => !into.elsewhere.includes(c)));
  for (const global of from.globalsRead) into.globalsRead.add(global);
  for (const fn of from.functions) into.functions.add(fn);
}

/** Module-level names the function reads that hold values (not functions, classes or modules). */
function collectGlobalReads(model: SemanticModel, scope: Scope, body: SyntaxNode, effects: FunctionEffects): void {
  for (const id of body.descendantsOfType('identifier')) {
    if (!isReference(id)) continue;
    const bindings = model.bindingsOf(id.text, scope);
    if (bindings.length === 0 || bindings.some((b) => b.scope !== model.root)) continue;
    if (bindings.every((b) => b.kind === 'function' || b.kind === 'class' || b.kind === 'import' || b.kind === 'from-import')) continue;
    effects.globalsRead.add(id.text);
  }
}
