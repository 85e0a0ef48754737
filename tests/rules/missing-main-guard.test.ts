import { missingMainGuard } from '../../src/rules/process-safety/missing-main-guard.js';
import { ruleTester } from '../helpers/rule-tester.js';

const WORKER = 'def square(x):\n    return x * x\n\n';

ruleTester(missingMainGuard, {
  valid: [
    {
      name: "a package's __main__.py (run with python -m, which workers never re-run)",
      files: {
        'main.py': '',
        'pkg/__init__.py': '',
        'pkg/__main__.py': `from multiprocessing import Pool\n\n${WORKER}with Pool(2) as pool:\n    print(pool.map(square, range(4)))\n`,
      },
    },
    {
      name: 'an import-time call of a decorated function, whose body may not run on the call',
      code: `from multiprocessing import Pool\nimport registry\n\n${WORKER}@registry.lazy\ndef compute():\n    with Pool(2) as pool:\n        return pool.map(square, range(4))\n\nRESULT = compute()\n`,
    },
    {
      name: 'cross-file: the imported function is decorated',
      files: {
        'main.py': 'from strategies import floats\n\nFLOATS = floats()\n',
        'strategies.py': 'import functools\nfrom multiprocessing import Process\n\ndef defines_strategy(f):\n    @functools.wraps(f)\n    def lazy(*args):\n        return lambda: f(*args)\n    return lazy\n\ndef probe():\n    p = Process(target=print)\n    p.start()\n    p.join()\n\n@defines_strategy\ndef floats():\n    probe()\n    return 1.0\n',
      },
    },
    {
      name: 'pool under the main guard',
      code: `import multiprocessing\n\n${WORKER}if __name__ == "__main__":\n    with multiprocessing.Pool(2) as pool:\n        print(pool.map(square, range(4)))\n`,
    },
    {
      name: 'pool in a function only called under the guard',
      code: `import multiprocessing\n\n${WORKER}def main():\n    with multiprocessing.Pool(2) as pool:\n        print(pool.map(square, range(4)))\n\nif __name__ == "__main__":\n    main()\n`,
    },
    {
      name: "guard written '__main__' == __name__ with single quotes",
      code: `from multiprocessing import Pool\n\n${WORKER}if '__main__' == __name__:\n    with Pool(2) as pool:\n        pool.map(square, range(4))\n`,
    },
    {
      name: 'pool in a function nobody calls at import',
      code: `from multiprocessing import Pool\n\n${WORKER}def main():\n    with Pool(2) as pool:\n        return pool.map(square, range(4))\n`,
    },
    {
      name: 'a ProcessPoolExecutor created at import starts no process until work is submitted',
      code: `from concurrent.futures import ProcessPoolExecutor\n\n${WORKER}EXECUTOR = ProcessPoolExecutor(2)\n\ndef main():\n    return list(EXECUTOR.map(square, range(4)))\n\nif __name__ == "__main__":\n    print(main())\n`,
    },
    {
      name: 'thread pools at import are fine',
      code: `from concurrent.futures import ThreadPoolExecutor\nfrom multiprocessing.pool import ThreadPool\n\n${WORKER}with ThreadPoolExecutor(2) as ex:\n    print(list(ex.map(square, range(4))))\npool = ThreadPool(2)\nprint(pool.map(square, range(4)))\n`,
    },
    {
      name: 'the fork start method does not re-import the module',
      code: `import multiprocessing\n\n${WORKER}ctx = multiprocessing.get_context("fork")\nwith ctx.Pool(2) as pool:\n    print(pool.map(square, range(4)))\n`,
    },
    {
      name: 'set_start_method("fork") for the module',
      code: `import multiprocessing\n\n${WORKER}multiprocessing.set_start_method("fork")\np = multiprocessing.Process(target=square, args=(3,))\np.start()\np.join()\n`,
    },
    {
      name: 'a Process created at import but started under the guard',
      code: `from multiprocessing import Process\n\n${WORKER}worker = Process(target=square, args=(3,))\n\nif __name__ == "__main__":\n    worker.start()\n    worker.join()\n`,
    },
    {
      name: 'cross-file: the imported function starts no processes',
      files: {
        'main.py': 'from lib import compute\n\nprint(compute(3))\n',
        'lib.py': 'def compute(x):\n    return x * 2\n',
      },
    },
  ],
  invalid: [
    {
      name: 'module-level multiprocessing.Pool, fixed by moving the code under the guard',
      code: `import multiprocessing\n\n${WORKER}pool = multiprocessing.Pool(2)\nprint(pool.map(square, range(4)))\npool.close()\npool.join()\n`,
      errors: [{ line: 6, message: '`multiprocessing.Pool(...)` starts worker processes when the module is imported', fix: 'safe' }],
      output: `import multiprocessing\n\n${WORKER}if __name__ == "__main__":\n    pool = multiprocessing.Pool(2)\n    print(pool.map(square, range(4)))\n    pool.close()\n    pool.join()\n`,
    },
    {
      name: 'get_context("spawn").Pool in a with block at module level',
      code: `import multiprocessing\n\n${WORKER}with multiprocessing.get_context("spawn").Pool(2) as pool:\n    print(pool.map(square, range(4)))\n`,
      errors: [{ line: 6, message: 'starts worker processes when the module is imported', fix: 'safe' }],
      output: `import multiprocessing\n\n${WORKER}if __name__ == "__main__":\n    with multiprocessing.get_context("spawn").Pool(2) as pool:\n        print(pool.map(square, range(4)))\n`,
    },
    {
      name: 'ProcessPoolExecutor map at import (one finding per pool)',
      code: `from concurrent.futures import ProcessPoolExecutor\n\n${WORKER}with ProcessPoolExecutor(2) as ex:\n    print(list(ex.map(square, range(4))))\n    print(ex.submit(square, 5).result())\n`,
      errors: [{ line: 7, message: '`ex.map(...)` starts worker processes' }],
    },
    {
      name: 'Process.start at import, through a function called at import (interprocedural)',
      code: `from multiprocessing import Process\n\n${WORKER}def launch():\n    p = Process(target=square, args=(2,))\n    p.start()\n    p.join()\n\ndef main():\n    launch()\n\nmain()\n`,
      errors: [{ line: 14, message: /`main\(\)` runs when the module is imported and starts worker processes \(`p.start\(\)` at line 8, through `main\(\)` \(line 14\) -> `launch\(\)` \(line 12\)\)/, fix: 'safe' }],
      output: `from multiprocessing import Process\n\n${WORKER}def launch():\n    p = Process(target=square, args=(2,))\n    p.start()\n    p.join()\n\ndef main():\n    launch()\n\nif __name__ == "__main__":\n    main()\n`,
    },
    {
      name: 'no fix when a definition follows the code run at import',
      code: `import multiprocessing\n\npool = multiprocessing.Pool(2)\n\n${WORKER}print(pool.map(square, range(4)))\n`,
      errors: [{ line: 3, fix: 'none' }],
    },
    {
      name: 'no fix when a worker reads a value the move would hide from it',
      code: `import multiprocessing\nimport os\n\ndef scale(x):\n    return x * FACTOR\n\nFACTOR = len(os.listdir("."))\npool = multiprocessing.Pool(2)\nprint(pool.map(scale, range(4)))\n`,
      errors: [{ line: 8, fix: 'none' }],
    },
    {
      name: 'cross-file: a helper of another module starts the pool',
      files: {
        'main.py': 'import jobs\n\nprint(jobs.run_all([1, 2, 3]))\n',
        'jobs.py': `from multiprocessing import Pool\n\n${WORKER}def run_all(items):\n    with Pool(2) as pool:\n        return pool.map(square, items)\n`,
      },
      errors: [{ line: 3, message: /`jobs.run_all\(\.\.\.\)` runs when the module is imported and starts worker processes \(`multiprocessing.Pool` at jobs.py:7, through `jobs.run_all\(\.\.\.\)` \(line 3\) -> `run_all\(\)`\)/, fix: 'safe' }],
    },
    {
      name: 'cross-file: the fix is unsafe when another module imports a name the move hides',
      files: {
        'main.py': `from multiprocessing import Pool\n\n${WORKER}pool = Pool(2)\nRESULT = pool.map(square, range(3))\n`,
        'report.py': 'from main import RESULT\n',
      },
      errors: [{ line: 6, fix: 'unsafe' }],
    },
    {
      name: 'cross-file: the fix stays safe when importers only take names defined above the code',
      files: {
        'main.py': `from multiprocessing import Pool\n\n${WORKER}pool = Pool(2)\nRESULT = pool.map(square, range(3))\n`,
        'test_main.py': 'from main import square\n',
      },
      errors: [{ line: 6, fix: 'safe' }],
    },
  ],
});
