/**
 * The serialisable concurrency facts of one module: its functions' accesses to state that
 * threads can share, the calls they make (with the locks held), and the concurrency entry
 * points it starts. Workers compute them from the semantic model (`summary.ts`); the main
 * thread links every module's facts (`races.ts`).
 */
import type { SpawnKind } from '../catalogue/schema.js';

/**
 * Where a piece of state lives, relative to the function that touches it.
 * - `name`: a name and attributes below it. `scope` says whose name: `module` (a global, or an
 *   attribute of an imported module or class: `config.x`, `Stats.hits`), `class` (a class
 *   attribute reached through `cls` or `type(self)`), `enclosing` (a closure cell of an outer
 *   function), `local` (the function's own variable; shared only with threads it starts).
 * - `self`: an attribute of the method's receiver, shared only when the receiver is.
 * - `param`: an object passed in as the parameter at `id` (a number), shared when the argument is.
 * - `filesystem`: a path, named by the expression's text.
 */
export interface StateKey {
  root: 'name' | 'self' | 'param' | 'filesystem';
  id: string;
  path: string[];
  scope: 'module' | 'class' | 'enclosing' | 'local' | 'self' | 'param' | 'filesystem';
}

/** How a write changes state: rebinds it, stores an item (`d[k] = v`), inserts, or removes. */
export type WriteMode = 'assign' | 'store' | 'insert' | 'remove';

/** The shape of a compound access. */
export type CompoundPattern =
  /** `x += 1`, `x = x + 1`, `d[k] = d.get(k, 0) + 1`. */
  | 'read-modify-write'
  /** `if k not in d: d[k] = ...`. */
  | 'insert-if-absent'
  /** `if k in d: del d[k]`. */
  | 'remove-if-present'
  /** `if k in d: return d[k]`. */
  | 'read-if-present'
  /** `if items: items.pop()`, `while q: q.popleft()`. */
  | 'pop-if-nonempty'
  /** `if _instance is None: _instance = make()`. */
  | 'init-if-unset'
  /** `if not os.path.exists(p): os.makedirs(p)`. */
  | 'create-if-missing'
  /** `if os.path.exists(p): os.remove(p)`. */
  | 'remove-if-exists';

export interface Position {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** UTF-16 offset in the file, for ordering within one function. */
  offset: number;
}

export interface AccessFact extends Position {
  state: StateKey;
  /** How the state is written in messages: `counter`, `self.count`, `Stats.hits`. */
  display: string;
  /** A write, or a compound access (a read-modify-write or a check-then-act) that is not atomic. */
  kind: 'write' | 'compound';
  /** Writes: how. */
  mode?: WriteMode;
  /** Compound accesses: their shape, the writes elsewhere that break them, and a short text of the code. */
  pattern?: CompoundPattern;
  conflictsWith?: WriteMode[];
  code?: string;
  /** Check-then-act: the line of the act. */
  actLine?: number;
  /** Identities of the locks held here (in this function; callers add theirs). */
  locks: string[];
  /** Compound accesses in a coroutine: an `await` lies between the read (or check) and the write. */
  awaitInside?: boolean;
  /** Compound accesses: `path:line:column`, the key under which rules find their verdict. */
  siteId?: string;
}

export interface CallFact {
  /** Qualified name the call resolves to (a project function, method or class). */
  callee: string;
  line: number;
  column: number;
  offset: number;
  locks: string[];
  awaited: boolean;
  /** The object a method is called on: the caller's own receiver, or some state. */
  receiver?: 'self' | StateKey;
  /** Called through an object, so a method's `self` is bound (not `Class.method(obj)`). */
  bound: boolean;
  /** Positional arguments that are shared-capable state, by position. */
  args: Array<StateKey | null>;
  /** The acquisitions of this function (indexes into `FunctionFacts.acquisitions`) held at the call. */
  held?: number[];
}

/** A lock taken in a function: `with lock:`, `async with lock:`, `lock.acquire()`, `await lock.acquire()`. */
export interface AcquisitionFact extends Position {
  /** The lock's identity (`pkg.mod.LOCK`, `pkg.mod.Cache._lock`): the same for every object of a class. */
  identity: string;
  /** The lock object relative to the function (as accesses name state), when it can be named; a private local is `scope: 'local'`. */
  lock?: StateKey;
  /** The lock as written: `self._lock`. */
  display: string;
  via: 'with' | 'acquire';
  /** Its type (`threading.Lock`), when known; a `Condition` over a lock has the lock's type. */
  type?: string;
  /** `RLock` and `Condition()`: true; `Lock`, `Semaphore(1)`, `asyncio.Lock`: false; unknown type: absent. */
  reentrant?: boolean;
  async: boolean;
  /** Waits until the lock is free: not `acquire(blocking=False)` nor `acquire(timeout=...)`. */
  blocking: boolean;
  /** `acquire()`: a `release()` of the same lock follows in this function. */
  released?: boolean;
  /** Acquisitions of this function held when this one is made (indexes into `acquisitions`). */
  held: number[];
  /**
   * `with a:` whose body is only `with b:` (or `with a, b:`), no `as` names, both plain names:
   * the index of the other acquisition of the pair, which can trade places with this one.
   */
  swapsWith?: number;
  /** `path:line:column` of the lock expression (`with`) or the `acquire()` call. */
  siteId: string;
}

/** A call of a value the function's callers hand in: a parameter, an element of a callbacks collection, an attribute set from a parameter. */
export interface CallbackCallFact extends Position {
  /** `self._callback(...)`, `listener(event)`. */
  code: string;
  /** The callee as written: `listener`, `self._on_change`. */
  display: string;
  kind: 'parameter' | 'collection' | 'attribute';
  /** Where the value comes from, for messages: `parameter \`fn\``, `\`self._listeners\``. */
  origin: string;
  /** Acquisitions of this function held at the call. */
  held: number[];
  siteId: string;
}

export interface FunctionFacts {
  /** The qualified name (`pkg.mod.Class.method`, `pkg.mod` for module-level code), or for lambdas `name@line:column`. */
  key: string;
  qualifiedName: string;
  /** `Class.method`, `worker`, `<module>`. */
  display: string;
  path: string;
  line: number;
  isAsync: boolean;
  /** A method with a `self` parameter; its parameters are numbered from `self` = 0. */
  isMethod: boolean;
  className?: string;
  accesses: AccessFact[];
  calls: CallFact[];
  /** Locks taken here, in source order (absent when none). */
  acquisitions?: AcquisitionFact[];
  /** Calls of callbacks (absent when none). */
  callbacks?: CallbackCallFact[];
  /** Identities of locks this function releases without having taken them (another function or thread took them). */
  foreignReleases?: string[];
}

export interface EntryFact {
  kind: SpawnKind;
  /** How it is started, for messages: `threading.Thread`, `ThreadPoolExecutor.map`, `Thread subclass`. */
  via: string;
  /** The function that runs: a function key of this module, or a qualified name the project resolves. */
  target?: string;
  /** Or a class whose method runs: a started `Thread` subclass (`run`), a request handler (`handle`, `do_*`). */
  targetClass?: string;
  targetMethod?: string;
  /** A `.start()` on an instance of a project class: an entry only if the class is a `Thread` (or `Process`). */
  needsThreadBase?: boolean;
  /** The target as written: `worker`, `self.work`, `lambda`. */
  display: string;
  /** Several instances may run at once, and why (`started in a loop`, `one per item`). */
  many: boolean;
  why: string;
  /** Key of the function (or module) that starts it. */
  spawner: string;
  /** The object whose method runs, as the spawner sees it; absent for plain functions. */
  receiver?: StateKey;
  /** Each instance gets its own receiver (a thread object made per iteration). */
  receiverPerInstance: boolean;
  /** The object is made at the spawn (`Worker().start()`, a handler per request). */
  freshReceiver: boolean;
  /** Arguments passed to the target's parameters, when they are shared-capable state. */
  args: Array<StateKey | null>;
  line: number;
  column: number;
  /** Where the spawner runs concurrently with it: [start, end) offsets in the spawner's file. */
  windowStart: number;
  windowEnd: number;
  /** The spawner waits for it before returning (`join()`, the executor's `with` block, `await`). */
  joined: boolean;
}

export interface ModuleConcurrency {
  functions: FunctionFacts[];
  entries: EntryFact[];
}
