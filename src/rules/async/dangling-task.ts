/**
 * AS103 dangling-task: `asyncio.create_task(...)` (or `ensure_future`, `loop.create_task`) whose
 * result is dropped. The event loop keeps only a weak reference to tasks.
 */
import type { Rule, RuleContext } from '../rule.js';
import { expectsException } from './async-context.js';

const TASK_FACTORIES = new Set([
  'asyncio.create_task',
  'asyncio.ensure_future',
  'asyncio.AbstractEventLoop.create_task',
  'asyncio.BaseEventLoop.create_task',
  'asyncio.events.AbstractEventLoop.create_task',
]);

export const danglingTask: Rule = {
  meta: {
    code: 'AS103',
    name: 'dangling-task',
    category: 'async-blocking',
    summary: 'Task created and dropped: it can be garbage-collected mid-flight and its errors are lost',
    fix: 'none',
    docs: {
      what:
        'A call of `asyncio.create_task`, `asyncio.ensure_future` or `loop.create_task` whose result is ' +
        'not kept: the call is a whole statement. Tasks created by `TaskGroup.create_task` are not flagged, ' +
        'because the group holds them, nor are calls inside a test\'s `assertRaises`/`pytest.raises` block, ' +
        'which are expected to raise before any task exists.',
      why:
        'The event loop keeps only weak references to tasks. A task nobody references can be ' +
        'garbage-collected before it finishes, so the work silently stops part-way; and an exception it ' +
        'raises is never retrieved, only logged as "Task exception was never retrieved" if at all. ' +
        'The asyncio documentation asks callers to keep a reference.',
      example: ['import asyncio', '', 'async def handler(event):', '    asyncio.create_task(notify(event))'].join('\n'),
      fixed: [
        'import asyncio',
        '',
        'background_tasks = set()',
        '',
        'async def handler(event):',
        '    task = asyncio.create_task(notify(event))',
        '    background_tasks.add(task)',
        '    task.add_done_callback(background_tasks.discard)',
      ].join('\n'),
      fixSafety:
        'No automatic fix: where to keep the task (a set, a `TaskGroup`, an attribute) and who awaits it ' +
        'is a design decision. On Python 3.11 and later, `asyncio.TaskGroup` is usually the answer.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    for (const call of model.calls) {
      if (!call.statement || call.awaited || expectsException(call.node)) continue;
      const callee = model.calleeName(call);
      if (!callee || !TASK_FACTORIES.has(callee)) continue;
      const shortName = callee.replace(/^asyncio\.(events\.)?(AbstractEventLoop|BaseEventLoop)\./, 'loop.');
      context.report(
        call.node,
        `Task created by \`${shortName}\` is dropped: keep a reference (a set of tasks, or a \`TaskGroup\`) so it is not garbage-collected before it finishes and its exception is seen`,
      );
    }
  },
};
