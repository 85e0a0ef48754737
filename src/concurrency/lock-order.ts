/**
 * Lock order over the linked project: which locks are taken while which are held, followed
 * through calls across files, and what that means.
 *
 * - `lockOrderCycles`: the lock-order graph has an edge A -> B when B is taken while A is held
 *   (nested `with`, `acquire()` after `acquire()`, or a call made while holding A that reaches a
 *   function taking B). Edges are found from the entry points (`entry-points.ts`): the code a
 *   thread or task runs, its starter's window, and, for a thread running a method of an object
 *   its own method started, the other methods of that object (other threads call them while it
 *   runs). A cycle is a deadlock when its edges can run at the same time (`concurrent`) and no
 *   common lock held before them serialises them. Locks are objects here: `self._a` is resolved
 *   to the receiver the code runs on, so two objects' locks do not form a cycle.
 * - `reacquisitions`: a non-reentrant lock taken again by the thread holding it, directly or
 *   through calls that keep the same object (`with self._lock: self.helper()`, where `helper`
 *   takes `self._lock`). Needs no concurrency: one thread waits for itself.
 * - `callbacksUnderLock`: a callback (a parameter, an element of a listeners collection, an
 *   attribute set from a parameter) called while a lock is held, here or by a caller.
 */
import type { ProjectIndex } from '../project/project-index.js';
import type { AcquisitionFact, CallFact, CallbackCallFact, FunctionFacts, StateKey } from './facts.js';
import { LinkedProject, type Frame, type LinkedEntry } from './linking.js';

const MAX_STATES = 3000;
const MAX_DEPTH = 10;
/** Roots of the per-function explorations (re-acquisition, callbacks) look less deep. */
const MAX_ROOT_DEPTH = 6;
const MAX_ROOT_STATES = 200;
/** Callbacks are looked for a few calls down only: a long chain reports code far from its cause. */
const MAX_CALLBACK_DEPTH = 3;
const MAX_CYCLE = 3;
const MAX_INSTANCES = 6;

/** A call on the way from one acquisition to the next. */
export interface CallStep {
  path: string;
  line: number;
  column: number;
  /** The caller and the callee, for messages. */
  caller: string;
  callee: string;
}

/** Where code runs: a thread or task, its starter while it runs, or the owner object's other methods while its thread runs. */
export interface LockContext {
  side: 'thread' | 'task' | 'main' | 'owner';
  entry: LinkedEntry;
  /** `owner`: the method explored. */
  method?: string;
}

export interface TakenLock {
  /** The object: `pkg.mod.LOCK`, `pkg.mod.Service#self._lock`. */
  id: string;
  fact: AcquisitionFact;
  fn: FunctionFacts;
}

interface HeldLock extends TakenLock {
  /** Calls made from the function that took it to the current one. */
  step: number;
}

export interface LockEdge {
  from: TakenLock;
  to: TakenLock;
  /** The calls from `from`'s function to `to`'s. */
  steps: CallStep[];
  /** Other locks held when `to` is taken (a common one serialises two edges). */
  guards: string[];
  context: LockContext;
}

export interface LockCycle {
  /** One edge per pair of consecutive locks, in cycle order. */
  edges: LockEdge[];
  /** The edge reported (and reordered, when `fixable`). */
  report: LockEdge;
  /** The edge's two acquisitions are a directly nested `with` pair that can be swapped. */
  fixable: boolean;
}

export interface Reacquisition {
  outer: TakenLock;
  inner: TakenLock;
  steps: CallStep[];
}

export interface CallbackUnderLock {
  callback: CallbackCallFact;
  fn: FunctionFacts;
  held: TakenLock;
  steps: CallStep[];
}

interface State extends Frame {
  held: HeldLock[];
  steps: CallStep[];
  depth: number;
  window?: [number, number];
  /** Root of a per-function exploration: its parameters are `#p<n>`, its receiver `#self`. */
  root?: boolean;
}

const cycleCache = new WeakMap<ProjectIndex, Map<string, LockCycle>>();
const reacquireCache = new WeakMap<ProjectIndex, Map<string, Reacquisition>>();
const callbackCache = new WeakMap<ProjectIndex, Map<string, CallbackUnderLock>>();

/** Lock-order cycles that can deadlock, by the site id of the acquisition each is reported at. */
export function lockOrderCycles(project: ProjectIndex): Map<string, LockCycle> {
  let cycles = cycleCache.get(project);
  if (!cycles) {
    cycles = new LockOrder(project).cycles();
    cycleCache.set(project, cycles);
  }
  return cycles;
}

/** Non-reentrant locks taken again while held, by the site id of the inner acquisition or of the call under the lock. */
export function reacquisitions(project: ProjectIndex): Map<string, Reacquisition> {
  let found = reacquireCache.get(project);
  if (!found) {
    found = new LockOrder(project).reacquisitions();
    reacquireCache.set(project, found);
  }
  return found;
}

/** Callbacks called with a lock held, by the callback call's site id. */
export function callbacksUnderLock(project: ProjectIndex): Map<string, CallbackUnderLock> {
  let found = callbackCache.get(project);
  if (!found) {
    found = new LockOrder(project).callbacks();
    callbackCache.set(project, found);
  }
  return found;
}

/** `path:line:column` of a call. */
export function callSiteId(fn: FunctionFacts, call: CallFact): string {
  return `${fn.path}:${call.line}:${call.column}`;
}

class LockOrder {
  private readonly links: LinkedProject;

  constructor(project: ProjectIndex) {
    this.links = LinkedProject.of(project);
  }

  // --- DL101 ------------------------------------------------------------------------------

  cycles(): Map<string, LockCycle> {
    const result = new Map<string, LockCycle>();
    const edges: LockEdge[] = [];
    for (const entry of this.links.entries()) {
      if (entry.kind === 'process') continue;
      const side = entry.kind === 'task' ? 'task' : 'thread';
      for (const target of entry.targets) {
        const params = this.links.targetParams(entry, target);
        const start: State = { fn: target, receiver: entry.receiverId, params, frames: new Set([target.qualifiedName]), allowLocal: false, held: [], steps: [], depth: 0 };
        edges.push(...this.explore(start, { side, entry }));
      }
      const frame = this.links.spawnerFrame(entry);
      if (frame && entry.fact.windowEnd > entry.fact.windowStart) {
        edges.push(...this.explore({ ...frame, held: [], steps: [], depth: 0, window: [entry.fact.windowStart, entry.fact.windowEnd] }, { side: 'main', entry }));
      }
      // A thread running a method of its starter's object: other threads call the object's other methods meanwhile.
      const owner = entry.spawner?.className;
      if (owner && !entry.fact.joined && entry.receiverId === `${owner}#self`) {
        for (const fn of this.links.byKey.values()) {
          if (fn.className !== owner || !fn.isMethod || entry.targets.includes(fn) || fn === entry.spawner || fn.qualifiedName.endsWith('.__init__')) continue;
          if (!fn.acquisitions && fn.calls.length === 0) continue;
          const start: State = { fn, receiver: entry.receiverId, params: new Map(), frames: new Set([fn.qualifiedName]), allowLocal: false, held: [], steps: [], depth: 0 };
          edges.push(...this.explore(start, { side: 'owner', entry, method: fn.display }));
        }
      }
    }
    if (edges.length === 0) return result;

    // Edges grouped by lock pair, a few instances each (different contexts first).
    const byPair = new Map<string, LockEdge[]>();
    for (const edge of edges) {
      const key = `${edge.from.id}\u0000${edge.to.id}`;
      const list = byPair.get(key) ?? [];
      const sameContext = list.filter((e) => e.context.entry === edge.context.entry && e.context.side === edge.context.side).length;
      if (list.length < MAX_INSTANCES && sameContext < 2) list.push(edge);
      byPair.set(key, list);
    }
    const successors = new Map<string, Set<string>>();
    for (const key of byPair.keys()) {
      const [from, to] = key.split('\u0000');
      const set = successors.get(from) ?? new Set();
      set.add(to);
      successors.set(from, set);
    }
    const reported = new Set<string>();
    const locks = [...successors.keys()].sort();
    for (const start of locks) {
      const path: string[] = [start];
      const visit = () => {
        const last = path[path.length - 1];
        for (const next of [...(successors.get(last) ?? [])].sort()) {
          if (next === start && path.length >= 2) {
            const cycleKey = path.join('\u0001');
            if (reported.has(cycleKey)) continue;
            const chosen = this.chooseEdges(path, byPair);
            if (!chosen) continue;
            reported.add(cycleKey);
            const cycle = describeCycle(chosen);
            if (!result.has(cycle.report.to.fact.siteId)) result.set(cycle.report.to.fact.siteId, cycle);
            continue;
          }
          // Canonical rotation: the cycle starts at its smallest lock.
          if (next <= start || path.includes(next) || path.length >= MAX_CYCLE) continue;
          path.push(next);
          visit();
          path.pop();
        }
      };
      visit();
    }
    return result;
  }

  /** One instance per edge of the cycle such that all can run at once and no common lock guards them. */
  private chooseEdges(path: string[], byPair: Map<string, LockEdge[]>): LockEdge[] | undefined {
    const options = path.map((from, i) => byPair.get(`${from}\u0000${path[(i + 1) % path.length]}`) ?? []);
    const chosen: LockEdge[] = [];
    const search = (i: number): boolean => {
      if (i === options.length) return true;
      for (const edge of options[i]) {
        if (chosen.some((other) => !this.canInterleave(edge, other, path))) continue;
        chosen.push(edge);
        if (search(i + 1)) return true;
        chosen.pop();
      }
      return false;
    };
    return search(0) ? [...chosen] : undefined;
  }

  /** Whether two edges can be run by two threads at the same time, each holding its first lock. */
  private canInterleave(a: LockEdge, b: LockEdge, cycle: string[]): boolean {
    if (a.guards.some((g) => b.guards.includes(g))) return false;
    const x = a.context;
    const y = b.context;
    // Tasks share one thread: they interleave only where an asyncio lock makes them wait.
    const tasks = (x.side === 'task' || x.entry.kind === 'task') && (y.side === 'task' || y.entry.kind === 'task');
    if (tasks && !(a.to.fact.async && b.to.fact.async)) return false;
    if (x.entry === y.entry) {
      const sides = new Set([x.side, y.side]);
      if (sides.size === 1) {
        if (x.side === 'main' || x.side === 'owner' || !x.entry.fact.many) return false;
        // Each instance has its own object: its locks are not the other instance's.
        const own = x.entry.fact.receiverPerInstance ? x.entry.receiverId : undefined;
        return !own || !cycle.some((id) => id.startsWith(`${own}.`));
      }
      return sides.has('thread') || sides.has('task');
    }
    const running = (c: LockContext) => c.side === 'thread' || c.side === 'task';
    return running(x) && running(y) && this.links.concurrent(x.entry, y.entry);
  }

  private explore(start: State, context: LockContext): LockEdge[] {
    const edges: LockEdge[] = [];
    const queue: State[] = [start];
    const seen = new Set<string>();
    const spawnerName = context.side === 'main' ? start.fn.qualifiedName : undefined;
    for (let i = 0; i < queue.length && seen.size < MAX_STATES; i++) {
      const state = queue[i];
      const key = `${state.fn.key}|${state.receiver ?? ''}|${state.held.map((h) => h.id).join(',')}|${[...state.params].join(';')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const inWindow = (offset: number) => !state.window || (offset >= state.window[0] && offset < state.window[1]);
      const taken = this.takenIn(state, spawnerName);
      for (const [index, acquisition] of (state.fn.acquisitions ?? []).entries()) {
        const to = taken[index];
        if (!to || !acquisition.blocking || !inWindow(acquisition.offset)) continue;
        const held = this.heldWith(state, taken, acquisition.held);
        for (const from of held) {
          if (from.id === to.id) continue;
          edges.push({
            from,
            to,
            steps: state.steps.slice(from.step),
            guards: held.filter((h) => h !== from && h.id !== to.id).map((h) => h.id),
            context,
          });
        }
      }
      if (state.depth >= MAX_DEPTH) continue;
      for (const call of state.fn.calls) {
        if (!inWindow(call.offset)) continue;
        const next = this.callState(state, call, context.side === 'task', spawnerName, taken);
        if (next) queue.push(next);
      }
    }
    return edges;
  }

  /** The objects the function's acquisitions take in this state (undefined: not an object other code can share). */
  private takenIn(state: State, spawnerName: string | undefined): Array<HeldLock | undefined> {
    return (state.fn.acquisitions ?? []).map((fact) => {
      const id = fact.lock ? this.resolve(fact.lock, state, spawnerName) : undefined;
      return id ? { id, fact, fn: state.fn, step: state.steps.length } : undefined;
    });
  }

  /** Locks held at a point of the function: the callers' and the function's own acquisitions held there. */
  private heldWith(state: State, taken: Array<HeldLock | undefined>, indexes: readonly number[] | undefined): HeldLock[] {
    const held = [...state.held];
    for (const index of indexes ?? []) {
      const lock = taken[index];
      if (lock && !held.some((h) => h.id === lock.id)) held.push(lock);
    }
    return held;
  }

  private callState(state: State, call: CallFact, inTask: boolean, spawnerName: string | undefined, taken: Array<HeldLock | undefined>): State | undefined {
    const target = this.links.lookup(call.callee);
    if (!target) return undefined;
    // Calling a coroutine function only makes a coroutine; its body runs where it is awaited.
    if (target.isAsync && (!(inTask || state.fn.isAsync) || !call.awaited)) return undefined;
    let receiver: string | undefined;
    if (call.receiver === 'self') receiver = state.receiver;
    else if (call.receiver) receiver = this.resolve(call.receiver, state, spawnerName);
    const params = new Map<number, string>();
    const offset = target.isMethod && call.bound ? 1 : 0;
    call.args.forEach((arg, index) => {
      const identity = arg ? this.resolve(arg, state, spawnerName) : undefined;
      if (identity) params.set(index + offset, identity);
    });
    return {
      fn: target,
      receiver,
      params,
      frames: new Set([...state.frames, target.qualifiedName]),
      allowLocal: false,
      held: this.heldWith(state, taken, call.held),
      steps: [...state.steps, { path: state.fn.path, line: call.line, column: call.column, caller: state.fn.display, callee: target.display }],
      depth: state.depth + 1,
    };
  }

  private resolve(key: StateKey, state: State, spawnerName: string | undefined): string | undefined {
    if (state.root && key.root === 'param' && !state.params.has(Number(key.id))) return [`#p${key.id}`, ...key.path].join('.');
    return this.links.resolve(key, state, spawnerName);
  }

  // --- DL102 ------------------------------------------------------------------------------

  reacquisitions(): Map<string, Reacquisition> {
    const result = new Map<string, Reacquisition>();
    for (const fn of this.sortedFunctions()) {
      const acquisitions = fn.acquisitions;
      if (!acquisitions) continue;
      const root = this.rootState(fn);
      const taken = this.takenIn(root, undefined);
      // Directly: `with self._lock:` ... `with self._lock:` in one function.
      acquisitions.forEach((inner, index) => {
        const lock = taken[index];
        if (!lock) return;
        for (const h of inner.held) {
          const outer = taken[h];
          if (outer && outer.id === lock.id && selfDeadlocks(outer.fact, inner)) {
            result.set(inner.siteId, { outer, inner: lock, steps: [] });
            return;
          }
        }
      });
      // Through calls made while holding it.
      for (const call of fn.calls) {
        const held = (call.held ?? []).map((i) => taken[i]).filter((h): h is HeldLock => !!h && h.fact.reentrant !== true);
        if (held.length === 0) continue;
        const found = this.findBelow(root, call, taken, (state, own) => {
          for (const [index, acquisition] of (state.fn.acquisitions ?? []).entries()) {
            const lock = own[index];
            // A function that releases the lock itself before taking it again expects it held.
            if (!lock || state.fn.foreignReleases?.includes(acquisition.identity)) continue;
            const outer = held.find((h) => h.id === lock.id && selfDeadlocks(h.fact, acquisition));
            if (outer) return { outer, inner: lock, steps: state.steps };
          }
          return undefined;
        });
        if (found) result.set(callSiteId(fn, call), found);
      }
    }
    return result;
  }

  // --- DL104 ------------------------------------------------------------------------------

  callbacks(): Map<string, CallbackUnderLock> {
    const result = new Map<string, CallbackUnderLock>();
    for (const fn of this.sortedFunctions()) {
      const acquisitions = fn.acquisitions;
      if (!acquisitions) continue;
      const root = this.rootState(fn);
      const taken = acquisitions.map((fact): HeldLock => ({ id: fact.identity, fact, fn, step: 0 }));
      const threadLock = (h: HeldLock | undefined): h is HeldLock => !!h && !h.fact.async;
      for (const callback of fn.callbacks ?? []) {
        const held = callback.held.map((i) => taken[i]).find(threadLock);
        if (held && !result.has(callback.siteId)) result.set(callback.siteId, { callback, fn, held, steps: [] });
      }
      for (const call of fn.calls) {
        const held = (call.held ?? []).map((i) => taken[i]).find(threadLock);
        if (!held) continue;
        this.findBelow(root, call, taken, (state) => {
          if (state.depth > MAX_CALLBACK_DEPTH || state.fn.foreignReleases?.includes(held.fact.identity)) return undefined;
          for (const callback of state.fn.callbacks ?? []) {
            // A parameter of a function further down is whatever its caller passes: not necessarily a callback.
            if (callback.kind === 'parameter' || result.has(callback.siteId)) continue;
            result.set(callback.siteId, { callback, fn: state.fn, held, steps: state.steps });
          }
          return undefined;
        });
      }
    }
    return result;
  }

  // --- per-function explorations -----------------------------------------------------------

  private sortedFunctions(): FunctionFacts[] {
    return [...this.links.byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private rootState(fn: FunctionFacts): State {
    return { fn, receiver: fn.isMethod ? '#self' : undefined, params: new Map(), frames: new Set([fn.qualifiedName]), allowLocal: true, held: [], steps: [], depth: 0, root: true };
  }

  /** Explores the functions `call` reaches from `root` (objects named as the root sees them) until `visit` finds something. */
  private findBelow<T>(root: State, call: CallFact, taken: Array<HeldLock | undefined>, visit: (state: State, taken: Array<HeldLock | undefined>) => T | undefined): T | undefined {
    const first = this.callState(root, call, root.fn.isAsync, undefined, taken);
    if (!first) return undefined;
    const queue: State[] = [first];
    const seen = new Set<string>();
    for (let i = 0; i < queue.length && seen.size < MAX_ROOT_STATES; i++) {
      const state = queue[i];
      const key = `${state.fn.key}|${state.receiver ?? ''}|${[...state.params].join(';')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const own = this.takenIn(state, undefined);
      const found = visit(state, own);
      if (found !== undefined) return found;
      if (state.depth >= MAX_ROOT_DEPTH) continue;
      for (const next of state.fn.calls) {
        const nextState = this.callState(state, next, state.fn.isAsync, undefined, own);
        if (nextState) queue.push(nextState);
      }
    }
    return undefined;
  }
}

/**
 * Taking a lock again while holding it blocks forever: a blocking acquisition of the same object,
 * known not to be re-entrant from either place (the other may not know its type), and known to be
 * re-entrant from neither.
 */
function selfDeadlocks(outer: AcquisitionFact, inner: AcquisitionFact): boolean {
  if (!inner.blocking || outer.reentrant === true || inner.reentrant === true) return false;
  return outer.reentrant === false || inner.reentrant === false;
}

/**
 * The cycle with the edge to report: edges sorted by where their second lock is taken, the first
 * fixing the global order; the edge reported is another one that can be reordered in place, or
 * the first one when it alone can be (or none can). Reordering is offered for a cycle of two
 * locks whose orders are both in one file.
 */
function describeCycle(edges: LockEdge[]): LockCycle {
  const where = (e: LockEdge) => [e.to.fn.path, e.to.fact.line, e.to.fact.column] as const;
  const sorted = [...edges].sort((a, b) => {
    const [pa, la, ca] = where(a);
    const [pb, lb, cb] = where(b);
    return pa < pb ? -1 : pa > pb ? 1 : la - lb || ca - cb;
  });
  // Both orders in one file, so that the one kept can be seen next to the one changed.
  const oneFile = edges.every((e) => e.from.fn.path === edges[0].to.fn.path && e.to.fn.path === edges[0].to.fn.path && e.steps.every((s) => s.path === edges[0].to.fn.path));
  const swappable = (e: LockEdge) =>
    oneFile && edges.length === 2 && e.steps.length === 0 && e.to.fn === e.from.fn && e.to.fact.swapsWith !== undefined && e.from.fn.acquisitions?.[e.to.fact.swapsWith] === e.from.fact;
  const later = sorted.slice(1).find(swappable);
  if (later) return { edges, report: later, fixable: true };
  if (swappable(sorted[0])) return { edges, report: sorted[0], fixable: true };
  return { edges, report: sorted[0], fixable: false };
}
