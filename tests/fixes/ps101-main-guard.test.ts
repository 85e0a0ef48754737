/**
 * PS101's fix: the code a module runs at import moves under `if __name__ == "__main__":`. Each
 * case runs the original and the fixed program under the platform's start method (fork here,
 * where both work and must print the same), and then under `spawn`, where the original fails
 * or hangs (a hang is a result: the run is killed with its process group after a timeout) and
 * the fixed program must print what the original printed under fork.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli-sync.js';
import { PYTHON, removeProjects, spawnPython, type PythonRun } from '../helpers/python.js';
import { changedFiles, expectCleanRun, expectSameBehaviour, rewritten, roundTrip, summarize } from './round-trip.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

/** Runs `main.py` with spawn as multiprocessing's default start method. */
const SPAWN_WRAPPER = [
  'import multiprocessing, runpy, sys',
  'multiprocessing.set_start_method("spawn")',
  'sys.argv = sys.argv[1:]',
  'runpy.run_path(sys.argv[0], run_name="__main__")',
].join('\n');

function runUnderSpawn(dir: string, timeoutMs: number): Promise<PythonRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0', PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' };
  delete env.PYTHONPATH;
  delete env.PYTHONSTARTUP;
  delete env.PYTHONWARNINGS;
  return spawnPython(PYTHON, ['-c', SPAWN_WRAPPER, 'main.py'], { cwd: dir, env, timeoutMs });
}

/** Under spawn the unguarded program hangs or dies on the bootstrapping error; it never prints its result cleanly. */
function expectBrokenUnderSpawn(run: PythonRun): void {
  const failed = run.timedOut || run.status !== 0;
  expect(failed, `the original program worked under spawn:\n${run.stdout}`).toBe(true);
  if (!run.timedOut) expect(run.stderr).toContain('bootstrapping phase');
}

describe('PS101 add the main guard', () => {
  it('moves a module-level Pool under the guard: the program works under spawn', async () => {
    const main = [
      'import multiprocessing',
      '',
      '',
      'def square(x):',
      '    return x * x',
      '',
      '',
      'pool = multiprocessing.Pool(2)',
      'print(pool.map(square, range(6)))',
      'pool.close()',
      'pool.join()',
      '',
    ].join('\n');
    const files = { 'main.py': main };
    const trip = roundTrip(files);

    expect(summarize(trip.before, 'PS101')).toEqual([{ rule: 'PS101', path: 'main.py', line: 8, fix: 'safe' }]);
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        [
          'pool = multiprocessing.Pool(2)\nprint(pool.map(square, range(6)))\npool.close()\npool.join()\n',
          'if __name__ == "__main__":\n    pool = multiprocessing.Pool(2)\n    print(pool.map(square, range(6)))\n    pool.close()\n    pool.join()\n',
        ],
      ]),
    );
    expect(changedFiles(trip, files)).toEqual(['main.py']);
    expectCleanRun(trip.originalRun, '[0, 1, 4, 9, 16, 25]\n');
    expectSameBehaviour(trip);
    expect(summarize(trip.after, 'PS101')).toEqual([]);

    const [before, after] = await Promise.all([runUnderSpawn(trip.original.dir, 15_000), runUnderSpawn(trip.fixed.dir, 60_000)]);
    expectBrokenUnderSpawn(before);
    expectCleanRun(after, trip.originalRun.stdout);
  }, 120_000);

  it('guards an import-time call of main() that runs a ProcessPoolExecutor, keeping comments, a multi-line string and module constants', async () => {
    const main = [
      '"""Squares, in worker processes."""',
      'from concurrent.futures import ProcessPoolExecutor',
      '',
      'WORKERS = 2',
      '',
      '',
      'def square(x):',
      '    return x * x',
      '',
      '',
      'def main():',
      '    with ProcessPoolExecutor(WORKERS) as pool:',
      '        return list(pool.map(square, range(5)))',
      '',
      '',
      '# Run it.',
      'BANNER = """squares:',
      '  (computed in worker processes)   """.rstrip()',
      'print(BANNER)',
      'print(main())',
      '',
    ].join('\n');
    const files = { 'main.py': main };
    const trip = roundTrip(files);

    const findings = summarize(trip.before, 'PS101');
    expect(findings).toEqual([{ rule: 'PS101', path: 'main.py', line: 20, fix: 'safe' }]);
    expect(trip.before.findings.find((f) => f.rule === 'PS101')!.message).toContain('`main()` runs when the module is imported and starts worker processes (`pool.map(...)` at line 13');
    expect(trip.fixed.read('main.py')).toBe(
      rewritten(main, [
        [
          'BANNER = """squares:\n  (computed in worker processes)   """.rstrip()\nprint(BANNER)\nprint(main())\n',
          'if __name__ == "__main__":\n    BANNER = """squares:\n  (computed in worker processes)   """.rstrip()\n    print(BANNER)\n    print(main())\n',
        ],
      ]),
    );
    expectCleanRun(trip.originalRun, 'squares:\n  (computed in worker processes)\n[0, 1, 4, 9, 16]\n');
    expectSameBehaviour(trip);

    const [before, after] = await Promise.all([runUnderSpawn(trip.original.dir, 15_000), runUnderSpawn(trip.fixed.dir, 60_000)]);
    expectBrokenUnderSpawn(before);
    expectCleanRun(after, trip.originalRun.stdout);
  }, 120_000);

  it('cross-file: guards the script whose import-time call reaches a pool in another module', async () => {
    const jobs = [
      'from multiprocessing import Pool',
      '',
      '',
      'def square(x):',
      '    return x * x',
      '',
      '',
      'def run_all(items):',
      '    with Pool(2) as pool:',
      '        return pool.map(square, items)',
      '',
    ].join('\n');
    const main = ['import jobs', '', 'print(jobs.run_all([1, 2, 3]))', ''].join('\n');
    const files = { 'main.py': main, 'jobs.py': jobs };
    const trip = roundTrip(files);

    expect(summarize(trip.before, 'PS101')).toEqual([{ rule: 'PS101', path: 'main.py', line: 3, fix: 'safe' }]);
    expect(trip.fixed.read('main.py')).toBe('import jobs\n\nif __name__ == "__main__":\n    print(jobs.run_all([1, 2, 3]))\n');
    expect(changedFiles(trip, files)).toEqual(['main.py']);
    expectCleanRun(trip.originalRun, '[1, 4, 9]\n');
    expectSameBehaviour(trip);

    const [before, after] = await Promise.all([runUnderSpawn(trip.original.dir, 15_000), runUnderSpawn(trip.fixed.dir, 60_000)]);
    expectBrokenUnderSpawn(before);
    expectCleanRun(after, trip.originalRun.stdout);
  }, 120_000);

  it('leaves the file alone when another module imports a name the move would hide (the fix is unsafe)', () => {
    // The worker lives in another module: a pool started while `main` is being imported could
    // not import `main` in its (forked) workers without deadlocking on the import lock.
    const ops = ['def square(x):', '    return x * x', ''].join('\n');
    const main = ['from multiprocessing import Pool', '', 'from ops import square', '', 'with Pool(2) as pool:', '    TABLE = pool.map(square, range(4))', 'print(TABLE)', ''].join('\n');
    const report = ['from main import TABLE', '', 'print("table:", TABLE)', ''].join('\n');
    const files = { 'main.py': main, 'report.py': report, 'ops.py': ops };
    const trip = roundTrip(files, { entry: 'report.py' });

    expect(summarize(trip.before, 'PS101')).toEqual([{ rule: 'PS101', path: 'main.py', line: 5, fix: 'unsafe' }]);
    expect(trip.before.findings.find((f) => f.rule === 'PS101')!.fix!.message).toContain('report.py imports `TABLE` from this module');
    // `concur fix` applies safe fixes only: nothing changes, and report.py still works.
    expect(changedFiles(trip, files)).toEqual([]);
    expectCleanRun(trip.originalRun, '[0, 1, 4, 9]\ntable: [0, 1, 4, 9]\n');
    expectSameBehaviour(trip);
  });
});
