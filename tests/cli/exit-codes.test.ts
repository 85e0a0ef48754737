/** Exit status as DESIGN.md fixes it: 0 nothing found, 1 findings, 2 usage error or nothing could be analysed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKING_SLEEP, CLEAN, checkJson, project, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

let root: string;
beforeAll(() => {
  root = project({ 'blocking.py': BLOCKING_SLEEP, 'clean.py': CLEAN, 'empty/': '' });
});

describe.concurrent('exit status', () => {
  it('is 0 when nothing is found', async () => {
    expect((await runConcur(['check', 'clean.py'], { cwd: root })).status).toBe(0);
  });

  it('is 1 when something is found, and 0 with --exit-zero (the findings still printed)', async () => {
    expect((await runConcur(['check', 'blocking.py'], { cwd: root })).status).toBe(1);
    const exitZero = await runConcur(['check', '--exit-zero', 'blocking.py'], { cwd: root });
    expect(exitZero.status).toBe(0);
    expect(exitZero.stdout).toContain('blocking.py:5:5: AS101');
  });

  it('is 1 for findings when another path named does not exist, and that path is reported', async () => {
    const result = await checkJson(['blocking.py', 'missing.py'], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.json.errors).toEqual([{ path: 'missing.py', message: 'No such file or directory' }]);
    expect(result.json.findings).toHaveLength(1);
  });
});

describe.concurrent('exit status 2', () => {
  const expectUsageError = async (args: string[], message: RegExp, cwd = root) => {
    const result = await runConcur(args, { cwd });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    return result;
  };

  it('for an unknown rule selector, on the command line or in a configuration file', async () => {
    await expectUsageError(['check', '--select', 'NOPE123', 'clean.py'], /unknown rule selector "NOPE123"/);
    await expectUsageError(['check', '--ignore', 'AS101,XX9', 'clean.py'], /unknown rule selector "XX9"/);
    const configured = project({ 'pyproject.toml': '[tool.concur]\nselect = ["ZZ"]\n', 'a.py': CLEAN });
    await expectUsageError(['check', 'a.py'], /unknown rule selector "ZZ"/, configured);
  });

  it('for an unknown rule selector in per-file-ignores, naming the file, the glob and the selector', async () => {
    const configured = project({ 'pyproject.toml': '[tool.concur.per-file-ignores]\n"tests/*.py" = ["AS101", "AS1O2"]\n', 'a.py': CLEAN });
    await expectUsageError(['check', 'a.py'], /^concur: error: pyproject\.toml: "per-file-ignores" "tests\/\*\.py": unknown rule selector "AS1O2"/, configured);
  });

  it('for a bad --target-version', async () => {
    await expectUsageError(['check', '--target-version', 'py27', 'clean.py'], /--target-version.*"py27".*py38/);
  });

  it('for an unknown --format', async () => {
    await expectUsageError(['check', '--format', 'xml', 'clean.py'], /xml/);
  });

  it('for a configuration file with an unknown key, naming the file and the key', async () => {
    const configured = project({ 'pyproject.toml': '[tool.concur]\nselct = ["AS101"]\n', 'a.py': BLOCKING_SLEEP });
    const result = await expectUsageError(['check', 'a.py'], /pyproject\.toml/, configured);
    expect(result.stderr).toMatch(/unknown key "selct"/);
    expect(result.stderr).toMatch(/did you mean "select"/);
    const toml = project({ 'concur.toml': 'frobnicate = true\n', 'a.py': BLOCKING_SLEEP });
    const fromToml = await expectUsageError(['check', 'a.py'], /concur\.toml/, toml);
    expect(fromToml.stderr).toMatch(/unknown key "frobnicate"/);
  });

  it('for an empty directory, saying that no Python file was found', async () => {
    const result = await runConcur(['check', 'empty'], { cwd: root });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no Python files found/);
    const json = await checkJson(['empty'], { cwd: root });
    expect(json.status).toBe(2);
    expect(json.json).toEqual({ version: 1, findings: [], loops: [], errors: [] });
  });

  it('for a nonexistent path and nothing else', async () => {
    const result = await runConcur(['check', 'nowhere.py'], { cwd: root });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^nowhere\.py: error: No such file or directory$/m);
    const json = await checkJson(['nowhere/'], { cwd: temporaryDirectory() });
    expect(json.status).toBe(2);
    expect(json.json.errors).toEqual([{ path: 'nowhere', message: 'No such file or directory' }]);
  });

  it('when every file fails to parse', async () => {
    const broken = project({ 'a.py': 'def f(:\n    pass\n', 'b.py': 'class\n' });
    const result = await checkJson(['.'], { cwd: broken });
    expect(result.status).toBe(2);
    expect(result.json.errors.map((e) => e.path)).toEqual(['a.py', 'b.py']);
    expect(result.stderr).toMatch(/no file could be analysed/);
  });

  it('with no arguments at all (after printing the usage)', async () => {
    const result = await runConcur([], { cwd: root });
    expect(result.status).toBe(2);
    expect(`${result.stdout}${result.stderr}`).toMatch(/Usage: concur/);
  });
});
