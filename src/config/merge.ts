import type { Settings } from './settings.js';

/**
 * Settings for a run: `defaults`, overridden by the configuration file, overridden by the
 * command line. A field left undefined does not override. `extendExclude` accumulates
 * (that is what "extend" means); `perFileIgnores` and `catalogue` are merged key by key,
 * so the command line can add to the file's tables; every other field is replaced.
 */
export function mergeSettings(
  defaults: Settings,
  fromFile: Partial<Settings>,
  fromCli: Partial<Settings>,
): Settings {
  const merged: Settings = { ...defaults };
  for (const layer of [fromFile, fromCli]) {
    if (layer.select !== undefined) merged.select = [...layer.select];
    if (layer.ignore !== undefined) merged.ignore = [...layer.ignore];
    if (layer.exclude !== undefined) merged.exclude = [...layer.exclude];
    if (layer.extendExclude !== undefined) merged.extendExclude = [...merged.extendExclude, ...layer.extendExclude];
    if (layer.targetVersion !== undefined) merged.targetVersion = [...layer.targetVersion];
    if (layer.respectGitignore !== undefined) merged.respectGitignore = layer.respectGitignore;
    if (layer.perFileIgnores !== undefined) merged.perFileIgnores = { ...merged.perFileIgnores, ...layer.perFileIgnores };
    if (layer.catalogue !== undefined) merged.catalogue = { ...merged.catalogue, ...layer.catalogue };
    if (layer.freeThreaded !== undefined) merged.freeThreaded = layer.freeThreaded;
    if (layer.itemTimeout !== undefined) merged.itemTimeout = layer.itemTimeout;
  }
  return merged;
}
