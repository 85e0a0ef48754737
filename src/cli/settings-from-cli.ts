/**
 * Settings for one run: defaults, then the nearest configuration file, then the command line.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { statSync } from 'node:fs';
import { ConfigError, loadConfig, mergeSettings, parseTargetVersion } from '../config/load.js';
import { defaultSettings, type Settings } from '../config/settings.js';
import { displayPath } from '../discovery/display-path.js';
import { isValidSelector } from '../rules/registry.js';
import { UsageError } from './usage-error.js';

/** Options shared by `check` and `fix`, as commander parses them. */
export interface SelectionFlags {
  select?: string[];
  extendSelect?: string[];
  ignore?: string[];
  exclude?: string[];
  extendExclude?: string[];
  targetVersion?: string;
  freeThreaded?: boolean;
  itemTimeout?: string;
  config?: string;
  respectGitignore?: boolean;
  isolated?: boolean;
}

export interface ResolvedSettings {
  settings: Settings;
  configPath?: string;
  /** Directory that path patterns (`exclude`, `per-file-ignores`) are relative to. */
  patternBase: string;
}

export function resolveSettings(paths: string[], flags: SelectionFlags, cwd: string): ResolvedSettings {
  let fromFile: ReturnType<typeof loadConfig> = { settings: {} };
  if (!flags.isolated) {
    try {
      fromFile = loadConfig(configSearchStart(paths, cwd), flags.config ? resolve(cwd, flags.config) : undefined);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
  }
  const fromCli: Partial<Settings> = {};
  if (flags.select) fromCli.select = splitList(flags.select);
  if (flags.ignore) fromCli.ignore = splitList(flags.ignore);
  if (flags.exclude) fromCli.exclude = splitList(flags.exclude);
  if (flags.extendExclude) fromCli.extendExclude = splitList(flags.extendExclude);
  if (flags.respectGitignore === false) fromCli.respectGitignore = false;
  if (flags.freeThreaded) fromCli.freeThreaded = true;
  if (flags.itemTimeout !== undefined) {
    const seconds = Number(flags.itemTimeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--item-timeout: expected a number of seconds greater than 0, got "${flags.itemTimeout}"`);
    fromCli.itemTimeout = seconds;
  }
  if (flags.targetVersion) {
    try {
      fromCli.targetVersion = parseTargetVersion(flags.targetVersion);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`--target-version: ${error.message}`);
      throw error;
    }
  }
  // Patterns written in a configuration file are relative to its directory, as in ruff;
  // patterns given on the command line are relative to the working directory. The engine
  // takes one base directory for all of them: the nearest one that holds both, with each
  // pattern re-anchored to it.
  const configDirectory = fromFile.configPath ? dirname(fromFile.configPath) : undefined;
  const cliPatterns = fromCli.exclude !== undefined || fromCli.extendExclude !== undefined;
  const patternBase =
    configDirectory === undefined ? cwd : cliPatterns ? commonDirectory(configDirectory, cwd) : configDirectory;
  const fileSettings = configDirectory === undefined ? fromFile.settings : reanchorFileSettings(fromFile.settings, patternBase, configDirectory);
  reanchorCliPatterns(fromCli, patternBase, cwd);

  const settings = mergeSettings(defaultSettings(), fileSettings, fromCli);
  if (flags.extendSelect) settings.select = [...(settings.select.length ? settings.select : ['ALL']), ...splitList(flags.extendSelect)];
  for (const selector of [...settings.select, ...settings.ignore]) {
    if (!isValidSelector(selector)) throw new UsageError(`unknown rule selector "${selector}": see \`concur rules\``);
  }
  // Checked like `select` and `ignore`: a misspelt code here would silently ignore nothing.
  for (const [glob, selectors] of Object.entries(fromFile.settings.perFileIgnores ?? {})) {
    const unknown = selectors.find((selector) => !isValidSelector(selector));
    if (unknown === undefined) continue;
    const file = fromFile.configPath ? `${displayPath(fromFile.configPath, cwd)}: ` : '';
    throw new UsageError(`${file}"per-file-ignores" ${JSON.stringify(glob)}: unknown rule selector "${unknown}": see \`concur rules\``);
  }
  if (settings.freeThreaded && (settings.targetVersion[0] < 3 || (settings.targetVersion[0] === 3 && settings.targetVersion[1] < 13))) {
    throw new UsageError(`free-threaded builds start with Python 3.13: set --target-version py313 or later (it is py${settings.targetVersion.join('')})`);
  }
  return { settings, configPath: fromFile.configPath, patternBase };
}

/** The deepest directory that both `a` and `b` are in (or are). */
function commonDirectory(a: string, b: string): string {
  const outside = (path: string) => path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path);
  let directory = a;
  while (outside(relative(directory, b))) {
    const parent = dirname(directory);
    if (parent === directory) return directory;
    directory = parent;
  }
  return directory;
}

/** `sub/dir` for a directory below `base`, `''` for `base` itself; glob characters escaped. */
function prefixFrom(base: string, directory: string): string {
  const path = relative(base, directory);
  return path === '' ? '' : path.split(sep).map((part) => part.replace(/[\\*?[\]!#{}()]/g, '\\$&')).join('/');
}

/**
 * A gitignore-style pattern written relative to a directory `prefix` below the base, made
 * relative to the base: anchored patterns (a slash before the end) get the prefix; the others
 * (`vendor/`, `*_pb2.py`) match at any depth wherever they are written, and stay as they are.
 */
function reanchorPattern(pattern: string, prefix: string): string {
  const negated = pattern.startsWith('!');
  const body = negated ? pattern.slice(1) : pattern;
  const anchored = body.replace(/\/+$/, '').includes('/');
  if (prefix === '' || !anchored || pattern.startsWith('#')) return pattern;
  const moved = `${prefix}/${body.replace(/^\/+/, '')}`;
  return negated ? `!${moved}` : moved;
}

function reanchorFileSettings(settings: Partial<Settings>, base: string, directory: string): Partial<Settings> {
  const prefix = prefixFrom(base, directory);
  if (prefix === '') return settings;
  const moved: Partial<Settings> = { ...settings };
  if (settings.exclude) moved.exclude = settings.exclude.map((p) => reanchorPattern(p, prefix));
  if (settings.extendExclude) moved.extendExclude = settings.extendExclude.map((p) => reanchorPattern(p, prefix));
  if (settings.perFileIgnores) {
    // A glob without a slash matches file names (at any depth); one with a slash, the path from the base.
    moved.perFileIgnores = Object.fromEntries(
      Object.entries(settings.perFileIgnores).map(([glob, rules]) => [glob.includes('/') ? `${prefix}/${glob.replace(/^(\.\/)+/, '')}` : glob, rules]),
    );
  }
  return moved;
}

function reanchorCliPatterns(settings: Partial<Settings>, base: string, cwd: string): void {
  const prefix = prefixFrom(base, cwd);
  if (prefix === '') return;
  if (settings.exclude) settings.exclude = settings.exclude.map((p) => reanchorPattern(p, prefix));
  if (settings.extendExclude) settings.extendExclude = settings.extendExclude.map((p) => reanchorPattern(p, prefix));
}

/** Configuration is looked up from the first path given, as ruff does, or from the working directory. */
function configSearchStart(paths: string[], cwd: string): string {
  const first = paths[0] ? resolve(cwd, paths[0]) : cwd;
  try {
    return statSync(first).isDirectory() ? first : dirname(first);
  } catch {
    return cwd;
  }
}

/** `--select AS101,AS102 --select AS103` -> three selectors. */
export function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
