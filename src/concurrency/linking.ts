/**
 * The project's concurrency facts linked together: every module's functions by key, calls
 * resolved across files, entry points with their targets found, and state keys (`facts.ts`)
 * resolved to the identity of the object they name in a frame of an exploration. Shared by the
 * race analysis (`races.ts`) and the lock-order analysis (`lock-order.ts`); built once per project.
 */
import type { SpawnKind } from '../catalogue/schema.js';
import type { ProjectIndex } from '../project/project-index.js';
import type { EntryFact, FunctionFacts, StateKey } from './facts.js';

export interface LinkedEntry {
  id: number;
  fact: EntryFact;
  /** File of the starter. */
  path: string;
  kind: SpawnKind;
  targets: FunctionFacts[];
  spawner?: FunctionFacts;
  /** Identity of the object a method target runs on. */
  receiverId?: string;
}

/** A function being run, as an exploration sees it: which objects its `self` and parameters are. */
export interface Frame {
  fn: FunctionFacts;
  receiver?: string;
  params: Map<number, string>;
  /** Qualified names of the functions on the way: their variables are per call, not shared. */
  frames: Set<string>;
  /** The function's own variables resolve (the starter's, shared with what it starts). */
  allowLocal: boolean;
}

const cache = new WeakMap<ProjectIndex, LinkedProject>();

export class LinkedProject {
  readonly byKey = new Map<string, FunctionFacts>();
  private readonly lookups = new Map<string, FunctionFacts | null>();
  private linked?: LinkedEntry[];

  static of(project: ProjectIndex): LinkedProject {
    let linked = cache.get(project);
    if (!linked) {
      linked = new LinkedProject(project);
      cache.set(project, linked);
    }
    return linked;
  }

  private constructor(readonly project: ProjectIndex) {
    for (const module of project.allModules()) {
      for (const fn of module.concurrency?.functions ?? []) this.byKey.set(fn.key, fn);
    }
  }

  /** The facts of the function a qualified name (or function key) names, in any file. */
  lookup(name: string): FunctionFacts | undefined {
    const direct = this.byKey.get(name);
    if (direct) return direct;
    const cached = this.lookups.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const resolved = this.project.resolveFunction(name);
    const facts = resolved ? this.byKey.get(resolved.qualifiedName) : undefined;
    this.lookups.set(name, facts ?? null);
    return facts;
  }

  /** Entry points of every module, with their targets found. */
  entries(): LinkedEntry[] {
    this.linked ??= this.linkEntries();
    return this.linked;
  }

  private linkEntries(): LinkedEntry[] {
    const entries: LinkedEntry[] = [];
    for (const module of this.project.allModules()) {
      for (const fact of module.concurrency?.entries ?? []) {
        let kind = fact.kind;
        const ancestors = fact.targetClass ? this.project.ancestorsOf(fact.targetClass) : [];
        if (fact.needsThreadBase) {
          if (ancestors.includes('threading.Thread')) kind = 'thread';
          else if (ancestors.some((a) => /^multiprocessing\.(context\.)?Process$/.test(a))) kind = 'process';
          else continue;
        }
        const targets: FunctionFacts[] = [];
        if (fact.target) {
          const target = this.lookup(fact.target);
          if (target) targets.push(target);
        } else if (fact.targetClass && fact.targetMethod) {
          if (fact.targetMethod.endsWith('*')) {
            const prefix = fact.targetMethod.slice(0, -1);
            for (const cls of [fact.targetClass, ...ancestors]) {
              for (const fn of this.byKey.values()) if (fn.className === cls && fn.key.startsWith(`${cls}.${prefix}`)) targets.push(fn);
            }
          } else {
            const target = this.lookup(`${fact.targetClass}.${fact.targetMethod}`);
            if (target) targets.push(target);
          }
        }
        if (targets.length === 0) continue;
        const spawner = this.byKey.get(fact.spawner);
        const entry: LinkedEntry = { id: entries.length, fact, path: module.path, kind, targets, spawner };
        const spawnerFrame = this.spawnerFrame(entry);
        if (fact.freshReceiver) entry.receiverId = `${module.path}:${fact.line}:${fact.column}#new`;
        else if (fact.receiver) {
          entry.receiverId = (spawnerFrame && this.resolve(fact.receiver, spawnerFrame, undefined)) ?? `${module.path}:${fact.line}:${fact.column}#object`;
        }
        entries.push(entry);
      }
    }
    return entries;
  }

  /** The starter's frame: its own variables resolve (they are what it shares with what it starts). */
  spawnerFrame(entry: LinkedEntry): Frame | undefined {
    const spawner = entry.spawner;
    if (!spawner) return undefined;
    return {
      fn: spawner,
      receiver: spawner.isMethod && spawner.className ? `${spawner.className}#self` : undefined,
      params: new Map(),
      frames: new Set([spawner.qualifiedName]),
      allowLocal: true,
    };
  }

  /** The parameters of an entry's target, as the objects the starter hands it. */
  targetParams(entry: LinkedEntry, target: FunctionFacts): Map<number, string> {
    const params = new Map<number, string>();
    const spawnerFrame = this.spawnerFrame(entry);
    const offset = target.isMethod && (entry.fact.receiver || entry.fact.targetClass) ? 1 : 0;
    entry.fact.args.forEach((arg, index) => {
      const identity = arg && spawnerFrame ? this.resolve(arg, spawnerFrame, undefined) : undefined;
      if (identity) params.set(index + offset, identity);
    });
    return params;
  }

  /** The identity of the state a key names in a frame, or undefined if it is not shared. */
  resolve(key: StateKey, frame: Frame, spawnerName: string | undefined): string | undefined {
    let base: string | undefined;
    switch (key.root) {
      case 'filesystem':
        return `filesystem:${key.id}`;
      case 'self':
        base = frame.receiver;
        break;
      case 'param':
        base = frame.params.get(Number(key.id));
        break;
      case 'name':
        if (key.scope === 'local') base = frame.allowLocal ? key.id : undefined;
        else if (key.scope === 'enclosing') {
          const cut = key.id.lastIndexOf('.<locals>.');
          const owner = cut > 0 ? key.id.slice(0, cut) : undefined;
          // A cell of a function on the way is made per call: each thread has its own.
          base = owner && frame.frames.has(owner) && owner !== spawnerName ? undefined : key.id;
        } else base = key.id;
        break;
    }
    return base === undefined ? undefined : [base, ...key.path].join('.');
  }

  /** Whether two entry points may run at the same time. */
  concurrent(a: LinkedEntry, b: LinkedEntry): boolean {
    if (a.fact.spawner === b.fact.spawner && a.path === b.path) {
      if (!a.fact.joined && !b.fact.joined) return true;
      return a.fact.windowStart < b.fact.windowEnd && b.fact.windowStart < a.fact.windowEnd;
    }
    return !a.fact.joined && !b.fact.joined;
  }
}
