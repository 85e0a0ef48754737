import type { Catalogue, CatalogueEntry } from './schema.js';
import { CatalogueIndex } from './catalogue-index.js';
import { builtinDataDirectory } from './data-dir.js';
import { readCatalogueDirectory } from './data-files.js';
import { validateCamelCaseEntries } from './parse-entries.js';

export { CatalogueError } from './errors.js';
export { parseCatalogueEntries } from './parse-entries.js';

/** Where user entries come from, as named in error messages. */
const CONFIGURATION_ORIGIN = 'configuration [tool.concur.catalogue]';

// Parsed once per process: every run reads the same built-in data.
let builtinEntries: ReadonlyMap<string, CatalogueEntry> | undefined;
let builtinCatalogue: Catalogue | undefined;

function loadBuiltinEntries(): ReadonlyMap<string, CatalogueEntry> {
  builtinEntries ??= readCatalogueDirectory(builtinDataDirectory(), 'src/catalogue/data');
  return builtinEntries;
}

/**
 * The built-in catalogue with the user's entries (already camelCase, from settings) laid over it.
 * A user entry for a key the catalogue already has is merged into it field by field.
 */
export function loadCatalogue(extra?: Record<string, CatalogueEntry>): Catalogue {
  const builtin = loadBuiltinEntries();
  if (extra === undefined || Object.keys(extra).length === 0) {
    builtinCatalogue ??= new CatalogueIndex(builtin);
    return builtinCatalogue;
  }
  const userEntries = validateCamelCaseEntries(extra, CONFIGURATION_ORIGIN);
  const merged = new Map(builtin);
  for (const [key, entry] of Object.entries(userEntries)) merged.set(key, { ...merged.get(key), ...entry });
  return new CatalogueIndex(merged);
}

/** Looks a name up in the built-in catalogue only; use `loadCatalogue(settings.catalogue)` when user entries matter. */
export function lookup(qualifiedName: string): CatalogueEntry | undefined {
  return loadCatalogue().lookup(qualifiedName);
}

/** Whether the built-in catalogue knows this name or anything below it (see `lookup` about user entries). */
export function knows(qualifiedName: string): boolean {
  return loadCatalogue().knows(qualifiedName);
}
