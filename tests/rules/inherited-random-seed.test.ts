import { inheritedRandomSeed } from '../../src/rules/process-safety/inherited-random-seed.js';
import { ruleTester } from '../helpers/rule-tester.js';

const DRAW_NUMPY = 'import numpy as np\nfrom multiprocessing import Pool\n\ndef simulate(i):\n    return np.random.normal()\n\n';
const DRAW_RANDOM = 'import random\nfrom multiprocessing import Pool\n\ndef simulate(i):\n    return random.random()\n\n';

ruleTester(inheritedRandomSeed, {
  valid: [
    {
      name: 'one generator per task from SeedSequence.spawn',
      code: 'import numpy as np\nfrom multiprocessing import Pool\n\ndef simulate(seed):\n    return np.random.default_rng(seed).normal()\n\nif __name__ == "__main__":\n    seeds = np.random.SeedSequence(0).spawn(4)\n    with Pool(2) as pool:\n        print(pool.map(simulate, seeds))\n',
    },
    {
      name: 'random.seed under the main guard: forked children are reseeded, spawned ones start fresh',
      code: `${DRAW_RANDOM}if __name__ == "__main__":\n    random.seed(1)\n    with Pool(2) as pool:\n        print(pool.map(simulate, range(4)))\n`,
    },
    {
      name: 'the worker reseeds numpy itself',
      code: 'import numpy as np\nfrom multiprocessing import Pool\n\ndef simulate(i):\n    np.random.seed(i)\n    return np.random.normal()\n\nif __name__ == "__main__":\n    np.random.seed(0)\n    with Pool(2) as pool:\n        print(pool.map(simulate, range(4)))\n',
    },
    {
      name: 'numpy seeded under the guard with the spawn start method',
      code: `import multiprocessing\n${DRAW_NUMPY}if __name__ == "__main__":\n    np.random.seed(0)\n    with multiprocessing.get_context("spawn").Pool(2) as pool:\n        print(pool.map(simulate, range(4)))\n`,
    },
    {
      name: 'a thread pool draws from one generator (the race rules own that)',
      code: 'import numpy as np\nfrom concurrent.futures import ThreadPoolExecutor\n\ndef simulate(i):\n    return np.random.normal()\n\nnp.random.seed(0)\nwith ThreadPoolExecutor() as pool:\n    print(list(pool.map(simulate, range(4))))\n',
    },
    {
      name: 'a seeded generator made in the worker',
      code: 'import random\nfrom multiprocessing import Pool\n\ndef simulate(i):\n    rng = random.Random(i)\n    return rng.random()\n\nif __name__ == "__main__":\n    with Pool(2) as pool:\n        print(pool.map(simulate, range(4)))\n',
    },
  ],
  invalid: [
    {
      name: 'numpy.random.seed in the parent, forked workers draw from the global generator',
      code: `${DRAW_NUMPY}if __name__ == "__main__":\n    np.random.seed(0)\n    with Pool(2) as pool:\n        print(pool.map(simulate, range(4)))\n`,
      errors: [{ line: 8, message: /`np.random.seed\(...\)` \(line 8\) seeds NumPy's global generator in the parent, and forked worker processes .* inherit that state.*`simulate` draws from it .*`np.random.normal\(\)` at line 5/, fix: 'none' }],
    },
    {
      name: 'random.seed at import: spawned workers seed it again',
      code: `import random\nfrom multiprocessing import Pool\n\nrandom.seed(42)\n\ndef simulate(i):\n    return random.random()\n\nif __name__ == "__main__":\n    with Pool(2) as pool:\n        print(pool.map(simulate, range(4)))\n`,
      errors: [{ line: 4, message: 'runs when the module is imported, so every worker process started with spawn' }],
    },
    {
      name: 'a seeded generator object made at import, drawn through a helper',
      code: 'import numpy as np\nfrom concurrent.futures import ProcessPoolExecutor\n\nRNG = np.random.default_rng(7)\n\ndef noise():\n    return RNG.normal()\n\ndef simulate(i):\n    return i + noise()\n\nif __name__ == "__main__":\n    with ProcessPoolExecutor() as pool:\n        print(list(pool.map(simulate, range(4))))\n',
      errors: [{ line: 4, message: /`RNG` \(line 4\) is made at import with a fixed seed: every worker process has it in the same state.*`noise` draws from it/ }],
    },
    {
      name: 'numpy seeded in the function that starts the processes',
      code: 'import multiprocessing\nimport numpy as np\n\ndef simulate(out):\n    out.put(np.random.rand())\n\ndef main():\n    np.random.seed(1)\n    q = multiprocessing.Queue()\n    workers = [multiprocessing.Process(target=simulate, args=(q,)) for _ in range(2)]\n    for w in workers:\n        w.start()\n    return [q.get() for _ in workers]\n',
      errors: [{ line: 8, message: 'seeds NumPy\'s global generator in the parent' }],
    },
  ],
});
