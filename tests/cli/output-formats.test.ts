/** `concur check` end to end: the text, JSON and SARIF formats, colour, statistics. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sarifValidator } from '../helpers/sarif-schema.js';
import { ANSI, BLOCKING_SLEEP, REPO_ROOT, checkJson, project, py, removeTemporaryDirectories, runConcur, type CliResult } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

/** Two AS101 findings (`time.sleep`, `requests.get`), one AS103 in a second file, and a clean file. */
const SERVICE = py(
  'import asyncio',
  'import time',
  'import requests',
  '',
  '',
  'async def main(url):',
  '    time.sleep(1)',
  '    r = requests.get(url)',
  '    return r',
);
const TASKS = py('import asyncio', '', '', 'async def worker():', '    await asyncio.sleep(0)', '', '', 'async def main():', '    asyncio.create_task(worker())');
const CLEAN = py('import asyncio', '', '', 'async def main():', '    await asyncio.sleep(1)');

let root: string;
beforeAll(() => {
  root = project({ 'app/service.py': SERVICE, 'app/tasks.py': TASKS, 'app/clean.py': CLEAN });
});

const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Whether each fix is safe is the rules' business (the `time.sleep` fix was safe, then became
 * unsafe), so the text expectations take it from the JSON report of the same files.
 */
let sleepIsSafe: boolean;
let fixabilityNote: string;
beforeAll(async () => {
  const { json } = await checkJson(['app'], { cwd: root });
  const applicabilities = json.findings.map((f) => f.fix?.applicability);
  expect(applicabilities[1]).toBe('unsafe');
  expect(applicabilities[2]).toBeUndefined();
  sleepIsSafe = applicabilities[0] === 'safe';
  fixabilityNote = sleepIsSafe ? '1 fixable with `concur fix`, 1 with an unsafe fix' : '2 with unsafe fixes';
});

describe.concurrent('text format', () => {
  let result: CliResult;
  beforeAll(async () => {
    result = await runConcur(['check', 'app'], { cwd: root });
  });
  const sleepHeader = () =>
    `app/service.py:7:5: AS101 ${sleepIsSafe ? '[*] ' : ''}Blocking call \`time.sleep\` (sleeps) in async function \`main\` stalls the event loop: main -> time.sleep; use \`asyncio.sleep\` instead`;

  it('prints ruff-style headers, code frames and a summary, and exits 1', () => {
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines).toContain(sleepHeader());
    expect(result.stdout).toMatch(/^app\/service\.py:8:9: AS101 Blocking call `requests\.get` \(network I\/O\) in async function `main`/m);
    expect(result.stdout).toMatch(/^app\/tasks\.py:9:5: AS103 Task created by `asyncio\.create_task` is dropped/m);
    // Findings come in path and line order.
    const headers = lines.filter((line) => /^app\/\w+\.py:\d+:\d+: AS\d{3} /.test(line)).map((line) => line.split(': ')[0]);
    expect(headers).toEqual(['app/service.py:7:5', 'app/service.py:8:9', 'app/tasks.py:9:5']);
    expect(lines[lines.length - 1]).toBe('');
    expect(lines[lines.length - 2]).toBe(`Found 3 findings in 2 files (${fixabilityNote}).`);
  });

  it('frames the code with line numbers and a caret underline under the exact span', async () => {
    const block = result.stdout.split('\n\n')[0]!;
    expect(block.split('\n')).toEqual([
      sleepHeader(),
      '  |',
      '5 |',
      '6 | async def main(url):',
      '7 |     time.sleep(1)',
      '  |     ^^^^^^^^^^^^^ AS101',
      '8 |     r = requests.get(url)',
      '9 |     return r',
      '  |',
      `  = help: Replace with \`await asyncio.sleep(...)\`${sleepIsSafe ? '' : ' (unsafe)'}`,
    ]);
    expect(result.stdout).toContain('  = help: Run it in a worker thread with `await asyncio.to_thread(...)` (unsafe)');
  });

  it('writes no ANSI escape codes to a pipe', async () => {
    expect(result.stdout).not.toMatch(ANSI);
    expect((await runConcur(['check', 'app'], { cwd: root, env: { TERM: 'xterm-256color' } })).stdout).not.toMatch(ANSI);
  });

  it('colours with --color always, and the text under the colour is the same', async () => {
    const coloured = await runConcur(['check', '--color', 'always', 'app'], { cwd: root });
    expect(coloured.status).toBe(1);
    expect(coloured.stdout).toMatch(ANSI);
    expect(coloured.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toBe(result.stdout);
  });

  it('follows NO_COLOR and FORCE_COLOR under --color auto, and an explicit --color over both', async () => {
    const file = ['check', 'app/service.py'];
    expect((await runConcur(file, { cwd: root, env: { FORCE_COLOR: '1' } })).stdout).toMatch(ANSI);
    expect((await runConcur(file, { cwd: root, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    expect((await runConcur(['check', '--color', 'always', ...file.slice(1)], { cwd: root, env: { NO_COLOR: '1' } })).stdout).toMatch(ANSI);
    expect((await runConcur(['check', '--color', 'never', ...file.slice(1)], { cwd: root, env: { FORCE_COLOR: '1' } })).stdout).not.toMatch(ANSI);
  });

  it('says so when there is nothing to report, and exits 0', async () => {
    const clean = await runConcur(['check', 'app/clean.py'], { cwd: root });
    expect(clean).toEqual({ status: 0, stdout: 'No findings in 1 file.\n', stderr: '' });
  });

  it('counts findings per rule with --statistics', async () => {
    const stats = await runConcur(['check', '--statistics', 'app'], { cwd: root });
    expect(stats.status).toBe(1);
    // As ruff prints it: count, code, `[*]` when some have a safe fix, name; no code frames.
    expect(stats.stdout).toBe(`2\tAS101\t${sleepIsSafe ? '[*]' : '[ ]'} blocking-call-in-async\n1\tAS103\t[ ] dangling-task\n`);
  });
});

describe.concurrent('JSON format', () => {
  let result: Awaited<ReturnType<typeof checkJson>>;
  beforeAll(async () => {
    result = await checkJson(['app'], { cwd: root });
  });

  it('prints exactly one JSON document with version, findings, loops and errors, and exits 1', () => {
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout.endsWith('}\n')).toBe(true);
    // Fields may be added to the contract; these four are always there.
    expect(Object.keys(result.json)).toEqual(expect.arrayContaining(['version', 'findings', 'loops', 'errors']));
    expect(result.json.version).toBe(1);
    expect(result.json.loops).toEqual([]);
    expect(result.json.errors).toEqual([]);
    expect(result.json.findings.map((f) => [f.rule, f.path, f.line])).toEqual([
      ['AS101', 'app/service.py', 7],
      ['AS101', 'app/service.py', 8],
      ['AS103', 'app/tasks.py', 9],
    ]);
  });

  it('gives every finding the contract fields, with their types', () => {
    const categories = ['opportunity', 'race', 'deadlock', 'async-blocking', 'process-safety', 'resource'];
    for (const finding of result.json.findings) {
      expect(finding).toEqual(
        expect.objectContaining({
          rule: expect.stringMatching(/^[A-Z]+\d+$/),
          name: expect.stringMatching(/^[a-z-]+$/),
          category: expect.any(String),
          path: expect.any(String),
          line: expect.any(Number),
          column: expect.any(Number),
          endLine: expect.any(Number),
          endColumn: expect.any(Number),
          message: expect.any(String),
          fixable: expect.any(Boolean),
        }),
      );
      expect(categories).toContain(finding.category);
      // Internal fields never leak into the contract.
      expect(finding).not.toHaveProperty('snippet');
      expect(finding).not.toHaveProperty('start');
      expect(finding).not.toHaveProperty('cell');
    }
  });

  it('reports positions 1-based with an exclusive end, the fix and its edits', async () => {
    const [sleep, get, task] = result.json.findings;
    expect(sleep).toMatchObject({
      rule: 'AS101',
      name: 'blocking-call-in-async',
      category: 'async-blocking',
      path: 'app/service.py',
      line: 7,
      column: 5,
      endLine: 7,
      endColumn: 18,
      message:
        'Blocking call `time.sleep` (sleeps) in async function `main` stalls the event loop: main -> time.sleep; use `asyncio.sleep` instead',
      fixable: true,
      fix: {
        applicability: sleepIsSafe ? 'safe' : 'unsafe',
        message: 'Replace with `await asyncio.sleep(...)`',
        edits: [{ line: 7, column: 5, endLine: 7, endColumn: 18, content: 'await asyncio.sleep(1)' }],
      },
    });
    expect(get).toMatchObject({
      line: 8,
      column: 9,
      endLine: 8,
      endColumn: 26,
      fixable: true,
      fix: { applicability: 'unsafe', edits: [{ line: 8, column: 9, endLine: 8, endColumn: 26, content: 'await asyncio.to_thread(requests.get, url)' }] },
    });
    expect(task).toMatchObject({ rule: 'AS103', name: 'dangling-task', line: 9, column: 5, endLine: 9, endColumn: 34, fixable: false });
    expect(task).not.toHaveProperty('fix');
  });

  it('never colours JSON, even when asked to', async () => {
    const forced = await runConcur(['check', '--format', 'json', '--color', 'always', 'app'], { cwd: root, env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).not.toMatch(ANSI);
    expect(JSON.parse(forced.stdout)).toEqual(result.json);
  });
});

describe.concurrent('a run over many files', () => {
  it('analyses them across worker threads, and never draws progress into a pipe, even with colour forced', async () => {
    const tree: Record<string, string> = {};
    for (let i = 0; i < 60; i++) tree[`pkg/mod_${String(i).padStart(2, '0')}.py`] = BLOCKING_SLEEP;
    const many = project(tree);
    const coloured = await runConcur(['check', '--color', 'always', 'pkg'], { cwd: many, env: { FORCE_COLOR: '1' } });
    expect(coloured.status).toBe(1);
    expect(coloured.stderr).toBe('');
    expect(coloured.stdout).toMatch(/Found 60 findings in 60 files/);
    const { json, stderr } = await checkJson(['--threads', '2', 'pkg'], { cwd: many, env: { FORCE_COLOR: '1' } });
    expect(stderr).toBe('');
    expect(json.findings.map((f) => `${f.path}:${f.line}:${f.column}`)).toEqual(Object.keys(tree).map((file) => `${file}:5:5`));
  });
});

describe.concurrent('SARIF format', () => {
  const validate = sarifValidator();

  it('emits a log that the official SARIF 2.1.0 schema accepts, with a result per finding', async () => {
    const result = await runConcur(['check', '--format', 'sarif', 'app'], { cwd: root });
    expect(result.status).toBe(1);
    const log = JSON.parse(result.stdout);
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(log.version).toBe('2.1.0');
    const [run] = log.runs;
    expect(run.tool.driver).toMatchObject({ name: 'concur', version: VERSION });
    expect(run.results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['AS101', 'AS101', 'AS103']);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    expect(run.results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'app/service.py' },
      region: { startLine: 7, startColumn: 5, endLine: 7, endColumn: 18 },
    });
    expect(run.invocations[0].executionSuccessful).toBe(true);
  });

  it('is still valid when files fail, listing them as notifications', async () => {
    const broken = project({ 'ok.py': CLEAN, 'bad.py': 'def f(:\n    pass\n' });
    const result = await runConcur(['check', '--format', 'sarif', '.'], { cwd: broken });
    expect(result.status).toBe(0);
    const log = JSON.parse(result.stdout);
    expect(validate(log)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    const [invocation] = log.runs[0].invocations;
    expect(invocation.executionSuccessful).toBe(true);
    expect(invocation.toolExecutionNotifications).toHaveLength(1);
    expect(invocation.toolExecutionNotifications[0].message.text).toMatch(/^bad\.py: syntax error/);
    expect(log.runs[0].results).toEqual([]);

    const nothing = await runConcur(['check', '--format', 'sarif', 'bad.py'], { cwd: broken });
    expect(nothing.status).toBe(2);
    const failed = JSON.parse(nothing.stdout);
    expect(validate(failed)).toBe(true);
    expect(failed.runs[0].invocations[0].executionSuccessful).toBe(false);
  });
});
