/**
 * The plan PA101 reaches for a loop's workload: the model, the workload class and the default
 * worker count, with the rationale saying why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/diagnostics/finding.js';
import { defaultSettings } from '../../src/config/settings.js';
import { runCheck } from '../../src/engine/check.js';

async function planOf(code: string, targetVersion: [number, number] = [3, 9], freeThreaded = false): Promise<Plan | undefined> {
  const root = mkdtempSync(join(tmpdir(), 'concur-plans-'));
  try {
    writeFileSync(join(root, 'main.py'), code);
    const settings = { ...defaultSettings(), select: ['PA101'], targetVersion, freeThreaded };
    const result = await runCheck({ paths: [root], cwd: root, settings, snippets: false, maxWorkers: 1 });
    const plans = result.report.findings.map((finding) => finding.plan).filter((plan) => plan !== undefined);
    expect(plans.length, 'one planned loop').toBeLessThanOrEqual(1);
    return plans[0];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const hashFiles = () =>
  [
    'import hashlib',
    'from functools import partial',
    '',
    'def sha256_file(path):',
    '    digest = hashlib.sha256()',
    '    with open(path, "rb") as stream:',
    '        for chunk in iter(partial(stream.read, 65536), b""):',
    '            digest.update(chunk)',
    '    return digest.hexdigest()',
    '',
    'def main(paths):',
    '    for path in paths:',
    '        print(sha256_file(path), path)',
    '',
  ].join('\n');

describe('plans by workload', () => {
  it('reading local files into native code that releases the GIL: one thread per CPU', async () => {
    const plan = await planOf(hashFiles());
    expect(plan).toMatchObject({ model: 'threads', workload: 'native', workers: availableParallelism() });
    expect(plan!.rationale).toContain('page cache');
  });

  it('a chunk loop that computes in Python is pure-Python work: processes', async () => {
    const code = [
      'from functools import partial',
      '',
      'def checksum_file(path):',
      '    total = 0',
      '    with open(path, "rb") as stream:',
      '        for chunk in iter(partial(stream.read, 65536), b""):',
      '            total = (total + sum(b * 31 for b in chunk)) % 65521',
      '    return total',
      '',
      'def main(paths):',
      '    for path in paths:',
      '        print(checksum_file(path), path)',
      '',
    ].join('\n');
    expect(await planOf(code)).toMatchObject({ model: 'processes', workload: 'mixed' });
  });

  it('a child process per item: 16 threads, as for network calls', async () => {
    const code = 'import subprocess\n\ndef main(names):\n    for name in names:\n        done = subprocess.run(["convert", name], capture_output=True, check=True)\n        print(done.stdout)\n';
    expect(await planOf(code)).toMatchObject({ model: 'threads', workload: 'io', workers: 16 });
  });

  it('a database query per item stays at 8 threads: the server serves a few at a time well', async () => {
    const code = [
      'import sqlite3',
      '',
      'def count_rows(path):',
      '    conn = sqlite3.connect(path)',
      '    try:',
      '        return conn.execute("SELECT count(*) FROM t").fetchone()[0]',
      '    finally:',
      '        conn.close()',
      '',
      'def main(paths):',
      '    for path in paths:',
      '        print(count_rows(path))',
      '',
    ].join('\n');
    expect(await planOf(code)).toMatchObject({ model: 'threads', workers: 8 });
  });

  it('on a free-threaded build, pure-Python CPU work gets threads, one per CPU', async () => {
    const code = 'def count(n):\n    total = 0\n    for i in range(n):\n        total += i * i % 7\n    return total\n\ndef main(sizes):\n    for n in sizes:\n        print(count(n))\n';
    const plan = await planOf(code, [3, 13], true);
    expect(plan).toMatchObject({ model: 'threads', workload: 'cpu', workers: availableParallelism() });
    expect(plan!.rationale).toContain('free-threaded');
    // I/O plans do not change.
    const io = 'import urllib.request\n\ndef fetch(url):\n    with urllib.request.urlopen(url) as response:\n        return response.read()\n\ndef main(urls):\n    for url in urls:\n        print(len(fetch(url)))\n';
    expect(await planOf(io, [3, 13], true)).toMatchObject({ model: 'threads', workload: 'io', workers: 16 });
  });

  it('for 3.14 the processes plan says why not InterpreterPoolExecutor', async () => {
    const code = 'def count(n):\n    total = 0\n    for i in range(n):\n        total += i * i % 7\n    return total\n\ndef main(sizes):\n    for n in sizes:\n        print(count(n))\n';
    const older = await planOf(code, [3, 9]);
    const newer = await planOf(code, [3, 14]);
    expect(older?.model).toBe('processes');
    expect(older!.rationale).not.toContain('InterpreterPoolExecutor');
    expect(newer!.rationale).toContain('InterpreterPoolExecutor');
    expect(newer!.rationale).toContain('forkserver');
  });
});
