/**
 * Settings for one run: defaults, then the nearest configuration file, then the command line.
 */
import { dirname, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { ConfigError, loadConfig, mergeSettings, parseTargetVersion } from '../config/load.js';
import { defaultSettings, type Settings } from '../config/settings.js';
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
  if (flags.targetVersion) {
    try {
      fromCli.targetVersion = parseTargetVersion(flags.targetVersion);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`--target-version: ${error.message}`);
      throw error;
    }
  }
  const settings = mergeSettings(defaultSettings(), fromFile.settings, fromCli);
  if (flags.extendSelect) settings.select = [...(settings.select.length ? settings.select : ['ALL']), ...splitList(flags.extendSelect)];
  for (const selector of [...settings.select, ...settings.ignore]) {
    if (!isValidSelector(selector)) throw new UsageError(`unknown rule selector "${selector}": see \`concur rules\``);
  }
  // Patterns written in a configuration file are relative to its directory, as in ruff;
  // patterns given on the command line are relative to the working directory.
  const patternsFromFile = !fromCli.exclude && !fromCli.extendExclude;
  const patternBase = fromFile.configPath && patternsFromFile ? dirname(fromFile.configPath) : cwd;
  return { settings, configPath: fromFile.configPath, patternBase };
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
