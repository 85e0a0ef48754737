import { coroutineNeverAwaited } from '../../src/rules/async/coroutine-never-awaited.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(coroutineNeverAwaited, {
  valid: [
    { name: 'awaited', code: 'async def g(): ...\nasync def f():\n    await g()\n' },
    { name: 'handed to asyncio.run', code: 'import asyncio\nasync def g(): ...\nasyncio.run(g())\n' },
    { name: 'kept in a variable', code: 'async def g(): ...\nasync def f():\n    c = g()\n    await c\n' },
    { name: 'sync function', code: 'def g(): ...\nasync def f():\n    g()\n' },
    {
      name: 'gather and shield schedule their work when called',
      code: 'import asyncio\nasync def a(): ...\nasync def f():\n    asyncio.gather(a(), a())\n    asyncio.shield(a())\n',
    },
    {
      name: 'called with wrong arguments inside assertRaises (raises TypeError, no coroutine is made)',
      code:
        'import unittest\nclass T(unittest.TestCase):\n    def test_args(self):\n        async def f(a, /): ...\n' +
        '        with self.assertRaises(TypeError):\n            f(a=1)\n',
    },
    {
      name: 'inside pytest.raises',
      code: 'import pytest\nasync def g(x): ...\ndef test_g():\n    with pytest.raises(TypeError):\n        g()\n',
    },
    { name: 'async generator (iterated elsewhere)', code: 'async def g():\n    yield 1\ndef f():\n    g()\n' },
  ],
  invalid: [
    {
      name: 'project coroutine dropped inside async def',
      code: 'async def save(x): ...\n\nasync def handler(x):\n    save(x)\n',
      errors: [{ line: 4, message: 'Coroutine `save()` is created and never awaited', fix: 'unsafe' }],
      output: 'async def save(x): ...\n\nasync def handler(x):\n    await save(x)\n',
    },
    {
      name: 'catalogued coroutine function',
      code: 'import asyncio\nasync def f():\n    asyncio.sleep(1)\n',
      errors: [{ line: 3, message: 'asyncio.sleep' }],
      output: 'import asyncio\nasync def f():\n    await asyncio.sleep(1)\n',
    },
    {
      name: 'coroutine method across files, called from sync code (no fix)',
      files: {
        'client.py': 'class Client:\n    async def close(self): ...\n',
        'main.py': 'from client import Client\n\ndef shutdown(c: Client):\n    c.close()\n',
      },
      errors: [{ line: 4, message: 'Client.close()', fix: 'none' }],
    },
    {
      name: 'inside a with block that expects nothing',
      code: 'import contextlib\nasync def g(): ...\ndef f():\n    with contextlib.suppress(ValueError):\n        g()\n',
      errors: [{ line: 5, message: 'Coroutine `g()` is created and never awaited' }],
    },
  ],
});
