import type { CatalogueEntry } from '../catalogue/schema.js';

/** Resolved settings for one run: defaults, then configuration file, then command line. */
export interface Settings {
  /** Rule codes, code prefixes or rule names to enable (empty: every rule). */
  select: string[];
  /** Rule codes, code prefixes or rule names to disable (wins over select). */
  ignore: string[];
  /** Glob patterns (gitignore syntax) of paths to leave out, on top of the defaults. */
  exclude: string[];
  /** Extra patterns added to `exclude` without replacing it. */
  extendExclude: string[];
  /** Minimum Python version the analysed code must run on, e.g. [3, 11]. */
  targetVersion: [number, number];
  /** Respect .gitignore files while discovering files. */
  respectGitignore: boolean;
  /** Catalogue entries the user adds or overrides, keyed by qualified name. */
  catalogue: Record<string, CatalogueEntry>;
  /** Per-file rule ignores: glob -> rule selectors. */
  perFileIgnores: Record<string, string[]>;
  /** The program runs on a free-threaded build (3.13t or later): plans may use threads for Python CPU work. */
  freeThreaded: boolean;
  /** Seconds the generated code waits for each item's result before raising `TimeoutError`; none when undefined. */
  itemTimeout?: number;
}

/** What the generated concurrent code may assume about where it runs, and the limits it enforces. */
export interface RuntimeOptions {
  freeThreaded: boolean;
  itemTimeout?: number;
}

export const DEFAULT_TARGET_VERSION: [number, number] = [3, 9];

export function defaultSettings(): Settings {
  return {
    select: [],
    ignore: [],
    exclude: [],
    extendExclude: [],
    targetVersion: DEFAULT_TARGET_VERSION,
    respectGitignore: true,
    catalogue: {},
    perFileIgnores: {},
    freeThreaded: false,
  };
}
