import { lockHeldAcrossAwait } from '../../src/rules/deadlock/lock-held-across-await.js';
import { ruleTester } from '../helpers/rule-tester.js';

const HEAD = 'import asyncio\nimport threading\n';

ruleTester(lockHeldAcrossAwait, {
  valid: [
    {
      name: 'asyncio.Lock held across an await',
      code: `${HEAD}\nlock = asyncio.Lock()\n\nasync def f():\n    async with lock:\n        await asyncio.sleep(0)\n`,
    },
    {
      name: 'awaited acquire of an asyncio lock',
      code: `${HEAD}\nclass C:\n    def __init__(self):\n        self._lock = asyncio.Lock()\n\n    async def f(self):\n        await self._lock.acquire()\n        try:\n            await asyncio.sleep(0)\n        finally:\n            self._lock.release()\n`,
    },
    {
      name: 'thread lock released before the await',
      code: `${HEAD}\nlock = threading.Lock()\nstate = {}\n\nasync def f(key):\n    with lock:\n        value = state.get(key)\n    await asyncio.sleep(0)\n    lock.acquire()\n    try:\n        state[key] = value\n    finally:\n        lock.release()\n    await asyncio.sleep(0)\n    return value\n`,
    },
    {
      name: 'await inside a nested function or a lambda defined under the lock runs elsewhere',
      code: `${HEAD}\nlock = threading.Lock()\n\nasync def f(loop):\n    with lock:\n        async def later():\n            await asyncio.sleep(0)\n        task = later\n    return await task()\n`,
    },
    {
      name: 'synchronous function holding a thread lock',
      code: `${HEAD}\nlock = threading.Lock()\n\ndef f(q):\n    with lock:\n        return q.get()\n`,
    },
    {
      name: 'a context manager that is not a lock',
      code: `${HEAD}\nimport contextlib\n\nasync def f(path):\n    with open(path) as fh:\n        await asyncio.sleep(0)\n    with contextlib.suppress(KeyError):\n        await asyncio.sleep(0)\n`,
    },
    {
      name: 'a project class called lock that is no thread lock',
      code: `${HEAD}\nclass ConflictDetector:\n    def __enter__(self):\n        return self\n    def __exit__(self, *exc):\n        return False\n\nclass Stream:\n    def __init__(self):\n        self._fetch_lock = ConflictDetector()\n\n    async def get(self):\n        with self._fetch_lock:\n            await asyncio.sleep(0)\n`,
    },
    {
      // One answer to "which locks are held here" for every lock rule (locks.ts), so these hold for DL105 as for DL101-DL104.
      name: 'a lock released inside its with block before the await, and an acquire in the other branch of an if',
      code: `${HEAD}\nLOCK = threading.Lock()\n\nasync def released():\n    with LOCK:\n        LOCK.release()\n        try:\n            await asyncio.sleep(0)\n        finally:\n            LOCK.acquire()\n\nasync def branches(wait):\n    if wait:\n        LOCK.acquire()\n    else:\n        await asyncio.sleep(0)\n`,
    },
  ],
  invalid: [
    {
      name: 'threading.Lock in a with block around an await',
      code: `${HEAD}\ncache_lock = threading.Lock()\ncache = {}\n\nasync def refresh(key, fetch):\n    with cache_lock:\n        cache[key] = await fetch(key)\n`,
      errors: [
        {
          line: 8,
          message:
            /^Thread lock `cache_lock` \(a `threading\.Lock`, taken by `with` at line 8\) is held across `await fetch\(key\)` at line 9 in async function `refresh`: .*another task of the same event loop that takes it blocks the loop's only thread.*use an `asyncio\.Lock` \(`async with`\)/,
          fix: 'none',
        },
      ],
    },
    {
      name: 'acquire() without release before the await, async for and async with',
      code: `${HEAD}\nclass Cache:\n    def __init__(self):\n        self._lock = threading.Lock()\n\n    async def fill(self, source, session):\n        self._lock.acquire()\n        try:\n            async for item in source:\n                async with session:\n                    pass\n        finally:\n            self._lock.release()\n`,
      errors: [{ line: 9, message: /`self\._lock` \(a `threading\.Lock`, taken by `acquire\(\)` at line 9\) is held across `async for item in source` at line 11 \(and 1 more suspension point\) in async function `Cache\.fill`/ }],
    },
    {
      name: 'RLock and Condition(): the message says they do not keep other tasks out',
      code: `${HEAD}\nrlock = threading.RLock()\ncond = threading.Condition()\n\nasync def f():\n    with rlock:\n        await asyncio.sleep(0)\n    with cond:\n        await asyncio.sleep(0)\n`,
      errors: [
        { line: 8, message: /`rlock` \(a `threading\.RLock`.*other tasks of this loop re-enter it while this one is suspended \(it does not keep them out\)/ },
        { line: 10, message: /`cond` \(a `threading\.Condition`.*re-enter it/ },
      ],
    },
    {
      name: 'Condition over a Lock and Semaphore(1) exclude; Semaphore(3) blocks once its slots are taken',
      code: `${HEAD}\ncond = threading.Condition(threading.Lock())\nsem = threading.Semaphore(1)\nslots = threading.BoundedSemaphore(3)\n\nasync def f():\n    with cond:\n        await asyncio.sleep(0)\n    with sem:\n        await asyncio.sleep(0)\n    with slots:\n        await asyncio.sleep(0)\n`,
      errors: [
        { line: 9, message: 'blocks the loop\'s only thread' },
        { line: 11, message: 'blocks the loop\'s only thread' },
        { line: 13, message: 'once every slot of the semaphore is held by a suspended task' },
      ],
    },
    {
      name: 'a multiprocessing lock is a thread lock too',
      code: `${HEAD}\nimport multiprocessing\n\nLOCK = multiprocessing.Lock()\n\nasync def f():\n    with LOCK:\n        await asyncio.sleep(0)\n`,
      errors: [{ line: 9, message: 'blocks the loop\'s only thread' }],
    },
    {
      name: 'a lock of unknown type taken by a plain with (an asyncio lock cannot be)',
      code: `${HEAD}\nclass Store:\n    def __init__(self, lock):\n        self._lock = lock\n\n    async def put(self, key, value, db):\n        with self._lock:\n            await db.write(key, value)\n`,
      errors: [{ line: 9, message: /^Thread lock `self\._lock` \(taken by `with` at line 9\) is held across `await db\.write\(key, value\)` at line 10 in async function `Store\.put`: if it is a `Lock`, while this task is suspended/ }],
    },
    {
      name: 'through a @contextmanager helper that yields with the lock held',
      code: `${HEAD}\nimport contextlib\n\nclass Registry:\n    def __init__(self):\n        self._lock = threading.Lock()\n\n    @contextlib.contextmanager\n    def _locked(self):\n        with self._lock:\n            yield self\n\n    async def refresh(self, fetch):\n        with self._locked():\n            await fetch()\n`,
      errors: [{ line: 16, message: /taken by `Registry\._locked\(\)`, entered at line 16\) is held across `await fetch\(\)` at line 17/ }],
    },
    {
      name: 'a lock defined in another module, taken by a plain with',
      files: {
        'state.py': 'import threading\n\nSTATE_LOCK = threading.Lock()\n',
        'main.py': `${HEAD}\nfrom state import STATE_LOCK\n\nasync def update(fetch):\n    with STATE_LOCK:\n        await fetch()\n`,
      },
      errors: [{ line: 7, message: '`STATE_LOCK`' }],
    },
    {
      name: 'an await in an async comprehension under the lock',
      code: `${HEAD}\nlock = threading.Lock()\n\nasync def f(fetch, keys):\n    with lock:\n        return [await fetch(k) for k in keys]\n`,
      errors: [{ line: 7, message: '`await fetch(k)` at line 8' }],
    },
  ],
});
