import { lostWorkerUpdate } from '../../src/rules/process-safety/lost-worker-update.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(lostWorkerUpdate, {
  valid: [
    {
      name: 'a multiprocessing.Value passed to the Process is shared',
      code: 'import ctypes\nimport multiprocessing\n\ndef check(flag):\n    flag.value = True\n\nif __name__ == "__main__":\n    ctx = multiprocessing.get_context("spawn")\n    flag = ctx.Value(ctypes.c_bool)\n    p = ctx.Process(target=check, args=(flag,))\n    p.start()\n    p.join()\n    print(flag.value)\n',
    },
    {
      name: 'the worker returns its result and the parent collects it',
      code: 'from multiprocessing import Pool\n\ndef work(n):\n    return n * n\n\nif __name__ == "__main__":\n    with Pool(2) as pool:\n        results = pool.map(work, range(10))\n    print(results)\n',
    },
    {
      name: 'a per-worker cache that only the workers read',
      code: 'from concurrent.futures import ProcessPoolExecutor\n\n_CACHE = {}\n\ndef work(n):\n    if n not in _CACHE:\n        _CACHE[n] = n * n\n    return _CACHE[n]\n\nif __name__ == "__main__":\n    with ProcessPoolExecutor() as pool:\n        print(list(pool.map(work, range(4))))\n',
    },
    {
      name: 'thread pools share memory: appending to a global is seen',
      code: 'from concurrent.futures import ThreadPoolExecutor\n\nRESULTS = []\n\ndef work(n):\n    RESULTS.append(n)\n\nwith ThreadPoolExecutor() as pool:\n    list(pool.map(work, range(4)))\nprint(RESULTS)\n',
    },
    {
      name: 'multiprocessing.Value and a manager list are shared',
      code: 'import multiprocessing\n\nCOUNTER = multiprocessing.Value("i", 0)\n\ndef work(n, shared):\n    with COUNTER.get_lock():\n        COUNTER.value += 1\n    shared.append(n)\n\nif __name__ == "__main__":\n    with multiprocessing.Manager() as manager:\n        shared = manager.list()\n        with multiprocessing.Pool(2) as pool:\n            pool.starmap(work, [(1, shared)])\n        print(COUNTER.value, list(shared))\n',
    },
    {
      name: 'the initializer sets a per-worker global',
      code: 'import multiprocessing\n\nCONFIG = {}\n\ndef init(value):\n    CONFIG["value"] = value\n\ndef work(n):\n    return n * CONFIG["value"]\n\nif __name__ == "__main__":\n    with multiprocessing.Pool(2, initializer=init, initargs=(3,)) as pool:\n        print(pool.map(work, range(3)), CONFIG)\n',
    },
    {
      name: 'an argument changed in the worker that the parent does not read afterwards',
      code: 'from multiprocessing import Pool\n\ndef work(row):\n    row.sort()\n    return row[0]\n\nif __name__ == "__main__":\n    rows = [[3, 1], [2, 5]]\n    with Pool(2) as pool:\n        print(pool.map(work, rows))\n',
    },
    {
      name: 'a worker writing to a file or queue (other processes see those)',
      code: 'import multiprocessing\n\nLOG = open("log.txt", "a")\n\ndef work(q, n):\n    LOG.write(str(n))\n    q.put(n)\n\nif __name__ == "__main__":\n    q = multiprocessing.Queue()\n    p = multiprocessing.Process(target=work, args=(q, 1))\n    p.start()\n    p.join()\n    print(q.get(), LOG)\n',
    },
  ],
  invalid: [
    {
      name: 'worker appends to a module-level list the parent prints',
      code: 'from multiprocessing import Pool\n\nRESULTS = []\n\ndef work(n):\n    RESULTS.append(n * n)\n\nif __name__ == "__main__":\n    with Pool(2) as pool:\n        pool.map(work, range(10))\n    print(RESULTS)\n',
      errors: [{ line: 6, message: /`work` runs in worker processes \(`pool.map\(...\)` at line 10\) and changes the module-level `RESULTS` with `RESULTS.append\(...\)`, but each worker changes its own copy: the parent, which reads `RESULTS` at line 11, never sees it/, fix: 'none' }],
    },
    {
      name: 'global counter incremented through `global`',
      code: 'from concurrent.futures import ProcessPoolExecutor\n\ntotal = 0\n\ndef add(n):\n    global total\n    total += n\n\ndef main():\n    with ProcessPoolExecutor() as pool:\n        for n in range(5):\n            pool.submit(add, n)\n    return total\n',
      errors: [{ line: 7, message: 'changes the module-level `total` with `total += n`' }],
    },
    {
      name: 'interprocedural: the worker calls a helper that records into a dict',
      code: 'from multiprocessing import Pool\nfrom collections import defaultdict\n\nSEEN = defaultdict(int)\n\ndef record(key):\n    SEEN[key] += 1\n\ndef work(word):\n    record(word.lower())\n    return len(word)\n\nif __name__ == "__main__":\n    with Pool(2) as pool:\n        pool.map(work, ["a", "B"])\n    print(dict(SEEN))\n',
      errors: [{ line: 7, message: /`record`, called from `work` through `record\(...\)` \(line 10\) runs in worker processes/ }],
    },
    {
      name: 'map over a list of dicts that the worker marks, then the parent reads the list',
      code: 'from concurrent.futures import ProcessPoolExecutor\n\ndef mark(job):\n    job["done"] = True\n\ndef main(jobs):\n    with ProcessPoolExecutor() as pool:\n        list(pool.map(mark, jobs))\n    return [j for j in jobs if j["done"]]\n',
      errors: [{ line: 4, message: /changes the object passed as `job` with `job\["done"\] = True`, but the worker gets a pickled copy: the parent, which reads `jobs` at line 9/ }],
    },
    {
      name: 'Process target fills a dict argument through a helper',
      code: 'import multiprocessing\n\ndef fill(target, n):\n    target.update({n: n * n})\n\ndef work(out):\n    fill(out, 3)\n\nif __name__ == "__main__":\n    out = {}\n    p = multiprocessing.Process(target=work, args=(out,))\n    p.start()\n    p.join()\n    print(out)\n',
      errors: [{ line: 4, message: 'changes the object passed as `out`' }],
    },
  ],
});
