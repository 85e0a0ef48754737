/**
 * Follows the wait facts (`wait-facts.ts`) from function to function: in the worker over one
 * module's facts (other modules of the project are `unknown`, and the rule defers to the project
 * index), on the main thread over every module's. Each question answers `yes`, `no` or
 * `unknown`; rules report only on `yes` and stay quiet on `unknown` once the project is linked.
 */
import type { ProjectIndex } from '../project/project-index.js';
import type { SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { functionNamed } from './pools.js';
import { expandFacts, type SummaryWaitFacts, type WaitFunctionFacts } from './wait-facts.js';

/** The facts of the function a qualified name calls; `unknown` when it is a project function whose facts are elsewhere; undefined for a library. */
export type WaitLookup = (name: string) => WaitFunctionFacts | 'unknown' | undefined;

export type Verdict = 'yes' | 'no' | 'unknown';

/** Where something happens, for messages: `worker` (line 12 of `jobs.py`). */
export interface Site {
  display: string;
  path: string;
  line: number;
}

const MAX_DEPTH = 6;

export function localLookup(model: SemanticModel, byScope: ReadonlyMap<Scope, WaitFunctionFacts>, isProject: (name: string) => boolean): WaitLookup {
  return (name) => {
    const scope = functionNamed(model, name);
    const facts = scope ? byScope.get(scope) : undefined;
    if (facts) return facts;
    return isProject(name) ? 'unknown' : undefined;
  };
}

const projectMaps = new WeakMap<ProjectIndex, Map<string, { module: Record<string, SummaryWaitFacts>; expanded?: WaitFunctionFacts }>>();

export function projectLookup(project: ProjectIndex): WaitLookup {
  let byName = projectMaps.get(project);
  if (!byName) {
    byName = new Map();
    for (const module of project.allModules()) {
      if (!module.waits) continue;
      for (const fn of module.functions) byName.set(fn.qualifiedName, { module: module.waits.functions });
    }
    projectMaps.set(project, byName);
  }
  const map = byName;
  return (name) => {
    const fn = project.resolveFunction(name);
    if (!fn) return undefined;
    const entry = map.get(fn.qualifiedName);
    if (!entry) return 'unknown';
    entry.expanded ??= expandFacts(entry.module[fn.qualifiedName], fn);
    return entry.expanded;
  };
}

export interface ParamUse {
  /** Methods called on the object in the functions it reaches, with the first place of each. */
  methods: Map<string, Site>;
  /** Handed somewhere that cannot be followed. */
  escapes: boolean;
  /** Reaches a function whose facts are not at hand. */
  unknown: boolean;
  /** The functions it reaches. */
  reached: Site[];
}

/** What the functions an object is handed to (parameter `index` of `name`, and on) do with it. */
export function paramUse(lookup: WaitLookup, targets: ReadonlyArray<{ callee: string; index: number }>): ParamUse {
  const result: ParamUse = { methods: new Map(), escapes: false, unknown: false, reached: [] };
  const seen = new Set<string>();
  const queue = targets.map((t) => ({ ...t, depth: 0 }));
  for (let i = 0; i < queue.length; i++) {
    const { callee, index, depth } = queue[i]!;
    const key = `${callee}#${index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const facts = lookup(callee);
    if (facts === 'unknown') {
      result.unknown = true;
      continue;
    }
    if (!facts || depth > MAX_DEPTH || facts.escapes.includes(index) || (facts.varargsFrom !== undefined && index >= facts.varargsFrom)) {
      result.escapes = true;
      continue;
    }
    result.reached.push({ display: facts.display, path: facts.path, line: facts.line });
    const param = facts.params[index];
    if (!param) continue;
    for (const [method, line] of Object.entries(param.methods)) {
      if (!result.methods.has(method)) result.methods.set(method, { display: facts.display, path: facts.path, line });
    }
    for (const next of param.passed) queue.push({ ...next, depth: depth + 1 });
  }
  return result;
}

export interface NeverReturns {
  verdict: Verdict;
  /** The endless loop, and the chain of calls that reaches it (empty when it is in the function itself). */
  loop?: Site;
  chain: Site[];
}

/** Whether calling `name` never returns: an endless loop with no way out, reached unconditionally. */
export function neverReturns(lookup: WaitLookup, name: string, depth = 0, seen = new Set<string>()): NeverReturns {
  const facts = lookup(name);
  if (facts === 'unknown') return { verdict: 'unknown', chain: [] };
  if (!facts || depth > MAX_DEPTH || seen.has(facts.qualifiedName)) return { verdict: 'no', chain: [] };
  seen.add(facts.qualifiedName);
  let unknown = false;
  if (facts.endlessLoop) {
    const ways = facts.endlessLoop.calls.map((callee) => mayRaise(lookup, callee));
    if (ways.every((w) => w === 'no')) return { verdict: 'yes', loop: { display: facts.display, path: facts.path, line: facts.endlessLoop.line }, chain: [] };
    if (ways.includes('unknown') && !ways.includes('yes')) unknown = true;
  }
  for (const call of facts.unconditionalCalls) {
    const inner = neverReturns(lookup, call.callee, depth + 1, seen);
    if (inner.verdict === 'yes') return { verdict: 'yes', loop: inner.loop, chain: [{ display: facts.display, path: facts.path, line: call.line }, ...inner.chain] };
    if (inner.verdict === 'unknown') unknown = true;
  }
  return { verdict: unknown ? 'unknown' : 'no', chain: [] };
}

/** Whether calling `name` may raise (or exit): its own `raise`, or one in what it calls. Too deep counts as yes. */
export function mayRaise(lookup: WaitLookup, name: string, depth = 0, seen = new Set<string>()): Verdict {
  const facts = lookup(name);
  if (facts === 'unknown') return 'unknown';
  if (!facts) return 'no';
  if (facts.mayRaise || depth > MAX_DEPTH) return 'yes';
  if (seen.has(facts.qualifiedName)) return 'no';
  seen.add(facts.qualifiedName);
  let unknown = false;
  for (const call of facts.calls) {
    const inner = mayRaise(lookup, call.callee, depth + 1, seen);
    if (inner === 'yes') return 'yes';
    if (inner === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'no';
}

export interface Reached {
  verdict: Verdict;
  /** What happens at the end of the chain: the thread started, the fork. */
  site?: Site & { what: string };
  /** The calls that lead there, from `name`'s own. */
  chain: Site[];
}

/** Whether calling `name` leaves a thread running (started there, or in what it calls, and not waited for). */
export function leavesThread(lookup: WaitLookup, name: string): Reached {
  return search(lookup, name, (facts) => facts.leavesThread && { display: facts.display, path: facts.path, line: facts.leavesThread.line, what: facts.leavesThread.display });
}

/** Whether calling `name` forks (under the given test of a fork point), itself or in what it calls. */
export function reachesFork(lookup: WaitLookup, name: string, forks: (fork: NonNullable<WaitFunctionFacts['fork']>) => boolean): Reached {
  return search(lookup, name, (facts) => (facts.fork && forks(facts.fork) ? { display: facts.display, path: facts.path, line: facts.fork.line, what: facts.fork.display } : undefined));
}

/** Breadth-first through calls: the shortest chain to a function where `found` says yes. */
function search(lookup: WaitLookup, name: string, found: (facts: WaitFunctionFacts) => (Site & { what: string }) | undefined): Reached {
  const seen = new Set<string>();
  const queue: Array<{ name: string; chain: Site[] }> = [{ name, chain: [] }];
  let unknown = false;
  for (let i = 0; i < queue.length; i++) {
    const { name: current, chain } = queue[i]!;
    const facts = lookup(current);
    if (facts === 'unknown') {
      unknown = true;
      continue;
    }
    if (!facts || seen.has(facts.qualifiedName) || chain.length > MAX_DEPTH) continue;
    seen.add(facts.qualifiedName);
    const site = found(facts);
    if (site) return { verdict: 'yes', site, chain };
    for (const call of facts.calls) queue.push({ name: call.callee, chain: [...chain, { display: facts.display, path: facts.path, line: call.line }] });
  }
  return { verdict: unknown ? 'unknown' : 'no', chain: [] };
}
