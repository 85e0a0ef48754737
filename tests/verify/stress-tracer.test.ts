/**
 * The stress tracer `src/verify/probe/stress/sitecustomize.py` under the Pythons this machine
 * has (3.8, the default, 3.12 and 3.13): which opcodes and lines of a code object pause for each
 * kind of site (`switch_points`), and the tracer installed as `sitecustomize` in a real run: a
 * racy program loses updates in every run, the same program with a lock keeps its output with
 * the same pauses (the tracer only waits), and a lock-order inversion deadlocks and dumps every
 * thread's stack on SIGUSR1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { py, removeTemporaryDirectories, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON, pythonAvailable } from '../helpers/python.js';
import { installTracer, LOCK_PAUSE_BUDGET, LOCK_PAUSE_SECONDS, LOCK_WAIT_SECONDS, RACE_PAUSE_BUDGET, RACE_PAUSE_SECONDS, RACE_WAIT_SECONDS } from '../../src/verify/stress/stress-plan.js';

afterAll(removeTemporaryDirectories);

const INTERPRETERS = [
  PYTHON,
  process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python',
  process.env.CONCUR_TEST_PYTHON312 ?? '/root/.pyenv/versions/3.12.1/bin/python',
  process.env.CONCUR_TEST_PYTHON313 ?? '/root/.pyenv/versions/3.13.0/bin/python',
].filter((python, index, all) => all.indexOf(python) === index && pythonAvailable(python));

/** A copy of the tracer, as a stress run gets one (the bytecode Python caches goes there). */
const TRACER = installTracer(path.join(temporaryDirectory('concur-stress-tracer-'), 'tracer'));
const SITECUSTOMIZE = path.join(TRACER, 'sitecustomize.py');

/** Loads the tracer as a plain module (no plan: it installs nothing) and prints switch_points for each code object of a snippet. */
const DRIVER = [
  'import importlib.util, json, sys',
  'spec = importlib.util.spec_from_file_location("concur_stress", sys.argv[1])',
  'tracer = importlib.util.module_from_spec(spec)',
  'spec.loader.exec_module(tracer)',
  'source, sites = json.loads(sys.stdin.read())',
  'def walk(code):',
  '    yield code',
  '    for constant in code.co_consts:',
  '        if hasattr(constant, "co_code"):',
  '            yield from walk(constant)',
  'found = []',
  'for code in walk(compile(source, "snippet.py", "exec")):',
  '    offsets, lines = tracer.switch_points(code, sites)',
  '    names = {i.offset: (i.opname, line) for i, line in tracer.instruction_lines(code)}',
  '    for offset, ids in offsets.items():',
  '        found.append([code.co_name, names[offset][1], names[offset][0], ids])',
  '    for line, ids in lines.items():',
  '        found.append([code.co_name, line, "line", ids])',
  'print(json.dumps(sorted(found)))',
].join('\n');

type Point = [code: string, line: number, what: string, sites: number[]];

function switchPoints(python: string, source: string, sites: object[]): Point[] {
  const run = spawnSync(python, ['-I', '-c', DRIVER, SITECUSTOMIZE], { input: JSON.stringify([source, sites]), encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`${python}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Point[];
}

/** Every kind of site on one snippet (line numbers in the comments). */
const SNIPPET = py(
  'import threading', // 1
  'total = 0', // 2
  'counts = {}', // 3
  'cache = {}', // 4
  'class Stats:', // 5
  '    def bump(self):', // 6
  '        self.hits += 1', // 7
  'def work(key, a, b):', // 8
  '    global total', // 9
  '    total += 1', // 10
  '    counts[key] = counts.get(key, 0) + 1', // 11
  '    if key not in cache: cache[key] = [n for n in range(3)]', // 12
  '    if key not in counts:', // 13
  '        counts[key] = 0', // 14
  '    with a, b:', // 15
  '        pass', // 16
  '    total = sum(map(lambda n: n + 1, [total]))', // 17
  'total = total + 1', // 18
);

const SITES = [
  { id: 0, line: 10, end_line: 10, switch: 'store', target: 'total' },
  { id: 1, line: 11, end_line: 11, switch: 'store', target: 'counts' },
  { id: 2, line: 12, switch: 'after-check' },
  { id: 3, line: 14, switch: 'line' },
  { id: 4, line: 15, switch: 'with-entry' },
  { id: 5, line: 7, end_line: 7, switch: 'store', target: 'self.hits' },
  { id: 6, line: 17, end_line: 17, switch: 'store', target: 'total' },
  { id: 7, line: 18, end_line: 18, switch: 'store', target: 'total' },
];

describe.each(INTERPRETERS)('stress tracer switch points under %s', (python) => {
  it('pauses before the store of a read-modify-write, after the check or at the act of a check-then-act, before each acquisition of `with a, b:`', () => {
    const points = switchPoints(python, SNIPPET, SITES);
    const bySite = (id: number) => points.filter((p) => p[3].includes(id)).map(([code, line, what]) => [code, line, what]);
    // `total += 1`: the global's store, after the read and the add.
    expect(bySite(0)).toEqual([['work', 10, 'STORE_GLOBAL']]);
    // `counts[key] = counts.get(key, 0) + 1`: the item store, after the call that read it.
    expect(bySite(1)).toEqual([['work', 11, 'STORE_SUBSCR']]);
    // `self.hits += 1`: the attribute store.
    expect(bySite(5)).toEqual([['bump', 7, 'STORE_ATTR']]);
    // Module level: `total = total + 1` stores a name (STORE_NAME, or STORE_GLOBAL as some compilers emit).
    expect(bySite(7)).toEqual([['<module>', 18, expect.stringMatching(/^STORE_(NAME|GLOBAL)$/)]]);
    // Check and act on one line: one pause, on line 12, at the first instruction after the conditional jump
    // (not a jump itself, and not the check's own `not in`).
    const afterCheck = bySite(2);
    expect(afterCheck).toHaveLength(1);
    expect(afterCheck[0]!.slice(0, 2)).toEqual(['work', 12]);
    expect(afterCheck[0]![2]).not.toMatch(/JUMP|CONTAINS_OP|COMPARE_OP/);
    // The act on a line of its own: the line's start, in `work` only.
    expect(bySite(3)).toEqual([['work', 14, 'line']]);
    // `with a, b:`: before each of the two acquisitions.
    expect(bySite(4)).toEqual([
      ['work', 15, expect.stringMatching(/^(SETUP_WITH|BEFORE_WITH)$/)],
      ['work', 15, expect.stringMatching(/^(SETUP_WITH|BEFORE_WITH)$/)],
    ]);
    // `total = sum(map(lambda n: ...))`: the global's store in `work`, not the lambda's own code.
    expect(bySite(6)).toEqual([['work', 17, 'STORE_GLOBAL']]);
  });

  it('leaves code without a site alone', () => {
    expect(switchPoints(python, SNIPPET, [{ id: 0, line: 99, end_line: 99, switch: 'store', target: 'total' }, { id: 1, line: 98, switch: 'line' }])).toEqual([]);
  });
});

/** Eight threads doing `total += 1` and `counts[k] = counts.get(k, 0) + 1` on globals, with or without a lock. */
function counter(locked: boolean): string {
  const guard = (line: string) => (locked ? ['        with lock:', `            ${line}`] : [`        ${line}`]);
  return py(
    'import threading', // 1
    'total = 0', // 2
    'counts = {}', // 3
    'lock = threading.Lock()', // 4
    'def work():', // 5
    '    global total', // 6
    '    for item in range(100):', // 7
    ...guard('total += 1'), // 8 (9 locked)
    ...guard('counts[item % 3] = counts.get(item % 3, 0) + 1'), // 9 (11 locked)
    'threads = [threading.Thread(target=work) for _ in range(8)]',
    'for thread in threads:',
    '    thread.start()',
    'for thread in threads:',
    '    thread.join()',
    'print("total", total, "counts", sorted(counts.items()))',
  );
}

const CORRECT = 'total 800 counts [(0, 272), (1, 264), (2, 264)]\n';

/** The pauses `concur verify` plans (stress-plan.ts). */
const RACE = { pause: RACE_PAUSE_SECONDS, wait: RACE_WAIT_SECONDS, budget: RACE_PAUSE_BUDGET };
const LOCK = { pause: LOCK_PAUSE_SECONDS, wait: LOCK_WAIT_SECONDS, budget: LOCK_PAUSE_BUDGET };

interface TracedRun {
  stdout: string;
  status: number | null;
  log: string;
  dumps: string[];
}

/** Runs `python main.py` with the tracer loaded as sitecustomize, as a stress run does. */
function traced(python: string, root: string, sites: object[], options: { killAfterMs?: number } = {}): Promise<TracedRun> {
  const out = path.join(root, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  const plan = path.join(out, 'plan.json');
  writeFileSync(plan, JSON.stringify({ version: 1, switch_interval: 1e-5, sample_every: 64, sites: sites.map((s) => ({ file: path.join(root, 'main.py'), ...s })) }));
  const env = { ...process.env, PYTHONPATH: TRACER, CONCUR_STRESS_PLAN: plan, CONCUR_STRESS_OUT: out };
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['main.py'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timers: NodeJS.Timeout[] = [];
    if (options.killAfterMs) {
      timers.push(setTimeout(() => process.kill(-child.pid!, 'SIGUSR1'), options.killAfterMs));
      timers.push(setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), options.killAfterMs + 500));
    }
    // A safety net: no run of this file takes long.
    timers.push(setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000));
    child.on('error', reject);
    child.on('close', (status) => {
      for (const timer of timers) clearTimeout(timer);
      const files = readdirSync(out);
      const read = (name: string) => readFileSync(path.join(out, name), 'utf8');
      resolve({
        stdout: Buffer.concat(chunks).toString('utf8'),
        status,
        log: files.filter((f) => f.startsWith('stress-')).map(read).join(''),
        dumps: files.filter((f) => f.startsWith('hang-')).map(read).filter((text) => text.trim() !== ''),
      });
    });
  });
}

describe.each(INTERPRETERS)('stress tracer installed as sitecustomize under %s', (python) => {
  it('makes a racy counter lose updates in every run, and leaves the locked one correct', async () => {
    const racy = temporaryDirectory('concur-stress-racy-');
    writeFileSync(path.join(racy, 'main.py'), counter(false));
    const locked = temporaryDirectory('concur-stress-locked-');
    writeFileSync(path.join(locked, 'main.py'), counter(true));
    const racySites = [
      { id: 0, line: 8, end_line: 8, switch: 'store', target: 'total', ...RACE },
      { id: 1, line: 9, end_line: 9, switch: 'store', target: 'counts', ...RACE },
    ];
    // The same pauses inside the lock: the tracer waits, it never changes what is computed.
    const lockedSites = [
      { ...racySites[0], line: 9, end_line: 9 },
      { ...racySites[1], line: 11, end_line: 11 },
    ];
    for (let run = 0; run < 3; run++) {
      const lost = await traced(python, racy, racySites);
      expect(lost.status).toBe(0);
      const total = Number(/^total (\d+)/.exec(lost.stdout)?.[1]);
      expect(total).toBeLessThan(800);
      expect(lost.log).toMatch(/^active \d+ 3\.\d+$/m);
      expect(lost.log).toMatch(/^fired 0$/m);
      expect(lost.log).toMatch(/^fired 1$/m);
      const kept = await traced(python, locked, lockedSites);
      expect(kept.stdout).toBe(CORRECT);
      expect(kept.log).toMatch(/^fired 0$/m);
      expect(kept.log).toMatch(/^fired 1$/m);
    }
  });

  it('deadlocks a lock-order inversion and dumps where each thread waits on SIGUSR1', async () => {
    const root = temporaryDirectory('concur-stress-deadlock-');
    writeFileSync(path.join(root, 'main.py'), DEADLOCK);
    const hung = await traced(python, root, [
      { id: 0, line: 6, switch: 'line', ...LOCK },
      { id: 1, line: 10, switch: 'line', ...LOCK },
    ], { killAfterMs: 2000 });
    expect(hung.stdout).toBe('');
    expect(hung.status).toBeNull(); // killed
    expect(hung.dumps).toHaveLength(1);
    expect(hung.dumps[0]).toMatch(/File ".*main\.py", line 6 in transfer/);
    expect(hung.dumps[0]).toMatch(/File ".*main\.py", line 10 in audit/);
  });
});

/** Two threads taking two locks in opposite orders (lines 6 and 10 take the second lock). */
const DEADLOCK = py(
  'import threading', // 1
  'accounts = threading.Lock()', // 2
  'audit_log = threading.Lock()', // 3
  'def transfer():', // 4
  '    with accounts:', // 5
  '        with audit_log:', // 6
  '            pass', // 7
  'def audit():', // 8
  '    with audit_log:', // 9
  '        with accounts:', // 10
  '            pass', // 11
  'threads = [threading.Thread(target=transfer), threading.Thread(target=audit)]',
  'for thread in threads:',
  '    thread.start()',
  'for thread in threads:',
  '    thread.join()',
  'print("done")',
);
