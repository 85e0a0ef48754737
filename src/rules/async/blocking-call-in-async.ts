/**
 * AS101 blocking-call-in-async: a call that blocks the thread (per the effect catalogue) made
 * from an `async def`, directly or through any chain of synchronous project functions.
 */
import type { FixDraft, PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import type { CallSite } from '../../semantic/model.js';
import { blocksAtCall } from '../../semantic/call-blocking.js';
import type { CatalogueEntry } from '../../catalogue/schema.js';
import { chainLocations, type ProjectIndex } from '../../project/project-index.js';
import { referenceModule } from '../../fixes/imports.js';
import { asyncSleepEdit, runInExecutorEdit, toThreadEdit } from '../../fixes/await-edits.js';
import { asyncFunctionOf, canInsertAwait, expectsException } from './async-context.js';

const BLOCKING_WORDS: Record<string, string> = {
  network: 'network I/O',
  disk: 'disk I/O',
  subprocess: 'waits for a subprocess',
  sleep: 'sleeps',
  database: 'database I/O',
  wait: 'waits on another thread or process',
};

export const blockingCallInAsync: Rule = {
  meta: {
    code: 'AS101',
    name: 'blocking-call-in-async',
    category: 'async-blocking',
    summary: 'Blocking call in an async function stalls the event loop',
    fix: 'unsafe',
    docs: {
      what:
        'A call that blocks the calling thread (network, disk, subprocess, sleep, database, or waiting on ' +
        'another thread) made from an `async def`, either directly or through any chain of synchronous ' +
        'functions of the analysed project, across files. The message names the chain, e.g. ' +
        '`main -> load() -> requests.get`. Calls inside a lambda or nested function handed to ' +
        '`asyncio.to_thread` or `loop.run_in_executor` are not flagged: they run in another thread. Nor are ' +
        'address lookups that cannot reach a name server (a literal IP address, or `AI_NUMERICHOST` among the ' +
        'flags), code that never runs on Python 3 (`if is_jython:`, `if six.PY2:`), and calls of project functions ' +
        'inside a test\'s `with pytest.raises(...)` or `assertRaises(...)` block, which the test expects to raise ' +
        '(typically from the function\'s own checks, before it waits).',
      why:
        'An event loop runs every task on one thread. While a blocking call waits, no other task makes ' +
        'progress: a 2-second `requests.get` freezes every connection the server holds for 2 seconds, and ' +
        'timeouts fire elsewhere. The concurrency that `async` promises is lost.',
      example: [
        'import asyncio, time, requests',
        '',
        'async def poll(url):',
        '    time.sleep(1)',
        '    return requests.get(url).text',
      ].join('\n'),
      fixed: [
        'import asyncio, time, requests',
        '',
        'async def poll(url):',
        '    await asyncio.sleep(1)',
        '    return (await asyncio.to_thread(requests.get, url)).text',
      ].join('\n'),
      fixSafety:
        'Every fix here is unsafe, because it does what the rule asks: it lets other tasks run while the call ' +
        'waits, so their prints and writes can interleave differently than before (tested: two gathered tasks ' +
        'print in another order after the fix). `time.sleep(...)` becomes `await asyncio.sleep(...)`. Other blocking calls become ' +
        '`await asyncio.to_thread(f, ...)` (on Python 3.8, `await asyncio.get_running_loop().run_in_executor(None, f, ...)`), ' +
        'which runs the call in a worker thread, where it may also meet objects that must stay on one thread ' +
        '(a `sqlite3` connection, thread-local state). No fix is offered while a thread lock is held by `with` ' +
        '(another task wanting it would block the event loop: a deadlock), nor inside generator expressions, where ' +
        '`await` would change what the expression is. A better fix is often the async library (`httpx.AsyncClient`, ' +
        '`aiohttp`, `aiofiles`), which the message suggests when the catalogue knows one.',
    },
  },

  check(context: RuleContext): void {
    const { model, catalogue } = context;
    for (const call of model.calls) {
      const asyncFunction = asyncFunctionOf(call);
      if (!asyncFunction || call.awaited) continue;
      const callee = model.calleeName(call);
      if (!callee) continue;
      const entry = catalogue.lookup(callee);
      const caller = asyncFunction.displayName;
      if (entry) {
        if (!entry.blocking || entry.coroutine || !blocksAtCall(model, call, callee)) continue;
        const alternative = entry.asyncAlternative ? `; use \`${entry.asyncAlternative}\` instead` : '';
        context.report(
          call.node,
          `Blocking call \`${callee}\` (${BLOCKING_WORDS[entry.blocking]}) in async function \`${caller}\` stalls the event loop: ${caller} -> ${callee}${alternative}`,
          { fix: fixFor(context, call, callee, entry) },
        );
      } else if ((model.isProjectName(callee) || callee.startsWith(`${model.moduleName}.`)) && !expectsException(call.node)) {
        // A test that expects a project function to raise (`with pytest.raises(RuntimeError):`)
        // states that it raises, typically from its own checks, before any wait it holds.
        context.defer(call.node, { callee, caller }, { fix: toThreadFix(context, call) });
      }
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const callee = String(pending.data.callee);
    const caller = String(pending.data.caller);
    const target = project.resolveFunction(callee);
    if (!target || target.isAsync || target.isGenerator) return undefined;
    const chain = project.effectChain(target, 'blocking');
    if (!chain) return undefined;
    const names = chain.steps.map((step) => `${step.function.displayName}()`);
    const last = chain.effect;
    const words = last.blocking ? BLOCKING_WORDS[last.blocking] : 'blocks';
    return {
      message: `Blocking call \`${target.displayName}()\` in async function \`${caller}\` stalls the event loop (${words}): ${[caller, ...names, last.callee].join(' -> ')}`,
      related: chainLocations(chain, (step, next) => `\`${step.function.displayName}()\` calls \`${next ? `${next.function.displayName}()` : step.call.callee}\``),
    };
  },
};

function fixFor(context: RuleContext, call: CallSite, callee: string, entry: CatalogueEntry): FixDraft | undefined {
  if (callee === 'time.sleep' && entry.asyncAlternative === 'asyncio.sleep') {
    if (!context.fixesAllowed || !canInsertAwait(context.model, call)) return undefined;
    const asyncio = referenceModule(context.model, call.scope, 'asyncio');
    const edit = asyncio && asyncSleepEdit(call.node, asyncio.name);
    if (!asyncio || !edit) return undefined;
    // Unsafe: other tasks now run during the sleep, so their effects can interleave differently.
    return {
      applicability: 'unsafe',
      message: 'Replace with `await asyncio.sleep(...)`',
      edits: asyncio.importEdit ? [asyncio.importEdit, edit] : [edit],
    };
  }
  return toThreadFix(context, call);
}

/**
 * Always unsafe: the call moves to another thread (thread-bound objects, thread-local state)
 * and other tasks now run while it waits, which can reorder their side effects.
 */
function toThreadFix(context: RuleContext, call: CallSite): FixDraft | undefined {
  if (!context.fixesAllowed || !canInsertAwait(context.model, call)) return undefined;
  const asyncio = referenceModule(context.model, call.scope, 'asyncio');
  if (!asyncio) return undefined;
  const [major, minor] = context.targetVersion;
  const legacy = major === 3 && minor < 9;
  // Before 3.9 (PEP 614) a decorator must be a dotted name or a call: no `await` there.
  if (legacy && isInDecorator(call)) return undefined;
  const edit = legacy ? runInExecutorEdit(call.node, asyncio.name) : toThreadEdit(call.node, asyncio.name);
  if (!edit) return undefined;
  return {
    applicability: 'unsafe',
    message: legacy ? 'Run it in the default executor with `loop.run_in_executor`' : 'Run it in a worker thread with `await asyncio.to_thread(...)`',
    edits: asyncio.importEdit ? [asyncio.importEdit, edit] : [edit],
  };
}

function isInDecorator(call: CallSite): boolean {
  for (let node = call.node.parent; node; node = node.parent) {
    if (node.type === 'decorator') return true;
    if (node.type === 'block' || node.type === 'module') return false;
  }
  return false;
}
