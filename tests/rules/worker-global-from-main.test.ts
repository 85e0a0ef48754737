import { workerGlobalFromMain } from '../../src/rules/process-safety/worker-global-from-main.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(workerGlobalFromMain, {
  valid: [
    {
      name: 'module-level classes and functions the worker uses are defined at import',
      code: 'import multiprocessing\n\nclass Tool:\n    def run(self, x):\n        return helper(x)\n\ndef helper(x):\n    return x\n\ndef child(x):\n    return Tool().run(x)\n\nif __name__ == "__main__":\n    p = multiprocessing.Process(target=child, args=(1,))\n    p.start()\n    p.join()\n',
    },
    {
      name: 'a module-level constant assigned at import',
      code: 'from multiprocessing import Pool\n\nFACTOR = 3\n\ndef scale(x):\n    return x * FACTOR\n\nif __name__ == "__main__":\n    with Pool(2) as pool:\n        print(pool.map(scale, range(5)))\n',
    },
    {
      name: 'the value is set in the workers by the initializer',
      code: 'from multiprocessing import Pool\n\nFACTOR = None\n\ndef init(value):\n    global FACTOR\n    FACTOR = value\n\ndef scale(x):\n    return x * FACTOR\n\nif __name__ == "__main__":\n    with Pool(2, initializer=init, initargs=(3,)) as pool:\n        print(pool.map(scale, range(5)))\n',
    },
    {
      name: 'the value is passed with functools.partial',
      code: 'import functools\nfrom multiprocessing import Pool\n\ndef scale(x, factor):\n    return x * factor\n\nif __name__ == "__main__":\n    factor = 3\n    with Pool(2) as pool:\n        print(pool.map(functools.partial(scale, factor=factor), range(5)))\n',
    },
    {
      name: 'thread pools share the parent\'s globals',
      code: 'from concurrent.futures import ThreadPoolExecutor\n\ndef scale(x):\n    return x * FACTOR\n\nif __name__ == "__main__":\n    FACTOR = 3\n    with ThreadPoolExecutor() as pool:\n        print(list(pool.map(scale, range(5))))\n',
    },
    {
      name: 'the fork start method copies the parent',
      code: 'import multiprocessing\n\ndef scale(x):\n    return x * FACTOR\n\nif __name__ == "__main__":\n    FACTOR = 3\n    with multiprocessing.get_context("fork").Pool(2) as pool:\n        print(pool.map(scale, range(5)))\n',
    },
    {
      name: 'a lazily initialised per-worker global',
      code: 'from concurrent.futures import ProcessPoolExecutor\n\n_model = None\n\ndef model():\n    global _model\n    if _model is None:\n        _model = {"k": 2}\n    return _model\n\ndef predict(x):\n    return x * model()["k"]\n\nif __name__ == "__main__":\n    with ProcessPoolExecutor() as pool:\n        print(list(pool.map(predict, range(3))))\n',
    },
  ],
  invalid: [
    {
      name: 'a global only assigned under the main guard',
      code: 'from multiprocessing import Pool\n\ndef scale(x):\n    return x * FACTOR\n\nif __name__ == "__main__":\n    FACTOR = 3\n    with Pool(2) as pool:\n        print(pool.map(scale, range(5)))\n',
      errors: [{ line: 4, message: /`scale` runs in worker processes \(`pool.map\(...\)` at line 9\) and reads the module-level `FACTOR`, which is only assigned under the `if __name__ == "__main__":` guard \(line 7\).*`FACTOR` raises NameError there/, fix: 'none' }],
    },
    {
      name: 'a None placeholder at import, the value set by main() through `global`',
      code: 'from concurrent.futures import ProcessPoolExecutor\n\nCONFIG = None\n\ndef work(x):\n    return CONFIG["scale"] * x\n\ndef main():\n    global CONFIG\n    CONFIG = {"scale": 2}\n    with ProcessPoolExecutor() as pool:\n        return list(pool.map(work, range(3)))\n\nif __name__ == "__main__":\n    print(main())\n',
      errors: [{ line: 6, message: /only assigned while the program runs, in `main` \(line 10\).*the workers see its placeholder `None` \(line 3\)/ }],
    },
    {
      name: 'interprocedural: a helper the worker calls reads it',
      code: 'import multiprocessing\n\ndef lookup(key):\n    return TABLE[key]\n\ndef work(key):\n    return lookup(key) + 1\n\nif __name__ == "__main__":\n    TABLE = {"a": 1}\n    p = multiprocessing.Process(target=work, args=("a",))\n    p.start()\n    p.join()\n',
      errors: [{ line: 4, message: '`lookup`, called from `work` runs in worker processes' }],
    },
    {
      name: 'a module imported only under the guard',
      code: 'from multiprocessing import Pool\n\ndef norm(x):\n    return np.sqrt(x)\n\nif __name__ == "__main__":\n    import numpy as np\n    with Pool(2) as pool:\n        print(pool.map(norm, range(5)))\n',
      errors: [{ line: 4, message: 'reads the module-level `np`' }],
    },
  ],
});
