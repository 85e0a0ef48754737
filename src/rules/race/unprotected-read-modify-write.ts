/**
 * RC101 unprotected-read-modify-write: `x += 1`, `d[k] = d[k] + 1`, `self.n += 1` on state that
 * code running concurrently also writes, with no lock common to both.
 */
import type { Fix } from '../../diagnostics/finding.js';
import type { AccessFact, FunctionFacts } from '../../concurrency/facts.js';
import { LockFinder } from '../../concurrency/locks.js';
import { raceConflicts, type Conflict } from '../../concurrency/races.js';
import { accessNodes, concurrencyFacts } from '../../concurrency/summary.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { lockEdits, lockFixMaterial, type LockFixMaterial, type WrapPlan } from '../../fixes/lock-edits.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { SemanticModel } from '../../semantic/model.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { deferSites, lockWords, otherWords, relatedLocations, siteContextWords, stateWords } from './race-findings.js';

export const unprotectedReadModifyWrite: Rule = {
  meta: {
    code: 'RC101',
    name: 'unprotected-read-modify-write',
    category: 'race',
    summary: 'Read-modify-write of shared state from concurrent threads without a common lock loses updates',
    fix: 'sometimes',
    docs: {
      what:
        'A read-modify-write (`counter += 1`, `total = total + x`, `counts[k] += 1`, `d[k] = d.get(k, 0) + 1`, ' +
        '`self.n += 1`) of state that threads share, when code that runs at the same time also writes that state and ' +
        'the two hold no common lock (`with lock:`, `acquire()`/`release()`, `RLock`, `Condition`, `Semaphore(1)`). ' +
        'Shared state is a module global, a class attribute, a closure variable of the function that starts the ' +
        'threads, the receiver of a method run as a thread target (`Thread(target=self.work)`), or an object passed ' +
        'to the target. Concurrent code is found from the entry points: `threading.Thread`/`Timer` (and `Thread` ' +
        'subclasses\' `run`), `Executor.submit/map`, `ThreadPool`, `asyncio.to_thread`, `loop.run_in_executor`, ' +
        'threading servers\' handlers; a target started in a loop or once per item races with itself, and a thread ' +
        'races with the code that started it until `join()`. Accesses are followed through calls into other ' +
        'functions and files. In asyncio tasks only a read-modify-write with an `await` between the read and the ' +
        'write is reported. Process pools share no memory and are not considered. `list.append`, `dict[k] = v`, ' +
        '`deque` and `queue.Queue` operations, and `+=` on a list or set (in place) are atomic and not reported.',
      why:
        '`x += 1` is a read, an add and a write. Another thread that writes `x` between the read and the write has ' +
        'its update overwritten: a counter ends lower than the number of increments, a total misses items, and the ' +
        'result varies from run to run. With the GIL (CPython 3.10+) a thread switch rarely lands exactly there, so ' +
        'the bug hides in tests; any call between the read and the write (a property, a log line, `d[k]` with a ' +
        'custom `__hash__`), a heavily loaded machine, or a free-threaded build (3.13t and later, where threads run ' +
        'truly in parallel) makes it lose updates.',
      example: [
        'import threading',
        '',
        'counter = 0',
        '',
        'def work():',
        '    global counter',
        '    for _ in range(1000):',
        '        counter += 1',
        '',
        'threads = [threading.Thread(target=work) for _ in range(4)]',
        'for t in threads:',
        '    t.start()',
        'for t in threads:',
        '    t.join()',
      ].join('\n'),
      fixed: [
        'import threading',
        '',
        'counter = 0',
        '_counter_lock = threading.Lock()',
        '',
        'def work():',
        '    global counter',
        '    for _ in range(1000):',
        '        with _counter_lock:',
        '            counter += 1',
        '',
        'threads = [threading.Thread(target=work) for _ in range(4)]',
        'for t in threads:',
        '    t.start()',
        'for t in threads:',
        '    t.join()',
      ].join('\n'),
      fixSafety:
        'For a module global of the same file, the fix creates one lock next to the global (`_counter_lock = ' +
        'threading.Lock()`, adding `import threading` if needed) and wraps every racing statement in `with ' +
        '_counter_lock:`, in every function of the file; if the other side already holds a module-level lock, that ' +
        'lock is used instead. It is safe when the wrapped statements call nothing (no code runs while the lock is ' +
        'held, so it cannot deadlock); it is unsafe when they call something (that code runs under the lock: a call ' +
        'that waits on another thread needing the lock would deadlock) and when an existing lock is reused (a caller ' +
        'may already hold it; a `Lock` is not re-entrant). No fix is offered when a racing access is in another ' +
        'file, spans lines, is not a statement of its own, or is not a module global (instance attributes and ' +
        'closure variables need a lock owned by the object or the function, a design choice left to you).',
    },
  },

  check(context: RuleContext): void {
    const materials = new Map<string, LockFixMaterial | null>();
    deferSites(context, new Set(['read-modify-write']), (access, fn) => {
      // Notebooks: the edits are made after linking, where cell positions are no longer known.
      const material = context.fixesAllowed && !context.source.notebook ? materialFor(context, access, fn, materials) : undefined;
      return material ? { fix: material } : {};
    });
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const conflicts = raceConflicts(project).get(String(pending.data.siteId));
    if (!conflicts || conflicts.length === 0) return undefined;
    const [first] = conflicts;
    const { site } = first;
    const subscript = site.access.conflictsWith?.includes('store');
    const state = subscript ? `an item of ${stateWords(site.access)}` : stateWords(site.access);
    const task = site.context.side === 'task' && site.access.awaitInside;
    const fix = buildFix(pending.data.fix as LockFixMaterial | undefined, conflicts);
    const advice = fix
      ? ` Hold one lock around every access (the fix adds \`with ${fix.lock}:\`).`
      : ' Hold one lock around every access (`with lock:`), or keep the state per thread and combine the results after `join()`.';
    const why = task
      ? ' The `await` between the read and the write lets other tasks change it.'
      : ' Under the GIL a thread switch between the read and the write is rare but happens (a call in between makes it likely); free-threaded builds (3.13t+) lose updates readily.';
    const message =
      `Read-modify-write \`${site.access.code}\` of ${state} is not atomic: ${siteContextWords(site)}, and ${otherWords(first)}, ` +
      `with no common lock${lockWords(first)}: an update can be lost.${advice}${why}`;
    return { message, related: relatedLocations(conflicts), fix: fix?.fix };
  },
};

function materialFor(context: RuleContext, access: AccessFact, fn: FunctionFacts, cache: Map<string, LockFixMaterial | null>): LockFixMaterial | undefined {
  const { model, lines } = context;
  const { state } = access;
  if (state.root !== 'name' || state.scope !== 'module' || state.path.length !== 0 || !state.id.startsWith(`${model.moduleName}.`)) return undefined;
  const name = state.id.slice(model.moduleName.length + 1);
  if (name.includes('.') || fn.path !== context.source.path) return undefined;
  if (!cache.has(state.id)) {
    const nodes = accessNodes(model);
    const offsets: Array<[number, SyntaxNode]> = [];
    for (const f of concurrencyFacts(model, context.source.path, lines).functions) {
      for (const a of f.accesses) {
        if (a.state.root === 'name' && a.state.scope === 'module' && a.state.id === state.id && a.state.path.length === 0) {
          const node = nodes.get(a.offset);
          if (node) offsets.push([a.offset, node.node]);
        }
      }
    }
    cache.set(state.id, lockFixMaterial(model, lines, name, offsets, moduleLocks(model)) ?? null);
  }
  return cache.get(state.id) ?? undefined;
}

/** Module-level locks: identity -> name. */
function moduleLocks(model: SemanticModel): Record<string, string> {
  const finder = new LockFinder(model);
  const locks: Record<string, string> = {};
  for (const [name, bindings] of model.root.bindings) {
    const binding = bindings[0];
    if (bindings.length !== 1 || binding.kind !== 'assignment') continue;
    const identity = finder.lockIdentity(binding.node, model.root);
    if (identity === `${model.moduleName}.${name}`) locks[identity] = name;
  }
  return locks;
}

/**
 * The fix for a racing global: every racing statement of the file wrapped in one lock. Undefined
 * when a racing access is elsewhere, cannot be wrapped, or holds a lock that is not a module lock.
 */
function buildFix(material: LockFixMaterial | undefined, conflicts: Conflict[]): { fix: Fix; lock: string } | undefined {
  if (!material) return undefined;
  const site = conflicts[0].site;
  const participants = [site, ...conflicts.map((c) => c.other)];
  if (participants.some((p) => p.identity !== material.stateId || p.fn.path !== site.fn.path)) return undefined;
  const held = new Set(participants.flatMap((p) => p.locks));
  let lock = material.lockName;
  let create = true;
  if (held.size > 0) {
    const reusable = [...held].find((identity) => material.moduleLocks[identity]);
    if (!reusable) return undefined;
    lock = material.moduleLocks[reusable];
    create = false;
  }
  const plans = new Map<number, WrapPlan>();
  for (const participant of participants) {
    if (!create && participant.locks.some((l) => material.moduleLocks[l] === lock)) continue;
    const plan = material.wraps[participant.access.offset];
    if (!plan) return undefined;
    plans.set(plan.offset, plan);
  }
  if (plans.size === 0) return undefined;
  const safe = create && [...plans.values()].every((p) => !p.hasCall);
  return {
    lock,
    fix: {
      applicability: safe ? 'safe' : 'unsafe',
      message: create
        ? `Guard \`${material.name}\` with a new module-level lock \`${lock}\` around every racing statement`
        : `Hold the existing lock \`${lock}\` around the racing statements that lack it`,
      edits: lockEdits(material, lock, create, [...plans.values()]),
    },
  };
}
