import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCatalogueDirectory } from '../../src/catalogue/data-files.js';
import { CatalogueError, loadCatalogue, parseCatalogueEntries } from '../../src/catalogue/load.js';
import type { CatalogueEntry } from '../../src/catalogue/schema.js';

function errorOf(action: () => unknown): CatalogueError {
  try {
    action();
  } catch (error) {
    if (error instanceof CatalogueError) return error;
    throw error;
  }
  throw new Error('expected a CatalogueError');
}

describe('user entries from configuration', () => {
  it('merge field by field into a built-in entry', () => {
    const catalogue = loadCatalogue({ 'time.sleep': { note: 'patched in tests' } });
    expect(catalogue.lookup('time.sleep')).toMatchObject({
      blocking: 'sleep',
      asyncAlternative: 'asyncio.sleep',
      note: 'patched in tests',
    });
  });

  it('add new names', () => {
    const catalogue = loadCatalogue({ 'mylib.fetch_all': { blocking: 'network', asyncAlternative: 'mylib.fetch_all_async' } });
    expect(catalogue.lookup('mylib.fetch_all')?.blocking).toBe('network');
    expect(catalogue.knows('mylib')).toBe(true);
    expect(catalogue.lookup('time.sleep')?.blocking).toBe('sleep');
  });

  it('can add wildcards that lose to built-in exact entries', () => {
    const catalogue = loadCatalogue({ 'requests.*': { note: 'user wildcard' } });
    expect(catalogue.lookup('requests.not_in_catalogue')?.note).toBe('user wildcard');
    expect(catalogue.lookup('requests.get')?.blocking).toBe('network');
  });

  it('leave the cached built-in catalogue untouched', () => {
    loadCatalogue({ 'time.sleep': { blocking: 'network' } });
    expect(loadCatalogue().lookup('time.sleep')?.blocking).toBe('sleep');
  });

  it('are validated and errors name the configuration and key', () => {
    const bad = { 'mylib.fetch': { blocking: 'internet' } } as unknown as Record<string, CatalogueEntry>;
    const error = errorOf(() => loadCatalogue(bad));
    expect(error.message).toContain('configuration');
    expect(error.message).toContain('mylib.fetch');
    expect(error.message).toContain('"internet"');
    expect(error.key).toBe('mylib.fetch');
  });

  it('reject snake_case field names, which settings have already converted', () => {
    const bad = { 'mylib.fetch': { async_alternative: 'x.y' } } as unknown as Record<string, CatalogueEntry>;
    expect(errorOf(() => loadCatalogue(bad)).message).toContain('did you mean "asyncAlternative"');
  });
});

describe('parseCatalogueEntries', () => {
  it('converts snake_case fields to camelCase', () => {
    const entries = parseCatalogueEntries(
      { 'mylib.fetch_all': { blocking: 'network', async_alternative: 'mylib.fetch_all_async', releases_gil: true } },
      'pyproject.toml',
    );
    expect(entries['mylib.fetch_all']).toEqual({
      blocking: 'network',
      asyncAlternative: 'mylib.fetch_all_async',
      releasesGil: true,
    });
  });

  it('names the origin, key and field of an unknown field', () => {
    const error = errorOf(() => parseCatalogueEntries({ 'mylib.fetch': { blocks: 'network' } }, 'pyproject.toml'));
    expect(error.message).toContain('pyproject.toml');
    expect(error.message).toContain('["mylib.fetch"]');
    expect(error.message).toContain('unknown field "blocks"');
    expect(error.origin).toBe('pyproject.toml');
  });

  it('suggests snake_case for a camelCase field', () => {
    const error = errorOf(() => parseCatalogueEntries({ 'a.b': { releasesGil: true } }, 'pyproject.toml'));
    expect(error.message).toContain('did you mean "releases_gil"');
  });

  it('rejects values of the wrong type or outside the enumeration', () => {
    expect(errorOf(() => parseCatalogueEntries({ 'a.b': { blocking: 'netwrok' } }, 'f.toml')).message)
      .toMatch(/"blocking" must be one of .*"network".*got "netwrok"/);
    expect(errorOf(() => parseCatalogueEntries({ 'a.b': { thread_safe: 'yes' } }, 'f.toml')).message)
      .toContain('"thread_safe" must be true or false');
    expect(errorOf(() => parseCatalogueEntries({ 'a.b': { note: 3 } }, 'f.toml')).message)
      .toContain('"note" must be a non-empty string');
    expect(errorOf(() => parseCatalogueEntries({ 'a.b': { returns: 'not a name' } }, 'f.toml')).message)
      .toContain('"returns" must be a qualified name');
  });

  it('accepts argument positions and rejects anything else for mutates_arguments', () => {
    const entries = parseCatalogueEntries({ 'lib.push': { mutates_arguments: [0, 2], mutates_receiver: false, yields: 'lib.Item' } }, 'f.toml');
    expect(entries['lib.push']).toEqual({ mutatesArguments: [0, 2], mutatesReceiver: false, yields: 'lib.Item' });
    expect(Object.isFrozen(entries['lib.push'].mutatesArguments)).toBe(true);
    for (const bad of [[], [-1], [0.5], ['0'], [1, 1], 0, 'first']) {
      expect(errorOf(() => parseCatalogueEntries({ 'lib.push': { mutates_arguments: bad } }, 'f.toml')).message)
        .toContain('"mutates_arguments" must be a non-empty list of distinct argument positions');
    }
    expect(errorOf(() => parseCatalogueEntries({ 'lib.push': { mutates_arguments: [-1] } }, 'f.toml')).message).toContain('got [-1]');
    expect(errorOf(() => parseCatalogueEntries({ 'lib.push': { mutates_receiver: 'yes' } }, 'f.toml')).message)
      .toContain('"mutates_receiver" must be true or false');
    expect(errorOf(() => parseCatalogueEntries({ 'lib.items': { yields: 'a list' } }, 'f.toml')).message)
      .toContain('"yields" must be a qualified name');
  });

  it('validates the camelCase spelling of user entries from settings too', () => {
    expect(loadCatalogue({ 'mylib.push': { mutatesArguments: [0] } }).lookup('mylib.push')).toEqual({ mutatesArguments: [0] });
    expect(() => loadCatalogue({ 'mylib.push': { mutatesArguments: [-2] } })).toThrow(/"mutatesArguments" must be a non-empty list/);
  });

  it('rejects keys that are not qualified names and entries that are not tables', () => {
    expect(errorOf(() => parseCatalogueEntries({ 'a..b': {} }, 'f.toml')).message).toContain('not a qualified name');
    expect(errorOf(() => parseCatalogueEntries({ 'a.*.b': {} }, 'f.toml')).message).toContain('not a qualified name');
    expect(errorOf(() => parseCatalogueEntries({ 'a.b': 'network' }, 'f.toml')).message).toContain('must be a table');
  });

  it('explains an unquoted dotted table name', () => {
    const error = errorOf(() => parseCatalogueEntries({ time: { sleep: { blocking: 'sleep' } } }, 'f.toml'));
    expect(error.message).toContain('quote the whole qualified name');
  });

  it('accepts wildcards', () => {
    expect(parseCatalogueEntries({ 'mylib.*': { cpu: 'python' } }, 'f.toml')['mylib.*']).toEqual({ cpu: 'python' });
  });
});

describe('data directory reading', () => {
  function directoryWith(files: Record<string, string>): string {
    const directory = mkdtempSync(join(tmpdir(), 'concur-catalogue-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
    return directory;
  }

  it('rejects a key defined in two files, naming both', () => {
    const directory = directoryWith({
      'a.toml': '["x.y"]\nblocking = "disk"\n',
      'b.toml': '["x.y"]\nblocking = "network"\n',
      'notes.txt': 'ignored',
    });
    const error = errorOf(() => readCatalogueDirectory(directory, 'data'));
    expect(error.message).toContain('data/b.toml');
    expect(error.message).toContain('data/a.toml');
    expect(error.message).toContain('x.y');
  });

  it('names the file that is not valid TOML', () => {
    const directory = directoryWith({ 'broken.toml': '["x.y"\nblocking = \n' });
    expect(errorOf(() => readCatalogueDirectory(directory, 'data')).message).toContain('data/broken.toml: not valid TOML');
  });

  it('names the file and key of a bad value', () => {
    const directory = directoryWith({ 'lib.toml': '["lib.f"]\ncpu = "gpu"\n' });
    const error = errorOf(() => readCatalogueDirectory(directory, 'data'));
    expect(error.message).toContain('data/lib.toml');
    expect(error.message).toContain('["lib.f"]');
  });
});
