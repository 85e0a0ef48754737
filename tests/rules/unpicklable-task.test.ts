import { unpicklableTask } from '../../src/rules/process-safety/unpicklable-task.js';
import { ruleTester } from '../helpers/rule-tester.js';

const PPE = 'from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n';

ruleTester(unpicklableTask, {
  valid: [
    {
      name: 'a Process with a lambda target that is never started pickles nothing',
      code: 'import multiprocessing\n\ndef test_flushing(flike):\n    proc = multiprocessing.Process(target=lambda: flike.flush())\n    flike.flush()\n    return proc.name\n',
    },
    {
      name: 'module-level function and plain arguments',
      code: `${PPE}\ndef square(x):\n    return x * x\n\ndef main(xs):\n    with ProcessPoolExecutor() as pool:\n        return list(pool.map(square, xs)), pool.submit(square, 3).result()\n`,
    },
    {
      name: 'functools.partial of a module-level function with picklable values',
      code: `import functools\n${PPE}\ndef scale(x, factor):\n    return x * factor\n\ndef main(xs):\n    with ProcessPoolExecutor() as pool:\n        return list(pool.map(functools.partial(scale, factor=3), xs))\n`,
    },
    {
      name: 'thread pools pickle nothing: lambdas, locks and nested functions are fine',
      code: `import threading\n${PPE}\ndef main(xs):\n    lock = threading.Lock()\n    def inner(x):\n        with lock:\n            return x\n    with ThreadPoolExecutor() as pool:\n        a = list(pool.map(lambda x: x + 1, xs))\n        b = pool.submit(inner, 1).result()\n        c = pool.submit(print, lock)\n    return a, b, c\n`,
    },
    {
      name: 'multiprocessing queue and lock handed to a Process at start',
      code: 'import multiprocessing\n\ndef work(q, lock):\n    with lock:\n        q.put(1)\n\nif __name__ == "__main__":\n    q = multiprocessing.Queue()\n    lock = multiprocessing.Lock()\n    p = multiprocessing.Process(target=work, args=(q, lock))\n    p.start()\n    p.join()\n',
    },
    {
      name: 'a Queue in a pool initializer is allowed',
      code: 'import multiprocessing\n\nQ = None\n\ndef init(q):\n    global Q\n    Q = q\n\ndef work(x):\n    Q.put(x)\n\nif __name__ == "__main__":\n    q = multiprocessing.Queue()\n    with multiprocessing.Pool(2, initializer=init, initargs=(q,)) as pool:\n        pool.map(work, range(3))\n',
    },
    {
      name: 'a manager proxy pickles',
      code: 'import multiprocessing\n\ndef work(d, k):\n    d[k] = 1\n\nif __name__ == "__main__":\n    with multiprocessing.Manager() as manager:\n        shared = manager.dict()\n        with multiprocessing.Pool(2) as pool:\n            pool.apply(work, (shared, "a"))\n',
    },
    {
      name: 'a lambda Process target under the fork start method is never pickled',
      code: 'import multiprocessing\n\nif __name__ == "__main__":\n    ctx = multiprocessing.get_context("fork")\n    p = ctx.Process(target=lambda: print("hi"))\n    p.start()\n    p.join()\n',
    },
    {
      name: 'a generator as the iterable of map: its items are sent, not the generator',
      code: `${PPE}\ndef square(x):\n    return x * x\n\ndef main(n):\n    with ProcessPoolExecutor() as pool:\n        return list(pool.map(square, (i for i in range(n))))\n`,
    },
    {
      name: 'bound method of a class that defines __getstate__',
      code: `import threading\n${PPE}\nclass Job:\n    def __init__(self):\n        self.lock = threading.Lock()\n    def __getstate__(self):\n        return {}\n    def run(self, x):\n        return x\n\ndef main(job, xs):\n    with ProcessPoolExecutor() as pool:\n        return list(pool.map(Job().run, xs))\n`,
    },
    {
      name: 'bound method of a plain class with picklable attributes',
      code: `${PPE}\nclass Scaler:\n    def __init__(self, factor):\n        self.factor = factor\n    def run(self, x):\n        return x * self.factor\n\ndef main(xs):\n    scaler = Scaler(3)\n    with ProcessPoolExecutor() as pool:\n        return list(pool.map(scaler.run, xs))\n`,
    },
  ],
  invalid: [
    {
      name: 'lambda handed to ProcessPoolExecutor.map',
      code: `${PPE}\ndef main(xs):\n    with ProcessPoolExecutor() as pool:\n        return list(pool.map(lambda x: x * 2, xs))\n`,
      errors: [{ line: 5, message: 'sends the function `lambda x: x * 2` to worker processes: every task is pickled to reach a worker process, and a lambda has no importable name', fix: 'none' }],
    },
    {
      name: 'name bound to a lambda, through multiprocessing.Pool.apply_async',
      code: 'import multiprocessing\n\nkey = lambda r: r[1]\n\nif __name__ == "__main__":\n    with multiprocessing.Pool(2) as pool:\n        print(pool.apply_async(key, ((1, 2),)).get())\n',
      errors: [{ line: 7, message: '`key` is a lambda (line 3)' }],
    },
    {
      name: 'nested function submitted, and partial around a nested function',
      code: `import functools\n${PPE}\ndef main(xs):\n    def inner(x, k):\n        return x * k\n    with ProcessPoolExecutor() as pool:\n        a = pool.submit(inner, 1, 2)\n        b = list(pool.map(functools.partial(inner, k=2), xs))\n    return a, b\n`,
      errors: [
        { line: 8, message: '`inner` is defined inside `main`' },
        { line: 9, message: '`inner` is defined inside `main`' },
      ],
    },
    {
      name: 'a lock, an open file and a sqlite3 connection as task arguments',
      code: `import sqlite3\nimport threading\n${PPE}\ndef work(*args):\n    return len(args)\n\ndef main(path):\n    lock = threading.Lock()\n    conn = sqlite3.connect(path)\n    with ProcessPoolExecutor() as pool:\n        pool.submit(work, lock)\n        pool.submit(work, open(path))\n        pool.submit(work, x=conn)\n`,
      errors: [
        { line: 12, message: '`lock` (line 9) is a lock (`threading.Lock`), which cannot be pickled' },
        { line: 13, message: 'is an open file' },
        { line: 14, message: 'is a database connection (`sqlite3.Connection`)' },
      ],
    },
    {
      name: 'bound method of an object holding a lock (self.method)',
      code: `import threading\n${PPE}\nclass Crawler:\n    def __init__(self):\n        self.lock = threading.Lock()\n        self.seen = set()\n\n    def fetch(self, url):\n        return url\n\n    def crawl(self, urls):\n        with ProcessPoolExecutor() as pool:\n            return list(pool.map(self.fetch, urls))\n`,
      errors: [{ line: 14, message: /the bound method `self.fetch` pickles `self`, and `self` is a `Crawler` whose attribute `lock` \(line 6\) is a lock/ }],
    },
    {
      name: 'a generator argument',
      code: `${PPE}\ndef total(values):\n    return sum(values)\n\ndef numbers(n):\n    for i in range(n):\n        yield i\n\ndef main():\n    with ProcessPoolExecutor() as pool:\n        return pool.submit(total, numbers(10)).result(), pool.submit(total, (i for i in range(3))).result()\n`,
      errors: [
        { line: 12, message: '`numbers(10)` makes a generator' },
        { line: 12, message: 'a generator cannot be pickled' },
      ],
    },
    {
      name: 'multiprocessing.Queue as a pool task argument',
      code: 'import multiprocessing\n\ndef work(q, x):\n    q.put(x)\n\nif __name__ == "__main__":\n    q = multiprocessing.Queue()\n    with multiprocessing.Pool(2) as pool:\n        pool.apply(work, (q, 1))\n',
      errors: [{ line: 9, message: 'reaches worker processes only when they start' }],
    },
    {
      name: 'Process target that is a lambda (spawn and forkserver pickle it)',
      code: 'import multiprocessing\n\nif __name__ == "__main__":\n    p = multiprocessing.Process(target=lambda: print("hi"))\n    p.start()\n    p.join()\n',
      errors: [{ line: 4, message: /under spawn .* the target and its arguments are pickled to reach the new process/ }],
    },
    {
      name: 'worker defined under the main guard',
      code: 'from multiprocessing import Pool\n\nif __name__ == "__main__":\n    def square(x):\n        return x * x\n    with Pool(2) as pool:\n        print(pool.map(square, range(3)))\n',
      errors: [{ line: 7, message: '`square` is defined under the `if __name__ == "__main__":` guard' }],
    },
    {
      name: 'pool initializer that is a nested function under spawn',
      code: 'import multiprocessing\n\ndef work(x):\n    return x\n\ndef main():\n    def init():\n        pass\n    ctx = multiprocessing.get_context("spawn")\n    with ctx.Pool(2, initializer=init) as pool:\n        return pool.map(work, range(3))\n',
      errors: [{ line: 10, message: 'sends the initializer `init`' }],
    },
  ],
});
