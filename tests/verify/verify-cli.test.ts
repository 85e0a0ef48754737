/**
 * `concur verify` end to end through the real CLI, with real Python programs: a real rewrite by
 * concur compared equal and faster, a deliberately wrong candidate caught (stdout, files, exit
 * status), a hanging rewrite killed with its whole process group (grandchild included), Ctrl-C,
 * the original failing, nondeterministic output, the scaling sweep, and the JSON shape.
 *
 * Programs sleep rather than compute, so the speedups asserted here hold on a loaded machine:
 * 16 items of 50 ms take at least 0.8 s in sequence whatever the load, and 16 threads finish
 * them in a fraction of that. The user's files must come out byte-identical every time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONCUR_BIN, listFiles, project, py, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';

afterAll(removeTemporaryDirectories);

/** A loop of sleeps concur rewrites to threads (PA101, a safe fix; WORK_WORKERS). */
const SLEEPY = py(
  'import time',
  '',
  '',
  'def work(item):',
  '    time.sleep(0.05)',
  '    return item * item',
  '',
  '',
  'def main():',
  '    total = 0',
  '    for item in range(16):',
  '        value = work(item)',
  '        total += value',
  '        print(item, value)',
  '    print("total", total)',
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
);

/** `python3 main.py` with the interpreter the tests use. */
const RUN_MAIN = ['--', PYTHON, 'main.py'];

interface VerifyJson {
  version: number;
  equal: boolean;
  status: string;
  failure: string | null;
  nondeterministic: boolean;
  runs: number;
  warmup: number;
  baseline_seconds: number | null;
  candidate_seconds: number | null;
  speedup: number | null;
  speedup_ci: { low: number; high: number; level: number; method: string } | null;
  speedup_paired_range: { low: number; high: number } | null;
  scaling: Array<{ workers: number; seconds: number; speedup: number | null; efficiency: number | null }>;
  sweep: { variables: Array<{ name: string; model: string }>; workers: number[]; skipped: string | null } | null;
  serial_fraction: number | null;
  cpu_utilization: number | null;
  baseline_cpu_utilization: number | null;
  peak_rss_bytes: number | null;
  baseline_peak_rss_bytes: number | null;
  rewrites: { applied: number; loops: Array<{ rule: string; path: string; model: string | null; workers_variable: string | null }> } | null;
  compared: { exit_status: boolean; stdout: boolean; stderr: boolean; output_dir: string | null; files: number };
  differences: Array<{ kind: string; file: string | null; description: string; excerpt: string | null; runs: number; of: number; workers: number[] | null }>;
  nondeterminism: Array<{ side: string; description: string }>;
  stress: { runs: number; skipped: string | null; sides: string[]; tracer_active: Record<string, boolean | null> } | null;
  run_log: Array<{ side: string; phase: string; workers: number | null; seconds: number; timed_out: boolean; exit_code: number | null; equal: boolean | null }>;
  overhead: { total_seconds: number; program_seconds: number; fraction: number };
}

/** `concur verify --format json ARGS...` with TMPDIR in a directory of the test's own. */
async function verifyJson(args: string[], cwd: string, env: Record<string, string> = {}) {
  const tmp = temporaryDirectory('concur-verify-tmp-');
  const result = await runConcur(['verify', '--format', 'json', ...args], { cwd, env: { TMPDIR: tmp, ...env } });
  let json: VerifyJson;
  try {
    json = JSON.parse(result.stdout) as VerifyJson;
  } catch (error) {
    throw new Error(`stdout is not JSON (status ${result.status}):\n${result.stdout}\nstderr:\n${result.stderr}`, { cause: error });
  }
  // The copies are gone afterwards.
  expect(readdirSync(tmp)).toEqual([]);
  return { ...result, json };
}

/** Every file of a project with its bytes, to show it was not touched. */
function snapshot(root: string): Record<string, string> {
  return Object.fromEntries(listFiles(root).map((file) => [file, readFileSync(path.join(root, file)).toString('base64')]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie waiting for its reaper is dead too.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/**
 * A program that starts a child, which starts a grandchild; both write their pids to
 * `pidDirectory` and sleep for a minute. Only killing the whole process group ends them in time.
 */
function hangingWithGrandchild(pidDirectory: string): string {
  return py(
    'import os, subprocess, sys, time',
    `PIDS = ${JSON.stringify(pidDirectory)}`,
    'if len(sys.argv) > 1 and sys.argv[1] == "grandchild":',
    '    open(os.path.join(PIDS, "grandchild"), "w").write(str(os.getpid()))',
    '    time.sleep(60)',
    '    sys.exit(0)',
    'open(os.path.join(PIDS, "child"), "w").write(str(os.getpid()))',
    'subprocess.Popen([sys.executable, __file__, "grandchild"])',
    'time.sleep(60)',
  );
}

describe.concurrent('concur verify: comparing outputs', () => {
  it('finds a real rewrite equal and faster, with the JSON fields, and leaves the project untouched', async () => {
    const root = project({ 'main.py': SLEEPY });
    const before = snapshot(root);
    const { status, json, stderr } = await verifyJson(['--runs', '3', 'main.py', ...RUN_MAIN], root);
    expect(stderr).not.toContain('\r'); // no progress display in a pipe
    expect(status).toBe(0);
    expect(json).toMatchObject({ version: 1, equal: true, status: 'equal', failure: null, nondeterministic: false, runs: 3, warmup: 1, differences: [] });
    expect(json.rewrites).toMatchObject({ applied: 1, loops: [{ rule: 'PA101', path: 'main.py', model: 'threads', workers_variable: 'WORK_WORKERS' }] });
    // 1 warm-up + 3 timed runs each, interleaved original/rewrite after the warm-ups; then, as the
    // rewrite runs threads (and the original none), 5 stress runs of the rewrite.
    expect(json.run_log.map((r) => `${r.side[0]}${r.phase[0]}`)).toEqual(['ow', 'rw', 'ot', 'rt', 'ot', 'rt', 'ot', 'rt', 'rs', 'rs', 'rs', 'rs', 'rs']);
    expect(json.stress).toMatchObject({ runs: 5, skipped: null, sides: ['rewrite'], thread_entries: { original: 0, rewrite: 1 }, hangs: [], differences: [], distinct_outputs: { original: null, rewrite: 1 }, nondeterministic: false });
    expect(json.stress!.tracer_active.rewrite).toBe(true);
    expect(json.run_log.filter((r) => r.side === 'rewrite').every((r) => r.equal === true)).toBe(true);
    // The original sleeps 0.8 s in sequence; the rewrite's 16 threads sleep at once.
    expect(json.baseline_seconds).toBeGreaterThan(0.8);
    expect(json.candidate_seconds!).toBeLessThan(json.baseline_seconds!);
    expect(json.speedup!).toBeGreaterThan(1.5);
    expect(json.speedup).toBeCloseTo(json.baseline_seconds! / json.candidate_seconds!, 10);
    expect(json.speedup_ci!.low).toBeLessThanOrEqual(json.speedup!);
    expect(json.speedup_ci!.high).toBeGreaterThanOrEqual(json.speedup!);
    expect(json.speedup_ci!.level).toBe(0.95);
    expect(json.speedup_paired_range!.low).toBeLessThanOrEqual(json.speedup_paired_range!.high);
    expect(json.cpu_utilization).toBeGreaterThan(0);
    expect(json.baseline_cpu_utilization).toBeGreaterThan(0);
    // A Python interpreter takes a few megabytes at least.
    expect(json.peak_rss_bytes).toBeGreaterThan(4_000_000);
    expect(json.baseline_peak_rss_bytes).toBeGreaterThan(4_000_000);
    expect(json).toMatchObject({ scaling: [], sweep: null, serial_fraction: null });
    expect(json.compared).toEqual({ exit_status: true, stdout: true, stderr: false, output_dir: null, files: 0 });
    expect(json.overhead.program_seconds).toBeLessThan(json.overhead.total_seconds);
    expect(snapshot(root)).toEqual(before);
  });

  it('catches a wrong candidate: stdout differs, with a diff excerpt; text format says so', async () => {
    const root = project({ 'main.py': SLEEPY });
    // Off by one: the candidate skips item 0.
    const candidate = project({ 'main.py': SLEEPY.replace('range(16)', 'range(1, 16)') });
    const { status, json } = await verifyJson(['--runs', '1', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    expect(json.equal).toBe(false);
    expect(json.status).toBe('different');
    expect(json.rewrites).toBeNull();
    expect(json.differences).toHaveLength(1);
    const [difference] = json.differences;
    expect(difference).toMatchObject({ kind: 'stdout', runs: 2, of: 2, file: null });
    expect(difference!.description).toBe('stdout differs (17 lines in the original, 16 lines in the rewrite)');
    expect(difference!.excerpt!.split('\n')).toEqual(expect.arrayContaining(['--- original stdout', '+++ rewrite stdout', '-0 0', ' 1 1']));
    expect(json.run_log.filter((r) => r.side === 'rewrite').every((r) => r.equal === false)).toBe(true);

    const text = await runConcur(['verify', '--runs', '1', '--candidate', candidate, 'main.py', ...RUN_MAIN], { cwd: root });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^concur verify: outputs differ \(exit status, stdout; 2 runs of the original, 2 of the rewrite\)$/m);
    expect(text.stdout).toMatch(/^wall time, median +\d+\.\d{3} s +\d+\.\d{3} s$/m);
    expect(text.stdout).toContain('- stdout differs (17 lines in the original, 16 lines in the rewrite) (2 of 2 runs of the rewrite)');
    expect(text.stdout).toContain('    -0 0');
  });

  it('compares the files written under --output-dir: different, added, missing; seeds from the project', async () => {
    const writer = (files: Record<string, string>) =>
      py(
        'import os',
        'os.makedirs("out/deep", exist_ok=True)',
        ...Object.entries(files).map(([name, text]) => `open(os.path.join("out", ${JSON.stringify(name)}), "w").write(${JSON.stringify(text)})`),
        'print("written")',
      );
    const original = writer({ 'a.txt': 'alpha\n', 'deep/b.txt': 'one\ntwo\nthree\n', 'same.txt': 'same\n' });
    const wrong = writer({ 'deep/b.txt': 'one\nTWO\nthree\n', 'c.txt': 'extra\n', 'same.txt': 'same\n' });
    // A file already in the project's output directory is in both copies before every run.
    const root = project({ 'main.py': original, 'out/old.txt': 'from an earlier run\n' });
    const candidate = project({ 'main.py': wrong, 'out/old.txt': 'from an earlier run\n' });
    const before = snapshot(root);
    const { status, json } = await verifyJson(['--runs', '1', '--output-dir', 'out', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    expect(json.compared).toMatchObject({ output_dir: 'out', files: 4 });
    const byFile = Object.fromEntries(json.differences.map((d) => [d.file, d]));
    expect(Object.keys(byFile).sort()).toEqual(['out/a.txt', 'out/c.txt', 'out/deep/b.txt']);
    expect(byFile['out/a.txt']).toMatchObject({ kind: 'file-missing', description: 'out/a.txt is written by the original (6 bytes) but not by the rewrite' });
    expect(byFile['out/c.txt']).toMatchObject({ kind: 'file-added', description: 'out/c.txt is written by the rewrite (6 bytes) but not by the original' });
    expect(byFile['out/deep/b.txt']!.kind).toBe('file-different');
    expect(byFile['out/deep/b.txt']!.excerpt!.split('\n')).toEqual(['--- original/out/deep/b.txt', '+++ rewrite/out/deep/b.txt', '@@ -1,3 +1,3 @@', ' one', '-two', '+TWO', ' three']);
    expect(snapshot(root)).toEqual(before);

    // The same candidate without --output-dir: stdout and exit status agree, so it passes.
    const blind = await verifyJson(['--runs', '1', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(blind.status).toBe(0);
    expect(blind.json.equal).toBe(true);
  });

  it('compares exit statuses, and stderr only when asked', async () => {
    const exiting = (status: number, message: string) => py('import sys', 'print("result 42")', `print(${JSON.stringify(message)}, file=sys.stderr)`, `sys.exit(${status})`);
    const root = project({ 'main.py': exiting(3, 'warning: a') });
    const crashes = project({ 'main.py': exiting(0, 'warning: a') });
    const differ = await verifyJson(['--runs', '1', '--candidate', crashes, 'main.py', ...RUN_MAIN], root);
    expect(differ.status).toBe(1);
    expect(differ.json.differences).toEqual([expect.objectContaining({ kind: 'exit-status', description: 'exit status 3 in the original, exit status 0 in the rewrite', excerpt: 'warning: a' })]);

    // Same status 3 on both sides is equal (a deliberate status is compared, not a failure).
    const otherStderr = project({ 'main.py': exiting(3, 'warning: b') });
    const same = await verifyJson(['--runs', '1', '--candidate', otherStderr, 'main.py', ...RUN_MAIN], root);
    expect(same.status).toBe(0);
    expect(same.json.equal).toBe(true);
    const strict = await verifyJson(['--runs', '1', '--compare-stderr', '--candidate', otherStderr, 'main.py', ...RUN_MAIN], root);
    expect(strict.status).toBe(1);
    expect(strict.json.differences.map((d) => d.kind)).toEqual(['stderr']);
    expect(strict.json.differences[0]!.excerpt).toContain('+warning: b');
  });

  it('reports output that varies between runs of the same program as nondeterministic', async () => {
    const random = py('import os', 'print(os.urandom(8).hex())');
    const root = project({ 'main.py': random });
    const candidate = project({ 'main.py': random });
    const { status, json } = await verifyJson(['--runs', '2', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(json.nondeterministic).toBe(true);
    expect(json.nondeterminism.map((n) => n.side)).toEqual(['original', 'rewrite']);
    expect(json.nondeterminism[0]!.description).toBe('the original gave 3 different outcomes over its own runs (stdout)');
    // No run of the rewrite printed what a run of the original printed.
    expect(status).toBe(1);
    expect(json.equal).toBe(false);

    const stable = project({ 'main.py': py('print("same")') });
    const steady = await verifyJson(['--runs', '2', '--candidate', project({ 'main.py': py('print("same")') }), 'main.py', ...RUN_MAIN], stable);
    expect(steady.json.nondeterministic).toBe(false);
  });
});

describe.concurrent('concur verify: runs that fail', () => {
  it('kills a rewrite that runs past --timeout with its process group, grandchild included', async () => {
    const pids = temporaryDirectory('concur-verify-pids-');
    const root = project({ 'main.py': py('print("quick")') });
    const candidate = project({ 'main.py': hangingWithGrandchild(pids) });
    const { status, json } = await verifyJson(['--runs', '2', '--timeout', '4', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    expect(json.status).toBe('different');
    expect(json.differences).toEqual([expect.objectContaining({ kind: 'timeout', description: 'the rewrite did not finish in time and was killed with its process group' })]);
    // The rewrite's warm-up timed out; it is not run again.
    expect(json.run_log.filter((r) => r.side === 'rewrite')).toEqual([expect.objectContaining({ phase: 'warmup', timed_out: true, exit_code: null })]);
    expect(json.candidate_seconds).toBeNull();
    expect(json.speedup).toBeNull();
    const child = Number(readFileSync(path.join(pids, 'child'), 'utf8'));
    const grandchild = Number(readFileSync(path.join(pids, 'grandchild'), 'utf8'));
    expect(await eventually(() => !alive(child) && !alive(grandchild), 5000)).toBe(true);
  });

  it('stops on Ctrl-C: kills the runs with their process groups, removes the copies, exits 130', async () => {
    const pids = temporaryDirectory('concur-verify-pids-');
    const tmp = temporaryDirectory('concur-verify-tmp-');
    const root = project({ 'main.py': hangingWithGrandchild(pids) });
    const concur = spawn(process.execPath, [CONCUR_BIN, 'verify', '--candidate', root, 'main.py', ...RUN_MAIN], { cwd: root, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: Buffer[] = [];
    concur.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const exited = new Promise<number | null>((resolve) => concur.on('close', (code) => resolve(code)));
    expect(await eventually(() => existsSync(path.join(pids, 'grandchild')), 20_000)).toBe(true);
    expect(readdirSync(tmp)).toHaveLength(1);
    concur.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Buffer.concat(stderr).toString()).toContain('concur verify: interrupted (SIGINT)');
    const child = Number(readFileSync(path.join(pids, 'child'), 'utf8'));
    const grandchild = Number(readFileSync(path.join(pids, 'grandchild'), 'utf8'));
    expect(await eventually(() => !alive(child) && !alive(grandchild), 5000)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('exits 2 when the original itself cannot run or does not finish', async () => {
    const root = project({ 'main.py': SLEEPY });
    const missing = await verifyJson(['--runs', '1', '--candidate', root, 'main.py', '--', 'concur-no-such-command', 'main.py'], root);
    expect(missing.status).toBe(2);
    expect(missing.json).toMatchObject({ status: 'original-failed', equal: false });
    expect(missing.json.failure).toMatch(/^the original could not be started: cannot start concur-no-such-command: /);
    expect(missing.stderr).toContain('concur verify: the original could not be started');

    const slow = await verifyJson(['--runs', '1', '--timeout', '0.3', '--candidate', root, 'main.py', ...RUN_MAIN], root);
    expect(slow.status).toBe(2);
    expect(slow.json.failure).toBe('the original did not finish within 0.3 s (--timeout)');
    expect(slow.json.run_log).toEqual([expect.objectContaining({ side: 'original', timed_out: true })]);
  });

  it('rejects bad usage with status 2', async () => {
    const root = project({ 'main.py': SLEEPY, 'plain.py': py('print(1)') });
    const cases: Array<[string[], RegExp]> = [
      [['verify', 'main.py'], /no command to run/],
      [['verify', '--runs', '0', 'main.py', ...RUN_MAIN], /--runs takes a whole number of at least 1/],
      [['verify', '--output-dir', '../elsewhere', 'main.py', ...RUN_MAIN], /--output-dir \.\.\/elsewhere: must be a directory inside the project/],
      [['verify', '--candidate', 'nowhere', 'main.py', ...RUN_MAIN], /--candidate nowhere: not a directory/],
      [['verify', '--sweep-workers', '0,2', 'main.py', ...RUN_MAIN], /--sweep-workers: expected worker counts/],
      [['verify', 'missing.py', ...RUN_MAIN], /missing\.py: no such file or directory/],
      [['verify', '--runs', '1', '--warmup', '0', 'plain.py', '--', PYTHON, 'plain.py'], /concur made no rewrite in plain\.py: nothing to verify/],
    ];
    for (const [args, message] of cases) {
      const result = await runConcur(args, { cwd: root });
      expect({ args, status: result.status }).toEqual({ args, status: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });
});

describe.concurrent('concur verify: the terminal', () => {
  it('draws a progress line on a terminal and erases it before the summary', async () => {
    const root = project({ 'main.py': SLEEPY });
    // stderr on a pseudo-terminal (Python's pty module), stdout in a pipe.
    const driver = [
      'import os, pty, subprocess, sys',
      'master, slave = pty.openpty()',
      'child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=slave)',
      'os.close(slave)',
      'seen = b""',
      'while True:',
      '    try:',
      '        chunk = os.read(master, 4096)',
      '    except OSError:',
      '        break',
      '    if not chunk:',
      '        break',
      '    seen += chunk',
      'out = child.stdout.read()',
      'child.wait()',
      'sys.stdout.write(repr(seen) + "\\n" + out.decode() + "status %d" % child.returncode)',
    ].join('\n');
    const result = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const env = { ...process.env, TMPDIR: temporaryDirectory('concur-verify-tmp-') };
      delete env.TERM;
      const child = spawn(PYTHON, ['-c', driver, process.execPath, CONCUR_BIN, 'verify', '--runs', '1', 'main.py', ...RUN_MAIN], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.on('error', reject);
      child.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    const [terminal, ...rest] = result.split('\n');
    expect(terminal).toContain('\\r\\x1b[2Kverify: original warm-up 1/1');
    expect(terminal).toContain('\\r\\x1b[2Kverify: run 1/1: rewrite');
    // Erased at the end: the last thing on the terminal is the erase sequence.
    expect(terminal).toMatch(/\\r\\x1b\[2K'$/);
    expect(rest.join('\n')).toMatch(/^concur verify: outputs equal/);
    expect(rest[rest.length - 1]).toBe('status 0');
  });

  it('documents its options with examples in --help', async () => {
    const result = await runConcur(['verify', '--help'], { cwd: temporaryDirectory() });
    expect(result.status).toBe(0);
    for (const option of ['--runs', '--warmup', '--timeout', '--output-dir', '--compare-stderr', '--candidate', '--unsafe-fixes', '--sweep', '--sweep-workers', '--format']) {
      expect(result.stdout).toContain(option);
    }
    expect(result.stdout).toContain('Usage: concur verify [options] PATH -- CMD [ARGS...]');
    expect(result.stdout).toMatch(/^Examples:$/m);
    expect((await runConcur(['--help'], { cwd: temporaryDirectory() })).stdout).toMatch(/^  verify\b/m);
  });
});

describe('concur verify --sweep', () => {
  it('runs the rewrite at 1, 2, 4, ... workers: speedup and efficiency per point, an Amdahl fit', async () => {
    const root = project({ 'main.py': SLEEPY });
    const { status, json } = await verifyJson(['--runs', '3', '--sweep', '--sweep-runs', '2', 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(0);
    expect(json.sweep!.variables).toEqual([{ name: 'WORK_WORKERS', model: 'threads', file: 'main.py' }]);
    // Threads: powers of two up to 16 (and the CPU count itself), past the CPUs.
    const cpus = availableParallelism();
    const expected = [...new Set([1, 2, 4, 8, 16, ...(cpus <= 16 ? [cpus] : []), ...(cpus > 16 ? [cpus] : [])])].sort((a, b) => a - b);
    expect(json.scaling.map((p) => p.workers)).toEqual(expected);
    expect(json.run_log.filter((r) => r.phase === 'sweep')).toHaveLength(2 * expected.length);
    for (const point of json.scaling) {
      expect(point.speedup).toBeCloseTo(json.baseline_seconds! / point.seconds, 10);
      expect(point.efficiency).toBeCloseTo(point.speedup! / point.workers, 10);
      // Sleeping threads cannot beat the ideal by much; timing noise aside.
      expect(point.efficiency!).toBeLessThanOrEqual(1.2);
    }
    // One worker runs the items one after the other, like the original.
    const one = json.scaling[0]!;
    expect(one.speedup!).toBeGreaterThan(0.6);
    expect(one.speedup!).toBeLessThan(1.5);
    // More workers, less time: 16 threads sleep their 50 ms at once.
    expect(json.scaling[json.scaling.length - 1]!.seconds).toBeLessThan(one.seconds / 2);
    expect(json.serial_fraction!).toBeGreaterThanOrEqual(0);
    expect(json.serial_fraction!).toBeLessThan(0.5);
    // Every sweep run printed what the original printed.
    expect(json.run_log.filter((r) => r.phase === 'sweep').every((r) => r.equal === true)).toBe(true);
  });

  it('catches a rewrite that is wrong only at some worker counts', async () => {
    const root = project({ 'main.py': SLEEPY });
    // Loses the last item when it runs with exactly 2 workers.
    const broken = py(
      'import os',
      '# Worker threads for the loop at line 11; set WORK_WORKERS in the environment to tune.',
      'WORK_WORKERS = int(os.environ.get("WORK_WORKERS", "16"))',
      'count = 15 if WORK_WORKERS == 2 else 16',
      'for item in range(count):',
      '    print(item, item * item)',
      'print("total", sum(i * i for i in range(count)))',
    );
    const candidate = project({ 'main.py': broken });
    const { status, json } = await verifyJson(['--runs', '1', '--sweep-workers', '1,2,4', '--sweep-runs', '1', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    expect(json.differences).toEqual([expect.objectContaining({ kind: 'stdout', runs: 1, of: 5, workers: [2] })]);
    expect(json.scaling.map((p) => p.workers)).toEqual([1, 2, 4]);
  });
});
