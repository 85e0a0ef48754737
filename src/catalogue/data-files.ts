import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import type { CatalogueEntry } from './schema.js';
import { CatalogueError } from './errors.js';
import { parseCatalogueEntries } from './parse-entries.js';

/**
 * Reads and validates every `*.toml` file in `directory`, in name order, and merges them.
 * A qualified name may be defined in one file only: a second definition is an error, not an override.
 * Errors name a file as `originDirectory/file.toml`.
 */
export function readCatalogueDirectory(directory: string, originDirectory: string = directory): Map<string, CatalogueEntry> {
  const files = readdirSync(directory).filter((name) => name.endsWith('.toml')).sort();
  const entries = new Map<string, CatalogueEntry>();
  const definedIn = new Map<string, string>();
  for (const file of files) {
    const origin = `${originDirectory}/${file}`;
    for (const [key, entry] of Object.entries(readCatalogueFile(join(directory, file), origin))) {
      const earlier = definedIn.get(key);
      if (earlier !== undefined) throw new CatalogueError(`duplicate key, already defined in ${earlier}`, origin, key);
      definedIn.set(key, origin);
      entries.set(key, entry);
    }
  }
  return entries;
}

function readCatalogueFile(path: string, origin: string): Record<string, CatalogueEntry> {
  let table: Record<string, unknown>;
  try {
    table = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogueError(`not valid TOML: ${reason}`, origin);
  }
  return parseCatalogueEntries(table, origin);
}
