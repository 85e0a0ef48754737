/**
 * The pieces of the stress mode and the edge cases that need no Python: `--case` parsing and the
 * paths a case's command points into the copy, the tracer's plan, logs and hang dumps, the advice,
 * and what the HTML and Markdown report makes of edge cases and stress runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caseArgv, parseCase } from '../../src/verify/edge-cases.js';
import { stressAdvice } from '../../src/verify/stress/stress-advice.js';
import { readableDump, readTracerLog, waitingPlaces } from '../../src/verify/stress/stress-logs.js';
import type { StressReport } from '../../src/verify/stress/stress-mode.js';
import {
  LOCK_PAUSE_BUDGET,
  LOCK_PAUSE_SECONDS,
  LOCK_WAIT_SECONDS,
  RACE_PAUSE_BUDGET,
  RACE_PAUSE_SECONDS,
  RACE_WAIT_SECONDS,
  STRESS_SWITCH_INTERVAL_SECONDS,
  stressEnvironment,
  WAIT_BUDGET_SECONDS,
  writeStressPlan,
} from '../../src/verify/stress/stress-plan.js';
import { verifyReportData, verifySection } from '../../src/report/gather.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../helpers/cli.js';
import { VERIFY_CONTEXT, verifyReport } from '../report/fixtures.js';

afterAll(removeTemporaryDirectories);

describe('--case NAME=CMD', () => {
  it('parses a name and a command, the command keeping every `=`', () => {
    expect(parseCase('empty=python3 main.py /dev/null')).toEqual({ name: 'empty', command: 'python3 main.py /dev/null' });
    expect(parseCase('big-2.x=A=1 python3 main.py')).toEqual({ name: 'big-2.x', command: 'A=1 python3 main.py' });
    for (const bad of ['empty', '=python3', 'a b=python3', 'x=', 'x=   ', '-x=python3']) expect(parseCase(bad)).toBeUndefined();
  });

  it('runs through sh -c, with the project root (not a sibling sharing its prefix) pointed into the copy', () => {
    expect(caseArgv('python3 /p/app/main.py /p/app/in.txt /p/app2/x /p/app', '/p/app', '/tmp/c/original')).toEqual(['sh', '-c', 'python3 /tmp/c/original/main.py /tmp/c/original/in.txt /p/app2/x /tmp/c/original']);
    expect(caseArgv('cat "/p/app/a b.txt" | python3 main.py -', '/p/app/', '/c')).toEqual(['sh', '-c', 'cat "/c/a b.txt" | python3 main.py -']);
    expect(caseArgv('python3 main.py < in.txt', '/p/app', '/c')).toEqual(['sh', '-c', 'python3 main.py < in.txt']);
  });
});

const DUMP = [
  'Thread 0x00007f5450db76c0 (most recent call first):',
  '  File "/copy/bank.py", line 16 in audit',
  '  File "/usr/lib/python3.8/threading.py", line 870 in run',
  '  File "/usr/lib/python3.8/threading.py", line 932 in _bootstrap_inner',
  '',
  'Thread 0x00007f54515b86c0 (most recent call first):',
  '  File "/usr/lib/python3.8/threading.py", line 870 in run',
  '',
  'Current thread 0x00007f5451e71b80 (most recent call first):',
  '  File "/usr/lib/python3.8/threading.py", line 1027 in _wait_for_tstate_lock',
  '  File "main.py", line 24 in <module>',
  '',
].join('\n');

describe('the stress plan', () => {
  it('lists each site with its file in the copy, where to pause, and how long; the tracer comes first on PYTHONPATH', () => {
    const copy = temporaryDirectory('concur-stress-plan-');
    const file = path.join(copy, 'plan.json');
    writeStressPlan(file, copy, [
      { rule: 'RC101', kind: 'read-modify-write', path: 'app/stats.py', line: 12, endLine: 13, switchLine: 12, switch: 'store', code: 'hits += 1', target: 'hits' },
      { rule: 'RC102', kind: 'check-then-act', path: 'app/stats.py', line: 20, endLine: 20, switchLine: 21, switch: 'line', code: 'if key not in cache' },
      { rule: 'DL101', kind: 'lock-order', path: 'bank.py', line: 9, endLine: 9, switchLine: 9, switch: 'line', code: 'with b (holding a)' },
    ]);
    const plan = JSON.parse(readFileSync(file, 'utf8')) as { switch_interval: number; wait_budget: number; sites: Array<Record<string, unknown>> };
    expect(plan.switch_interval).toBe(STRESS_SWITCH_INTERVAL_SECONDS);
    expect(plan.wait_budget).toBe(WAIT_BUDGET_SECONDS);
    expect(plan.sites).toEqual([
      { id: 0, file: path.join(copy, 'app', 'stats.py'), line: 12, end_line: 13, switch: 'store', target: 'hits', pause: RACE_PAUSE_SECONDS, wait: RACE_WAIT_SECONDS, budget: RACE_PAUSE_BUDGET },
      { id: 1, file: path.join(copy, 'app', 'stats.py'), line: 21, end_line: 21, switch: 'line', pause: RACE_PAUSE_SECONDS, wait: RACE_WAIT_SECONDS, budget: RACE_PAUSE_BUDGET },
      { id: 2, file: path.join(copy, 'bank.py'), line: 9, end_line: 9, switch: 'line', pause: LOCK_PAUSE_SECONDS, wait: LOCK_WAIT_SECONDS, budget: LOCK_PAUSE_BUDGET },
    ]);
    const env = stressEnvironment({ PYTHONPATH: '/site', HOME: '/home/u' }, '/t/tracer', file, '/t/out');
    expect(env).toEqual({ PYTHONPATH: `/t/tracer${path.delimiter}/site`, HOME: '/home/u', CONCUR_STRESS_PLAN: file, CONCUR_STRESS_OUT: '/t/out' });
    expect(stressEnvironment({}, '/t/tracer', file, '/t/out').PYTHONPATH).toBe('/t/tracer');
  });
});

describe('the tracer logs', () => {
  it('says where each thread of a hang waits: its most recent frame in the project', () => {
    expect(waitingPlaces(DUMP, '/copy')).toEqual(['bank.py:16 in audit', 'main.py:24 in <module>']);
  });

  it('cuts a dump to the project frames, paths relative to the copy', () => {
    expect(readableDump(DUMP, '/copy').split('\n')).toEqual([
      'Thread 0x00007f5450db76c0 (most recent call first):',
      '  File "bank.py", line 16 in audit',
      '  ...',
      'Thread 0x00007f54515b86c0 (most recent call first):',
      '  ...',
      'Current thread 0x00007f5451e71b80 (most recent call first):',
      '  ...',
      '  File "main.py", line 24 in <module>',
    ]);
    expect(readableDump(DUMP, '/copy', 3).split('\n')).toHaveLength(4);
  });

  it('reads which Pythons ran the tracer, which sites paused and how often, and the dumps', () => {
    const directory = temporaryDirectory('concur-stress-log-');
    writeFileSync(path.join(directory, 'stress-10.log'), 'active 10 3.8\nfired 1\ncount 0 0 5\ncount 1 12 40\n');
    writeFileSync(path.join(directory, 'stress-11.log'), 'active 11 3.8\nfired 0\n'); // killed before exit: no counts
    writeFileSync(path.join(directory, 'hang-10.txt'), '');
    writeFileSync(path.join(directory, 'hang-11.txt'), DUMP);
    const log = readTracerLog(directory);
    expect(log.pythons).toEqual(['3.8', '3.8']);
    expect([...log.fired].sort()).toEqual([0, 1]);
    expect(Object.fromEntries(log.pauses)).toEqual({ 0: 0, 1: 12 });
    expect(log.dumps).toEqual([DUMP]);
    const missing = path.join(directory, 'none');
    expect(readTracerLog(missing)).toEqual({ pythons: [], fired: new Set(), pauses: new Map(), dumps: [] });
  });
});

function report(partial: Partial<StressReport>): StressReport {
  return {
    runs: 3,
    sides: ['rewrite'],
    switchIntervalSeconds: 1e-5,
    timeoutSeconds: { rewrite: 10 },
    tracerActive: { rewrite: true },
    pythons: ['3.11'],
    sites: [],
    hangs: [],
    distinctOutputs: { rewrite: 1 },
    differences: [],
    nondeterministic: false,
    introducedByRewrite: false,
    advice: [],
    ...partial,
  };
}

const RMW = { rule: 'RC101' as const, kind: 'read-modify-write' as const, path: 'app/stats.py', line: 12, endLine: 12, switchLine: 12, switch: 'store' as const, code: 'hits += 1', target: 'hits', side: 'rewrite' as const, firedRuns: 3, ofRuns: 3, pauses: 40 };
const CTA = { ...RMW, rule: 'RC102' as const, kind: 'check-then-act' as const, line: 20, endLine: 20, switchLine: 21, switch: 'line' as const, code: 'if key not in cache', target: undefined };
const LOCK = { ...RMW, rule: 'DL101' as const, kind: 'lock-order' as const, path: 'app/bank.py', line: 9, endLine: 9, switchLine: 9, switch: 'line' as const, code: 'with b (holding a)', target: undefined };
const STDOUT = { kind: 'stdout' as const, description: 'stdout differs', side: 'rewrite' as const, runs: [1, 3], of: 3 };

describe('stress advice', () => {
  it('names the rule to run for the sites that paused in the runs that differed, one sentence per rule and file', () => {
    const advice = stressAdvice(report({ sites: [RMW, { ...RMW, line: 14, switchLine: 14, code: 'misses += 1' }, CTA], differences: [{ ...STDOUT, fired: ['app/stats.py:12', 'app/stats.py:14', 'app/stats.py:21'] }] }));
    expect(advice).toEqual([
      'the lost updates at app/stats.py:12 (`hits += 1`), app/stats.py:14 (`misses += 1`) disappear under a lock: run `concur check --select RC101 app/stats.py`, which names both sides of each race (and adds the lock for a module global)',
      'the check-then-act at app/stats.py:20 (`if key not in cache`) needs the check and the act under one lock, or one atomic call: run `concur check --select RC102 app/stats.py`',
    ]);
  });

  it('says when no named site paused, when a hang came between two acquisitions, and when the tracer never started', () => {
    expect(stressAdvice(report({ sites: [RMW], differences: [{ ...STDOUT, fired: [] }] }))[0]).toMatch(/^the rewrite's output changed under forced thread switches, but no racy site concur names paused/);
    const hang = { side: 'rewrite' as const, run: 1, timeoutSeconds: 10, waiting: ['app/bank.py:9 in transfer'], fired: ['app/bank.py:9'] };
    expect(stressAdvice(report({ sites: [LOCK], hangs: [hang] }))).toEqual([
      'the rewrite deadlocks when a thread switch comes between two lock acquisitions (threads waiting at app/bank.py:9 in transfer): take the locks in one order everywhere; run `concur check --select DL101 app/bank.py`',
    ]);
    expect(stressAdvice(report({ hangs: [{ ...hang, fired: [] }] }))[0]).toMatch(/^the rewrite hung under stress \(threads waiting at app\/bank\.py:9 in transfer\): .*`concur check --select DL \.`/);
    expect(stressAdvice(report({ tracerActive: { rewrite: false } }))[0]).toMatch(/^the stress tracer did not start in every stress run of the rewrite: .*-I, -E or -S/);
    expect(stressAdvice(report({}))).toEqual([]);
  });
});

describe('the HTML and Markdown report of a verify run', () => {
  it('lists a differing edge case among the differences, counts only the normal runs, and says what the stress runs found', () => {
    const stressRecord = { ...verifyReport().records[0]!, side: 'rewrite' as const, phase: 'stress' as const, stressRun: 1 };
    const report = verifyReport({
      equal: false,
      status: 'different',
      records: [...verifyReport().records, stressRecord],
      cases: [
        {
          name: 'empty',
          command: 'python3 main.py /dev/null',
          equal: false,
          differences: [{ kind: 'stdout', description: 'stdout differs (1 line in the original, 1 line in the rewrite)', excerpt: '-none\n+nothing' }],
          original: { exitCode: 0, signal: null, timedOut: false, seconds: 0.1 },
          rewrite: { exitCode: 0, signal: null, timedOut: false, seconds: 0.1 },
        },
      ],
    });
    const section = verifySection(report);
    expect(section.differences).toEqual([expect.objectContaining({ kind: 'stdout', description: 'case empty: stdout differs (1 line in the original, 1 line in the rewrite)', runs: 1, of: 1 })]);
    expect(section.runCounts).toEqual(verifySection(verifyReport()).runCounts);

    const hang = { side: 'rewrite' as const, run: 1, timeoutSeconds: 10, waiting: [], fired: [] };
    const raced = verifyReport({ stress: { ...verifyReport().stress, skipped: undefined, hangs: [hang] } });
    expect(verifyReportData(raced, VERIFY_CONTEXT).headline).toMatch(/^outputs equal, 3\.86x faster \(.*\); the stress runs found a hang$/);
    expect(verifyReportData(verifyReport(), VERIFY_CONTEXT).headline).toMatch(/^outputs equal, 3\.86x faster \([^;]*\)$/);
  });
});
