import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, mergeSettings, parseTargetVersion } from '../../src/config/load.js';
import { defaultSettings } from '../../src/config/settings.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'concur-config-')));
  roots.push(root);
  for (const [relative, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), content);
  }
  return root;
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads [tool.concur] from pyproject.toml', () => {
    const root = project({
      'pyproject.toml': `
[project]
name = "demo"

[tool.concur]
select = ["AS1", "race"]
ignore = ["AS102"]
exclude = ["legacy/"]
extend-exclude = ["*_pb2.py"]
target-version = "py313"
respect-gitignore = false
free-threaded = true
item-timeout = 2.5

[tool.concur.per-file-ignores]
"tests/*.py" = ["AS"]

[tool.concur.catalogue."mylib.fetch"]
blocking = "network"
releases_gil = true
`,
    });
    expect(loadConfig(root)).toEqual({
      configPath: path.join(root, 'pyproject.toml'),
      settings: {
        select: ['AS1', 'race'],
        ignore: ['AS102'],
        exclude: ['legacy/'],
        extendExclude: ['*_pb2.py'],
        targetVersion: [3, 13],
        respectGitignore: false,
        freeThreaded: true,
        itemTimeout: 2.5,
        perFileIgnores: { 'tests/*.py': ['AS'] },
        catalogue: { 'mylib.fetch': { blocking: 'network', releasesGil: true } },
      },
    });
  });

  it('prefers concur.toml to pyproject.toml in the same directory', () => {
    const root = project({
      'concur.toml': 'select = ["from-concur-toml"]\n',
      'pyproject.toml': '[tool.concur]\nselect = ["from-pyproject"]\n',
    });
    expect(loadConfig(root)).toEqual({ configPath: path.join(root, 'concur.toml'), settings: { select: ['from-concur-toml'] } });
  });

  it('walks up from the start directory, passing over pyproject.toml files without [tool.concur]', () => {
    const root = project({
      'pyproject.toml': '[tool.concur]\ntarget-version = "py312"\n',
      'pkg/pyproject.toml': '[project]\nname = "pkg"\n',
      'pkg/src/mod/a.py': '',
    });
    expect(loadConfig(path.join(root, 'pkg/src/mod'))).toEqual({
      configPath: path.join(root, 'pyproject.toml'),
      settings: { targetVersion: [3, 12] },
    });
    // A file on the command line means its directory.
    expect(loadConfig(path.join(root, 'pkg/src/mod/a.py')).configPath).toBe(path.join(root, 'pyproject.toml'));
  });

  it('stops at the nearest configuration, not merging with ones further up', () => {
    const root = project({ 'concur.toml': 'select = ["outer"]\n', 'inner/concur.toml': 'ignore = ["X"]\n' });
    expect(loadConfig(path.join(root, 'inner')).settings).toEqual({ ignore: ['X'] });
  });

  it('reads an explicit configuration file', () => {
    const root = project({ 'ci/custom.toml': 'select = ["race"]\n', 'other/pyproject.toml': '[project]\nname = "x"\n' });
    expect(loadConfig(root, path.join(root, 'ci/custom.toml'))).toEqual({
      configPath: path.join(root, 'ci/custom.toml'),
      settings: { select: ['race'] },
    });
    expect(loadConfig(root, path.join(root, 'other/pyproject.toml')).settings).toEqual({});
    expect(configError(() => loadConfig(root, path.join(root, 'nope.toml'))).message).toMatch(
      /nope\.toml: cannot read the configuration file: No such file or directory$/,
    );
  });

  it('suggests the key that was meant', () => {
    const root = project({ 'pyproject.toml': '[tool.concur]\nselct = ["AS"]\n' });
    const error = configError(() => loadConfig(root));
    expect(error.message).toMatch(/pyproject\.toml: \[tool\.concur\] unknown key "selct"; did you mean "select"\?$/);
    expect(error.key).toBe('selct');

    const snake = project({ 'concur.toml': 'extend_exclude = ["x"]\n' });
    expect(configError(() => loadConfig(snake)).message).toMatch(
      /concur\.toml: unknown key "extend_exclude"; did you mean "extend-exclude"\?$/,
    );

    const unrelated = project({ 'concur.toml': 'banana = 1\n' });
    expect(configError(() => loadConfig(unrelated)).message).toMatch(/unknown key "banana"; known keys: select, ignore/);
  });

  it('names the file and key of a bad value', () => {
    const cases: Array<[string, RegExp]> = [
      ['select = "AS101"', /\[tool\.concur\] "select" must be a list of strings, got "AS101"$/],
      ['respect-gitignore = "yes"', /"respect-gitignore" must be true or false, got "yes"$/],
      ['free-threaded = 1', /"free-threaded" must be true or false, got 1$/],
      ['item-timeout = 0', /"item-timeout" must be a number of seconds greater than 0, got 0$/],
      ['item-timeout = "5s"', /"item-timeout" must be a number of seconds greater than 0, got "5s"$/],
      ['target-version = "py27"', /"target-version": invalid target version "py27": expected one of py38\.\.py314/],
      ['per-file-ignores = { "a.py" = "AS" }', /"per-file-ignores\."a\.py"" must be a list of strings/],
      ['catalogue = { "mylib.f" = { blocking = "forever" } }', /\[tool\.concur\.catalogue\]: \["mylib\.f"\]: "blocking" must be one of/],
    ];
    for (const [line, expected] of cases) {
      const root = project({ 'pyproject.toml': `[tool.concur]\n${line}\n` });
      const error = configError(() => loadConfig(root));
      expect(error.message).toMatch(expected);
      expect(error.message).toContain('pyproject.toml: ');
    }
  });

  it('reports invalid TOML with its position', () => {
    const root = project({ 'concur.toml': 'select = ["a",\n' });
    expect(configError(() => loadConfig(root)).message).toMatch(/concur\.toml: invalid TOML at line \d+, column \d+: /);
  });

  it('returns empty settings when there is no configuration', () => {
    const root = project({ 'a.py': '' });
    // Nothing above the temporary directory is expected to configure concur.
    const found = loadConfig(root);
    if (found.configPath === undefined) expect(found).toEqual({ settings: {} });
  });
});

describe('parseTargetVersion', () => {
  it.each([
    ['py38', [3, 8]],
    ['py311', [3, 11]],
    ['py314', [3, 14]],
    ['3.8', [3, 8]],
    ['3.12', [3, 12]],
    ['3.14', [3, 14]],
  ])('%s -> %j', (value, expected) => {
    expect(parseTargetVersion(value)).toEqual(expected);
  });

  it.each(['py37', 'py315', '3.7', '3.15', '311', 'py3', 'python3.11', '', '2.7'])('rejects %j', (value) => {
    expect(() => parseTargetVersion(value)).toThrow(ConfigError);
  });
});

describe('mergeSettings', () => {
  it('lets the file override defaults and the command line override the file', () => {
    const merged = mergeSettings(
      defaultSettings(),
      { select: ['AS'], exclude: ['a/'], extendExclude: ['b/'], targetVersion: [3, 10], perFileIgnores: { 'x.py': ['AS'] } },
      { select: ['race'], extendExclude: ['c/'], respectGitignore: false, perFileIgnores: { 'y.py': ['R'] } },
    );
    expect(merged).toEqual({
      ...defaultSettings(),
      select: ['race'],
      exclude: ['a/'],
      extendExclude: ['b/', 'c/'],
      targetVersion: [3, 10],
      respectGitignore: false,
      perFileIgnores: { 'x.py': ['AS'], 'y.py': ['R'] },
    });
  });

  it('does not modify its inputs', () => {
    const defaults = defaultSettings();
    const fromFile = { extendExclude: ['b/'] };
    mergeSettings(defaults, fromFile, { extendExclude: ['c/'] });
    expect(defaults).toEqual(defaultSettings());
    expect(fromFile).toEqual({ extendExclude: ['b/'] });
  });
});
