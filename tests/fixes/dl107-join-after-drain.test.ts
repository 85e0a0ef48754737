/**
 * DL107's fix: the `join()` that came before the parent read the queue moves after the
 * `get()` calls. Each case runs the original and the fixed program under real Python with
 * items larger than a pipe holds (64 KiB on Linux): the original really hangs (it is killed
 * after the timeout, with its whole process group, children included: a hang is a result, not a
 * timing assertion) and the fixed program finishes with the right output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/output/json.js';
import { assertBuilt, checkJson, fixInPlace } from '../helpers/cli-sync.js';
import { makeProject, PYTHON, removeProjects, spawnPython, type PythonRun, type TempProject } from '../helpers/python.js';
import { rewritten, summarize } from './round-trip.js';

beforeAll(assertBuilt);
afterAll(removeProjects);

/** Long enough for a loaded machine to finish the fixed program; the original never finishes. */
const TIMEOUT_MS = 10_000;

function run(project: TempProject): Promise<PythonRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0', PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' };
  delete env.PYTHONPATH;
  delete env.PYTHONSTARTUP;
  delete env.PYTHONWARNINGS;
  return spawnPython(PYTHON, ['main.py'], { cwd: project.dir, env, timeoutMs: TIMEOUT_MS });
}

async function trip(main: string, unsafe = false): Promise<{ before: JsonReport; after: JsonReport; fixed: string; original: PythonRun; rewritten: PythonRun }> {
  const original = makeProject({ 'main.py': main });
  const fixedProject = original.copy();
  const before = checkJson(original.dir);
  fixInPlace(fixedProject.dir, { unsafe });
  const after = checkJson(fixedProject.dir);
  const [originalRun, rewrittenRun] = await Promise.all([run(original), run(fixedProject)]);
  return { before, after, fixed: fixedProject.read('main.py'), original: originalRun, rewritten: rewrittenRun };
}

function expectHang(result: PythonRun): void {
  expect(result.timedOut, `expected a hang; status ${result.status}, stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(true);
}

function expectFinished(result: PythonRun, stdout: string): void {
  expect(result.timedOut, `the fixed program hung; stderr:\n${result.stderr}`).toBe(false);
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(stdout);
  expect(result.status).toBe(0);
}

describe('DL107 move the join after the queue is drained', () => {
  it('one process putting 1 MB: the original deadlocks in join(), the fixed program prints the size (safe)', async () => {
    const main = [
      'import multiprocessing',
      '',
      '',
      'def produce(q, n):',
      '    q.put("x" * n)',
      '',
      '',
      'def main(n):',
      '    q = multiprocessing.Queue()',
      '    p = multiprocessing.Process(target=produce, args=(q, n))',
      '    p.start()',
      '    p.join()',
      '    data = q.get()',
      '    return len(data)',
      '',
      '',
      'if __name__ == "__main__":',
      '    print(main(1_000_000))',
      '',
    ].join('\n');
    const result = await trip(main);
    expect(summarize(result.before, 'DL107')).toEqual([{ rule: 'DL107', path: 'main.py', line: 12, fix: 'safe' }]);
    expect(result.fixed).toBe(rewritten(main, [['    p.join()\n    data = q.get()\n', '    data = q.get()\n    p.join()\n']]));
    expect(summarize(result.after, 'DL107')).toEqual([]);
    expectHang(result.original);
    expectFinished(result.rewritten, '1000000\n');
  });

  it('four processes joined in a loop before a get loop: the fixed program collects every item (safe)', async () => {
    const main = [
      'import multiprocessing',
      '',
      '',
      'def chunk(index, size, out):',
      '    out.put((index, bytes([index]) * size))',
      '',
      '',
      'if __name__ == "__main__":',
      '    out = multiprocessing.Queue()',
      '    procs = []',
      '    for index in range(4):',
      '        p = multiprocessing.Process(target=chunk, args=(index, 200_000, out))',
      '        p.start()',
      '        procs.append(p)',
      '    for p in procs:',
      '        p.join()',
      '    chunks = {}',
      '    for _ in procs:',
      '        index, data = out.get()',
      '        chunks[index] = len(data)',
      '    print(sorted(chunks.items()))',
      '',
    ].join('\n');
    const result = await trip(main);
    expect(summarize(result.before, 'DL107')).toEqual([{ rule: 'DL107', path: 'main.py', line: 16, fix: 'safe' }]);
    expect(result.fixed).toBe(
      rewritten(main, [
        [
          '    for p in procs:\n        p.join()\n    chunks = {}\n    for _ in procs:\n        index, data = out.get()\n        chunks[index] = len(data)\n',
          '    chunks = {}\n    for _ in procs:\n        index, data = out.get()\n        chunks[index] = len(data)\n    for p in procs:\n        p.join()\n',
        ],
      ]),
    );
    expectHang(result.original);
    expectFinished(result.rewritten, '[(0, 200000), (1, 200000), (2, 200000), (3, 200000)]\n');
  });

  it('a print between the join and the get makes the fix unsafe; applied, it still ends the deadlock', async () => {
    const main = [
      'import multiprocessing',
      '',
      '',
      'def produce(q):',
      '    q.put(list(range(100_000)))',
      '',
      '',
      'if __name__ == "__main__":',
      '    q = multiprocessing.Queue()',
      '    p = multiprocessing.Process(target=produce, args=(q,))',
      '    p.start()',
      '    p.join()',
      '    print("reading")',
      '    numbers = q.get()',
      '    print(sum(numbers))',
      '',
    ].join('\n');
    const safeOnly = makeProject({ 'main.py': main });
    fixInPlace(safeOnly.dir);
    expect(safeOnly.read('main.py')).toBe(main);

    const result = await trip(main, true);
    expect(summarize(result.before, 'DL107')).toEqual([{ rule: 'DL107', path: 'main.py', line: 12, fix: 'unsafe' }]);
    expect(result.fixed).toBe(rewritten(main, [['    p.join()\n    print("reading")\n    numbers = q.get()\n', '    print("reading")\n    numbers = q.get()\n    p.join()\n']]));
    expectHang(result.original);
    expectFinished(result.rewritten, 'reading\n4999950000\n');
  });
});
