/**
 * `concur profile` through the real CLI on small programs: the command with and without PATH,
 * the text table and where the profile goes, the user's files untouched, a failing program (its
 * traceback shown with the user's paths), a program stopped at the timeout (figures up to its
 * last flush), and the usage errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProfileDocument } from '../../src/profile/profile-file.js';
import { ANSI, listFiles, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';

afterAll(removeTemporaryDirectories);

function project(files: Record<string, string>): string {
  const root = temporaryDirectory('concur-profile-cli-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  return root;
}

const SLEEPY = ['import time', '', 'total = 0', 'for item in range(6):', '    time.sleep(0.02)', '    total += item', 'print("total", total)', ''].join('\n');

describe.concurrent('concur profile', () => {
  it('without PATH profiles the current directory, prints a table and writes concur-profile.json there, leaving the files alone', async () => {
    const root = project({ 'main.py': SLEEPY });
    const before = listFiles(root);
    const result = await runConcur(['profile', '--', PYTHON, 'main.py'], { cwd: root });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(ANSI);
    expect(result.stdout).toMatch(/^concur profile: .*main\.py: exit status 0 after /);
    expect(result.stdout).toMatch(/loop\s+iterations\s+per item median\s+p90\s+CPU\/wall\s+GIL held\s+time \(share\)\s+class\s+estimated speedup/);
    expect(result.stdout).toMatch(/main\.py:4\s+6\s+2\d\.\d ms/);
    expect(result.stdout).toContain('Profile written to concur-profile.json');
    const document = JSON.parse(fs.readFileSync(path.join(root, 'concur-profile.json'), 'utf8')) as ProfileDocument;
    expect(document.version).toBe(1);
    expect(document.root).toBe(root);
    expect(document.loops).toHaveLength(1);
    expect(document.loops[0]).toMatchObject({ file: 'main.py', line: 4, column: 1, kind: 'for', iterations: 6, class: 'io' });
    expect(document.loops[0].source_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(listFiles(root)).toEqual([...before, 'concur-profile.json'].sort());
    expect(fs.readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
  });

  it('shows a failing program\'s traceback with the user\'s paths and still writes the profile', async () => {
    const program = ['for attempt in range(3):', '    print(attempt)', 'raise SystemExit("giving up at " + str(attempt))', ''].join('\n');
    const root = project({ 'fails.py': ['import sys', '', 'for n in range(3):', '    print(n)', 'print(1 / 0)', ''].join('\n'), 'other.py': program });
    const output = path.join(temporaryDirectory('concur-profile-output-'), 'p.json');
    const result = await runConcur(['profile', '--output', output, 'fails.py', '--', PYTHON, 'fails.py'], { cwd: root });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('exit status 1');
    expect(result.stderr).toContain(`File "${path.join(root, 'fails.py')}", line 5`);
    expect(result.stderr).toContain('ZeroDivisionError');
    const document = JSON.parse(fs.readFileSync(output, 'utf8')) as ProfileDocument;
    expect(document.program.exit_code).toBe(1);
    // Only fails.py was named: other.py was not instrumented.
    expect(document.loops.map((l) => `${l.file}:${l.line}`)).toEqual(['fails.py:3']);
  });

  it('stops a program at the timeout and keeps what the probe flushed', async () => {
    const root = project({ 'slow.py': ['import time', '', 'for tick in range(100):', '    time.sleep(0.1)', ''].join('\n') });
    const output = path.join(root, 'p.json');
    const result = await runConcur(['profile', '--format', 'json', '--output', output, '--timeout', '2.5', '--', PYTHON, 'slow.py'], { cwd: root });
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as ProfileDocument;
    expect(document.program.timed_out).toBe(true);
    expect(document.notes.join('\n')).toContain('stopped after 2.5 s');
    expect(document.loops[0].line).toBe(3);
    expect(document.loops[0].iterations).toBeGreaterThanOrEqual(5);
    expect(document.loops[0].iterations).toBeLessThan(100);
  });

  it('colours the class on request', async () => {
    const root = project({ 'main.py': SLEEPY });
    const result = await runConcur(['profile', '--color', 'always', '--output', path.join(root, 'p.json'), '--', PYTHON, 'main.py'], { cwd: root });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(ANSI);
  });

  it('says so when there is nothing to run, nothing to measure, or the command cannot start', async () => {
    const root = project({ 'main.py': SLEEPY, 'flat.py': 'print("no loops")\n' });
    const noCommand = await runConcur(['profile', 'main.py'], { cwd: root });
    expect(noCommand.status).toBe(2);
    expect(noCommand.stderr).toContain('no command to run: concur profile [PATH] -- CMD [ARGS...]');
    const noLoop = await runConcur(['profile', 'flat.py', '--', PYTHON, 'flat.py'], { cwd: root });
    expect(noLoop.status).toBe(2);
    expect(noLoop.stderr).toContain('concur profile: no loop to measure in flat.py');
    const missing = await runConcur(['profile', '--', 'no-such-python-here', 'main.py'], { cwd: root });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('concur profile: the command could not be started: cannot start no-such-python-here');
    expect(fs.existsSync(path.join(root, 'concur-profile.json'))).toBe(false);
  });
});
