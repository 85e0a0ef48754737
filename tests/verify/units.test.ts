/**
 * The small pieces of `concur verify` without running programs: finding the worker-count knobs
 * in rewritten code, the sweep's worker counts, mapping the command's paths into a copy, the
 * bounded diff excerpts, and what the project copy leaves out.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, project, py, removeTemporaryDirectories, temporaryDirectory } from '../helpers/cli.js';
import { unifiedExcerpt } from '../../src/verify/compare.js';
import { copyProject, locateProject, resetOutputDirectory } from '../../src/verify/project-copy.js';
import { parseWorkerList, sweepBeyondCpus, sweepPoints } from '../../src/verify/sweep.js';
import { mapCommand } from '../../src/verify/verify.js';
import { findWorkerVariables, workerVariablesIn } from '../../src/verify/worker-variables.js';

afterAll(removeTemporaryDirectories);

describe('worker-count knobs in rewritten code', () => {
  it('finds the constants the rewrites generate, with the model from their comment', () => {
    const text = py(
      'import os',
      '',
      '# Worker threads for the loop at line 12; set FETCH_WORKERS in the environment to tune.',
      'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
      '# Worker processes for the loop at line 30; set COUNT_PRIMES_WORKERS in the environment to tune.',
      'COUNT_PRIMES_WORKERS = int(os.environ.get("COUNT_PRIMES_WORKERS", "0")) or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)',
      '',
      '# Awaits in flight for the loop at line 40; set GET_CONCURRENCY in the environment to tune.',
      'GET_CONCURRENCY = int(_os.environ.get("GET_CONCURRENCY", "32"))',
    );
    expect(workerVariablesIn(text, 'app.py')).toEqual([
      { name: 'FETCH_WORKERS', model: 'threads', file: 'app.py' },
      { name: 'COUNT_PRIMES_WORKERS', model: 'processes', file: 'app.py' },
      { name: 'GET_CONCURRENCY', model: 'asyncio', file: 'app.py' },
    ]);
  });

  it('falls back to the pool that uses the constant when there is no comment', () => {
    const text = py(
      'import os',
      'from concurrent.futures import ProcessPoolExecutor',
      'HASH_WORKERS = int(os.environ.get("HASH_WORKERS", "4"))',
      'with ProcessPoolExecutor(max_workers=HASH_WORKERS) as pool:',
      '    pass',
    );
    expect(workerVariablesIn(text, 'a.py')).toEqual([{ name: 'HASH_WORKERS', model: 'processes', file: 'a.py' }]);
  });

  it('ignores constants that read another variable or are not worker counts', () => {
    const text = py(
      'import os',
      'FETCH_WORKERS = int(os.environ.get("OTHER_NAME", "16"))',
      'TIMEOUT = int(os.environ.get("TIMEOUT", "16"))',
      'X_ITEM_TIMEOUT = float(os.environ.get("X_ITEM_TIMEOUT", "30"))',
    );
    expect(workerVariablesIn(text, 'a.py')).toEqual([]);
  });

  it('prefers the knobs of the files the rewrite changed', () => {
    const knob = (name: string) => py('import os', `${name} = int(os.environ.get("${name}", "8"))`);
    const original = project({ 'a.py': knob('OLD_WORKERS'), 'b.py': 'x = 1\n' });
    const candidate = project({ 'a.py': knob('OLD_WORKERS'), 'b.py': knob('NEW_WORKERS') });
    expect(findWorkerVariables(candidate, original).map((v) => v.name)).toEqual(['NEW_WORKERS']);
    // Nothing changed that has a knob: every knob counts.
    expect(findWorkerVariables(original, original).map((v) => v.name)).toEqual(['OLD_WORKERS']);
  });
});

describe('sweep worker counts', () => {
  it('doubles up to the CPU count, and on to the maximum for threads and asyncio', () => {
    expect(sweepPoints(2, false)).toEqual([1, 2]);
    expect(sweepPoints(2, true)).toEqual([1, 2, 4, 8, 16]);
    expect(sweepPoints(6, false)).toEqual([1, 2, 4, 6]);
    expect(sweepPoints(3, true, 16)).toEqual([1, 2, 3, 4, 8, 16]);
    expect(sweepPoints(2, true, 32)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(sweepPoints(24, true, 16)).toEqual([1, 2, 4, 8, 16, 24]);
    expect(sweepPoints(1, false)).toEqual([1]);
  });

  it('goes beyond the CPUs only when no swept loop runs in processes', () => {
    const v = (model: 'threads' | 'processes' | 'asyncio' | 'unknown') => ({ name: 'X_WORKERS', model, file: 'a.py' });
    expect(sweepBeyondCpus([v('threads'), v('asyncio')])).toBe(true);
    expect(sweepBeyondCpus([v('threads'), v('processes')])).toBe(false);
    expect(sweepBeyondCpus([v('unknown')])).toBe(false);
    expect(sweepBeyondCpus([])).toBe(false);
  });

  it('parses --sweep-workers lists', () => {
    expect(parseWorkerList('8,1, 2,2')).toEqual([1, 2, 8]);
    expect(parseWorkerList('0,2')).toBeUndefined();
    expect(parseWorkerList('two')).toBeUndefined();
    expect(parseWorkerList('')).toBeUndefined();
  });
});

describe('the command in a copy', () => {
  it('points paths of the project into the copy and leaves the rest', () => {
    const root = project({ 'main.py': '', 'data/in.csv': '', 'sub/tool.py': '' });
    const copy = '/tmp/copy';
    expect(mapCommand(['python3', 'main.py', '--n', '3'], root, copy, root)).toEqual(['python3', 'main.py', '--n', '3']);
    expect(mapCommand(['python3', path.join(root, 'data/in.csv'), '/etc/hosts'], root, copy, root)).toEqual(['python3', path.join(copy, 'data/in.csv'), '/etc/hosts']);
    // From a working directory inside the project, a relative path that only exists from there.
    expect(mapCommand(['python3', 'tool.py'], root, copy, path.join(root, 'sub'))).toEqual(['python3', path.join(copy, 'sub/tool.py')]);
    // A bare program name is a PATH lookup, even when the project has a file of that name.
    expect(mapCommand(['main.py'], root, copy, root)).toEqual(['main.py']);
  });
});

describe('diff excerpts', () => {
  it('are unified diffs, cut after a bounded number of lines', () => {
    const before = Buffer.from(Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join(''));
    const after = Buffer.from(Array.from({ length: 200 }, (_, i) => `line ${i % 2 ? i : -i}\n`).join(''));
    const excerpt = unifiedExcerpt(before, after, { reference: 'original stdout', other: 'rewrite stdout' });
    const lines = excerpt.split('\n');
    expect(lines.slice(0, 3)).toEqual(['--- original stdout', '+++ rewrite stdout', expect.stringMatching(/^@@ -1,\d+ \+1,\d+ @@$/)]);
    expect(lines).toContain('-line 2');
    expect(lines).toContain('+line -2');
    expect(lines.length).toBeLessThanOrEqual(41);
    expect(lines[lines.length - 1]).toMatch(/^\.\.\. \(\d+ more diff lines\)$/);
  });
});

describe('the project copy', () => {
  it('copies the sources, skips caches and version control, links environments', () => {
    const root = project({
      'main.py': 'print(1)\n',
      'pkg/__init__.py': '',
      'pkg/__pycache__/x.cpython-311.pyc': 'x',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.mypy_cache/x': 'x',
      '.venv/pyvenv.cfg': 'home = /usr/bin\n',
      '.venv/bin/python': '',
      'node_modules/x/index.js': '',
      'data/input.txt': 'data\n',
    });
    const target = path.join(temporaryDirectory(), 'copy');
    const stats = copyProject(root, target);
    expect(listFiles(target).filter((f) => !f.startsWith('.venv') && !f.startsWith('node_modules'))).toEqual(['data/input.txt', 'main.py', 'pkg/__init__.py']);
    expect(stats.files).toBe(3);
    expect(stats.linked.sort()).toEqual(['.venv', 'node_modules']);
    expect(lstatSync(path.join(target, '.venv')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(target, '.venv'))).toBe(path.join(root, '.venv'));
    expect(existsSync(path.join(target, '.git'))).toBe(false);
  });

  it('is a real copy: writing to it leaves the project alone', () => {
    const root = project({ 'data.txt': 'original\n' });
    const target = path.join(temporaryDirectory(), 'copy');
    copyProject(root, target);
    writeFileSync(path.join(target, 'data.txt'), 'changed\n');
    expect(readFileSync(path.join(root, 'data.txt'), 'utf8')).toBe('original\n');
  });

  it('resets the output directory to the project\'s before a run', () => {
    const root = project({ 'out/seed.txt': 'seed\n', 'main.py': '' });
    const target = path.join(temporaryDirectory(), 'copy');
    copyProject(root, target);
    writeFileSync(path.join(target, 'out/left-behind.txt'), 'x');
    writeFileSync(path.join(target, 'out/seed.txt'), 'overwritten');
    resetOutputDirectory(target, 'out', path.join(root, 'out'));
    expect(listFiles(path.join(target, 'out'))).toEqual(['seed.txt']);
    expect(readFileSync(path.join(target, 'out/seed.txt'), 'utf8')).toBe('seed\n');
    // No output directory in the project: none before the run either.
    mkdirSync(path.join(target, 'fresh'));
    resetOutputDirectory(target, 'fresh', path.join(root, 'fresh'));
    expect(existsSync(path.join(target, 'fresh'))).toBe(false);
  });

  it('copies the directory of a file, or the directory given', () => {
    const root = project({ 'app/main.py': '', 'app/sub/util.py': '' });
    expect(locateProject('app/main.py', root)).toEqual({ root: path.join(root, 'app'), target: 'main.py' });
    expect(locateProject('app', root)).toEqual({ root: path.join(root, 'app'), target: '.' });
    expect(locateProject('app/sub/util.py', root, 'app')).toEqual({ root: path.join(root, 'app'), target: 'sub/util.py' });
    expect(() => locateProject('app/main.py', root, 'app/sub')).toThrow(/does not contain/);
    expect(() => locateProject('nope.py', root)).toThrow(/no such file/);
  });
});
