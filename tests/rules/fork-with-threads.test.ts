import { forkWithThreads } from '../../src/rules/deadlock/fork-with-threads.js';
import { ruleTester } from '../helpers/rule-tester.js';

const lines = (...text: string[]) => `${text.join('\n')}\n`;
const HEAD = lines('import multiprocessing', 'import os', 'import threading', 'from concurrent.futures import ThreadPoolExecutor', '', '', 'def work(n):', '    return n * n', '', '');

ruleTester(forkWithThreads, {
  valid: [
    {
      name: 'the thread is joined before the fork',
      code: `${HEAD}${lines('def main():', '    t = threading.Thread(target=work, args=(1,))', '    t.start()', '    t.join()', '    pid = os.fork()', '    return pid')}`,
    },
    {
      name: 'processes started before the threads',
      code: `${HEAD}${lines('def main():', '    with multiprocessing.Pool(2) as pool:', '        t = threading.Thread(target=work, args=(1,))', '        t.start()', '        print(pool.map(work, range(4)))', '        t.join()')}`,
    },
    {
      name: 'the spawn and forkserver start methods do not fork',
      code: `${HEAD}${lines(
        'def main():',
        '    t = threading.Thread(target=work, args=(1,))',
        '    t.start()',
        '    with multiprocessing.get_context("spawn").Pool(2) as pool:',
        '        pool.map(work, range(4))',
        '    ctx = multiprocessing.get_context("forkserver")',
        '    p = ctx.Process(target=work, args=(1,))',
        '    p.start()',
        '    p.join()',
        '    t.join()',
      )}`,
    },
    {
      // scipy's MapWrapper: `get_context(method=method).Pool()` with the method chosen at run time (forkserver on POSIX before 3.14).
      name: 'a start method chosen at run time is not assumed to be fork, nor a context handed in',
      code: `${HEAD}${lines(
        'def main(method, ctx):',
        '    t = threading.Thread(target=work, args=(1,))',
        '    t.start()',
        '    with multiprocessing.get_context(method=method).Pool(2) as pool:',
        '        pool.map(work, range(4))',
        '    p = ctx.Process(target=work, args=(1,))',
        '    p.start()',
        '    p.join()',
        '    t.join()',
      )}`,
    },
    {
      // multiprocessing's own `BaseContext.Pool` (the standard library analysed as a project), reached from scipy's MapWrapper.
      name: 'a multiprocessing.pool.Pool given its context, reached through a call into another file',
      files: {
        'pools.py': lines('import multiprocessing.pool', '', 'class Context:', '    def get_context(self):', '        return self', '', '    def Pool(self, processes=None):', '        return multiprocessing.pool.Pool(processes, context=self.get_context())'),
        'main.py': lines('import threading', 'from pools import Context', '', 'def work(n):', '    return n', '', 'def main():', '    t = threading.Thread(target=work, args=(1,))', '    t.start()', '    Context().Pool(2)', '    t.join()'),
      },
    },
    {
      name: 'the default start method on a Python 3.14+ target is forkserver',
      settings: { targetVersion: [3, 14] },
      code: `${HEAD}${lines('def main():', '    t = threading.Thread(target=work, args=(1,))', '    t.start()', '    p = multiprocessing.Process(target=work, args=(1,))', '    p.start()', '    p.join()', '    t.join()')}`,
    },
    {
      name: 'a thread pool whose with block ended before the fork, and one that was never given work',
      code: `${HEAD}${lines('def main():', '    with ThreadPoolExecutor(2) as ex:', '        list(ex.map(work, range(4)))', '    os.fork()', '    with ThreadPoolExecutor(2) as idle:', '        os.fork()')}`,
    },
    {
      name: 'a helper that starts and joins its thread, and a thread created but never started',
      code: `${HEAD}${lines(
        'def check():',
        '    t = threading.Thread(target=work, args=(1,))',
        '    t.start()',
        '    t.join()',
        '',
        'def main():',
        '    check()',
        '    unused = threading.Thread(target=work, args=(2,))',
        '    os.fork()',
      )}`,
    },
    {
      name: 'a helper that returns the thread it started (the caller may join it)',
      code: `${HEAD}${lines('def start():', '    t = threading.Thread(target=work, args=(1,))', '    t.start()', '    return t', '', 'def main():', '    t = start()', '    t.join()', '    os.fork()')}`,
    },
  ],
  invalid: [
    {
      name: 'os.fork() while a thread started earlier runs',
      code: `${HEAD}${lines('def main():', '    t = threading.Thread(target=work, args=(1,))', '    t.start()', '    pid = os.fork()', '    t.join()', '    return pid')}`,
      errors: [
        {
          line: 14,
          message:
            /^`os\.fork\(\)` at line 14 forks while the thread started at line 13 \(`threading\.Thread\(target=work, args=\(1,\)\)`\) is still running \(it is joined only at line 15\): the child process gets a copy of every lock that thread holds.*use of fork\(\) may lead to deadlocks in the child.*`multiprocessing\.get_context\("spawn"\)`\), or start them before the threads$/,
          fix: 'none',
        },
      ],
    },
    {
      name: 'a Pool with the default start method (fork on Linux before 3.14) while a thread runs',
      code: `${HEAD}${lines(
        'if __name__ == "__main__":',
        '    stop = threading.Event()',
        '    beat = threading.Thread(target=stop.wait)',
        '    beat.start()',
        '    with multiprocessing.Pool(4) as pool:',
        '        print(pool.map(work, range(10)))',
        '    stop.set()',
        '    beat.join()',
      )}`,
      errors: [{ line: 15, message: /^`multiprocessing\.Pool\(\.\.\.\)` at line 15 forks \(fork is the default start method on Linux before Python 3\.14, and the target version is 3\.9\) while the thread started at line 14/ }],
    },
    {
      name: 'an explicit fork context flags even on a 3.14 target; Process.start() and ProcessPoolExecutor count',
      settings: { targetVersion: [3, 14] },
      code: `${HEAD}${lines(
        'from concurrent.futures import ProcessPoolExecutor',
        '',
        'def main():',
        '    ctx = multiprocessing.get_context("fork")',
        '    t = threading.Thread(target=work, args=(1,))',
        '    t.start()',
        '    p = ctx.Process(target=work, args=(1,))',
        '    p.start()',
        '    with ProcessPoolExecutor(mp_context=ctx) as ex:',
        '        ex.submit(work, 2)',
        '    t.join()',
      )}`,
      errors: [
        { line: 18, message: '`p.start()` at line 18 forks (the fork start method is set)' },
        { line: 20, message: '`ex.submit(...)` at line 20 forks (the fork start method is set)' },
      ],
    },
    {
      name: 'inside a ThreadPoolExecutor block after work was submitted',
      code: `${HEAD}${lines('def main():', '    with ThreadPoolExecutor(2) as ex:', '        future = ex.submit(work, 1)', '        pid = os.fork()', '    return future, pid')}`,
      errors: [{ line: 14, message: /while the worker threads of `ThreadPoolExecutor\(2\)` \(running since line 13\) are alive \(they stop at the end of its `with` block, line 14\): the child process gets a copy of every lock those threads hold/ }],
    },
    {
      name: 'a helper left a thread running, and the fork is reached through a call',
      code: `${HEAD}${lines(
        'def start_monitor():',
        '    threading.Thread(target=work, args=(1,), daemon=True).start()',
        '',
        'def spawn_workers():',
        '    with multiprocessing.Pool(2) as pool:',
        '        return pool.map(work, range(4))',
        '',
        'def main():',
        '    start_monitor()',
        '    spawn_workers()',
      )}`,
      errors: [
        {
          line: 20,
          message:
            /^`spawn_workers\(\)` at line 20 forks \(`multiprocessing\.Pool\(\.\.\.\)` in `spawn_workers` at line 15\) while `start_monitor\(\)` at line 19 left a thread running \(`threading\.Thread\(target=work, args=\(1,\), daemon=True\)` in `start_monitor` at line 12\)/,
        },
      ],
    },
    {
      name: 'across files: the thread is left running by one module, the fork happens in another',
      files: {
        'monitor.py': lines('import threading', 'import time', '', 'def poll():', '    while True:', '        time.sleep(1)', '', 'def start_monitor():', '    threading.Thread(target=poll, daemon=True).start()'),
        'spawner.py': lines('import os', '', 'def daemonize():', '    if os.fork():', '        os._exit(0)'),
        'main.py': lines('from monitor import start_monitor', 'from spawner import daemonize', '', 'def main():', '    start_monitor()', '    daemonize()'),
      },
      errors: [{ line: 6, message: /^`daemonize\(\)` at line 6 forks \(`os\.fork\(\)` in `daemonize` at spawner\.py line 4\) while `start_monitor\(\)` at line 5 left a thread running \(`threading\.Thread\(target=poll, daemon=True\)` in `start_monitor` at monitor\.py line 9\)/ }],
    },
    {
      name: 'module-level code: a thread started at import, then a fork',
      code: `${HEAD}${lines('LISTENER = threading.Thread(target=work, args=(1,), daemon=True)', 'LISTENER.start()', '', 'if __name__ == "__main__":', '    if os.fork() == 0:', '        os._exit(0)')}`,
      errors: [{ line: 15, message: /^`os\.fork\(\)` at line 15 forks while the thread started at line 12 .* \(nothing in the module waits for it\)/ }],
    },
  ],
});
