/** `concur rules`, `concur explain`, `--help` and `--version` through the real CLI. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

const cwd = temporaryDirectory();
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe.concurrent('concur rules', () => {
  it('lists the rules with code, fix marker, name and summary', async () => {
    const result = await runConcur(['rules'], { cwd });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const rows = result.stdout.split('\n').filter((line) => /^[A-Z]+\d+ /.test(line));
    expect(rows.map((row) => row.slice(0, 5))).toEqual([
      'AS101', 'AS102', 'AS103', 'DL101', 'DL102', 'DL103', 'DL104', 'DL105', 'DL106', 'DL107', 'DL108',
      'PA101', 'PA102', 'PS101', 'PS102', 'PS103', 'PS104', 'PS105', 'RC101', 'RC102', 'RS101', 'RS102',
    ]);
    expect(rows[0]).toMatch(/^AS101 (\[[ *]\]|   ) blocking-call-in-async\s+Blocking call in an async function stalls the event loop$/);
    expect(rows[1]).toMatch(/^AS102 (\[[ *]\]|   ) coroutine-never-awaited\s+Coroutine is created and never awaited/);
    expect(rows[2]).toMatch(/^AS103 (\[[ *]\]|   ) dangling-task\s+Task created and dropped/);
    const row = (code: string) => rows.find((r) => r.startsWith(`${code} `));
    expect(row('DL101')).toMatch(/^DL101 \[ \] lock-order-inversion\s+Two locks taken in opposite orders/);
    expect(row('DL104')).toMatch(/^DL104     call-under-lock\s+A callback passed in by callers is called while a lock is held$/);
    expect(row('DL105')).toMatch(/^DL105     lock-held-across-await\s+Thread lock held across an await/);
    expect(row('DL106')).toMatch(/^DL106     join-never-returns\s+`join\(\)` that can never return/);
    expect(row('DL107')).toMatch(/^DL107 \[ \] process-joined-before-queue-drained\s+Process joined before the queue it puts on is read/);
    expect(row('DL108')).toMatch(/^DL108     fork-with-threads\s+Process forked while other threads run/);
    expect(row('PA101')).toMatch(/^PA101 (\[[ *]\]|   ) parallelizable-loop\s+Loop whose iterations can run concurrently/);
    expect(row('PA102')).toMatch(/^PA102 (\[[ *]\]|   ) parallelizable-comprehension\s+Comprehension whose items can run concurrently/);
    expect(row('RC101')).toMatch(/^RC101 \[ \] unprotected-read-modify-write\s+Read-modify-write of shared state/);
    expect(row('RC102')).toMatch(/^RC102 \[ \] check-then-act\s+Check of shared state/);
    expect(row('PS101')).toMatch(/^PS101 \[ \] missing-main-guard\s+Worker processes started at import/);
    expect(row('RS101')).toMatch(/^RS101 \[ \] pool-not-shut-down\s+Pool or executor never shut down/);
    expect(result.stdout).toContain('[*] safe fix available');
  });

  it('shows the same fix availability in text as in JSON', async () => {
    const text = (await runConcur(['rules'], { cwd })).stdout;
    const rules = JSON.parse((await runConcur(['rules', '--format', 'json'], { cwd })).stdout) as Array<Record<string, string>>;
    const marker: Record<string, string> = { safe: '[*]', sometimes: '[ ]', unsafe: '[ ]', none: '   ' };
    for (const rule of rules) {
      expect(Object.keys(marker)).toContain(rule.fix);
      expect(text).toContain(`${rule.code} ${marker[rule.fix!]} ${rule.name}`);
    }
  });

  it('lists them as JSON with --format json', async () => {
    const result = await runConcur(['rules', '--format', 'json'], { cwd });
    expect(result.status).toBe(0);
    const rules = JSON.parse(result.stdout) as Array<Record<string, string>>;
    expect(rules.map((rule) => [rule.code, rule.name, rule.category])).toEqual([
      ['AS101', 'blocking-call-in-async', 'async-blocking'],
      ['AS102', 'coroutine-never-awaited', 'async-blocking'],
      ['AS103', 'dangling-task', 'async-blocking'],
      ['DL101', 'lock-order-inversion', 'deadlock'],
      ['DL102', 'reacquired-lock', 'deadlock'],
      ['DL103', 'acquire-without-release-on-exception', 'deadlock'],
      ['DL104', 'call-under-lock', 'deadlock'],
      ['DL105', 'lock-held-across-await', 'deadlock'],
      ['DL106', 'join-never-returns', 'deadlock'],
      ['DL107', 'process-joined-before-queue-drained', 'deadlock'],
      ['DL108', 'fork-with-threads', 'deadlock'],
      ['PA101', 'parallelizable-loop', 'opportunity'],
      ['PA102', 'parallelizable-comprehension', 'opportunity'],
      ['PS101', 'missing-main-guard', 'process-safety'],
      ['PS102', 'unpicklable-task', 'process-safety'],
      ['PS103', 'lost-worker-update', 'process-safety'],
      ['PS104', 'worker-global-from-main', 'process-safety'],
      ['PS105', 'inherited-random-seed', 'process-safety'],
      ['RC101', 'unprotected-read-modify-write', 'race'],
      ['RC102', 'check-then-act', 'race'],
      ['RS101', 'pool-not-shut-down', 'resource'],
      ['RS102', 'daemon-thread-not-joined', 'resource'],
    ]);
    for (const rule of rules) {
      expect(rule.summary).toEqual(expect.any(String));
      expect(['safe', 'sometimes', 'unsafe', 'none']).toContain(rule.fix);
    }
    // AS103 has no automatic fix: which container should keep the task is the author's choice.
    expect(rules[2]!.fix).toBe('none');
  });
});

describe.concurrent('concur explain', () => {
  it('prints the documentation page of a rule, by code or by name', async () => {
    const result = await runConcur(['explain', 'AS101'], { cwd });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^# blocking-call-in-async \(AS101\)\n/);
    const headings = result.stdout.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual(expect.arrayContaining(['## What it finds', '## Why it matters', '## Example', '## Fix safety']));
    expect(headings.indexOf('## What it finds')).toBeLessThan(headings.indexOf('## Why it matters'));
    expect(headings.indexOf('## Example')).toBeLessThan(headings.indexOf('## Fix safety'));
    expect(result.stdout).toContain('```python\nimport asyncio, time, requests\n');
    expect((await runConcur(['explain', 'blocking-call-in-async'], { cwd })).stdout).toBe(result.stdout);
  });

  it('exits 2 for an unknown rule', async () => {
    const result = await runConcur(['explain', 'NOPE'], { cwd });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unknown rule "NOPE"/);
  });
});

describe.concurrent('help and version', () => {
  it('concur --help lists the commands and exits 0', async () => {
    const result = await runConcur(['--help'], { cwd });
    expect(result.status).toBe(0);
    for (const command of ['check', 'fix', 'rules', 'explain']) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(result.stdout).toMatch(/Exit status: 0 nothing found, 1 findings, 2/);
  });

  it('concur check --help lists the options and exits 0', async () => {
    const result = await runConcur(['check', '--help'], { cwd });
    expect(result.status).toBe(0);
    for (const option of ['--format', '--select', '--ignore', '--extend-select', '--exclude', '--exit-zero', '--target-version', '--statistics', '--config', '--isolated', '--color']) {
      expect(result.stdout).toContain(option);
    }
    expect(result.stdout).toContain('# concur: ignore[AS101]');
  });

  it('concur --version prints the package version', async () => {
    expect(await runConcur(['--version'], { cwd })).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('exits 2 for an unknown command or option', async () => {
    expect((await runConcur(['lint', '.'], { cwd })).status).toBe(2);
    expect((await runConcur(['check', '--no-such-option', '.'], { cwd })).status).toBe(2);
  });
});
