/**
 * The effect catalogue describes what a call does, as data keyed by qualified name.
 * Entries live in `src/catalogue/data/*.toml` (one file per library) and users add or
 * override entries under `[tool.concur.catalogue]` in their configuration.
 *
 * Keys are qualified names as the semantic model resolves them: `time.sleep`,
 * `requests.Session.get` (a method of a type), `builtins.open`, and wildcards that end in
 * `.*` (`numpy.*`) which apply to every name below that prefix that has no entry of its own.
 */

export const BLOCKING_KINDS = ['network', 'disk', 'subprocess', 'sleep', 'database', 'wait'] as const;
/** What a blocking call waits for. `wait` is waiting on another thread or process (join, lock, queue). */
export type BlockingKind = (typeof BLOCKING_KINDS)[number];

export const CPU_KINDS = ['python', 'native'] as const;
export type CpuKind = (typeof CPU_KINDS)[number];

export const ORDERED_EFFECTS = ['stdout', 'stderr', 'log', 'write', 'network-send', 'database-write'] as const;
/** A side effect whose order other code can observe. */
export type OrderedEffect = (typeof ORDERED_EFFECTS)[number];

export const SHARED_STATES = ['random', 'environ', 'cwd', 'locale', 'signal', 'global-config', 'process'] as const;
/** Hidden process-wide state a call reads or writes. */
export type SharedState = (typeof SHARED_STATES)[number];

export const ENTRY_KINDS = ['function', 'class', 'method', 'module', 'attribute'] as const;

export const SPAWN_KINDS = ['thread', 'process', 'task'] as const;
/**
 * Where a callable handed to a call runs: another thread (memory shared), another process or
 * subinterpreter (nothing shared: arguments are pickled), or an asyncio task on the event loop
 * (memory shared, interleaving only at `await`).
 */
export type SpawnKind = (typeof SPAWN_KINDS)[number];
export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface CatalogueEntry {
  /** What the name is; `class` entries make a call a constructor whose result has that type. */
  kind?: EntryKind;
  /** The call blocks the calling thread waiting on this. */
  blocking?: BlockingKind;
  /** The call burns CPU in pure Python or in native code. */
  cpu?: CpuKind;
  /** Native code that releases the GIL while it works (so threads overlap). */
  releasesGil?: boolean;
  /** Safe to call concurrently from several threads (on the same receiver, for methods). */
  threadSafe?: boolean;
  /** An ordered, observable side effect. */
  orderedEffect?: OrderedEffect;
  /** Hidden shared state the call reads or writes. */
  sharedState?: SharedState;
  /** The call returns a coroutine (or awaitable) that must be awaited. */
  coroutine?: boolean;
  /**
   * The call schedules its work on the event loop at once and returns a future (`gather`,
   * `shield`, `run_in_executor`): dropping the result does not stop the work from running.
   */
  schedules?: boolean;
  /** Qualified name of the non-blocking equivalent in async code, e.g. `asyncio.sleep`. */
  asyncAlternative?: string;
  /** Qualified type name of the value the call returns (for receiver resolution). */
  returns?: string;
  /** Qualified type of the value `with X() as v` binds, when it is not the object itself. */
  enterReturns?: string;
  /** Value cannot be pickled (locks, open files, sockets, connections). */
  unpicklable?: boolean;
  /**
   * Qualified type of the items iterating yields: for a function or method, iterating what the
   * call returns (`pathlib.Path.glob` yields `pathlib.Path`); for a class, iterating an instance.
   */
  yields?: string;
  /** 0-based positions of the arguments the call changes in place: `heapq.heappush(heap, x)` is `[0]`. */
  mutatesArguments?: readonly number[];
  /** The method changes the object it is called on (`random.Random.random` advances its generator). */
  mutatesReceiver?: boolean;
  /**
   * The call runs a callable (or a coroutine) it is given concurrently with the caller: a
   * concurrency entry point (`threading.Thread`, `Executor.submit`, `asyncio.create_task`). Used as
   * a decorator, the decorated function is the callable.
   */
  spawns?: SpawnKind;
  /** 0-based positions of the argument holding that callable; `[0]` when absent. */
  spawnArguments?: readonly number[];
  /** The keyword the callable may be passed by instead (`target`, `fn`). */
  spawnKeyword?: string;
  /** Several instances of the callable run at once: one per item (`map`), per request. */
  spawnsMany?: boolean;
  /** The callable is a class, and this method of it runs (`handle`); a trailing `*` matches a prefix (`do_*`). */
  spawnMethod?: string;
  /** One short sentence shown in messages, e.g. "sends an HTTP request and waits for the reply". */
  note?: string;
}

/** The fields of `CatalogueEntry` and the values each accepts; used to validate data files and user config. */
/** How a field's value is checked: one of a list of words, a boolean, a string, or argument positions (non-negative integers). */
export type FieldValues = readonly string[] | 'boolean' | 'string' | 'positions';

export const ENTRY_FIELDS: Record<keyof CatalogueEntry, FieldValues> = {
  kind: ENTRY_KINDS,
  blocking: BLOCKING_KINDS,
  cpu: CPU_KINDS,
  releasesGil: 'boolean',
  threadSafe: 'boolean',
  orderedEffect: ORDERED_EFFECTS,
  sharedState: SHARED_STATES,
  coroutine: 'boolean',
  schedules: 'boolean',
  asyncAlternative: 'string',
  returns: 'string',
  enterReturns: 'string',
  unpicklable: 'boolean',
  yields: 'string',
  mutatesArguments: 'positions',
  mutatesReceiver: 'boolean',
  spawns: SPAWN_KINDS,
  spawnArguments: 'positions',
  spawnKeyword: 'string',
  spawnsMany: 'boolean',
  spawnMethod: 'string',
  note: 'string',
};

/** Read-only view the semantic model and rules query. */
export interface Catalogue {
  /** The entry for a qualified name: exact first, then the longest matching wildcard. */
  lookup(qualifiedName: string): CatalogueEntry | undefined;
  /** Whether any entry exists at or below this qualified name (e.g. a module the catalogue knows). */
  knows(qualifiedName: string): boolean;
  /** Number of entries, for `concur rules`/docs. */
  readonly size: number;
}
