/**
 * The project index links the module summaries of every analysed file: it resolves a call's
 * qualified name to the function it reaches (through re-exports, star imports, constructors and
 * base classes), and computes each function's effects transitively over the call graph, keeping
 * for each one the shortest chain of calls that leads to it, so messages can show the chain.
 */
import type { RelatedLocation } from '../diagnostics/finding.js';
import type { CallEdge, ClassSummary, DirectEffect, EffectKind, FunctionSummary, ModuleSummary } from './summary.js';

/** One step of a chain of calls from a function to the catalogued call that has the effect. */
export interface ChainStep {
  /** The function the step is in. */
  function: FunctionSummary;
  /** The call it makes: to the next function of the chain, or the catalogued callee at the end. */
  call: { callee: string; line: number; column: number };
}

export interface EffectChain {
  steps: ChainStep[];
  effect: DirectEffect;
}

/** One related location per call of the chain, each described by `describe(step, next step)`. */
export function chainLocations(chain: EffectChain, describe: (step: ChainStep, next: ChainStep | undefined) => string): RelatedLocation[] {
  return chain.steps.map((step, index) => ({
    path: step.function.path,
    line: step.call.line,
    column: step.call.column,
    endLine: step.call.line,
    endColumn: step.call.column,
    message: describe(step, chain.steps[index + 1]),
  }));
}

const MAX_ALIAS_DEPTH = 16;

export class ProjectIndex {
  private readonly modules = new Map<string, ModuleSummary>();
  private readonly functions = new Map<string, FunctionSummary>();
  private readonly classes = new Map<string, ClassSummary>();
  private readonly resolved = new Map<string, FunctionSummary | null>();
  /** Per effect kind: function -> the next call on its shortest chain to that effect. */
  private readonly nextHop = new Map<EffectKind, Map<FunctionSummary, { edge: CallEdge; target: FunctionSummary } | 'direct'>>();

  /**
   * Two files with the same module name (two `main.py` scripts in different folders) cannot be
   * told apart by an import: neither is linked, rather than linking calls to the wrong one.
   */
  private readonly ambiguous = new Set<string>();

  addModule(summary: ModuleSummary): void {
    const existing = this.modules.get(summary.module);
    if (existing && existing.path !== summary.path) this.ambiguous.add(summary.module);
    this.modules.set(summary.module, summary);
    for (const fn of summary.functions) this.functions.set(fn.qualifiedName, fn);
    for (const cls of summary.classes) this.classes.set(cls.qualifiedName, cls);
  }

  get moduleCount(): number {
    return this.modules.size;
  }

  allFunctions(): IterableIterator<FunctionSummary> {
    return this.functions.values();
  }

  allModules(): IterableIterator<ModuleSummary> {
    return this.modules.values();
  }

  /**
   * Every base class of a class, nearest first, as qualified names (project classes followed
   * through their own bases; a library base such as `threading.Thread` ends its branch).
   */
  ancestorsOf(qualifiedName: string): string[] {
    const ancestors: string[] = [];
    const visit = (name: string, depth: number) => {
      const canonical = this.classes.has(name) ? name : this.canonical(name, 0) ?? name;
      for (const base of this.classes.get(canonical)?.bases ?? []) {
        const resolved = this.classes.has(base) ? base : this.canonical(base, 0) ?? base;
        if (ancestors.includes(resolved) || depth > MAX_ALIAS_DEPTH) continue;
        ancestors.push(resolved);
        visit(resolved, depth + 1);
      }
    };
    visit(qualifiedName, 0);
    return ancestors;
  }

  /** The project function a call of `qualifiedName` runs, if the project defines it. */
  resolveFunction(qualifiedName: string): FunctionSummary | undefined {
    const cached = this.resolved.get(qualifiedName);
    if (cached !== undefined) return cached ?? undefined;
    this.resolved.set(qualifiedName, null);
    const result = this.resolve(qualifiedName, 0);
    if (result && this.isAmbiguous(result.qualifiedName)) return undefined;
    this.resolved.set(qualifiedName, result ?? null);
    return result;
  }

  /**
   * The other modules that import `module` or a name from it: `*` stands for the whole module
   * (`import module`), otherwise the names imported (`from module import name`).
   */
  importersOf(module: string): Array<{ path: string; names: string[] }> {
    const importers: Array<{ path: string; names: string[] }> = [];
    for (const summary of this.modules.values()) {
      if (summary.module === module) continue;
      const names = new Set<string>();
      for (const target of summary.imports ?? []) {
        if (target === module) names.add('*');
        else if (target.startsWith(`${module}.`)) names.add(target.slice(module.length + 1).split('.')[0]!);
      }
      for (const star of summary.starImports) if (star === module) names.add('*');
      if (names.size > 0) importers.push({ path: summary.path, names: [...names] });
    }
    return importers;
  }

  isClass(qualifiedName: string): boolean {
    return this.classes.has(this.canonical(qualifiedName, 0) ?? qualifiedName);
  }

  /**
   * The shortest chain from `fn` to a call with the given effect, through synchronous calls of
   * project functions, or undefined if it has none.
   */
  effectChain(fn: FunctionSummary, effect: EffectKind): EffectChain | undefined {
    const hops = this.hopsFor(effect);
    const steps: ChainStep[] = [];
    const seen = new Set<FunctionSummary>();
    let current: FunctionSummary | undefined = fn;
    while (current && !seen.has(current)) {
      seen.add(current);
      const hop = hops.get(current);
      if (!hop) return undefined;
      if (hop === 'direct') {
        const direct = current.effects.find((e) => e.effect === effect)!;
        steps.push({ function: current, call: { callee: direct.callee, line: direct.line, column: direct.column } });
        return { steps, effect: direct };
      }
      steps.push({ function: current, call: hop.edge });
      current = hop.target;
    }
    return undefined;
  }

  private hopsFor(effect: EffectKind) {
    let hops = this.nextHop.get(effect);
    if (!hops) {
      hops = this.propagate(effect);
      this.nextHop.set(effect, hops);
    }
    return hops;
  }

  /**
   * Breadth-first search backwards from the functions that have the effect directly: each caller
   * reached gets the hop that reached it, so following hops gives a shortest chain.
   */
  private propagate(effect: EffectKind) {
    const hops = new Map<FunctionSummary, { edge: CallEdge; target: FunctionSummary } | 'direct'>();
    const callers = new Map<FunctionSummary, Array<{ caller: FunctionSummary; edge: CallEdge }>>();
    for (const fn of this.functions.values()) {
      for (const edge of fn.calls) {
        if (edge.awaited) continue;
        const target = this.resolveFunction(edge.callee);
        // Calling an async function or a generator only creates an object; its body does not run.
        if (!target || target.isAsync || target.isGenerator) continue;
        // Starting processes is reported at import time only when the body surely runs on the call.
        if (effect === 'process-start' && target.opaqueDecorator) continue;
        const list = callers.get(target);
        if (list) list.push({ caller: fn, edge });
        else callers.set(target, [{ caller: fn, edge }]);
      }
    }
    const queue: FunctionSummary[] = [];
    for (const fn of this.functions.values()) {
      if (!fn.isAsync && fn.effects.some((e) => e.effect === effect)) {
        hops.set(fn, 'direct');
        queue.push(fn);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      const target = queue[i];
      for (const { caller, edge } of callers.get(target) ?? []) {
        if (hops.has(caller) || caller.isAsync) continue;
        hops.set(caller, { edge, target });
        queue.push(caller);
      }
    }
    return hops;
  }

  private isAmbiguous(qualifiedName: string): boolean {
    if (this.ambiguous.size === 0) return false;
    for (let dot = qualifiedName.lastIndexOf('.'); dot > 0; dot = qualifiedName.lastIndexOf('.', dot - 1)) {
      if (this.ambiguous.has(qualifiedName.slice(0, dot))) return true;
    }
    return false;
  }

  private resolve(qualifiedName: string, depth: number): FunctionSummary | undefined {
    if (depth > MAX_ALIAS_DEPTH) return undefined;
    const direct = this.functions.get(qualifiedName);
    if (direct) return direct;
    if (this.classes.has(qualifiedName)) return this.lookupMethod(qualifiedName, '__init__', new Set());
    const dot = qualifiedName.lastIndexOf('.');
    if (dot > 0) {
      const owner = qualifiedName.slice(0, dot);
      const member = qualifiedName.slice(dot + 1);
      if (this.classes.has(owner)) return this.lookupMethod(owner, member, new Set());
    }
    const canonical = this.canonical(qualifiedName, depth);
    return canonical && canonical !== qualifiedName ? this.resolve(canonical, depth + 1) : undefined;
  }

  /** Follows re-exports and star imports: `pkg.load` -> `pkg.util.load`. */
  private canonical(qualifiedName: string, depth: number): string | undefined {
    if (depth > MAX_ALIAS_DEPTH) return undefined;
    const parts = qualifiedName.split('.');
    for (let cut = parts.length - 1; cut >= 1; cut--) {
      const module = this.modules.get(parts.slice(0, cut).join('.'));
      if (!module) continue;
      const [name, ...rest] = parts.slice(cut);
      const alias = module.aliases[name];
      if (alias) return [alias, ...rest].join('.');
      for (const star of module.starImports) {
        const candidate = [star, name, ...rest].join('.');
        if (this.functions.has(candidate) || this.classes.has(candidate)) return candidate;
      }
      return undefined;
    }
    return undefined;
  }

  /** Method lookup along base classes, depth first, as a simplified MRO. */
  private lookupMethod(className: string, method: string, seen: Set<string>): FunctionSummary | undefined {
    const canonical = this.classes.has(className) ? className : this.canonical(className, 0);
    if (!canonical || seen.has(canonical)) return undefined;
    seen.add(canonical);
    const found = this.functions.get(`${canonical}.${method}`);
    if (found) return found;
    for (const base of this.classes.get(canonical)?.bases ?? []) {
      const inherited = this.lookupMethod(base, method, seen);
      if (inherited) return inherited;
    }
    return undefined;
  }
}
