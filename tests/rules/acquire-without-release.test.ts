import { acquireWithoutRelease } from '../../src/rules/deadlock/acquire-without-release.js';
import { ruleTester } from '../helpers/rule-tester.js';

const lines = (...parts: string[]) => `${parts.join('\n')}\n`;

const head = ['import threading', '', 'lock = threading.Lock()', 'totals = {}', ''];

ruleTester(acquireWithoutRelease, {
  valid: [
    {
      name: 'acquire(); try: ... finally: release()',
      code: lines(...head, 'def add(key, value):', '    lock.acquire()', '    try:', '        totals[key] = totals[key] + value', '    finally:', '        lock.release()'),
    },
    {
      name: 'the acquire inside the try',
      code: lines(...head, 'def add(key, value):', '    try:', '        lock.acquire()', '        totals[key] += value', '    finally:', '        lock.release()'),
    },
    {
      name: 'a catch-all except releases and re-raises',
      code: lines(
        ...head,
        'def add(key, value):',
        '    lock.acquire()',
        '    try:',
        '        totals[key] += value',
        '    except BaseException:',
        '        lock.release()',
        '        raise',
        '    lock.release()',
      ),
    },
    { name: 'with lock', code: lines(...head, 'def add(key, value):', '    with lock:', '        totals[key] += value') },
    {
      name: 'acquire(blocking=False): the result decides',
      code: lines(...head, 'def add(key, value):', '    if not lock.acquire(blocking=False):', '        return', '    totals[key] += value', '    lock.release()'),
    },
    {
      name: 'acquire(timeout=...) as a statement',
      code: lines(...head, 'def add(key, value):', '    lock.acquire(timeout=5)', '    totals[key] += value', '    lock.release()'),
    },
    {
      name: 'released in another method (__enter__/__exit__)',
      code: lines(
        'import threading',
        '',
        'class Guard:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '',
        '    def __enter__(self):',
        '        self._lock.acquire()',
        '        print("entered")',
        '        return self',
        '',
        '    def __exit__(self, *exc):',
        '        self._lock.release()',
      ),
    },
    {
      name: 'nothing in between can raise',
      code: lines(...head, 'count = 0', '', 'def add(value):', '    global count', '    lock.acquire()', '    count = count + value', '    totals["last"] = value', '    lock.release()'),
    },
    {
      name: 'a branch that releases the lock itself before raising',
      code: lines(
        ...head,
        'closed = False',
        '',
        'def add(key, value):',
        '    lock.acquire()',
        '    if closed:',
        '        lock.release()',
        '        raise RuntimeError("closed")',
        '    totals[key] = value',
        '    lock.release()',
      ),
    },
  ],
  invalid: [
    {
      name: 'a KeyError between acquire and release (safe fix: with)',
      code: lines(...head, 'def add(key, value):', '    lock.acquire()', '    totals[key] = totals[key] + value', '    lock.release()'),
      errors: [
        {
          line: 7,
          fix: 'safe',
          message:
            '`lock.acquire()` is followed by `lock.release()` at line 9, but `totals[key]` (line 8) can raise in between and nothing releases the lock then: it stays held after the exception, and the next `acquire()` waits forever. Use `with lock:` around the code',
        },
      ],
      output: lines(...head, 'def add(key, value):', '    with lock:', '        totals[key] = totals[key] + value'),
    },
    {
      name: 'several statements, a nested block, comments and a multi-line string are kept',
      code: lines(
        'import threading',
        '',
        'class Log:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '        self._lines = []',
        '',
        '    def write(self, text):',
        '        self._lock.acquire()  # serialise writers',
        '        # one entry per line',
        '        for line in text.splitlines():',
        '            self._lines.append(line.strip())',
        '        note = """written',
        'by Log"""',
        '',
        '        self._lines.append(note)',
        '        self._lock.release()',
        '        return len(self._lines)',
      ),
      errors: [{ line: 9, fix: 'safe', message: '`text.splitlines()` (line 11) can raise' }],
      output: lines(
        'import threading',
        '',
        'class Log:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '        self._lines = []',
        '',
        '    def write(self, text):',
        '        with self._lock:  # serialise writers',
        '            # one entry per line',
        '            for line in text.splitlines():',
        '                self._lines.append(line.strip())',
        '            note = """written',
        'by Log"""',
        '',
        '            self._lines.append(note)',
        '        return len(self._lines)',
      ),
    },
    {
      name: 'an asyncio lock: async with',
      code: lines(
        'import asyncio',
        'lock = asyncio.Lock()',
        '',
        'async def fetch(session, url):',
        '    await lock.acquire()',
        '    page = await session.get(url)',
        '    lock.release()',
        '    return page',
      ),
      errors: [{ line: 5, fix: 'safe', message: 'Use `async with lock:`' }],
      output: lines(
        'import asyncio',
        'lock = asyncio.Lock()',
        '',
        'async def fetch(session, url):',
        '    async with lock:',
        '        page = await session.get(url)',
        '    return page',
      ),
    },
    {
      name: 'code before the try that releases it',
      code: lines(...head, 'def add(key, value):', '    lock.acquire()', '    old = totals[key]', '    try:', '        totals[key] = old + value', '    finally:', '        lock.release()'),
      errors: [{ line: 7, fix: 'none', message: 'is followed by the `try` at line 9 that releases it, but `totals[key]` (line 8) can raise in between' }],
    },
    {
      name: 'a return in between: reported, no fix',
      code: lines(...head, 'def add(key, value):', '    lock.acquire()', '    if key not in totals:', '        return None', '    totals[key] = totals[key] + value', '    lock.release()'),
      errors: [{ line: 7, fix: 'none' }],
    },
    {
      name: 'a lock only its name says is one: unsafe fix',
      code: lines('def add(state, key):', '    state.lock.acquire()', '    state.items[key] += 1', '    state.lock.release()'),
      errors: [{ line: 2, fix: 'unsafe' }],
      output: lines('def add(state, key):', '    with state.lock:', '        state.items[key] += 1'),
    },
  ],
});
