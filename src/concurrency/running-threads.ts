/**
 * Threads a function leaves running, and where: from `t.start()` to the `join()` that waits for
 * it, and a thread pool from its first task (a `ThreadPool`: its creation) to the end of its
 * `with` block or its `shutdown()`/`close()`. A thread that nothing in the function waits for
 * runs to the end of the function and after it (unless the function hands it to its caller).
 *
 * Narrow on purpose, for the rule that forks while threads run: a start is counted only on an
 * object the model knows is a thread, and any later `join()` of a thread the start cannot be
 * told apart from ends its window.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { holderOf, usesOf, useKind, attributeReferences } from './ownership.js';
import { callsIn, creations, kindOf, type Creation } from './pools.js';

export interface RunningThread {
  /** The call that starts it: `t.start()`, `executor.submit(...)`, `ThreadPool(4)`. */
  start: SyntaxNode;
  /** How it is named in messages: `threading.Thread(target=poll)`, `ThreadPoolExecutor`. */
  display: string;
  /** Offsets in the function between which it runs. */
  from: number;
  to: number;
  /** One thread, or a pool's worker threads. */
  kind: 'thread' | 'pool';
  /** What ends the window: a `join()`, a `shutdown()` or `close()`, a `with` block (its end); absent when nothing does. */
  stop?: { node: SyntaxNode; how: 'join' | 'close' | 'with' };
  /** Still running when the function returns, and not handed to the caller. */
  leaks: boolean;
}

const cache = new WeakMap<SemanticModel, Map<Scope, RunningThread[]>>();

export function runningThreads(model: SemanticModel, fn: Scope): RunningThread[] {
  let byScope = cache.get(model);
  if (!byScope) {
    byScope = new Map();
    cache.set(model, byScope);
  }
  let threads = byScope.get(fn);
  if (!threads) {
    threads = [...startedThreads(model, fn), ...threadPools(model, fn)].sort((a, b) => a.from - b.from);
    byScope.set(fn, threads);
  }
  return threads;
}

/** The threads running at an offset of the function. */
export function threadsRunningAt(model: SemanticModel, fn: Scope, offset: number): RunningThread[] {
  return runningThreads(model, fn).filter((t) => t.from < offset && offset < t.to);
}

function startedThreads(model: SemanticModel, fn: Scope): RunningThread[] {
  const calls = callsIn(model, fn);
  if (!calls.some((call) => methodOf(call) === 'start')) return [];
  const joins = calls.filter((call) => methodOf(call) === 'join' && isThread(model, call));
  const threads: RunningThread[] = [];
  for (const call of calls) {
    if (methodOf(call) !== 'start' || !isThread(model, call)) continue;
    const receiver = call.callee.childForFieldName('object')!;
    // `self.start()` in a Thread subclass's own method starts that object; not followed.
    if (receiver.type === 'identifier' && receiver.text === 'self') continue;
    const creation = creationOf(model, receiver, call);
    const join = joins.find((j) => j.node.startIndex > call.node.endIndex && waitsFor(model, j, receiver));
    const display = creation ? shortCall(creation.call.node) : receiver.text;
    const end = fn.node.endIndex;
    threads.push({
      start: call.node,
      display,
      from: call.node.startIndex,
      to: join?.node.startIndex ?? end,
      kind: 'thread',
      stop: join && { node: join.node, how: 'join' },
      leaks: !join && !handedOver(model, receiver, creation),
    });
  }
  return threads;
}

/** Thread pools: executors from their first task, `ThreadPool`s from their creation. */
function threadPools(model: SemanticModel, fn: Scope): RunningThread[] {
  const pools: RunningThread[] = [];
  for (const creation of poolCreationsByScope(model).get(fn) ?? []) {
    const holder = holderOf(model, creation.call);
    const display = shortCall(creation.call.node);
    const isPool = creation.kind.shape === 'pool';
    if (holder.kind === 'with') {
      const statement = withStatementOf(creation.call.node);
      if (!statement) continue;
      const body = statement.childForFieldName('body');
      const alias = aliasOf(creation.call.node);
      const first = isPool ? creation.call.node : body && alias ? firstTask(model, fn, alias, body.startIndex, body.endIndex) : undefined;
      if (first) pools.push({ start: first, display, kind: 'pool', from: first.startIndex, to: statement.endIndex, stop: { node: statement, how: 'with' }, leaks: false });
    } else if (holder.kind === 'name' && holder.binding.scope.executionScope === fn) {
      const uses = usesOf(holder);
      const first = isPool ? creation.call.node : uses.map((u) => taskCall(u)).find((c): c is SyntaxNode => !!c);
      if (!first) continue;
      const close = uses.find((u) => u.startIndex > first.startIndex && (useKind(u).kind === 'closes' || useKind(u).kind === 'with'));
      const escapes = uses.some((u) => useKind(u).kind === 'escapes');
      pools.push({ start: first, display, kind: 'pool', from: first.startIndex, to: close?.startIndex ?? fn.node.endIndex, stop: close && { node: close, how: 'close' }, leaks: !close && !escapes });
    } else if (holder.kind === 'dropped' && (isPool || holder.method === 'submit' || holder.method === 'map')) {
      pools.push({ start: creation.call.node, display, kind: 'pool', from: creation.call.node.startIndex, to: fn.node.endIndex, leaks: true });
    }
  }
  return pools;
}

const poolCreations = new WeakMap<SemanticModel, Map<Scope, Creation[]>>();

/** Thread pools and executors created in each function (or the module). */
function poolCreationsByScope(model: SemanticModel): Map<Scope, Creation[]> {
  let byScope = poolCreations.get(model);
  if (!byScope) {
    byScope = new Map();
    for (const creation of creations(model)) {
      if (creation.kind.runner !== 'threads' || creation.kind.shape === 'thread') continue;
      const scope = creation.call.scope.executionScope;
      byScope.set(scope, [...(byScope.get(scope) ?? []), creation]);
    }
    poolCreations.set(model, byScope);
  }
  return byScope;
}

function methodOf(call: CallSite): string | undefined {
  return call.callee.type === 'attribute' ? call.callee.childForFieldName('attribute')?.text : undefined;
}

function isThread(model: SemanticModel, call: CallSite): boolean {
  const receiver = call.callee.childForFieldName('object');
  return !!receiver && kindOf(model, receiver, call.scope)?.shape === 'thread';
}

/** A `join()` that may wait for the thread `receiver` started: on the same expression, or on a thread the model cannot tell apart (a loop variable, a list item). */
function waitsFor(model: SemanticModel, join: CallSite, receiver: SyntaxNode): boolean {
  const joined = join.callee.childForFieldName('object')!;
  if (joined.text === receiver.text) return true;
  if (receiver.type === 'call') return false;
  const loopVariable = (node: SyntaxNode, scope: Scope) => node.type === 'identifier' && model.bindingsOf(node.text, scope).some((b) => b.kind === 'for-target');
  return loopVariable(joined, join.scope) || loopVariable(receiver, join.scope) || joined.type === 'subscript' || receiver.type === 'subscript';
}

function creationOf(model: SemanticModel, receiver: SyntaxNode, start: CallSite): Creation | undefined {
  const all = creations(model);
  if (receiver.type === 'call') return all.find((c) => c.call.node.id === receiver.id);
  if (receiver.type !== 'identifier') return undefined;
  const values = model.bindingsOf(receiver.text, start.scope).map((b) => b.value);
  return values.length === 1 && values[0] ? all.find((c) => c.call.node.id === values[0]!.id) : undefined;
}

/**
 * Someone else may wait for the thread: the function returns or yields it, or puts it where the
 * caller sees it (an attribute joined elsewhere in the module, an argument, a returned list).
 */
function handedOver(model: SemanticModel, receiver: SyntaxNode, creation: Creation | undefined): boolean {
  if (receiver.type === 'attribute') {
    const attribute = receiver.childForFieldName('attribute')!.text;
    return attributeReferences(model.root.node, attribute).some((r) => r.parent?.type === 'attribute' && r.parent.childForFieldName('attribute')?.text === 'join');
  }
  if (!creation) return true;
  const holder = holderOf(model, creation.call);
  if (holder.kind === 'dropped') return false;
  if (holder.kind === 'name') return usesOf(holder).some((u) => useKind(u).kind === 'escapes');
  if (holder.kind === 'attribute') {
    return attributeReferences(model.root.node, holder.attribute).some((r) => r.parent?.type === 'attribute' && r.parent.childForFieldName('attribute')?.text === 'join');
  }
  return true;
}

function withStatementOf(node: SyntaxNode): SyntaxNode | undefined {
  for (let current = node.parent; current; current = current.parent) if (current.type === 'with_statement') return current;
  return undefined;
}

function aliasOf(creation: SyntaxNode): string | undefined {
  const pattern = creation.parent?.type === 'as_pattern' ? creation.parent : undefined;
  return pattern?.childForFieldName('alias')?.text;
}

/** `pool.submit(...)` or `pool.map(...)` on `name` between two offsets of the function. */
function firstTask(model: SemanticModel, fn: Scope, name: string, start: number, end: number): SyntaxNode | undefined {
  return callsIn(model, fn).find((call) => {
    if (call.node.startIndex < start || call.node.endIndex > end) return false;
    const method = methodOf(call);
    return (method === 'submit' || method === 'map') && call.callee.childForFieldName('object')?.text === name;
  })?.node;
}

function taskCall(use: SyntaxNode): SyntaxNode | undefined {
  const kind = useKind(use);
  if (kind.kind !== 'method' || (kind.method !== 'submit' && kind.method !== 'map')) return undefined;
  return use.parent!.parent!;
}

/** `threading.Thread(target=poll)` on one line, short. */
function shortCall(call: SyntaxNode): string {
  const flat = call.text.replace(/\s+/g, ' ');
  return flat.length <= 60 ? flat : `${flat.slice(0, 57)}...`;
}
