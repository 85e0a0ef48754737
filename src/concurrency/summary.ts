/**
 * A module's concurrency facts (`facts.ts`), built once per semantic model on demand: by the race
 * rules in the worker, and then included in the module summary so that the main thread can link
 * every module's facts. Modules nobody asked about carry none, so analyses that do not look at
 * concurrency pay nothing for it.
 */
import type { LineIndex } from '../parser/line-index.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { collectFunctionFacts, functionKey, stateOfExpression, type AccessNode, type CollectOptions } from './accesses.js';
import { findEntryPoints, type EntryPoint } from './entry-points.js';
import type { EntryFact, ModuleConcurrency } from './facts.js';

const cache = new WeakMap<SemanticModel, ModuleConcurrency>();
const nodeCache = new WeakMap<SemanticModel, Map<number, AccessNode>>();

export function concurrencyFacts(model: SemanticModel, path: string, lines: LineIndex): ModuleConcurrency {
  let facts = cache.get(model);
  if (!facts) {
    const nodes = new Map<number, AccessNode>();
    facts = build(model, path, lines, nodes);
    cache.set(model, facts);
    nodeCache.set(model, nodes);
  }
  return facts;
}

/** The syntax node of each access of the facts, by its offset. */
export function accessNodes(model: SemanticModel): ReadonlyMap<number, AccessNode> {
  return nodeCache.get(model) ?? new Map();
}

/** The facts, if an analysis of this file asked for them. */
export function concurrencyFactsIfBuilt(model: SemanticModel): ModuleConcurrency | undefined {
  return cache.get(model);
}

function build(model: SemanticModel, path: string, lines: LineIndex, nodes: Map<number, AccessNode>): ModuleConcurrency {
  const entries = findEntryPoints(model);
  const spawners = new Map<Scope, Set<string>>();
  for (const entry of entries) {
    const names = spawners.get(entry.spawner) ?? capturedNames(model, entry.spawner);
    spawners.set(entry.spawner, names);
    for (const node of [entry.receiver, ...entry.args]) {
      const root = node && rootName(node);
      if (root) names.add(root);
    }
  }
  const options: CollectOptions = { path, lines, spawners, nodes };
  const functions = collectFunctionFacts(model, options);
  const entryFacts = entries.map((entry) => toFact(model, entry, options, lines));
  return { functions, entries: entryFacts };
}

function toFact(model: SemanticModel, entry: EntryPoint, options: CollectOptions, lines: LineIndex): EntryFact {
  const position = lines.position(entry.node.startIndex);
  const state = (node: SyntaxNode | null) => (node ? stateOfExpression(model, entry.spawner, node, scopeAt(model, entry.spawner, node), options) ?? null : null);
  return {
    kind: entry.kind,
    via: entry.via,
    target: entry.targetScope ? functionKey(entry.targetScope, lines) : entry.targetName,
    targetClass: entry.targetClass,
    targetMethod: entry.targetMethod,
    needsThreadBase: entry.needsThreadBase,
    display: entry.display,
    many: entry.many,
    why: entry.why,
    spawner: functionKey(entry.spawner, lines),
    receiver: entry.receiver ? state(entry.receiver) ?? undefined : undefined,
    receiverPerInstance: entry.receiverPerInstance,
    freshReceiver: entry.freshReceiver,
    args: entry.args.map(state),
    line: position.line,
    column: position.column,
    windowStart: entry.windowStart,
    windowEnd: entry.windowEnd,
    joined: entry.joined,
  };
}

/** The innermost scope (a comprehension's, possibly) around a node of `fn`. */
function scopeAt(model: SemanticModel, fn: Scope, node: SyntaxNode): Scope {
  let best = fn;
  for (const scope of model.scopes) {
    if (scope.kind !== 'comprehension' || scope.executionScope !== fn) continue;
    if (node.startIndex >= scope.node.startIndex && node.endIndex <= scope.node.endIndex && scope.node.startIndex >= best.node.startIndex) best = scope;
  }
  return best;
}

/** Names of `spawner` that nested functions and lambdas read or write (closure cells). */
function capturedNames(model: SemanticModel, spawner: Scope): Set<string> {
  const names = new Set<string>();
  const nested = model.scopes.filter((s) => (s.kind === 'function' || s.kind === 'lambda') && s !== spawner && isInside(s, spawner));
  if (nested.length === 0) return names;
  for (const [name, bindings] of spawner.bindings) {
    const uses = bindings.flatMap((b) => b.uses);
    if (uses.some((use) => nested.some((s) => use.startIndex >= s.node.startIndex && use.endIndex <= s.node.endIndex))) names.add(name);
  }
  return names;
}

function isInside(scope: Scope, outer: Scope): boolean {
  for (let s = scope.parent; s; s = s.parent) if (s === outer) return true;
  return false;
}

function rootName(node: SyntaxNode): string | undefined {
  let current = node;
  while (current.type === 'attribute') current = current.childForFieldName('object')!;
  return current.type === 'identifier' ? current.text : undefined;
}
