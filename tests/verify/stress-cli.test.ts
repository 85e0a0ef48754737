/**
 * `concur verify`'s race stress mode end to end, with real Python: a racy counter (threads doing
 * `total += 1` and `counts[k] = counts.get(k, 0) + 1` on globals) is caught in every stress run,
 * in the original and in the candidate; a race that only the candidate has makes it unequal; the
 * locked version passes; a lock-order inversion is a hang, found within the stress timeout,
 * with the whole process group killed. Without forced switches these programs run correctly on
 * CPython 3.10+ (measured: 0 wrong outputs in 40 plain runs), so what the tests see is the
 * stress mode's doing.
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { project, py, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { alive, eventually, verifyJson } from '../helpers/verify-json.js';

afterAll(removeTemporaryDirectories);

const RUN_MAIN = ['--', PYTHON, 'main.py'];

/** Four threads updating two globals 100 times each; `locked` holds one lock around each update. */
function counter(locked: boolean): string {
  const update = (line: string) => (locked ? ['        with lock:', `            ${line}`] : [`        ${line}`]);
  return py(
    'import threading', // 1
    '', // 2
    'total = 0', // 3
    'counts = {}', // 4
    'lock = threading.Lock()', // 5
    '', // 6
    '', // 7
    'def work():', // 8
    '    global total', // 9
    '    for item in range(100):', // 10
    ...update('total += 1'), // 11 (12 locked)
    ...update('counts[item % 3] = counts.get(item % 3, 0) + 1'), // 12 (14 locked)
    '',
    '',
    'threads = [threading.Thread(target=work) for _ in range(4)]',
    'for thread in threads:',
    '    thread.start()',
    'for thread in threads:',
    '    thread.join()',
    'print("total", total)',
    'print("counts", sorted(counts.items()))',
  );
}

/** The same totals, computed in one thread. */
const SEQUENTIAL = py(
  'total = 0',
  'counts = {}',
  'for _ in range(4):',
  '    for item in range(100):',
  '        total += 1',
  '        counts[item % 3] = counts.get(item % 3, 0) + 1',
  'print("total", total)',
  'print("counts", sorted(counts.items()))',
);

/** A cache filled by four threads with a check-then-act (line 8, acting at line 10): the work is done twice when they race. */
const LAZY_CACHE = py(
  'import threading', // 1
  '', // 2
  'cache = {}', // 3
  'computed = []', // 4
  '', // 5
  '', // 6
  'def lookup(key):', // 7
  '    if key not in cache:', // 8
  '        computed.append(key)', // 9
  '        cache[key] = key * key', // 10
  '    return cache[key]', // 11
  '',
  '',
  'def work():',
  '    for key in range(20):',
  '        lookup(key)',
  '',
  '',
  'threads = [threading.Thread(target=work) for _ in range(4)]',
  'for thread in threads:',
  '    thread.start()',
  'for thread in threads:',
  '    thread.join()',
  'print("computed", len(computed), "values", sum(cache.values()))',
);

/**
 * Two threads taking two locks in opposite orders (lines 12 and 18 take the second one). Each
 * run first starts a `sleep 60` child and writes its own pid and the child's to `pids`; a run
 * that ends normally stops the child itself.
 */
function deadlock(pids: string): string {
  return py(
    'import os, subprocess, threading', // 1
    '', // 2
    `PIDS = ${JSON.stringify(pids)}`, // 3
    'child = subprocess.Popen(["sleep", "60"])', // 4
    'for pid in (os.getpid(), child.pid):', // 5
    '    open(os.path.join(PIDS, str(pid)), "w").close()', // 6
    'accounts = threading.Lock()', // 7
    'audit_log = threading.Lock()', // 8
    '', // 9
    'def transfer():', // 10
    '    with accounts:', // 11
    '        with audit_log:', // 12
    '            print("transfer")', // 13
    '', // 14
    '', // 15
    'def audit():', // 16
    '    with audit_log:', // 17
    '        with accounts:', // 18
    '            print("audit")', // 19
    '',
    '',
    't1 = threading.Thread(target=transfer)',
    't2 = threading.Thread(target=audit)',
    't1.start()',
    't2.start()',
    't1.join()',
    't2.join()',
    'child.kill()',
    'child.wait()',
  );
}

describe.concurrent('concur verify: the race stress mode', () => {
  it('catches the lost updates of a racy counter in every stress run, on both sides, and says what to do', async () => {
    const root = project({ 'main.py': counter(false) });
    const candidate = project({ 'main.py': counter(false) });
    const { status, json } = await verifyJson(['--runs', '1', '--stress-runs', '3', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    // The normal runs agree: the race shows only under stress, where both sides have it.
    expect(json).toMatchObject({ equal: true, status: 'equal', nondeterministic: true, differences: [] });
    const { stress } = json;
    expect(stress).toMatchObject({ runs: 3, skipped: null, sides: ['original', 'rewrite'], thread_entries: { original: 1, rewrite: 1 }, tracer_active: { original: true, rewrite: true }, hangs: [], introduced_by_rewrite: false, nondeterministic: true });
    const sites = stress.instrumented_sites.map((s) => [s.side, s.rule, s.kind, `${s.path}:${s.switch_line}`, s.switch, s.code, s.fired_runs, s.of_runs]);
    expect(sites).toEqual([
      ['original', 'RC101', 'read-modify-write', 'main.py:11', 'store', 'total += 1', 3, 3],
      ['original', 'RC101', 'read-modify-write', 'main.py:12', 'store', 'counts[item % 3] = counts.get(item % 3, 0) + 1', 3, 3],
      ['rewrite', 'RC101', 'read-modify-write', 'main.py:11', 'store', 'total += 1', 3, 3],
      ['rewrite', 'RC101', 'read-modify-write', 'main.py:12', 'store', 'counts[item % 3] = counts.get(item % 3, 0) + 1', 3, 3],
    ]);
    // Every stress run of each side printed a total below 400: updates were lost.
    expect(stress.differences.map((d) => [d.side, d.kind, d.runs, d.of, d.fired])).toEqual([
      ['original', 'stdout', [1, 2, 3], 3, ['main.py:11', 'main.py:12']],
      ['rewrite', 'stdout', [1, 2, 3], 3, ['main.py:11', 'main.py:12']],
    ]);
    for (const difference of stress.differences) {
      const lines = difference.excerpt!.split('\n');
      expect(lines).toContain('-total 400');
      const total = Number(lines.find((line) => line.startsWith('+total '))!.slice('+total '.length));
      expect(total).toBeLessThan(400);
    }
    expect(stress.advice).toEqual([expect.stringMatching(/^the lost updates at main\.py:11 \(`total \+= 1`\), main\.py:12 \(.*\) disappear under a lock: run `concur check --select RC101 main\.py`/)]);
    expect(json.run_log.filter((r) => r.phase === 'stress').map((r) => `${r.side[0]}${r.stress_run}`)).toEqual(['o1', 'r1', 'o2', 'r2', 'o3', 'r3']);
    // A stress run of the rewrite that lost updates is not equal to any normal run of the original.
    expect(json.run_log.filter((r) => r.phase === 'stress').map((r) => r.equal)).toEqual([null, false, null, false, null, false]);

    const text = await runConcur(['verify', '--runs', '1', '--stress-runs', '2', '--candidate', candidate, 'main.py', ...RUN_MAIN], { cwd: root, env: { TMPDIR: temporaryDirectory() } });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^concur verify: outputs equal \(exit status, stdout; 2 runs of the original, 2 of the rewrite\), but the stress mode found a race$/m);
    expect(text.stdout).toContain('  RC101 main.py:11 `total += 1`: pause between the read and the store; paused in 2 of 2 runs of the original, 2 of 2 runs of the rewrite');
    expect(text.stdout).toMatch(/^what to do: the lost updates at main\.py:11 /m);
    expect(text.stdout).toContain('    -total 400');
  });

  it('finds a race only the candidate has: the candidate is not equal', async () => {
    const root = project({ 'main.py': SEQUENTIAL });
    const candidate = project({ 'main.py': counter(false) });
    const { status, json } = await verifyJson(['--runs', '1', '--stress-runs', '2', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    expect(json.equal).toBe(false);
    expect(json.status).toBe('different');
    // Only the candidate runs threads: only it is stressed.
    expect(json.stress).toMatchObject({ sides: ['rewrite'], thread_entries: { original: 0, rewrite: 1 }, introduced_by_rewrite: true, nondeterministic: true });
    expect(json.stress.differences).toEqual([expect.objectContaining({ side: 'rewrite', kind: 'stdout', runs: [1, 2], of: 2 })]);
    expect(json.nondeterminism.map((n) => n.description)).toContain('under forced thread switches, the rewrite: 2 of 2 stress runs gave an outcome no normal run of the original gave (stdout)');
  });

  it('catches a check-then-act: a switch between the check and the act computes the same key twice', async () => {
    const root = project({ 'main.py': LAZY_CACHE });
    const { status, json } = await verifyJson(['--runs', '1', '--stress-runs', '3', '--candidate', root, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    expect(json.stress.instrumented_sites.map((s) => [s.side, s.rule, s.kind, s.line, s.switch_line, s.switch, s.fired_runs])).toEqual([
      ['original', 'RC102', 'check-then-act', 8, 10, 'line', 3],
      ['rewrite', 'RC102', 'check-then-act', 8, 10, 'line', 3],
    ]);
    expect(json.stress.differences.map((d) => [d.side, d.kind, d.runs])).toEqual([
      ['original', 'stdout', [1, 2, 3]],
      ['rewrite', 'stdout', [1, 2, 3]],
    ]);
    for (const difference of json.stress.differences) {
      const lines = difference.excerpt!.split('\n');
      expect(lines).toContain('-computed 20 values 2470');
      // More than 20 computations; the values are the same (the race wastes work here, it loses none).
      expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^\+computed (2[1-9]|[3-9]\d) values 2470$/)]));
    }
    expect(json.stress.advice).toEqual([expect.stringMatching(/^the check-then-act at main\.py:8 \(`if key not in cache: \.\.\. cache\[key\] = key \* key`\) needs the check and the act under one lock, or one atomic call: run `concur check --select RC102 main\.py`$/)]);
  });

  it('passes the locked counter: the same stress, one outcome, exit status 0', async () => {
    const root = project({ 'main.py': counter(true) });
    const candidate = project({ 'main.py': counter(true) });
    const { status, json } = await verifyJson(['--runs', '1', '--stress-runs', '3', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(0);
    expect(json).toMatchObject({ equal: true, nondeterministic: false, nondeterminism: [] });
    // Both sides start threads, so both are stressed; no race is left for the analysis to name.
    expect(json.stress).toMatchObject({ runs: 3, skipped: null, sides: ['original', 'rewrite'], instrumented_sites: [], hangs: [], differences: [], distinct_outputs: { original: 1, rewrite: 1 }, nondeterministic: false, advice: [] });
    expect(json.run_log.filter((r) => r.phase === 'stress')).toHaveLength(6);

    const skipped = await verifyJson(['--runs', '1', '--no-stress', '--candidate', candidate, 'main.py', ...RUN_MAIN], root);
    expect(skipped.json.stress).toMatchObject({ skipped: 'not requested', sides: [], differences: [] });
    expect(skipped.json.run_log.some((r) => r.phase === 'stress')).toBe(false);
  });

  it('reports a lock-order deadlock as a hang within the stress timeout, and kills its process group', async () => {
    const pids = temporaryDirectory('concur-stress-pids-');
    const root = project({ 'main.py': deadlock(pids) });
    const { status, json } = await verifyJson(['--runs', '1', '--timeout', '60', '--stress-timeout', '1.5', '--candidate', root, 'main.py', ...RUN_MAIN], root);
    expect(status).toBe(1);
    // The normal runs finish: the inversion deadlocks only with a switch between the acquisitions.
    expect(json).toMatchObject({ equal: true, nondeterministic: true, differences: [] });
    const { stress } = json;
    expect(stress.timeout_seconds).toEqual({ original: 1.5, rewrite: 1.5 });
    expect(stress.instrumented_sites.filter((s) => s.side === 'original').map((s) => [s.rule, s.switch_line, s.switch, s.code])).toEqual([
      ['DL101', 12, 'line', 'with audit_log (holding accounts)'],
      ['DL101', 18, 'line', 'with accounts (holding audit_log)'],
    ]);
    // The first stress run of each side hangs; a side that hung is not run again.
    expect(stress.hangs.map((h) => [h.side, h.run, h.timeout_seconds])).toEqual([
      ['original', 1, 1.5],
      ['rewrite', 1, 1.5],
    ]);
    for (const hang of stress.hangs) {
      expect(hang.waiting).toEqual(expect.arrayContaining(['main.py:12 in transfer', 'main.py:18 in audit']));
      expect(hang.excerpt).toMatch(/File "main\.py", line 12 in transfer/);
      expect(hang.fired).toEqual(['main.py:12', 'main.py:18']);
    }
    expect(json.run_log.filter((r) => r.phase === 'stress').map((r) => [r.side, r.timed_out])).toEqual([
      ['original', true],
      ['rewrite', true],
    ]);
    expect(stress.advice[0]).toMatch(/^the original deadlocks when a thread switch comes between two lock acquisitions \(threads waiting at .*\): take the locks in one order everywhere; run `concur check --select DL101 main\.py`$/);
    // Every process of every run, the hung programs and their `sleep` children included, is gone.
    const started = readdirSync(pids).map(Number);
    expect(started).toHaveLength(2 * 6); // 3 runs of each side (warm-up, timed, stress), 2 processes each
    expect(await eventually(() => started.every((pid) => !alive(pid)), 5000)).toBe(true);
  });

  it('says when the tracer could not start: Python run with -I ignores PYTHONPATH', async () => {
    const root = project({ 'main.py': counter(false) });
    const { json } = await verifyJson(['--runs', '1', '--stress-runs', '1', '--candidate', root, 'main.py', '--', PYTHON, '-I', 'main.py'], root);
    expect(json.stress).toMatchObject({ sides: ['original', 'rewrite'], tracer_active: { original: false, rewrite: false }, pythons: [] });
    expect(json.stress.instrumented_sites.every((s) => s.fired_runs === 0)).toBe(true);
    expect(json.stress.advice).toEqual([
      expect.stringMatching(/^the stress tracer did not start in every stress run of the original: .*-I, -E or -S/),
      expect.stringMatching(/^the stress tracer did not start in every stress run of the rewrite: /),
    ]);
  });

  it('documents the stress options in --help', async () => {
    const help = await runConcur(['verify', '--help'], { cwd: temporaryDirectory() });
    for (const option of ['--stress-runs', '--stress-timeout', '--no-stress', '--case']) expect(help.stdout).toContain(option);
    const bad = await runConcur(['verify', '--stress-runs', '0', 'x.py', ...RUN_MAIN], { cwd: project({ 'x.py': 'print(1)\n' }) });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--stress-runs takes a whole number of at least 1/);
  });
});
