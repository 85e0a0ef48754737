/**
 * `concur profile` on the example programs, through the real CLI, with smaller inputs than the
 * examples' own (a copy with fewer files, pages or ranges): the class it measures must be the
 * nature of each main loop. downloads waits on a local server (io), prime_counting computes in
 * pure Python (cpu), file_hashing hashes with hashlib, which releases the GIL (native), and
 * fetch_and_parse waits and then computes in pure Python (mixed). The loops' figures and the
 * plan `check --profile` refines must come with an estimated speedup.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileDocument } from '../../src/profile/profile-file.js';
import { REPO_ROOT, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
let server: { url: string; stop(): void } | undefined;

beforeAll(async () => {
  const child = spawn(PYTHON, [path.join(EXAMPLES, '_support', 'slow_server.py'), '--latency', '0.05'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('slow_server.py printed no URL')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  server = { url, stop: () => process.kill(-child.pid!, 'SIGTERM') };
});

afterAll(() => {
  server?.stop();
  removeTemporaryDirectories();
});

/** A copy of the example's folder with `constant = value` set: the same program on a smaller input. */
function smallerCopy(example: string, program: string, constant: string, value: string): string {
  const directory = path.join(temporaryDirectory('concur-profile-example-'), example);
  fs.cpSync(path.join(EXAMPLES, example), directory, { recursive: true });
  const file = path.join(directory, program);
  const text = fs.readFileSync(file, 'utf8');
  const pattern = new RegExp(`^${constant} = .*$`, 'm');
  expect(text, `${program} defines ${constant}`).toMatch(pattern);
  fs.writeFileSync(file, text.replace(pattern, `${constant} = ${value}`));
  return directory;
}

function mainLoopLine(example: string): number {
  const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'examples.json'), 'utf8')) as { examples: Array<{ name: string; loop: { line: number } }> };
  return manifest.examples.find((e) => e.name === example)!.loop.line;
}

async function profile(directory: string, program: string, args: string[] = []) {
  const output = path.join(temporaryDirectory('concur-profile-out-'), 'profile.json');
  const result = await runConcur(['profile', '--format', 'json', '--output', output, program, '--', PYTHON, program, ...args], {
    cwd: directory,
    env: { CONCUR_EXAMPLE_SERVER: server!.url, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1', http_proxy: undefined, HTTP_PROXY: undefined },
  });
  expect(result.status, result.stderr).toBe(0);
  const document = JSON.parse(result.stdout) as ProfileDocument;
  expect(JSON.parse(fs.readFileSync(output, 'utf8'))).toEqual(document);
  expect(document.program.exit_code).toBe(0);
  return document;
}

function mainLoop(document: ProfileDocument, example: string) {
  const line = mainLoopLine(example);
  const loop = document.loops.find((l) => l.line === line && l.kind === 'for');
  if (!loop) throw new Error(`no measurement of ${example}'s loop at line ${line}`);
  return loop;
}

describe('concur profile classifies the examples\' main loops as they are', () => {
  it('downloads: waiting on the server is io', async () => {
    const directory = smallerCopy('downloads', 'download_all.py', 'FILE_COUNT', '12');
    const document = await profile(directory, 'download_all.py');
    const loop = mainLoop(document, 'downloads');
    expect(loop.iterations).toBe(12);
    expect(loop.class, loop.class_reason).toBe('io');
    expect(loop.cpu_per_wall).toBeLessThan(0.3);
    expect(loop.per_iteration.wall.median).toBeGreaterThanOrEqual(0.045);
    expect(loop.verdict).toBe('parallel');
    expect(loop.plan, `${loop.verdict}: ${loop.reason}`).toMatchObject({ model: 'threads', workload: 'io' });
    expect(loop.plan?.estimated_speedup).toBeGreaterThan(1);
  });

  it('prime_counting: trial division in pure Python is cpu', async () => {
    const directory = smallerCopy('prime_counting', 'count_primes.py', 'RANGE_COUNT', '4');
    const document = await profile(directory, 'count_primes.py');
    const loop = mainLoop(document, 'prime_counting');
    expect(loop.iterations).toBe(4);
    expect(loop.class, loop.class_reason).toBe('cpu');
    expect(loop.gil.held_share).toBeGreaterThan(0.5);
    expect(loop.plan, `${loop.verdict}: ${loop.reason}`).toMatchObject({ model: 'processes', workload: 'cpu' });
    expect(document.machine.processes?.startup_seconds).toBeGreaterThan(0);
  });

  it('file_hashing: hashlib releasing the GIL is native', async () => {
    const directory = path.join(temporaryDirectory('concur-profile-example-'), 'file_hashing');
    fs.cpSync(path.join(EXAMPLES, 'file_hashing'), directory, { recursive: true });
    const data = temporaryDirectory('concur-profile-files-');
    const made = spawnSync(PYTHON, ['-c', 'import sys; from pathlib import Path; from make_files import make_files; make_files(Path(sys.argv[1]), count=60)', data], { cwd: directory, encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const document = await profile(directory, 'hash_files.py', [data]);
    const loop = mainLoop(document, 'file_hashing');
    expect(loop.iterations).toBe(60);
    expect(loop.class, loop.class_reason).toBe('native');
    expect(loop.gil.held_share).not.toBeNull();
    expect(loop.gil.held_share!).toBeLessThan(0.5);
    expect(loop.plan, `${loop.verdict}: ${loop.reason}`).toMatchObject({ model: 'threads', workload: 'native' });
  });

  it('fetch_and_parse: waiting, then tokenising in pure Python, is mixed', async () => {
    const directory = smallerCopy('fetch_and_parse', 'fetch_and_parse.py', 'PAGE_COUNT', '8');
    const document = await profile(directory, 'fetch_and_parse.py');
    const loop = mainLoop(document, 'fetch_and_parse');
    expect(loop.iterations).toBe(8);
    expect(loop.class, loop.class_reason).toBe('mixed');
    expect(loop.compute).toBe('python');
    expect(loop.plan?.workload).toBe('mixed');
    expect(loop.plan?.estimated_speedup).toBeGreaterThan(1);
  });
});
