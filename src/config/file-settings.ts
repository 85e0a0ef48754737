import { CatalogueError, parseCatalogueEntries } from '../catalogue/load.js';
import { ConfigError } from './config-error.js';
import type { Settings } from './settings.js';
import { closestMatch } from './suggest.js';
import { parseTargetVersion } from './target-version.js';

/** Settings a configuration file sets; whatever it does not mention stays undefined. */
export type FileSettings = Partial<Settings>;

/** Where a table of settings came from, for messages: `pyproject.toml` and `[tool.concur]`. */
export interface TableOrigin {
  file: string;
  /** The TOML table holding the keys; undefined for the top level of `concur.toml`. */
  table?: string;
}

type KeyReader = (value: unknown, key: string, origin: TableOrigin, settings: FileSettings) => void;

/** The keys, spelt in kebab-case as ruff spells its own. */
const KEYS: Record<string, KeyReader> = {
  select: (value, key, origin, settings) => {
    settings.select = stringList(value, key, origin);
  },
  ignore: (value, key, origin, settings) => {
    settings.ignore = stringList(value, key, origin);
  },
  exclude: (value, key, origin, settings) => {
    settings.exclude = stringList(value, key, origin);
  },
  'extend-exclude': (value, key, origin, settings) => {
    settings.extendExclude = stringList(value, key, origin);
  },
  'target-version': (value, key, origin, settings) => {
    if (typeof value !== 'string') throw invalid(origin, key, 'must be a string such as "py311"', value);
    try {
      settings.targetVersion = parseTargetVersion(value);
    } catch (error) {
      throw new ConfigError(`${prefix(origin)}"${key}": ${(error as Error).message}`, origin.file, key);
    }
  },
  'free-threaded': (value, key, origin, settings) => {
    if (typeof value !== 'boolean') throw invalid(origin, key, 'must be true or false', value);
    settings.freeThreaded = value;
  },
  'item-timeout': (value, key, origin, settings) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(origin, key, 'must be a number of seconds greater than 0', value);
    settings.itemTimeout = value;
  },
  'respect-gitignore': (value, key, origin, settings) => {
    if (typeof value !== 'boolean') throw invalid(origin, key, 'must be true or false', value);
    settings.respectGitignore = value;
  },
  'per-file-ignores': (value, key, origin, settings) => {
    if (!isTable(value)) throw invalid(origin, key, 'must be a table of glob = ["RULE", ...]', value);
    const table: Record<string, string[]> = {};
    for (const [glob, rules] of Object.entries(value)) {
      table[glob] = stringList(rules, `${key}.${JSON.stringify(glob)}`, origin);
    }
    settings.perFileIgnores = table;
  },
  catalogue: (value, key, origin, settings) => {
    if (!isTable(value)) throw invalid(origin, key, 'must be a table of ["qualified.name"] entries', value);
    const section = origin.table === undefined ? '[catalogue]' : `${origin.table.slice(0, -1)}.catalogue]`;
    try {
      settings.catalogue = parseCatalogueEntries(value, section);
    } catch (error) {
      if (error instanceof CatalogueError) throw new ConfigError(error.message, origin.file, key);
      throw error;
    }
  },
};

export const CONFIG_KEYS = Object.keys(KEYS);

/** Validates a table of settings and converts it to `Settings` fields. */
export function settingsFromTable(table: Record<string, unknown>, origin: TableOrigin): FileSettings {
  const settings: FileSettings = {};
  for (const [key, value] of Object.entries(table)) {
    const read = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (!read) {
      const suggestion = closestMatch(key, CONFIG_KEYS);
      const hint = suggestion ? `; did you mean "${suggestion}"?` : `; known keys: ${CONFIG_KEYS.join(', ')}`;
      throw new ConfigError(`${prefix(origin)}unknown key "${key}"${hint}`, origin.file, key);
    }
    read(value, key, origin, settings);
  }
  return settings;
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function stringList(value: unknown, key: string, origin: TableOrigin): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(origin, key, 'must be a list of strings', value);
  }
  return value as string[];
}

function invalid(origin: TableOrigin, key: string, requirement: string, value: unknown): ConfigError {
  return new ConfigError(`${prefix(origin)}"${key}" ${requirement}, got ${describe(value)}`, origin.file, key);
}

function prefix(origin: TableOrigin): string {
  return origin.table === undefined ? '' : `${origin.table} `;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value instanceof Date) return value.toString();
  if (isTable(value)) return 'a table';
  return JSON.stringify(value) ?? String(value);
}
