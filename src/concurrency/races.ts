/**
 * Lockset race detection over the linked project. For every concurrency entry point that shares
 * memory (threads, asyncio tasks; not processes), the accesses reached from the function it runs
 * are collected through calls in any file (with the locks held on the way), and so are the
 * accesses of the code that started it while both run (its window: from `start()` to `join()`).
 * A compound access (read-modify-write, check-then-act) races with a write to the same state in
 * a context that runs at the same time, when the two hold no common lock:
 *
 * - an entry point with several instances at once races with itself;
 * - a thread races with its starter's window;
 * - two entry points race when both may run at once (same starter with overlapping windows, or
 *   neither is waited for).
 *
 * Inside asyncio tasks, code between two `await`s runs without interruption from other tasks,
 * so a compound access in a task counts only if an `await` splits it, or if the other side is a
 * thread. State is shared only as the facts say: globals, class attributes, closure cells of a
 * function outside the running code, the receiver of a method target (shared with the starter),
 * and arguments handed to the target.
 */
import type { ProjectIndex } from '../project/project-index.js';
import type { AccessFact, FunctionFacts } from './facts.js';
import { LinkedProject, type Frame, type LinkedEntry } from './linking.js';

export type { LinkedEntry } from './linking.js';

export interface Context {
  /** `thread`/`task`/`process`: code the entry point runs; `main`: its starter's window. */
  side: 'thread' | 'task' | 'process' | 'main';
  entry: LinkedEntry;
}

export interface ReachedAccess {
  access: AccessFact;
  fn: FunctionFacts;
  identity: string;
  /** Locks held here, including those held by the callers on the way. */
  locks: string[];
  /** Functions from the context's start to the one that makes the access. */
  chain: string[];
  context: Context;
}

export interface Conflict {
  site: ReachedAccess;
  other: ReachedAccess;
}

const MAX_STATES = 4000;
const MAX_DEPTH = 12;
const MAX_CONFLICTS_PER_SITE = 8;

const cache = new WeakMap<ProjectIndex, Map<string, Conflict[]>>();

/** Conflicts of every compound access of the project, by site id. Computed once per project. */
export function raceConflicts(project: ProjectIndex): Map<string, Conflict[]> {
  let conflicts = cache.get(project);
  if (!conflicts) {
    conflicts = new RaceAnalysis(project).run();
    cache.set(project, conflicts);
  }
  return conflicts;
}

interface State extends Frame {
  locks: string[];
  chain: string[];
  depth: number;
  window?: [number, number];
}

class RaceAnalysis {
  private readonly links: LinkedProject;

  constructor(project: ProjectIndex) {
    this.links = LinkedProject.of(project);
  }

  run(): Map<string, Conflict[]> {
    const entries = this.links.entries();
    const result = new Map<string, Conflict[]>();
    if (entries.length === 0) return result;
    const sides = new Map<LinkedEntry, { runs: ReachedAccess[]; main: ReachedAccess[] }>();
    for (const entry of entries) sides.set(entry, { runs: this.exploreEntry(entry), main: this.exploreWindow(entry) });

    const record = (conflict: Conflict) => {
      const id = conflict.site.access.siteId!;
      const list = result.get(id) ?? [];
      if (list.length >= MAX_CONFLICTS_PER_SITE) return;
      if (list.some((c) => c.other.access === conflict.other.access && c.other.fn === conflict.other.fn && c.site.context.entry === conflict.site.context.entry)) return;
      list.push(conflict);
      result.set(id, list);
    };

    for (const entry of entries) {
      const { runs, main } = sides.get(entry)!;
      if (entry.fact.many) this.pair(runs, runs, record, entry.fact.receiverPerInstance ? entry.receiverId : undefined);
      if (entry.kind !== 'task' && main.length > 0) this.pair(runs, main, record);
    }
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        if (!this.links.concurrent(entries[i], entries[j])) continue;
        this.pair(sides.get(entries[i])!.runs, sides.get(entries[j])!.runs, record);
      }
    }
    return result;
  }

  private spawnerState(entry: LinkedEntry): State | undefined {
    const frame = this.links.spawnerFrame(entry);
    if (!frame) return undefined;
    return { ...frame, locks: [], chain: [frame.fn.display], depth: 0, window: [entry.fact.windowStart, entry.fact.windowEnd] };
  }

  private exploreEntry(entry: LinkedEntry): ReachedAccess[] {
    const context: Context = { side: entry.kind, entry };
    const reached: ReachedAccess[] = [];
    for (const target of entry.targets) {
      const params = this.links.targetParams(entry, target);
      reached.push(
        ...this.explore(
          { fn: target, receiver: entry.receiverId, params, locks: [], chain: [target.display], frames: new Set([target.qualifiedName]), depth: 0, allowLocal: false },
          context,
        ),
      );
    }
    return reached;
  }

  private exploreWindow(entry: LinkedEntry): ReachedAccess[] {
    if (entry.kind === 'task') return [];
    const state = this.spawnerState(entry);
    if (!state || entry.fact.windowEnd <= entry.fact.windowStart) return [];
    return this.explore(state, { side: 'main', entry });
  }

  private explore(start: State, context: Context): ReachedAccess[] {
    const reached: ReachedAccess[] = [];
    const queue: State[] = [start];
    const seen = new Set<string>();
    const spawnerName = context.side === 'main' ? start.fn.qualifiedName : undefined;
    // Another process shares only the file system with its starter.
    const filesystemOnly = context.side === 'process';
    for (let i = 0; i < queue.length && seen.size < MAX_STATES; i++) {
      const state = queue[i];
      const key = `${state.fn.key}|${state.receiver ?? ''}|${state.locks.join(',')}|${[...state.params].join(';')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const inWindow = (offset: number) => !state.window || (offset >= state.window[0] && offset < state.window[1]);
      for (const access of state.fn.accesses) {
        if (!inWindow(access.offset)) continue;
        if (filesystemOnly && access.state.root !== 'filesystem') continue;
        const identity = this.links.resolve(access.state, state, spawnerName);
        if (!identity) continue;
        reached.push({ access, fn: state.fn, identity, locks: union(state.locks, access.locks), chain: state.chain, context });
      }
      if (state.depth >= MAX_DEPTH) continue;
      for (const call of state.fn.calls) {
        if (!inWindow(call.offset)) continue;
        const target = this.links.lookup(call.callee);
        if (!target) continue;
        // Calling a coroutine function only makes a coroutine; its body runs where it is awaited.
        if (target.isAsync && (context.side !== 'task' || !call.awaited)) continue;
        let receiver: string | undefined;
        if (call.receiver === 'self') receiver = state.receiver;
        else if (call.receiver) receiver = this.links.resolve(call.receiver, state, spawnerName);
        const params = new Map<number, string>();
        const offset = target.isMethod && call.bound ? 1 : 0;
        call.args.forEach((arg, index) => {
          const identity = arg ? this.links.resolve(arg, state, spawnerName) : undefined;
          if (identity) params.set(index + offset, identity);
        });
        queue.push({
          fn: target,
          receiver,
          params,
          locks: union(state.locks, call.locks),
          chain: [...state.chain, target.display],
          frames: new Set([...state.frames, target.qualifiedName]),
          depth: state.depth + 1,
          allowLocal: false,
        });
      }
    }
    return reached;
  }

  /** Compound accesses of each side against writes of the other. */
  private pair(xs: ReachedAccess[], ys: ReachedAccess[], record: (c: Conflict) => void, perInstance?: string): void {
    const check = (sites: ReachedAccess[], writes: ReachedAccess[]) => {
      const byIdentity = new Map<string, ReachedAccess[]>();
      for (const w of writes) {
        if (w.access.kind !== 'write') continue;
        const list = byIdentity.get(w.identity);
        if (list) list.push(w);
        else byIdentity.set(w.identity, [w]);
      }
      for (const site of sites) {
        if (site.access.kind !== 'compound') continue;
        if (perInstance && site.identity.startsWith(`${perInstance}.`)) continue;
        for (const other of byIdentity.get(site.identity) ?? []) {
          if (!site.access.conflictsWith?.includes(other.access.mode!)) continue;
          // Through a parameter the site holds the object itself: rebinding a name elsewhere does not change it.
          if (other.access.mode === 'assign' && site.access.state.root === 'param' && site.access.state.path.length === 0) continue;
          if (site.locks.some((lock) => other.locks.includes(lock))) continue;
          // Tasks interleave only at `await`: a compound access no `await` splits is atomic among tasks.
          if (site.context.side === 'task' && other.context.side === 'task' && !site.access.awaitInside) continue;
          record({ site, other });
        }
      }
    };
    check(xs, ys);
    if (xs !== ys) check(ys, xs);
  }
}

function union(a: string[], b: string[]): string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...new Set([...a, ...b])].sort();
}
