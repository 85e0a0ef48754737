/**
 * The optional per-item timeout (`--item-timeout`, `item-timeout` in [tool.concur]): the rewrite
 * waits at most that long for each item's result and raises TimeoutError naming the item, run
 * under real python3; without the setting the rewrite is the usual one.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runConcur } from '../helpers/cli.js';
import { PYTHON, makeProject, pythonAvailable, removeProjects, spawnPython } from '../helpers/python.js';

afterAll(removeProjects);

const PYTHON38 = process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python';

/** Item 3 is slow (sleeping `slow` seconds in threads and tasks, computing for several seconds in processes), the others take milliseconds. */
function program(slow: number, model: 'threads' | 'processes' | 'asyncio'): string {
  if (model === 'asyncio') {
    return [
      'import asyncio',
      'import sys',
      '',
      '',
      'async def fetch(n):',
      `    await asyncio.sleep(${slow} if n == 3 else 0.01)`,
      '    return n * 10',
      '',
      '',
      'async def main():',
      '    count = int(sys.argv[1]) if len(sys.argv) > 1 else 8',
      '    totals = []',
      '    for n in range(count):',
      '        value = await fetch(n)',
      '        totals.append(value)',
      '    print(sum(totals))',
      '',
      '',
      'if __name__ == "__main__":',
      '    asyncio.run(main())',
      '',
    ].join('\n');
  }
  const work =
    model === 'threads'
      ? ['def fetch(n):', `    time.sleep(${slow} if n == 3 else 0.01)`, '    return n * 10']
      : ['def fetch(n):', '    total = 0', `    for i in range(${slow * 15_000_000} if n == 3 else 20_000):`, '        total += i % 7', '    return n * 10 + (total > 0)'];
  return [
    'import sys',
    'import time',
    '',
    '',
    ...work,
    '',
    '',
    'def main():',
    '    count = int(sys.argv[1]) if len(sys.argv) > 1 else 8',
    '    totals = []',
    '    for n in range(count):',
    '        value = fetch(n)',
    '        totals.append(value)',
    '    print(sum(totals))',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n');
}

async function rewritten(source: string, extra: string[]): Promise<string> {
  const project = makeProject({ 'main.py': source }, 'concur-timeout-');
  const result = await runConcur(['fix', '--isolated', '--unsafe-fixes', '--select', 'PA101', ...extra, 'main.py'], { cwd: project.dir });
  expect(result.status, result.stderr).toBe(0);
  return project.path('main.py');
}

function run(file: string, env: Record<string, string> = {}, python = PYTHON, timeoutMs = 30_000) {
  return spawnPython(python, [file], { cwd: process.cwd(), env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, timeoutMs });
}

describe.concurrent('per-item timeout', () => {
  for (const model of ['threads', 'processes', 'asyncio'] as const) {
    it(`${model}: a slow item raises TimeoutError naming it; a longer timeout gives the original output`, async () => {
      const original = await run(makeProject({ 'main.py': program(2, model) }, 'concur-timeout-').path('main.py'));
      expect(original.status).toBe(0);
      const file = await rewritten(program(2, model), ['--item-timeout', '0.5']);
      const runner = { threads: 'ThreadPoolExecutor(max_workers=', processes: 'ProcessPoolExecutor(max_workers=', asyncio: 'asyncio.Semaphore(' };
      expect(readFileSync(file, 'utf8')).toContain(runner[model]);
      const timedOut = await run(file);
      expect(timedOut.status).toBe(1);
      expect(timedOut.stdout).toBe('');
      expect(timedOut.stderr).toContain('TimeoutError: no result for item 3 within 0.5 s');
      const generous = await run(file, { FETCH_ITEM_TIMEOUT: '60' });
      expect(generous.stderr).toBe('');
      expect(generous.status).toBe(0);
      expect(generous.stdout).toBe(original.stdout);
    });
  }

  it('hybrid: a slow download raises TimeoutError naming the item; both pools are shut down without waiting; a longer timeout gives the original output', async () => {
    // Item 3's download takes 6 s; every item then counts in pure Python (worker processes).
    // The timeout (2.5 s) also covers spawning the worker processes for the first items.
    const source = [
      'import sys',
      'import time',
      '',
      '',
      'def fetch(n):',
      '    time.sleep(6 if n == 3 else 0.01)',
      '    return " ".join(str(i % 13) for i in range(200))',
      '',
      '',
      'def score(page):',
      '    total = 0',
      '    for i in range(20_000):',
      '        total += i % 7',
      '    return len(page.split()) + total % 5',
      '',
      '',
      'def main():',
      '    count = int(sys.argv[1]) if len(sys.argv) > 1 else 8',
      '    totals = []',
      '    for n in range(count):',
      '        page = fetch(n)',
      '        value = score(page)',
      '        totals.append(value)',
      '    print(sum(totals))',
      '',
      '',
      'if __name__ == "__main__":',
      '    main()',
      '',
    ].join('\n');
    const original = await run(makeProject({ 'main.py': source }, 'concur-timeout-').path('main.py'));
    expect(original.status).toBe(0);
    const file = await rewritten(source, ['--item-timeout', '2.5']);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('mp_context=multiprocessing.get_context("spawn")');
    expect(text).toContain('map_in_order(thread_pool, fetch_task, range(count), 2 * FETCH_THREADS, FETCH_ITEM_TIMEOUT)');
    expect(text).toContain('    thread_pool.shutdown(wait=wait_for_calls)\n        process_pool.shutdown(wait=wait_for_calls)');
    const timedOut = await run(file);
    expect(timedOut.status).toBe(1);
    expect(timedOut.stdout).toBe('');
    expect(timedOut.stderr).toContain('TimeoutError: no result for item 3 within 2.5 s');
    const generous = await run(file, { FETCH_ITEM_TIMEOUT: '60' });
    expect(generous.stderr).toBe('');
    expect(generous.status).toBe(0);
    expect(generous.stdout).toBe(original.stdout);
  });

  // Item 3 sleeps 30 s (threads) or counts for minutes (processes); the program must be over in 10 s.
  const prompt = [
    { model: 'threads', python: PYTHON, target: [] },
    { model: 'processes', python: PYTHON, target: [] },
    // Python 3.8's process pool hangs at exit after `shutdown(wait=False)`: that rewrite keeps its `with` block.
    { model: 'processes', python: PYTHON38, target: ['--target-version', 'py38'] },
  ] as const;
  for (const { model, python, target } of prompt) {
    it(`${model}${target.length ? ` (${target[1]})` : ''}: the program ends without waiting for the call that timed out`, async (context) => {
      context.skip(!pythonAvailable(python), `${python} not found (set CONCUR_TEST_PYTHON38)`);
      const file = await rewritten(program(model === 'threads' ? 30 : 1000, model), ['--item-timeout', '0.5', ...target]);
      const text = readFileSync(file, 'utf8');
      expect(text.includes('wait_for_calls')).toBe(target.length === 0);
      const started = Date.now();
      const timedOut = await run(file, {}, python, 10_000);
      expect(timedOut.timedOut, `still running after ${Date.now() - started} ms; stderr:\n${timedOut.stderr}`).toBe(false);
      expect(timedOut.status).toBe(1);
      expect(timedOut.stderr).toContain('TimeoutError: no result for item 3 within 0.5 s');
    });
  }

  it('without the setting, the rewrite has no timeout and keeps its `with` block', async () => {
    const text = readFileSync(await rewritten(program(0, 'threads'), []), 'utf8');
    expect(text).not.toContain('TIMEOUT');
    expect(text).toContain('with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:');
    const timed = readFileSync(await rewritten(program(0, 'threads'), ['--item-timeout', '3']), 'utf8');
    expect(timed).toContain('FETCH_ITEM_TIMEOUT = float(os.environ.get("FETCH_ITEM_TIMEOUT", "3"))');
    expect(timed).toContain('pool.shutdown(wait=wait_for_calls)');
  });

  it('asyncio: waiting for a turn under the semaphore does not count against an item', async () => {
    // One task at a time, 8 items of 0.2 s: the last starts after 1.4 s, well past the 0.5 s limit.
    const source = program(0, 'asyncio').replace('0 if n == 3 else 0.01', '0.2');
    const file = await rewritten(source, ['--item-timeout', '0.5']);
    const result = await run(file, { FETCH_CONCURRENCY: '1' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('280\n');
  });
});
