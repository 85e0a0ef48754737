import { blockingCallInAsync } from '../../src/rules/async/blocking-call-in-async.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(blockingCallInAsync, {
  valid: [
    { name: 'blocking call in a sync function', code: 'import time\ndef f():\n    time.sleep(1)\n' },
    { name: 'awaited async sleep', code: 'import asyncio\nasync def f():\n    await asyncio.sleep(1)\n' },
    {
      name: 'function reference handed to asyncio.to_thread',
      code: 'import asyncio, requests\nasync def f(u):\n    return await asyncio.to_thread(requests.get, u)\n',
    },
    {
      name: 'lambda handed to run_in_executor',
      code: 'import asyncio, time\nasync def f():\n    loop = asyncio.get_running_loop()\n    await loop.run_in_executor(None, lambda: time.sleep(1))\n',
    },
    {
      name: 'nested sync function handed to to_thread',
      code: [
        'import asyncio, requests',
        'async def f(u):',
        '    def work():',
        '        return requests.get(u).text',
        '    return await asyncio.to_thread(work)',
      ].join('\n'),
    },
    {
      // Checking the standard library itself: socket.py's fallback socketpair connects over loopback.
      name: 'socket.socketpair makes two local sockets (its pure-Python fallback connects, but only where the C call is missing)',
      files: {
        'socket.py': [
          'import _socket',
          'class socket(_socket.socket):',
          '    pass',
          'if hasattr(_socket, "socketpair"):',
          '    def socketpair():',
          '        return _socket.socketpair()',
          'else:',
          '    def socketpair():',
          '        s = socket()',
          '        s.connect(("127.0.0.1", 1))',
          '        return s, s',
          '',
        ].join('\n'),
        'main.py': 'import socket\nasync def f():\n    a, b = socket.socketpair()\n    return a, b\n',
      },
    },
    {
      // Checking the standard library itself: asyncio's debug mode captures the stack in every Future.
      name: 'source lines for a traceback, through a helper in another file (linecache serves them from memory)',
      files: {
        'linecache.py': 'import os\ncache = {}\ndef checkcache(path):\n    os.stat(path)\ndef getline(path, n):\n    checkcache(path)\n    return ""\n',
        'helpers.py': 'import linecache\ndef source_line(path, n):\n    return linecache.getline(path, n)\n',
        'main.py': 'from helpers import source_line\nasync def describe(path):\n    return source_line(path, 1)\n',
      },
    },
    {
      name: 'project function that does not block',
      code: 'def add(a, b):\n    return a + b\nasync def f():\n    return add(1, 2)\n',
    },
    {
      name: 'project function that only calls an async function',
      code: 'import asyncio\nasync def g():\n    await asyncio.sleep(1)\ndef make():\n    return g()\nasync def f():\n    await make()\n',
    },
    { name: 'non-blocking queue get', code: 'import queue\nq = queue.Queue()\nasync def f():\n    return q.get(block=False)\n' },
    { name: 'shadowed time module', code: 'async def f(time):\n    time.sleep(1)\n' },
    { name: 'suppressed with concur: ignore', code: 'import time\nasync def f():\n    time.sleep(1)  # concur: ignore[AS101]\n' },
    { name: 'suppressed with noqa', code: 'import time\nasync def f():\n    time.sleep(1)  # noqa: AS101\n' },
    {
      name: 'generator function called from async (its body does not run on call)',
      code: 'import time\ndef ticks():\n    while True:\n        time.sleep(1)\n        yield 1\nasync def f():\n    it = ticks()\n',
    },
    {
      // Checking the standard library itself: test.support.gc_collect sleeps only on Jython.
      name: 'a helper whose sleep runs only on Jython (module constant from sys.platform)',
      code: [
        'import sys, time, gc',
        "is_jython = sys.platform.startswith('java')",
        'def gc_collect():',
        '    gc.collect()',
        '    if is_jython:',
        '        time.sleep(0.1)',
        '    gc.collect()',
        'async def f():',
        '    gc_collect()',
      ].join('\n'),
    },
    {
      name: 'blocking calls only under Python 2 checks (six.PY2, version_info, elif)',
      code: [
        'import sys, time, six',
        'async def f():',
        '    if six.PY2:',
        '        time.sleep(1)',
        '    elif sys.version_info[0] == 2 and sys.platform == "win32":',
        '        time.sleep(2)',
        '    if sys.version_info < (3,):',
        '        time.sleep(3)',
      ].join('\n'),
    },
    {
      // Checking site-packages: trio tries a numeric-only lookup before it uses a thread.
      name: 'getaddrinfo that cannot reach a name server (AI_NUMERICHOST through a module constant; literal IP)',
      code: [
        'import socket',
        '_NUMERIC_ONLY = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV',
        'async def resolve(host, port, flags=0):',
        '    return socket.getaddrinfo(host, port, 0, 0, 0, flags | _NUMERIC_ONLY)',
        'async def probe():',
        '    return socket.getaddrinfo("1.2.3.4", 0, family=socket.AF_INET6)',
        'def v4mapped_is_buggy():',
        '    try:',
        '        socket.getaddrinfo("1.2.3.4", 0, family=socket.AF_INET6)',
        '    except socket.gaierror:',
        '        return False',
        '    return True',
        'def poll(q):',
        '    return q.get(block=False)',
        'async def through_helpers(q):',
        '    return v4mapped_is_buggy(), poll(q)',
      ].join('\n'),
    },
    {
      // Checking site-packages: trio's tests call from_thread_run_sync from the event loop's thread, expecting RuntimeError.
      name: 'project function the test expects to raise (pytest.raises)',
      code: [
        'import queue, pytest',
        'def run_sync(fn, token=None):',
        '    if token is None:',
        '        raise RuntimeError("not in a worker thread")',
        '    q = queue.SimpleQueue()',
        '    return q.get()',
        'async def test_from_loop():',
        '    with pytest.raises(RuntimeError):',
        '        run_sync(lambda: None)',
      ].join('\n'),
    },
  ],
  invalid: [
    {
      name: 'a sleep under a condition that can be true on Python 3 is still reported',
      code: [
        'import sys, time',
        "is_jython = sys.platform.startswith('java')",
        "is_jython = is_jython or sys.platform == 'linux'",
        'async def f():',
        '    if is_jython:',
        '        time.sleep(1)',
        "    if sys.platform.startswith('linux'):",
        '        time.sleep(2)',
        '    if sys.version_info < (3, 9):',
        '        time.sleep(3)',
      ].join('\n'),
      errors: [
        { line: 6, message: 'Blocking call `time.sleep`' },
        { line: 8, message: 'Blocking call `time.sleep`' },
        { line: 10, message: 'Blocking call `time.sleep`' },
      ],
    },
    {
      name: 'getaddrinfo of a host name, and a direct blocking call inside pytest.raises (it blocks until it raises)',
      code: [
        'import socket, pytest',
        'async def f(sock):',
        '    socket.getaddrinfo("example.org", 80)',
        '    with pytest.raises(socket.timeout):',
        '        sock.recv(1)',
        '    with pytest.raises(OSError):',
        '        socket.getaddrinfo("localhost", 80, 0, 0, 0, socket.AI_CANONNAME)',
      ].join('\n'),
      errors: [
        { line: 3, message: 'Blocking call `socket.getaddrinfo`' },
        { line: 7, message: 'Blocking call `socket.getaddrinfo`' },
      ],
    },
    {
      name: 'time.sleep gets an (unsafe) asyncio.sleep fix: other tasks now run during the sleep',
      code: 'import asyncio\nimport time\n\nasync def f():\n    time.sleep(0.5)  # wait a bit\n',
      errors: [{ line: 5, message: 'Blocking call `time.sleep` (sleeps) in async function `f`', fix: 'unsafe' }],
      output: 'import asyncio\nimport time\n\nasync def f():\n    await asyncio.sleep(0.5)  # wait a bit\n',
    },
    {
      name: 'asyncio is imported when the fix needs it',
      code: '"""Doc."""\nfrom __future__ import annotations\nimport time\n\nasync def f():\n    time.sleep(1)\n',
      errors: [{ line: 6, fix: 'unsafe' }],
      output: '"""Doc."""\nfrom __future__ import annotations\nimport asyncio\nimport time\n\nasync def f():\n    await asyncio.sleep(1)\n',
    },
    {
      name: 'aliased import and asyncio alias',
      code: 'import asyncio as aio\nimport requests as r\nasync def f(u):\n    return r.get(u, timeout=5).json()\n',
      errors: [{ line: 4, message: /requests\.get.*network I\/O.*f -> requests\.get/, fix: 'unsafe' }],
      output: 'import asyncio as aio\nimport requests as r\nasync def f(u):\n    return (await aio.to_thread(r.get, u, timeout=5)).json()\n',
    },
    {
      name: 'method on a typed receiver',
      code: 'import asyncio, requests\ns = requests.Session()\nasync def f(u):\n    return s.get(u)\n',
      errors: [{ line: 4, message: 'requests.Session.get' }],
    },
    {
      name: 'open() and subprocess.run',
      code: 'import subprocess\nasync def f(p):\n    data = open(p).read()\n    subprocess.run(["true"])\n',
      errors: [{ line: 3, message: 'builtins.open' }, { line: 3, message: '.read' }, { line: 4, message: 'subprocess.run' }],
    },
    {
      name: 'chain through sync project functions in one file',
      code: [
        'import requests',
        'def fetch(u):',
        '    return requests.get(u)',
        'def load(u):',
        '    return fetch(u).json()',
        'async def main(u):',
        '    return load(u)',
      ].join('\n'),
      errors: [{ line: 7, message: 'main -> load() -> fetch() -> requests.get', fix: 'unsafe' }],
    },
    {
      name: 'chain across files and a re-export',
      files: {
        'pkg/__init__.py': 'from .util import load\n',
        'pkg/util.py': 'import time\n\ndef load(p):\n    time.sleep(1)\n    return p\n',
        'main.py': 'import asyncio\nfrom pkg import load\n\nasync def main():\n    return load("x")\n',
      },
      errors: [{ line: 5, message: 'main -> load() -> time.sleep' }],
    },
    {
      name: 'blocking method reached through self',
      code: [
        'import sqlite3',
        'class Store:',
        '    def __init__(self, path):',
        '        self.conn = sqlite3.connect(path)',
        '    def rows(self):',
        '        return self.conn.execute("select 1").fetchall()',
        '    async def handler(self):',
        '        return self.rows()',
      ].join('\n'),
      errors: [{ line: 8, message: 'Store.handler -> Store.rows() -> sqlite3.Connection.execute' }],
    },
    {
      name: 'inherited method across files',
      files: {
        'base.py': 'import time\nclass Base:\n    def wait(self):\n        time.sleep(1)\n',
        'main.py': 'from base import Base\nclass Child(Base):\n    async def run(self):\n        self.wait()\n',
      },
      errors: [{ line: 4, message: 'Child.run -> Base.wait() -> time.sleep' }],
    },
    {
      name: 'no edit inside a generator expression',
      code: 'import time\nasync def f(xs):\n    return sum(time.sleep(x) or x for x in xs)\n',
      errors: [{ line: 3, fix: 'none' }],
    },
    {
      name: 'no fix while a thread lock is held (awaiting there can deadlock the event loop)',
      code: 'import threading, time\nlock = threading.Lock()\nasync def f():\n    with lock:\n        time.sleep(1)\n',
      errors: [{ line: 5, fix: 'none' }],
    },
    {
      name: 'an asyncio lock does not prevent the fix',
      code: 'import asyncio, time\nlock = asyncio.Lock()\nasync def f():\n    async with lock:\n        time.sleep(1)\n',
      errors: [{ line: 5, fix: 'unsafe' }],
    },
    {
      name: 'Python 3.8 target uses run_in_executor',
      code: 'import asyncio, requests\nasync def f(u):\n    return requests.get(u)\n',
      settings: { targetVersion: [3, 8] },
      errors: [{ line: 3, fix: 'unsafe' }],
      output: 'import asyncio, requests\nasync def f(u):\n    return await asyncio.get_running_loop().run_in_executor(None, requests.get, u)\n',
    },
  ],
});
