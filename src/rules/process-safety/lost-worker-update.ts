/**
 * PS103 lost-worker-update: a function run in worker processes changes a module-level value or
 * an object it was passed, and the parent reads that value afterwards expecting the change.
 * Each worker process has its own copy: the parent never sees it.
 */
import { functionsRunInWorkers, processWorkers, type ProcessWorker } from '../../concurrency/pools.js';
import { mayBeShared, ownerFunction, writesOf, type Write } from '../../concurrency/worker-writes.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { CallSite, Scope } from '../../semantic/model.js';
import type { Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt } from './shared.js';

const WHAT_TO_DO = 'return the value from the worker and combine the results in the parent (or share it through a `multiprocessing.Manager()` object)';

export const lostWorkerUpdate: Rule = {
  meta: {
    code: 'PS103',
    name: 'lost-worker-update',
    category: 'process-safety',
    summary: 'A worker process changes a global or an argument that the parent then reads: the change is lost',
    fix: 'none',
    docs: {
      what:
        'A function handed to a process pool or a `multiprocessing.Process` that changes, directly or through the ' +
        'functions of its module it calls, a module-level container or counter (`RESULTS.append(x)`, ' +
        '`global total; total += x`, `CACHE[k] = v`) that code outside the workers reads, or an object passed to it ' +
        '(`item["done"] = True`, through `map` or the task\'s arguments) that the parent reads after handing it over. ' +
        'Multiprocessing\'s shared values and manager proxies, files, queues and unknown objects are not flagged, ' +
        'nor are per-worker caches that only the workers read, nor the pool\'s `initializer` (setting per-worker ' +
        'globals is what it is for).',
      why:
        'A worker process works on its own copy of the parent\'s memory (forked) or of a fresh import (spawn, ' +
        'forkserver); arguments arrive as pickled copies. Changes made there never come back: the parent reads the ' +
        'value it had before. Measured: ten tasks appending to a module-level list, the parent printed an empty list. ' +
        'The same code with threads works, which is why the bug appears when a thread pool is swapped for a process pool.',
      example: [
        'from multiprocessing import Pool',
        '',
        'RESULTS = []',
        '',
        'def work(n):',
        '    RESULTS.append(n * n)',
        '',
        'if __name__ == "__main__":',
        '    with Pool(2) as pool:',
        '        pool.map(work, range(10))',
        '    print(RESULTS)',
      ].join('\n'),
      fixed: [
        'from multiprocessing import Pool',
        '',
        'def work(n):',
        '    return n * n',
        '',
        'if __name__ == "__main__":',
        '    with Pool(2) as pool:',
        '        RESULTS = pool.map(work, range(10))',
        '    print(RESULTS)',
      ].join('\n'),
      fixSafety:
        'No automatic fix: turning side effects into returned values changes the worker\'s interface and the way the ' +
        'parent combines results (order, duplicates, merging dictionaries).',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const workers = functionsRunInWorkers(model);
    const reported = new Set<number>();
    for (const worker of processWorkers(model)) {
      if (worker.submission.method === 'initializer') continue;
      for (const write of writesOf(model, worker.scope)) {
        if (reported.has(write.node.id)) continue;
        const parentRead = write.kind === 'global' ? globalReadOutside(context, write.name, workers) : argumentReadAfter(context, worker, write);
        if (!parentRead) continue;
        reported.add(write.node.id);
        report(context, worker, write, parentRead);
      }
    }
  },
};

/** A read of the module-level `name` by code that does not run in the workers. */
function globalReadOutside(context: RuleContext, name: string, workers: ReadonlyMap<Scope, unknown>): SyntaxNode | undefined {
  const { model } = context;
  const bindings = model.root.bindings.get(name) ?? [];
  const bindingNodes = new Set(bindings.map((b) => b.node.id));
  for (const binding of bindings) {
    for (const use of binding.uses) {
      if (bindingNodes.has(use.id)) continue;
      if (!workers.has(ownerFunction(model, use))) return use;
    }
  }
  return undefined;
}

/** For a change to a parameter: the value passed there, when the parent reads it after handing it over. */
function argumentReadAfter(context: RuleContext, worker: ProcessWorker, write: Write): SyntaxNode | undefined {
  const { model } = context;
  const { submission } = worker;
  if (write.index === undefined || submission.fn?.type === 'call') return undefined;
  let passed: SyntaxNode | undefined;
  if (submission.method === 'map' || submission.method === 'imap' || submission.method === 'imap_unordered' || submission.method === 'map_async') {
    passed = submission.items[write.index];
  } else if (submission.method !== 'starmap' && submission.method !== 'starmap_async') {
    passed = submission.sent[write.index];
  }
  if (passed?.type !== 'identifier') return undefined;
  const scope = submission.call.scope;
  const after = submission.call.node.endIndex;
  const bindings = model.bindingsOf(passed.text, scope);
  if (mayBeShared(model, bindings)) return undefined;
  for (const binding of bindings) {
    for (const use of binding.uses) {
      if (use.startIndex > after && ownerFunction(model, use) === scope.executionScope) return use;
    }
  }
  return undefined;
}

function report(context: RuleContext, worker: ProcessWorker, write: Write, parentRead: SyntaxNode): void {
  const { submission } = worker;
  const through = write.via.length > 0 ? `, called from \`${worker.scope.displayName}\` through ${viaText(context, write.via)}` : '';
  const runs = `\`${write.scope.displayName}\`${through} runs in worker processes (\`${callShown(submission.call.node)}\` at line ${lineAt(context, submission.call.node)})`;
  const what =
    write.kind === 'global'
      ? `changes the module-level \`${write.name}\` with \`${write.shown}\`, but each worker changes its own copy: the parent, which reads \`${write.name}\` at line ${lineAt(context, parentRead)}, never sees it (lost update)`
      : `changes the object passed as \`${write.name}\` with \`${write.shown}\`, but the worker gets a pickled copy: the parent, which reads \`${parentRead.text}\` at line ${lineAt(context, parentRead)}, never sees the change (lost update)`;
  context.report(write.node, `${runs} and ${what}; ${WHAT_TO_DO}`, {
    related: [
      relatedAt(context, submission.call.node, 'handed to worker processes here'),
      relatedAt(context, parentRead, 'the parent reads it here'),
    ],
  });
}

function viaText(context: RuleContext, via: readonly CallSite[]): string {
  return via.map((call) => `\`${callShown(call.node)}\` (line ${lineAt(context, call.node)})`).join(' -> ');
}
