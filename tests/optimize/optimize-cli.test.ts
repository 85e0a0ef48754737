/**
 * `concur optimize` end to end through the real CLI with real Python programs: a rewrite that is
 * equal and faster is written into the user's file (and the file then runs and prints what it
 * printed before); every refusal leaves the file byte for byte as it was: nothing to rewrite
 * (with the analysis's reason), outputs that differ, a speedup that does not clear the bar, an
 * original that cannot run, and usage errors.
 *
 * The programs sleep rather than compute, so that the speedups hold on a loaded machine.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, py, removeTemporaryDirectories, runConcur } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';

afterAll(removeTemporaryDirectories);

/** 12 items of 80 ms in sequence (at least 0.96 s); concur rewrites the loop to threads. */
const SLEEPY = py(
  'import time',
  '',
  '',
  'def work(item):',
  '    time.sleep(0.08)',
  '    return item * 3',
  '',
  '',
  'def main():',
  '    total = 0',
  '    for item in range(12):',
  '        value = work(item)',
  '        total += value',
  '        print(item, value)',
  '    print("total", total)',
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
);

const RUN_MAIN = ['--', PYTHON, 'main.py'];
const FAST = ['--runs', '3', '--warmup', '1', '--timeout', '60', '--color', 'never'];

interface OptimizeJson {
  file: string;
  applied: boolean;
  dry_run: boolean;
  decision: string;
  summary: string;
  details: string[];
  diff: string | null;
  verify: { equal: boolean; speedup: number | null; runs: number; stress: { runs: number; skipped: string | null; sides: string[]; nondeterministic: boolean } };
}

function runPython(cwd: string): string {
  const result = spawnSync(PYTHON, ['main.py'], { cwd, encoding: 'utf8' });
  expect(result.status).toBe(0);
  return result.stdout;
}

describe.concurrent('concur optimize', () => {
  it('writes an equal and faster rewrite into the file, which then prints what it printed before', async () => {
    const root = project({ 'main.py': SLEEPY });
    const before = runPython(root);
    const result = await runConcur(['optimize', ...FAST, '--format', 'json', 'main.py', ...RUN_MAIN], { cwd: root });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as OptimizeJson;
    expect(json).toMatchObject({ file: 'main.py', applied: true, dry_run: false, decision: 'apply' });
    expect(json.verify.equal).toBe(true);
    expect(json.verify.speedup).toBeGreaterThan(1.5);
    // The threaded rewrite also ran with thread switches forced at the racy sites: nothing changed.
    expect(json.verify.stress).toMatchObject({ runs: 5, skipped: null, sides: ['rewrite'], nondeterministic: false });
    expect(json.summary).toMatch(/^outputs equal in every run, \d+\.\d\dx \(95% interval/);
    const written = readFileSync(path.join(root, 'main.py'), 'utf8');
    expect(written).not.toBe(SLEEPY);
    expect(written).toContain('ThreadPoolExecutor');
    expect(json.diff).toContain('+from concurrent.futures import ThreadPoolExecutor');
    expect(runPython(root)).toBe(before);
  });

  it('--report writes a Markdown report headed by the decision', async () => {
    const root = project({ 'main.py': SLEEPY });
    const result = await runConcur(['optimize', ...FAST, '--min-speedup', '1000', '--report', 'report.md', 'main.py', ...RUN_MAIN], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('concur optimize: report written to report.md');
    const markdown = readFileSync(path.join(root, 'report.md'), 'utf8');
    expect(markdown).toMatch(/concur optimize/);
    expect(markdown).toMatch(/main\.py left unchanged: the rewrite is not faster than 1000x beyond doubt/);
    expect(markdown).toContain('not written to main.py');
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
  });

  it('runs the edge cases (--case) on both sides and writes the file when they are equal too', async () => {
    // The program reads its item count from argv; a rewrite that is right on 12 items must also be right on 0.
    const counted = SLEEPY.replace('import time', 'import sys\nimport time').replace('range(12)', 'range(int(sys.argv[1]) if len(sys.argv) > 1 else 12)');
    const root = project({ 'main.py': counted });
    const result = await runConcur(['optimize', ...FAST, '--format', 'json', '--case', `empty=${PYTHON} main.py 0`, '--case', `one=${PYTHON} main.py 1`, 'main.py', ...RUN_MAIN], { cwd: root });
    const json = JSON.parse(result.stdout) as OptimizeJson & { verify: { cases: Array<{ name: string; equal: boolean }> } };
    // concur's rewrite is right on both: the cases ran and were equal, and the file was written.
    expect(json.verify.cases.map((c) => [c.name, c.equal])).toEqual([['empty', true], ['one', true]]);
    expect(json.applied).toBe(true);
    expect(result.status).toBe(0);
  });

  it('--dry-run prints the diff and writes nothing', async () => {
    const root = project({ 'main.py': SLEEPY });
    const result = await runConcur(['optimize', ...FAST, '--dry-run', 'main.py', ...RUN_MAIN], { cwd: root });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Would rewrite main\.py: outputs equal in every run/);
    expect(result.stdout).toContain('--- main.py\n+++ main.py\n');
    expect(result.stdout).toContain('+    with ThreadPoolExecutor(');
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
  });

  it('leaves the file unchanged when the speedup does not clear --min-speedup', async () => {
    const root = project({ 'main.py': SLEEPY });
    const result = await runConcur(['optimize', ...FAST, '--min-speedup', '1000', 'main.py', ...RUN_MAIN], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/main\.py left unchanged: the rewrite is not faster than 1000x beyond doubt: measured \d+\.\d\dx/);
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
  });

  it('leaves the file unchanged when there is nothing to rewrite, and says why', async () => {
    const carried = py('def main():', '    value = 1', '    for item in range(5):', '        value = value * 2 + item', '        print(value)', '', '', 'main()');
    const root = project({ 'main.py': carried });
    const result = await runConcur(['optimize', ...FAST, '--format', 'json', 'main.py', ...RUN_MAIN], { cwd: root });
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout) as OptimizeJson;
    expect(json).toMatchObject({ applied: false, decision: 'no-rewrite', summary: 'concur found nothing to rewrite in main.py' });
    expect(json.details.join('\n')).toMatch(/^main\.py:3: .*`value`/m);
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(carried);
  });

  it('leaves the file unchanged when the outputs differ (a program whose output varies from run to run)', async () => {
    // The process id differs in every run: no rewrite can be shown equal to the original.
    const varying = SLEEPY.replace('import time', 'import os\nimport time').replace('    print("total", total)', '    print("total", total, os.getpid())');
    const root = project({ 'main.py': varying });
    const result = await runConcur(['optimize', ...FAST, 'main.py', ...RUN_MAIN], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/main\.py left unchanged: the rewritten program does not produce what the original produces/);
    expect(result.stdout).toMatch(/The original's own output varies from run to run/);
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(varying);
  });

  it('exits 2 and writes nothing when the original program fails or cannot start', async () => {
    const root = project({ 'main.py': SLEEPY });
    const failing = await runConcur(['optimize', ...FAST, 'main.py', '--', PYTHON, 'missing.py'], { cwd: root });
    expect(failing.status).toBe(2);
    expect(failing.stdout).toMatch(/main\.py left unchanged: the original program exited with status 2: optimize needs a run that succeeds/);
    const absent = await runConcur(['optimize', ...FAST, 'main.py', '--', 'no-such-command-for-concur'], { cwd: root });
    expect(absent.status).toBe(2);
    expect(absent.stdout + absent.stderr).toMatch(/original/);
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
  });

  it.each([
    [['optimize', '.', '--', 'python3', 'main.py'], /\.: not a file/],
    [['optimize', 'notes.txt', '--', 'python3', 'main.py'], /notes\.txt: not a Python file/],
    [['optimize', 'main.py'], /no command to run/],
    [['optimize', '--min-speedup', '0.5', 'main.py', '--', 'python3', 'main.py'], /--min-speedup: expected a ratio of at least 1/],
  ])('usage error: %j', async (args, message) => {
    const root = project({ 'main.py': SLEEPY, 'notes.txt': 'hello\n' });
    const result = await runConcur(args, { cwd: root });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
  });
});
