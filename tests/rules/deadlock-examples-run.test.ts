/**
 * The deadlock rules' documented examples are real programs: each example runs under real
 * Python and does what its rule says (hangs, or warns), and its fixed version finishes with the
 * expected output. A hang is a result: the program is killed with its whole process group after
 * the timeout (no timing assertion).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { forkWithThreads } from '../../src/rules/deadlock/fork-with-threads.js';
import { joinNeverReturns } from '../../src/rules/deadlock/join-never-returns.js';
import { lockHeldAcrossAwait } from '../../src/rules/deadlock/lock-held-across-await.js';
import { processJoinedBeforeQueueDrained } from '../../src/rules/deadlock/process-joined-before-queue-drained.js';
import type { Rule } from '../../src/rules/rule.js';
import { makeProject, PYTHON, pythonAvailable, removeProjects, spawnPython, type PythonRun } from '../helpers/python.js';

afterAll(removeProjects);

const TIMEOUT_MS = 10_000;
/** `os.fork()` with threads running warns from 3.12 on. */
const PYTHON312 = process.env.CONCUR_TEST_PYTHON312 ?? '/root/.pyenv/versions/3.12.1/bin/python';
const HAVE_PYTHON312 = pythonAvailable(PYTHON312);
const FORK_WARNING = 'use of fork() may lead to deadlocks in the child';

function run(code: string, options: { python?: string; warnings?: string } = {}): Promise<PythonRun> {
  const project = makeProject({ 'main.py': `${code}\n` }, 'concur-dl-example-');
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0', PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' };
  delete env.PYTHONPATH;
  delete env.PYTHONSTARTUP;
  delete env.PYTHONWARNINGS;
  if (options.warnings) env.PYTHONWARNINGS = options.warnings;
  return spawnPython(options.python ?? PYTHON, ['main.py'], { cwd: project.dir, env, timeoutMs: TIMEOUT_MS });
}

function expectFinished(result: PythonRun, stdout: string): void {
  expect(result.timedOut, `hung; stderr:\n${result.stderr}`).toBe(false);
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(stdout);
  expect(result.status).toBe(0);
}

const hangs: Array<[Rule, string]> = [
  [lockHeldAcrossAwait, "[('a', 'A'), ('b', 'B')]\n"],
  [joinNeverReturns, `${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].join('\n')}\n`],
  [processJoinedBeforeQueueDrained, '1000000\n'],
];

describe('deadlock rules: the documented examples run as documented', () => {
  for (const [rule, output] of hangs) {
    it(`${rule.meta.code}: the example hangs, the fixed version finishes`, async () => {
      const [example, fixed] = await Promise.all([run(rule.meta.docs.example), run(rule.meta.docs.fixed)]);
      expect(example.timedOut, `expected a hang; status ${example.status}\nstdout:\n${example.stdout}\nstderr:\n${example.stderr}`).toBe(true);
      expectFinished(fixed, output);
    });
  }

  it.skipIf(!HAVE_PYTHON312)('DL108: Python 3.12 warns that the example forks with a thread running; the fixed version (spawn) does not', async () => {
    const warnings = 'always::DeprecationWarning';
    const [example, fixed] = await Promise.all([
      run(forkWithThreads.meta.docs.example, { python: PYTHON312, warnings }),
      run(forkWithThreads.meta.docs.fixed, { python: PYTHON312, warnings }),
    ]);
    const squares = '[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n';
    expect(example.timedOut).toBe(false);
    expect(example.stdout).toBe(squares);
    expect(example.stderr).toContain(FORK_WARNING);
    expect(fixed.timedOut).toBe(false);
    expect(fixed.stdout).toBe(squares);
    expect(fixed.stderr).not.toContain(FORK_WARNING);
  });
});
