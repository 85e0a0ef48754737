import { danglingTask } from '../../src/rules/async/dangling-task.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(danglingTask, {
  valid: [
    { name: 'task kept', code: 'import asyncio\nasync def f(c):\n    t = asyncio.create_task(c)\n    await t\n' },
    {
      name: 'TaskGroup holds its tasks',
      code: 'import asyncio\nasync def f(c):\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(c)\n',
    },
    { name: 'awaited', code: 'import asyncio\nasync def f(c):\n    await asyncio.ensure_future(c)\n' },
    {
      name: 'inside assertRaises: the call raises before any task exists',
      code: 'import asyncio, unittest\nclass T(unittest.TestCase):\n    def test_it(self):\n        with self.assertRaises(TypeError):\n            asyncio.ensure_future("ok")\n',
    },
  ],
  invalid: [
    {
      name: 'create_task dropped',
      code: 'import asyncio\nasync def f(c):\n    asyncio.create_task(c)\n',
      errors: [{ line: 3, message: 'Task created by `asyncio.create_task` is dropped', fix: 'none' }],
    },
    {
      name: 'aliased import and ensure_future',
      code: 'from asyncio import ensure_future as spawn\nasync def f(c):\n    spawn(c)\n',
      errors: [{ line: 3, message: 'asyncio.ensure_future' }],
    },
    {
      name: 'loop.create_task on a loop from get_running_loop',
      code: 'import asyncio\nasync def f(c):\n    loop = asyncio.get_running_loop()\n    loop.create_task(c)\n',
      errors: [{ line: 4, message: 'loop.create_task' }],
    },
  ],
});
