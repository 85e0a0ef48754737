/**
 * AS102 coroutine-never-awaited: a coroutine function called as a statement, without `await`:
 * the coroutine object is created and dropped, and its body never runs.
 */
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import type { ProjectIndex } from '../../project/project-index.js';
import { awaitEdits } from '../../fixes/await-edits.js';
import { asyncFunctionOf, canInsertAwait, expectsException } from './async-context.js';

export const coroutineNeverAwaited: Rule = {
  meta: {
    code: 'AS102',
    name: 'coroutine-never-awaited',
    category: 'async-blocking',
    summary: 'Coroutine is created and never awaited, so it never runs',
    fix: 'unsafe',
    docs: {
      what:
        'A call of an `async def` function (of the project, in any file, or a catalogued coroutine ' +
        'function such as `asyncio.sleep`) whose result is dropped: the call is a whole statement with no ' +
        '`await`, no `asyncio.create_task`, no `asyncio.run`. Calls inside a test\'s `assertRaises`/`pytest.raises` ' +
        'block are not reported: called with wrong arguments, a coroutine function raises `TypeError` before any ' +
        'coroutine exists.',
      why:
        'Calling a coroutine function only creates a coroutine object. Without `await` its body never runs: ' +
        'the write, the request, the sleep silently do not happen, and Python prints at best ' +
        '"RuntimeWarning: coroutine ... was never awaited" when the object is collected.',
      example: ['async def save(item): ...', '', 'async def handler(item):', '    save(item)'].join('\n'),
      fixed: ['async def save(item): ...', '', 'async def handler(item):', '    await save(item)'].join('\n'),
      fixSafety:
        'Inside an `async def` the fix inserts `await`. It is unsafe: the body that never ran now runs, and ' +
        'the caller now waits for it (use `asyncio.create_task` and keep the task if it should run in the ' +
        'background). Outside async code there is no automatic fix.',
    },
  },

  check(context: RuleContext): void {
    const { model, catalogue } = context;
    for (const call of model.calls) {
      if (!call.statement || call.awaited || expectsException(call.node)) continue;
      const callee = model.calleeName(call);
      if (!callee) continue;
      const fix =
        context.fixesAllowed && asyncFunctionOf(call) && canInsertAwait(model, call)
          ? { applicability: 'unsafe' as const, message: 'Insert `await`', edits: awaitEdits(call.node) }
          : undefined;
      const entry = catalogue.lookup(callee);
      if (entry) {
        // `gather`, `shield`, `run_in_executor` schedule their work when called: it runs anyway.
        if (!entry.coroutine || entry.schedules) continue;
        context.report(call.node, `Coroutine \`${callee}(...)\` is created and never awaited, so it never runs`, { fix });
      } else if (model.isProjectName(callee) || callee.startsWith(`${model.moduleName}.`)) {
        context.defer(call.node, { callee }, { fix });
      }
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const target = project.resolveFunction(String(pending.data.callee));
    if (!target || !target.isAsync || target.isGenerator) return undefined;
    return {
      message: `Coroutine \`${target.displayName}()\` is created and never awaited, so it never runs`,
      related: [
        {
          path: target.path,
          line: target.line,
          column: target.column,
          endLine: target.line,
          endColumn: target.column,
          message: `\`${target.displayName}\` is defined with \`async def\` here`,
        },
      ],
    };
  },
};
