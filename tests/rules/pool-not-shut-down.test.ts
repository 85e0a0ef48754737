import { poolNotShutDown } from '../../src/rules/resource/pool-not-shut-down.js';
import { ruleTester } from '../helpers/rule-tester.js';

const TPE = 'from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor\n';

ruleTester(poolNotShutDown, {
  valid: [
    {
      name: 'deleted on purpose (handed to the garbage collector)',
      code: `${TPE}\ndef f(work, xs):\n    executor = ThreadPoolExecutor(max_workers=5)\n    res = executor.map(work, xs)\n    del executor\n    return list(res)\n`,
    },
    { name: 'with block', code: `${TPE}\ndef f(work, xs):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(work, xs))\n` },
    {
      name: 'close() and join() in finally',
      code: 'import multiprocessing\n\ndef f(work, xs):\n    pool = multiprocessing.Pool(2)\n    try:\n        return pool.map(work, xs)\n    finally:\n        pool.close()\n        pool.join()\n',
    },
    { name: 'shutdown()', code: `${TPE}\ndef f(work, xs):\n    ex = ProcessPoolExecutor()\n    results = list(ex.map(work, xs))\n    ex.shutdown()\n    return results\n` },
    { name: 'returned to the caller (ownership transferred)', code: `${TPE}\ndef make_pool():\n    pool = ThreadPoolExecutor(4)\n    return pool\n\ndef make_other():\n    return ThreadPoolExecutor(4)\n` },
    {
      name: 'handed to another owner',
      code: `import atexit\nimport contextlib\n${TPE}\ndef f(stack: contextlib.ExitStack, server):\n    a = ThreadPoolExecutor()\n    stack.enter_context(a)\n    b = ThreadPoolExecutor()\n    atexit.register(b.shutdown)\n    server.executor = ThreadPoolExecutor()\n    pools = [ThreadPoolExecutor()]\n    return pools\n`,
    },
    { name: 'with on the name later', code: `${TPE}\ndef f(work, xs):\n    ex = ThreadPoolExecutor()\n    with ex:\n        return list(ex.map(work, xs))\n` },
    {
      name: 'module-level executor: joined at interpreter exit',
      code: `${TPE}\nEXECUTOR = ThreadPoolExecutor(8)\n\ndef submit(fn, *args):\n    return EXECUTOR.submit(fn, *args)\n`,
    },
    {
      name: 'executor on self shut down by another method',
      code: `${TPE}\nclass Service:\n    def __init__(self):\n        self._executor = ThreadPoolExecutor(4)\n\n    def run(self, fn):\n        return self._executor.submit(fn)\n\n    def close(self):\n        self._executor.shutdown(wait=True)\n`,
    },
    {
      name: 'module-level Pool closed in a function',
      code: 'import multiprocessing\n\nPOOL = multiprocessing.Pool(2)\n\ndef stop():\n    POOL.close()\n    POOL.join()\n',
    },
    { name: 'yielded by a fixture', code: `${TPE}\ndef executor():\n    ex = ThreadPoolExecutor()\n    yield ex\n    ex.shutdown()\n` },
  ],
  invalid: [
    {
      name: 'local executor never shut down: with-block fix, safe when map is consumed',
      code: `${TPE}\ndef fetch_all(fetch, urls):\n    executor = ThreadPoolExecutor(max_workers=8)\n    pages = list(executor.map(fetch, urls))\n    print(len(pages))\n    return pages\n`,
      errors: [{ line: 4, message: /`ThreadPoolExecutor\(...\)` \(held by `executor` in `fetch_all`\) is never shut down: no `with` block, no `shutdown\(\)` after its last use at line 5/, fix: 'safe' }],
      output: `${TPE}\ndef fetch_all(fetch, urls):\n    with ThreadPoolExecutor(max_workers=8) as executor:\n        pages = list(executor.map(fetch, urls))\n    print(len(pages))\n    return pages\n`,
    },
    {
      name: 'multiprocessing.Pool with only blocking map calls: safe fix',
      code: 'import multiprocessing\n\ndef squares(work, xs):\n    pool = multiprocessing.Pool(2)  # workers\n    first = pool.map(work, xs)\n    second = pool.map(work, first)\n    return second\n',
      errors: [{ line: 4, message: 'no `close()` and `join()`', fix: 'safe' }],
      output: 'import multiprocessing\n\ndef squares(work, xs):\n    with multiprocessing.Pool(2) as pool:  # workers\n        first = pool.map(work, xs)\n        second = pool.map(work, first)\n    return second\n',
    },
    {
      name: 'executor with submit: unsafe fix (the block now waits for the work)',
      code: `${TPE}\ndef start(job):\n    ex = ThreadPoolExecutor()\n    future = ex.submit(job)\n    return future\n`,
      errors: [{ line: 4, fix: 'unsafe' }],
      output: `${TPE}\ndef start(job):\n    with ThreadPoolExecutor() as ex:\n        future = ex.submit(job)\n    return future\n`,
    },
    {
      name: 'multiprocessing.Pool with apply_async: no fix (the with block would terminate the work)',
      code: 'import multiprocessing\n\ndef start(job):\n    pool = multiprocessing.Pool(2)\n    result = pool.apply_async(job)\n    return result.get()\n',
      errors: [{ line: 4, fix: 'none' }],
    },
    {
      name: 'executor stored on self and never shut down',
      code: `${TPE}\nclass Crawler:\n    def __init__(self):\n        self.pool = ProcessPoolExecutor()\n\n    def crawl(self, fn, urls):\n        return list(self.pool.map(fn, urls))\n`,
      errors: [{ line: 5, message: '`ProcessPoolExecutor()` is stored in `self.pool` and no method of `Crawler` (or of this module) ever shuts it down' }],
    },
    {
      name: 'module-level multiprocessing.Pool never closed',
      code: 'from multiprocessing import Pool\n\nPOOL = Pool(2)\n\ndef run(fn, xs):\n    return POOL.map(fn, xs)\n',
      errors: [{ line: 3, message: 'held by the module-level `POOL`', fix: 'none' }],
    },
    {
      name: 'created, used once and dropped',
      code: 'from multiprocessing.pool import ThreadPool\n\ndef run(fn, xs):\n    return ThreadPool(4).map(fn, xs)\n',
      errors: [{ line: 4, message: 'is used once (`.map(...)`) and dropped' }],
    },
  ],
});
