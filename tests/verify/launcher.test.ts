/**
 * The measuring launcher `src/verify/probe/run_measured.py` under every Python the project
 * supports that this machine has (3.8 to 3.13). One-shot mode: it passes stdout and stderr
 * through untouched, reports the exit status or the signal, CPU time and peak memory, and a
 * command it cannot start. Serve mode (what `concur verify` uses): one request per line, each
 * command in a process group of its own, in the requested directory and environment, with its
 * output in the requested files.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTemporaryDirectories, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON, pythonAvailable } from '../helpers/python.js';
import { launcherPath } from '../../src/verify/measured-run.js';

afterAll(removeTemporaryDirectories);

const INTERPRETERS = [
  PYTHON,
  process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python',
  process.env.CONCUR_TEST_PYTHON313 ?? '/root/.pyenv/versions/3.13.0/bin/python',
].filter((python, index, all) => all.indexOf(python) === index && pythonAvailable(python));

function launch(python: string, command: string[]) {
  const result = path.join(temporaryDirectory('concur-launcher-'), 'result.json');
  const run = spawnSync(python, ['-I', '-S', launcherPath(), result, '--', ...command], { encoding: 'utf8', timeout: 30_000 });
  return { run, json: JSON.parse(readFileSync(result, 'utf8')) as Record<string, unknown> };
}

describe.each(INTERPRETERS)('run_measured.py under %s', (python) => {
  it('passes the output through and reports the exit status, CPU time and memory', () => {
    // Allocates and touches 40 MB in a child process, then fails with status 3.
    const program = [
      'import subprocess, sys',
      'subprocess.run([sys.executable, "-c", "b = bytearray(40_000_000)\\nfor i in range(0, len(b), 4096): b[i] = 1"], check=True)',
      'sum(range(2_000_000))',
      'print("out"); print("err", file=sys.stderr); sys.exit(3)',
    ].join('\n');
    const { run, json } = launch(python, [python, '-c', program]);
    expect(run.stdout).toBe('out\n');
    expect(run.stderr).toBe('err\n');
    expect(run.status).toBe(3);
    expect(json).toMatchObject({ exit_code: 3, signal: null });
    expect(json.wall_seconds).toBeGreaterThan(0);
    expect((json.user_seconds as number) + (json.sys_seconds as number)).toBeGreaterThan(0);
    // The grandchild's 40 MB count: ru_maxrss covers the descendants that were waited for.
    expect(json.max_rss_bytes).toBeGreaterThan(40_000_000);
  });

  it('reports a signal, and a command that cannot start', () => {
    const killed = launch(python, ['sh', '-c', 'kill -TERM $$']);
    expect(killed.json).toMatchObject({ exit_code: null, signal: 15 });
    expect(killed.run.status).toBe(128 + 15);
    const missing = launch(python, ['concur-no-such-command']);
    expect(missing.json.error).toMatch(/cannot start concur-no-such-command/);
    expect(missing.run.status).toBe(127);
  });
});

describe.each(INTERPRETERS)('run_measured.py --serve under %s', (python) => {
  it('runs one request per line in its own process group, directory and environment', () => {
    const directory = temporaryDirectory('concur-launcher-');
    writeFileSync(path.join(directory, 'probe.py'), [
      'import os, sys',
      'print(os.getcwd(), os.getpgrp() == os.getpid(), os.environ.get("PROBE_VALUE"), sys.stdin.read() == "")',
      'print("to stderr", file=sys.stderr)',
      'sys.exit(int(os.environ["PROBE_STATUS"]))',
    ].join('\n'));
    const request = (status: number, name: string) =>
      JSON.stringify({
        argv: [python, 'probe.py'],
        cwd: directory,
        env: { PATH: process.env.PATH, PROBE_VALUE: name, PROBE_STATUS: String(status) },
        stdout: path.join(directory, `${name}.out`),
        stderr: path.join(directory, `${name}.err`),
      });
    const input = [request(0, 'first'), request(5, 'second'), JSON.stringify({ argv: ['concur-no-such-command'], cwd: directory, env: {}, stdout: path.join(directory, 'x.out'), stderr: path.join(directory, 'x.err') })].join('\n') + '\n';
    const run = spawnSync(python, ['-I', '-S', launcherPath(), '--serve'], { input, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    const messages = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(messages).toHaveLength(5);
    expect(messages[0]).toEqual({ pid: expect.any(Number) });
    expect(messages[1]).toMatchObject({ exit_code: 0, signal: null });
    expect(messages[2]).toEqual({ pid: expect.any(Number) });
    expect(messages[3]).toMatchObject({ exit_code: 5, signal: null });
    expect(messages[4]).toEqual({ error: expect.stringMatching(/^cannot start concur-no-such-command: /) });
    expect(readFileSync(path.join(directory, 'first.out'), 'utf8')).toBe(`${directory} True first True\n`);
    expect(readFileSync(path.join(directory, 'second.out'), 'utf8')).toBe(`${directory} True second True\n`);
    expect(readFileSync(path.join(directory, 'second.err'), 'utf8')).toBe('to stderr\n');
  });
});
