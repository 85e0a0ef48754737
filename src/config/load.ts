import { findConfig, readConfigFile } from './find-config.js';
import { type FileSettings, settingsFromTable } from './file-settings.js';

export { ConfigError } from './config-error.js';
export { CONFIG_KEYS, type FileSettings } from './file-settings.js';
export { mergeSettings } from './merge.js';
export { parseTargetVersion } from './target-version.js';

export interface LoadedConfig {
  /** What the file sets (validated; catalogue entries parsed). Empty when there is no file. */
  settings: FileSettings;
  /** Absolute path of the file read. Patterns in it (`exclude`, `per-file-ignores`) are relative to its directory. */
  configPath?: string;
}

/**
 * The configuration for a run started on `startDir` (the first path on the command line,
 * or the working directory): `explicitConfigPath` if given (`--config`), else the nearest
 * `concur.toml` or `pyproject.toml` with `[tool.concur]` at or above `startDir`.
 * Throws ConfigError for unreadable files, invalid TOML, unknown keys and bad values.
 */
export function loadConfig(startDir: string, explicitConfigPath?: string): LoadedConfig {
  const found =
    explicitConfigPath === undefined ? findConfig(startDir) : readConfigFile(explicitConfigPath, { optional: false });
  if (!found) return { settings: {} };
  return { settings: settingsFromTable(found.table, found.origin), configPath: found.path };
}
