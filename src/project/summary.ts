/**
 * Module summaries: the small, serialisable facts about one file that cross-file analysis needs.
 * Workers build them from a file's semantic model and send them to the main thread, where the
 * project index links them; the syntax tree itself never leaves the worker.
 */
import { blocksAtCall } from '../semantic/call-blocking.js';
import type { BlockingKind, CatalogueEntry, CpuKind, OrderedEffect, SharedState } from '../catalogue/schema.js';
import type { LineIndex } from '../parser/line-index.js';
import type { SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { functionEffects } from '../loops/function-effects.js';
import type { ModuleConcurrency } from '../concurrency/facts.js';
import { concurrencyFactsIfBuilt } from '../concurrency/summary.js';
import { waitFactsIfBuilt, type ModuleWaitFacts } from '../concurrency/wait-facts.js';
import { hasOpaqueDecorator, startsProcesses } from '../concurrency/pools.js';

/** Kinds of effect tracked through the call graph. `process-start` starts worker processes (see src/concurrency/pools.ts). */
export type EffectKind = 'blocking' | 'ordered' | 'shared-state' | 'cpu' | 'process-start';

/** A call, at a position in a file, to a catalogued function that has an effect. */
export interface DirectEffect {
  effect: EffectKind;
  /** Qualified name of the catalogued callee, e.g. `requests.get`. */
  callee: string;
  line: number;
  column: number;
  blocking?: BlockingKind;
  orderedEffect?: OrderedEffect;
  sharedState?: SharedState;
  cpu?: CpuKind;
}

/** A call to a function that may be defined in the project (resolved when linking). */
export interface CallEdge {
  callee: string;
  line: number;
  column: number;
  awaited: boolean;
}

/** What a function does when a loop's map stage calls it (see src/loops/function-effects.ts). */
export interface FunctionConcurrency {
  /** Why it cannot run in a map stage, each naming the line in the function's own file. */
  reasons: string[];
  blocking: BlockingKind[];
  cpu: CpuKind[];
  releasesGil: boolean;
  /** It loops, directly or through functions of its module. */
  loops: boolean;
  /** Functions of other modules it calls (directly or through functions of its module). */
  calls: string[];
}

export interface FunctionSummary {
  /** `pkg.mod.Class.method`. */
  qualifiedName: string;
  /** `Class.method`: the qualified name without the module, for messages. */
  displayName: string;
  path: string;
  line: number;
  column: number;
  isAsync: boolean;
  /** Contains `yield`: calling it makes a generator (or an async generator) instead of running it. */
  isGenerator: boolean;
  /** Decorated by something that may not run the body when the function is called (see `hasOpaqueDecorator`). */
  opaqueDecorator?: boolean;
  /** The first direct call of each effect kind, in source order. */
  effects: DirectEffect[];
  calls: CallEdge[];
  concurrency?: FunctionConcurrency;
}

export interface ClassSummary {
  qualifiedName: string;
  bases: string[];
}

export interface ModuleSummary {
  module: string;
  path: string;
  functions: FunctionSummary[];
  classes: ClassSummary[];
  /** Module-level names bound by import, to what they name: re-exports such as `from .util import load`. */
  aliases: Record<string, string>;
  starImports: string[];
  /** Shared-state accesses and entry points (`src/concurrency`), when a rule of this run needed them. */
  concurrency?: ModuleConcurrency;
  /** What functions do with queues and threads handed to them, and whether they return (`src/concurrency/wait-facts.ts`), when a deadlock rule of this run needed it. */
  waits?: ModuleWaitFacts;
  /** What every import statement of the file names (any scope): `pkg.mod` for `import pkg.mod as m`, `pkg.mod.name` for `from pkg.mod import name`. */
  imports?: string[];
}

export function effectOf(entry: CatalogueEntry): EffectKind[] {
  const kinds: EffectKind[] = [];
  if (entry.blocking && !entry.coroutine) kinds.push('blocking');
  if (entry.orderedEffect) kinds.push('ordered');
  if (entry.sharedState) kinds.push('shared-state');
  if (entry.cpu) kinds.push('cpu');
  return kinds;
}

export function summariseModule(model: SemanticModel, path: string, lines: LineIndex): ModuleSummary {
  const functions = new Map<Scope, FunctionSummary>();
  for (const scope of model.scopes) {
    if (scope.kind !== 'function') continue;
    const position = lines.position(scope.node.startIndex);
    functions.set(scope, {
      qualifiedName: scope.qualifiedName,
      displayName: scope.displayName,
      path,
      line: position.line,
      column: position.column,
      isAsync: scope.isAsync,
      isGenerator: scope.containsYield,
      opaqueDecorator: hasOpaqueDecorator(model, scope) || undefined,
      effects: [],
      calls: [],
    });
  }

  // In execution order: an inner call (`open(p)` in `open(p).read()`) runs before the outer one.
  const calls = [...model.calls].sort((a, b) => a.node.startIndex - b.node.startIndex || a.node.endIndex - b.node.endIndex);
  for (const call of calls) {
    const summary = functions.get(call.scope.executionScope);
    if (!summary) continue;
    const callee = model.calleeName(call);
    if (!callee) continue;
    const position = lines.position(call.node.startIndex);
    const starts = startsProcesses(model, call);
    if (starts && !summary.effects.some((e) => e.effect === 'process-start')) {
      summary.effects.push({ effect: 'process-start', callee: starts, line: position.line, column: position.column });
    }
    const entry = model.catalogue.lookup(callee);
    if (entry) {
      for (const effect of effectOf(entry)) {
        if (summary.effects.some((e) => e.effect === effect)) continue;
        if (effect === 'blocking' && !blocksAtCall(model, call, callee)) continue;
        summary.effects.push({
          effect,
          callee,
          line: position.line,
          column: position.column,
          blocking: entry.blocking,
          orderedEffect: entry.orderedEffect,
          sharedState: entry.sharedState,
          cpu: entry.cpu,
        });
      }
    } else if (model.isProjectName(callee) || callee.startsWith(`${model.moduleName}.`)) {
      summary.calls.push({ callee, line: position.line, column: position.column, awaited: call.awaited });
    }
  }

  for (const [scope, summary] of functions) {
    const facts = functionEffects(model, scope);
    summary.concurrency = {
      reasons: facts.reasons.map((r) => r.reason),
      blocking: [...facts.blocking],
      cpu: [...facts.cpu],
      releasesGil: facts.releasesGil,
      loops: facts.loops,
      calls: [...new Set(facts.elsewhere.map((c) => c.qualifiedName))],
    };
  }

  const classes: ClassSummary[] = [];
  for (const [qualifiedName, facts] of model.classes) {
    const bases: string[] = [];
    for (const base of facts.bases) {
      const name = model.qualifiedNameOf(base, facts.scope.parent ?? model.root);
      if (name) bases.push(name);
    }
    classes.push({ qualifiedName, bases });
  }

  const aliases: Record<string, string> = {};
  for (const [name, bindings] of model.root.bindings) {
    const imported = bindings.filter((b) => b.kind === 'import' || b.kind === 'from-import');
    if (imported.length === 1 && imported[0].target && bindings.length === 1) aliases[name] = imported[0].target;
  }

  const imports = new Set<string>();
  for (const scope of model.scopes) {
    for (const bindings of scope.bindings.values()) {
      for (const b of bindings) if ((b.kind === 'import' || b.kind === 'from-import') && b.target) imports.add(b.target);
    }
  }

  return {
    module: model.moduleName,
    path,
    functions: [...functions.values()],
    classes,
    aliases,
    starImports: [...model.root.starImports],
    concurrency: concurrencyFactsIfBuilt(model),
    waits: waitFactsIfBuilt(model),
    imports: [...imports],
  };
}
