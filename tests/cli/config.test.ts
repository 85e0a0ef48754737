/** Configuration through the real CLI: pyproject.toml `[tool.concur]`, concur.toml, `--config`, `--isolated`. */
import { afterAll, describe, expect, it } from 'vitest';
import { checkJson, findingKeys, type JsonDocument, pathsWithFindings, project, py, removeTemporaryDirectories, temporaryDirectory } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

/** AS101 on line 6 (`time.sleep`) and line 7 (`requests.get`), AS103 on line 8. */
const MIXED = py(
  'import asyncio',
  'import time',
  'import requests',
  '',
  'async def main(url):',
  '    time.sleep(1)',
  '    requests.get(url)',
  '    asyncio.create_task(main(url))',
);

const rulesOf = (json: JsonDocument) => json.findings.map((f) => `${f.rule}:${f.line}`);

describe.concurrent('pyproject.toml [tool.concur]', () => {
  it('honours select and ignore', async () => {
    const selected = project({ 'pyproject.toml': '[tool.concur]\nselect = ["AS103"]\n', 'app.py': MIXED });
    expect(rulesOf((await checkJson(['app.py'], { cwd: selected })).json)).toEqual(['AS103:8']);

    const ignored = project({ 'pyproject.toml': '[tool.concur]\nignore = ["blocking-call-in-async"]\n', 'app.py': MIXED });
    expect(rulesOf((await checkJson(['app.py'], { cwd: ignored })).json)).toEqual(['AS103:8']);
  });

  it('is overridden by --select on the command line', async () => {
    const selected = project({ 'pyproject.toml': '[tool.concur]\nselect = ["AS103"]\n', 'app.py': MIXED });
    expect(rulesOf((await checkJson(['--select', 'AS101', 'app.py'], { cwd: selected })).json)).toEqual(['AS101:6', 'AS101:7']);
    expect(rulesOf((await checkJson(['--extend-select', 'AS101', 'app.py'], { cwd: selected })).json)).toEqual(['AS101:6', 'AS101:7', 'AS103:8']);
  });

  it('is passed over when it has no [tool.concur] table', async () => {
    const root = project({ 'pyproject.toml': '[project]\nname = "x"\n[tool.ruff]\nselect = ["E"]\n', 'app.py': MIXED });
    expect(rulesOf((await checkJson(['app.py'], { cwd: root })).json)).toEqual(['AS101:6', 'AS101:7', 'AS103:8']);
  });
});

describe.concurrent('finding the configuration', () => {
  it('prefers concur.toml to pyproject.toml in the same directory', async () => {
    const root = project({
      'pyproject.toml': '[tool.concur]\nselect = ["AS103"]\n',
      'concur.toml': 'select = ["AS101"]\n',
      'app.py': MIXED,
    });
    expect(rulesOf((await checkJson(['app.py'], { cwd: root })).json)).toEqual(['AS101:6', 'AS101:7']);
  });

  it('walks up from the first path given, not from the working directory', async () => {
    const root = project({ 'pyproject.toml': '[tool.concur]\nignore = ["AS101"]\n', 'src/pkg/deep/app.py': MIXED });
    const elsewhere = temporaryDirectory();
    const result = await checkJson([`${root}/src/pkg/deep/app.py`], { cwd: elsewhere });
    expect(result.status).toBe(1);
    expect(rulesOf(result.json)).toEqual(['AS103:8']);
    // From a directory below the configuration too.
    expect(rulesOf((await checkJson(['.'], { cwd: `${root}/src/pkg` })).json)).toEqual(['AS103:8']);
  });

  it('ignores every configuration file with --isolated', async () => {
    const root = project({ 'concur.toml': 'select = ["AS103"]\nexclude = ["app.py"]\n', 'app.py': MIXED });
    expect(rulesOf((await checkJson(['--isolated', '.'], { cwd: root })).json)).toEqual(['AS101:6', 'AS101:7', 'AS103:8']);
    // --isolated does not even read a broken one.
    const broken = project({ 'concur.toml': 'selct = 1\n', 'app.py': MIXED });
    expect((await checkJson(['--isolated', 'app.py'], { cwd: broken })).status).toBe(1);
  });

  it('reads the file named by --config instead of the nearest one', async () => {
    const root = project({
      'pyproject.toml': '[tool.concur]\nselect = ["AS103"]\n',
      'settings/strict.toml': 'select = ["AS101"]\nignore = []\n',
      'settings/pyproject.toml': '[tool.concur]\nignore = ["AS101"]\n',
      'app.py': MIXED,
    });
    expect(rulesOf((await checkJson(['--config', 'settings/strict.toml', 'app.py'], { cwd: root })).json)).toEqual(['AS101:6', 'AS101:7']);
    expect(rulesOf((await checkJson(['--config', 'settings/pyproject.toml', 'app.py'], { cwd: root })).json)).toEqual(['AS103:8']);
  });
});

describe.concurrent('settings', () => {
  it('leaves out paths that exclude patterns match, relative to the configuration file', async () => {
    const root = project({
      'pyproject.toml': '[tool.concur]\nexclude = ["generated/", "*_pb2.py"]\n',
      'src/app.py': MIXED,
      'src/api_pb2.py': MIXED,
      'generated/out.py': MIXED,
      'src/generated/inner.py': MIXED,
    });
    expect(pathsWithFindings((await checkJson(['.'], { cwd: root })).json)).toEqual(['src/app.py']);
    // Run from a subdirectory: the patterns still mean what they meant next to the file.
    expect(pathsWithFindings((await checkJson(['.'], { cwd: `${root}/src` })).json)).toEqual(['app.py']);
  });

  it('applies per-file-ignores by glob (with a directory) and by file name', async () => {
    const root = project({
      'pyproject.toml': [
        '[tool.concur.per-file-ignores]',
        '"tests/*.py" = ["AS101"]',
        '"legacy.py" = ["AS"]',
      ].join('\n'),
      'tests/test_app.py': MIXED,
      'src/legacy.py': MIXED,
      'src/app.py': MIXED,
    });
    const { json } = await checkJson(['.'], { cwd: root });
    expect(json.findings.map((f) => `${f.path}:${f.rule}:${f.line}`)).toEqual([
      'src/app.py:AS101:6',
      'src/app.py:AS101:7',
      'src/app.py:AS103:8',
      'tests/test_app.py:AS103:8',
    ]);
  });

  it('keeps the file\'s patterns relative to its directory when the command line adds its own', async () => {
    const root = project({
      'proj/pyproject.toml': ['[tool.concur]', 'exclude = ["build/gen/"]', '[tool.concur.per-file-ignores]', '"tests/*.py" = ["AS101"]'].join('\n'),
      'proj/app.py': MIXED,
      'proj/tests/test_app.py': MIXED,
      'proj/build/gen/out.py': MIXED,
      'proj/vendor/lib.py': MIXED,
      'elsewhere/': '',
    });
    const expected = ['app.py:AS101:6', 'app.py:AS101:7', 'app.py:AS103:8', 'tests/test_app.py:AS103:8'];
    const shown = (json: JsonDocument, base: string) => json.findings.map((f) => `${f.path.replace(base, '')}:${f.rule}:${f.line}`);
    // From the project directory, with a command-line pattern (relative to the working directory).
    const here = await checkJson(['--extend-exclude', 'vendor/lib.py', '.'], { cwd: `${root}/proj` });
    expect(shown(here.json, '')).toEqual(expected);
    // From a subdirectory: `tests/*.py` still means proj/tests, `vendor/lib.py` means tests/vendor/lib.py (nothing).
    const below = await checkJson(['--extend-exclude', 'vendor/lib.py', '..'], { cwd: `${root}/proj/tests` });
    // (Paths outside the working directory are shown absolute, and sort before relative ones.)
    expect(shown(below.json, `${root}/proj/`)).toEqual([
      ...expected.slice(0, 3),
      'vendor/lib.py:AS101:6',
      'vendor/lib.py:AS101:7',
      'vendor/lib.py:AS103:8',
      'test_app.py:AS103:8',
    ]);
    // From another subdirectory, with an anchored pattern that replaces the file's `exclude`.
    const build = await checkJson(['--exclude', 'gen/out.py', '..'], { cwd: `${root}/proj/build` });
    expect(shown(build.json, `${root}/proj/`)).toEqual([...expected, 'vendor/lib.py:AS101:6', 'vendor/lib.py:AS101:7', 'vendor/lib.py:AS103:8']);
    // From a directory outside the project, with an unanchored pattern (it matches at any depth).
    const outside = await checkJson(['--extend-exclude', 'vendor/', '../proj'], { cwd: `${root}/elsewhere` });
    expect(shown(outside.json, `${root}/proj/`)).toEqual(expected);
  });

  it('makes a user function blocking through a catalogue entry', async () => {
    const code = py('import mylib', '', '', 'async def handler():', '    return mylib.fetch("x")');
    const root = project({
      'pyproject.toml': ['[tool.concur.catalogue."mylib.fetch"]', 'blocking = "network"'].join('\n'),
      'app.py': code,
    });
    const { json, status } = await checkJson(['app.py'], { cwd: root });
    expect(status).toBe(1);
    expect(findingKeys(json)).toEqual([['AS101', 'app.py', 5, 12]]);
    expect(json.findings[0]!.message).toContain('Blocking call `mylib.fetch` (network I/O) in async function `handler`');
    // Without the entry, concur knows nothing about mylib.
    expect((await checkJson(['--isolated', 'app.py'], { cwd: root })).json.findings).toEqual([]);
  });

  it('takes target-version from the file, and --target-version over it', async () => {
    const code = py('import asyncio', 'import requests', '', '', 'async def main(url):', '    return requests.get(url)');
    const root = project({ 'concur.toml': 'target-version = "py38"\n', 'app.py': code });
    const legacy = (await checkJson(['app.py'], { cwd: root })).json.findings[0]!;
    expect(legacy.fix).toMatchObject({ applicability: 'unsafe', message: expect.stringContaining('run_in_executor') });
    const modern = (await checkJson(['--target-version', 'py312', 'app.py'], { cwd: root })).json.findings[0]!;
    expect(modern.fix).toMatchObject({ applicability: 'unsafe', message: expect.stringContaining('asyncio.to_thread') });
  });
});
