import { callUnderLock } from '../../src/rules/deadlock/call-under-lock.js';
import { ruleTester } from '../helpers/rule-tester.js';

const lines = (...parts: string[]) => `${parts.join('\n')}\n`;

const header = ['import threading', '', 'class Config:', '    def __init__(self, on_change=None):', '        self._lock = threading.Lock()', '        self._values = {}', '        self._listeners = []', '        self._on_change = on_change', ''];

ruleTester(callUnderLock, {
  valid: [
    {
      name: 'listeners copied under the lock and called after',
      code: lines(
        ...header,
        '    def set(self, key, value):',
        '        with self._lock:',
        '            self._values[key] = value',
        '            listeners = list(self._listeners)',
        '        for listener in listeners:',
        '            listener(key, value)',
      ),
    },
    {
      name: 'methods of the values (not the values themselves) and unknown library calls',
      code: lines(
        ...header,
        '    def set(self, key, value, log):',
        '        with self._lock:',
        '            self._values[key] = value',
        '            log.info("set %s", key)',
        '            for listener in self._listeners:',
        '                listener.notify(key)',
        '            print(sorted(self._values))',
      ),
    },
    {
      name: 'a callback called without a lock',
      code: lines(...header, '    def update(self, fn):', '        values = fn(dict(self._values))', '        with self._lock:', '            self._values = values'),
    },
    {
      name: 'an attribute not set from a parameter',
      code: lines(
        'import threading',
        '',
        'class Timer:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '        self._clock = self._default_clock',
        '',
        '    def _default_clock(self):',
        '        return 0',
        '',
        '    def now(self):',
        '        with self._lock:',
        '            return self._clock()',
      ),
    },
    {
      name: 'an asyncio lock',
      code: lines('import asyncio', 'lock = asyncio.Lock()', '', 'async def run(fn):', '    async with lock:', '        fn()'),
    },
    {
      name: 'a parameter called two calls down is whatever the caller passes',
      code: lines(
        'import threading',
        'lock = threading.Lock()',
        '',
        'def apply(fn, x):',
        '    return fn(x)',
        '',
        'def double(x):',
        '    return 2 * x',
        '',
        'def work(x):',
        '    with lock:',
        '        return apply(double, x)',
      ),
    },
  ],
  invalid: [
    {
      name: 'listeners called under the lock',
      code: lines(...header, '    def set(self, key, value):', '        with self._lock:', '            self._values[key] = value', '            for listener in self._listeners:', '                listener(key, value)'),
      errors: [
        {
          line: 14,
          message:
            '`listener(key, value)` calls an element of `self._listeners`, a callback this code does not control, while `self._lock` is held (`with self._lock:` at main.py:11): if the callback takes another lock, calls back into this object or waits for a thread that needs `self._lock`, the threads deadlock',
        },
      ],
    },
    {
      name: 'a parameter called under the lock',
      code: lines(...header, '    def update(self, fn):', '        with self._lock:', '            self._values = fn(self._values)'),
      errors: [{ line: 12, message: '`fn(self._values)` calls parameter `fn`' }],
    },
    {
      name: 'an attribute set from a parameter, called by a helper the locked method calls',
      code: lines(
        ...header,
        '    def put(self, key, value):',
        '        with self._lock:',
        '            self._values[key] = value',
        '            self._notify(key)',
        '',
        '    def _notify(self, key):',
        '        if self._on_change is not None:',
        '            self._on_change(key)',
      ),
      errors: [
        {
          line: 17,
          message: '`self._on_change(key)` calls `self._on_change`, set from parameter `on_change`, a callback this code does not control, while `self._lock` is held (`with self._lock:` at main.py:11, in `Config.put`, which calls `Config._notify()` (main.py:13))',
        },
      ],
    },
    {
      name: 'handlers in a dict, values() and items(), and acquire()/release()',
      code: lines(
        'import threading',
        '_lock = threading.Lock()',
        '_handlers = {}',
        '',
        'def dispatch(event):',
        '    _lock.acquire()',
        '    try:',
        '        for handler in _handlers.values():',
        '            handler(event)',
        '        for name, hook in _handlers.items():',
        '            hook(event)',
        '        _handlers[event]()',
        '    finally:',
        '        _lock.release()',
      ),
      errors: [
        { line: 9, message: 'calls an element of `_handlers`' },
        { line: 11, message: 'calls an element of `_handlers`' },
        { line: 12, message: '(`_lock.acquire()` at main.py:6)' },
      ],
    },
    {
      name: 'cross-file: the locked call is in another module',
      files: {
        'bus.py': lines('class Bus:', '    def __init__(self):', '        self.subscribers = []', '', '    def publish(self, event):', '        for subscriber in self.subscribers:', '            subscriber(event)'),
        'main.py': lines('import threading', 'from bus import Bus', '', 'lock = threading.Lock()', 'bus = Bus()', '', 'def emit(event):', '    with lock:', '        bus.publish(event)'),
      },
      errors: [{ path: 'bus.py', line: 7, message: '(`with lock:` at main.py:8, in `emit`, which calls `Bus.publish()` (main.py:9))' }],
    },
  ],
});
