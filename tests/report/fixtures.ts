/**
 * Report inputs built by hand: a check with findings of several kinds (a race with both sides
 * related, a blocking call with a code frame, an opportunity with a plan), loop verdicts, and a
 * verify run with a sweep. Fixed numbers and a fixed time, so that renderings can be compared
 * with files in __snapshots__/.
 */
import type { Finding, LoopVerdict } from '../../src/diagnostics/finding.js';
import type { ReportContext } from '../../src/report/gather.js';
import type { RunRecord, VerifyReport } from '../../src/verify/verify.js';
import { skippedStress } from '../../src/verify/stress/stress-mode.js';
import { blockingCallFinding, opportunityFinding, raceFinding, reportOf } from '../output/fixtures.js';

export const CONTEXT: ReportContext = {
  invocation: ['concur', 'check', '--report', 'report.md', 'app/'],
  version: '0.1.0',
  now: new Date('2025-01-02T03:04:05.000Z'),
};

export const LOOPS: LoopVerdict[] = [
  { path: 'app/fetch.py', line: 30, verdict: 'parallel', reason: 'each iteration waits on network (`requests.get`)' },
  { path: 'app/hash.py', line: 12, verdict: 'rejected', reason: 'loop-carried dependence on `digest`: read at line 13 before it is assigned at line 13' },
];

export function checkFindings(): Finding[] {
  return [
    blockingCallFinding(),
    opportunityFinding({
      rule: 'PA101',
      name: 'parallelizable-loop',
      message: 'Iterations of `for url in urls` can run concurrently with threads',
      fix: { applicability: 'unsafe', message: 'Run the map stage in a thread pool, committing results in order', edits: [] },
      plan: { model: 'threads', workload: 'io', workers: 16, rationale: 'each iteration waits on the network; 16 threads', workersVariable: 'FETCH_WORKERS' },
    }),
    raceFinding({
      related: [
        { path: 'pkg/worker.py', line: 20, column: 9, endLine: 20, endColumn: 22, message: 'the other write, from the thread started at line 30' },
      ],
    }),
  ];
}

export function checkReport() {
  return reportOf(checkFindings(), { loops: LOOPS, filesAnalysed: 4 });
}

/** Timed runs of a verify: original then rewrite, interleaved; then a sweep at 1, 2, 4 workers. */
function records(): RunRecord[] {
  const run = (side: RunRecord['side'], phase: RunRecord['phase'], seconds: number, workers?: number): RunRecord => ({
    side,
    phase,
    ...(workers === undefined ? {} : { workers }),
    seconds,
    userSeconds: seconds * 0.1,
    sysSeconds: seconds * 0.05,
    cpuUtilization: 0.15,
    peakRssBytes: 14_000_000,
    maxRssBytes: 14_000_000,
    treeRssBytes: 13_000_000,
    exitCode: 0,
    signal: null,
    timedOut: false,
    ...(side === 'rewrite' ? { equal: true } : {}),
    launchSeconds: seconds + 0.01,
  });
  return [
    run('original', 'warmup', 0.82),
    run('rewrite', 'warmup', 0.2),
    run('original', 'timed', 0.81),
    run('rewrite', 'timed', 0.21),
    run('original', 'timed', 0.8),
    run('rewrite', 'timed', 0.2),
    run('original', 'timed', 0.84),
    run('rewrite', 'timed', 0.22),
    run('rewrite', 'sweep', 0.8, 1),
    run('rewrite', 'sweep', 0.42, 2),
    run('rewrite', 'sweep', 0.23, 4),
  ];
}

export function verifyReport(overrides: Partial<VerifyReport> = {}): VerifyReport {
  return {
    status: 'equal',
    equal: true,
    notes: ['no --output-dir: files the program writes are not compared'],
    project: '/home/me/app',
    command: ['python3', 'main.py'],
    candidate: 'rewrite',
    rewrites: {
      applied: 1,
      rewrites: [
        {
          rule: 'PA101',
          path: 'main.py',
          line: 11,
          message: 'Iterations of `for item in range(16)` can run concurrently with threads',
          model: 'threads',
          workload: 'io',
          workers: 16,
          rationale: 'each iteration waits on sleep, during which the GIL is released',
          workersVariable: 'WORK_WORKERS',
        },
      ],
      errors: [],
      loops: [{ path: 'main.py', line: 11, verdict: 'parallel', reason: 'each iteration waits on sleep (`work`)' }],
      changedFiles: [{ path: 'main.py', before: 'for item in range(16):\n    work(item)\n', after: 'with pool:\n    pool.map(work, range(16))\n' }],
    },
    runs: 3,
    warmup: 1,
    timeoutSeconds: 600,
    compared: { exitStatus: true, stdout: true, stderr: false, files: 0 },
    baseline: { seconds: { count: 3, median: 0.81, mean: 0.8167, min: 0.8, max: 0.84, stdev: 0.0208 }, cpuUtilization: 0.15, peakRssBytes: 13_800_000, exitCode: 0, signal: null },
    candidateFigures: { seconds: { count: 3, median: 0.21, mean: 0.21, min: 0.2, max: 0.22, stdev: 0.01 }, cpuUtilization: 0.6, peakRssBytes: 15_100_000, exitCode: 0, signal: null },
    speedup: { speedup: 3.857, interval: { low: 3.64, high: 4.05 }, level: 0.95, resamples: 2000, pairedRange: { low: 3.64, high: 4.0 } },
    scaling: [
      { workers: 1, seconds: 0.8, runs: [0.8], speedup: 1.0125, efficiency: 1.0125, cpuUtilization: 0.15, peakRssBytes: 14_000_000 },
      { workers: 2, seconds: 0.42, runs: [0.42], speedup: 1.929, efficiency: 0.964, cpuUtilization: 0.2, peakRssBytes: 14_100_000 },
      { workers: 4, seconds: 0.23, runs: [0.23], speedup: 3.522, efficiency: 0.88, cpuUtilization: 0.3, peakRssBytes: 14_200_000 },
    ],
    sweep: { variables: [{ name: 'WORK_WORKERS', model: 'threads', file: 'main.py' }], workers: [1, 2, 4], runsPerPoint: 1, cpus: 2 },
    amdahl: { serialFraction: 0.05, t1Seconds: 0.8, rSquared: 0.99, clamped: false },
    differences: [],
    cases: [],
    stress: { ...skippedStress(0, 'not requested'), threadEntries: {}, errors: [] },
    nondeterministic: false,
    nondeterminism: [],
    records: records(),
    overhead: { totalSeconds: 6, programSeconds: 5.5, fraction: 0.08 },
    ...overrides,
  };
}

export const VERIFY_CONTEXT: ReportContext = {
  invocation: ['concur', 'verify', '--sweep', '--report', 'verify.md', 'main.py', '--', 'python3', 'main.py'],
  version: '0.1.0',
  now: new Date('2025-01-02T03:04:05.000Z'),
};

/** Strings that would run or break the page if a renderer forgot to escape them. */
export const HOSTILE = {
  message: 'Call `open("</script><script>window.__pwned = 1</script>")` then </script><script>window.__pwned = 2</script> & <b>bold</b>',
  path: 'app/<img src=x onerror="window.__pwned = 3">.py',
  snippet: 'x = "</script><!-- <script>window.__pwned = 4</script>"',
  related: '<svg onload="window.__pwned = 5"> | pipes | `code | pipe`',
};

export function hostileReport() {
  return reportOf(
    [
      blockingCallFinding({
        path: HOSTILE.path,
        message: HOSTILE.message,
        snippet: { firstLine: 12, lines: [HOSTILE.snippet] },
        related: [{ path: HOSTILE.path, line: 3, column: 1, endLine: 3, endColumn: 2, message: HOSTILE.related }],
      }),
    ],
    { loops: [{ path: HOSTILE.path, line: 12, verdict: 'rejected', reason: HOSTILE.message }], filesAnalysed: 1 },
  );
}
