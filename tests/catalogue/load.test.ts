import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { builtinDataDirectory } from '../../src/catalogue/data-dir.js';
import { loadCatalogue, parseCatalogueEntries } from '../../src/catalogue/load.js';
import { camelToSnake } from '../../src/catalogue/parse-entries.js';
import { ENTRY_FIELDS } from '../../src/catalogue/schema.js';

const dataDirectory = builtinDataDirectory();
const dataFiles = readdirSync(dataDirectory).filter((name) => name.endsWith('.toml')).sort();

describe('built-in catalogue data', () => {
  it('is found next to the project package.json', () => {
    expect(dataDirectory.replace(/\\/g, '/')).toMatch(/src\/catalogue\/data$/);
    expect(dataFiles.length).toBeGreaterThan(30);
  });

  it.each(dataFiles)('%s parses and validates', (file) => {
    const table = parse(readFileSync(join(dataDirectory, file), 'utf8'));
    const entries = parseCatalogueEntries(table, file);
    expect(Object.keys(entries).length).toBeGreaterThan(0);
  });

  it('loads as one catalogue of several hundred entries', () => {
    expect(loadCatalogue().size).toBeGreaterThan(500);
  });

  it('caches the built-in catalogue', () => {
    expect(loadCatalogue()).toBe(loadCatalogue());
    expect(loadCatalogue({})).toBe(loadCatalogue());
  });

  it('returns entries that callers cannot mutate', () => {
    const entry = loadCatalogue().lookup('time.sleep');
    expect(Object.isFrozen(entry)).toBe(true);
  });
});

describe('catalogue README', () => {
  const readme = readFileSync(join(dataDirectory, '..', 'README.md'), 'utf8');

  it.each(Object.keys(ENTRY_FIELDS))('documents the field %s', (field) => {
    expect(readme).toContain(`\`${camelToSnake(field)}\``);
  });

  it('documents every accepted enumerated value', () => {
    for (const accepted of Object.values(ENTRY_FIELDS)) {
      if (typeof accepted === 'string') continue;
      for (const value of accepted) expect(readme).toContain(`\`${value}\``);
    }
  });
});
