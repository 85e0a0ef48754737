/**
 * PS104 worker-global-from-main: a function run in worker processes reads a module-level name
 * that is only given its value while the program runs (under the main guard, or by a function
 * through `global`). Under spawn and forkserver the worker imports the module afresh and never
 * runs that code: NameError, or the placeholder value.
 */
import { isTopLevelBinding } from '../../concurrency/pickling.js';
import { functionsRunInWorkers, startMethodOf, startMethodOfPool, type ProcessWorker } from '../../concurrency/pools.js';
import { ownerFunction } from '../../concurrency/worker-writes.js';
import { mapsOf, scopeAround } from '../../loops/loop-context.js';
import { isReference } from '../../loops/name-flow.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { Binding, CallSite, Scope } from '../../semantic/model.js';
import type { Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt, SPAWN_METHODS } from './shared.js';


export const workerGlobalFromMain: Rule = {
  meta: {
    code: 'PS104',
    name: 'worker-global-from-main',
    category: 'process-safety',
    summary: 'A worker process reads a global that only the main program assigns',
    fix: 'none',
    docs: {
      what:
        'A function run in worker processes (a process pool task, a `Process` target, a pool initializer, or a ' +
        'function of the module they call) that reads a module-level name whose value is only assigned while the ' +
        'program runs: under `if __name__ == "__main__":`, or inside a function through `global`, with at most a ' +
        '`None` placeholder at import. Not flagged when the workers assign it themselves (an `initializer`), nor ' +
        'when the code asks for the `fork` start method.',
      why:
        `Under ${SPAWN_METHODS}, a worker process imports the module afresh to find its function: the main-guard ` +
        'block and the functions the parent called have not run there. The name is missing (NameError) or still ' +
        'holds its placeholder. Under fork the workers copy the parent\'s memory, so the program works on Linux before ' +
        'Python 3.14 and fails on macOS, Windows and newer Linux Pythons.',
      example: [
        'from multiprocessing import Pool',
        '',
        'def scale(x):',
        '    return x * FACTOR',
        '',
        'if __name__ == "__main__":',
        '    FACTOR = 3',
        '    with Pool(2) as pool:',
        '        print(pool.map(scale, range(5)))',
      ].join('\n'),
      fixed: [
        'from functools import partial',
        'from multiprocessing import Pool',
        '',
        'def scale(x, factor):',
        '    return x * factor',
        '',
        'if __name__ == "__main__":',
        '    factor = 3',
        '    with Pool(2) as pool:',
        '        print(pool.map(partial(scale, factor=factor), range(5)))',
      ].join('\n'),
      fixSafety:
        'No automatic fix: the value may be expensive or impossible to compute at import (it may come from the ' +
        'command line). Pass it as an argument (`functools.partial`), or set it once per worker in the pool\'s ' +
        '`initializer`.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const workers = functionsRunInWorkers(model);
    const reported = new Set<string>();
    for (const [scope, { worker, chain }] of workers) {
      if (startMethod(context, worker) === 'fork') continue;
      for (const read of globalReads(context, scope)) {
        if (reported.has(read.text)) continue;
        const late = lateOnly(context, read.text, workers);
        if (!late) continue;
        reported.add(read.text);
        report(context, scope, worker, chain, read, late);
      }
    }
  },
};

function startMethod(context: RuleContext, worker: ProcessWorker) {
  const { submission } = worker;
  return submission.atStart ? startMethodOf(context.model, submission.call) : startMethodOfPool(context.model, submission.receiver, submission.call.scope);
}

/** Reads, in a function's own code, of names whose bindings are all module-level values. */
function globalReads(context: RuleContext, fn: Scope): SyntaxNode[] {
  const { model } = context;
  const { scopesByNode } = mapsOf(model);
  const body = fn.node.childForFieldName('body');
  if (!body) return [];
  const reads: SyntaxNode[] = [];
  for (const id of body.descendantsOfType('identifier')) {
    if (!isReference(id) || isStoreTarget(id)) continue;
    const scope = scopeAround(id, scopesByNode, model.root);
    if (scope.executionScope !== fn) continue;
    const bindings = model.bindingsOf(id.text, scope);
    if (bindings.length > 0 && bindings.every((b) => b.scope === model.root && b.kind !== 'deletion')) reads.push(id);
  }
  return reads;
}

interface Late {
  binding: Binding;
  placeholder?: Binding;
  underGuard: boolean;
}

/**
 * The assignment that gives `name` its value while the program runs, when no binding made at
 * import gives it one (a `None` placeholder aside) and no worker assigns it.
 */
function lateOnly(context: RuleContext, name: string, workers: ReadonlyMap<Scope, unknown>): Late | undefined {
  const { model } = context;
  const bindings = model.root.bindings.get(name) ?? [];
  let placeholder: Binding | undefined;
  let late: Binding | undefined;
  for (const binding of bindings) {
    const atImport = isTopLevelBinding(binding.node) && !model.isUnderMainGuard(binding.node);
    if (atImport) {
      if (binding.kind === 'assignment' && binding.value?.type === 'none') placeholder ??= binding;
      else return undefined;
      continue;
    }
    if (workers.has(ownerFunction(model, binding.node))) return undefined;
    late ??= binding;
  }
  return late ? { binding: late, placeholder, underGuard: model.isUnderMainGuard(late.node) } : undefined;
}

function report(context: RuleContext, scope: Scope, worker: ProcessWorker, chain: readonly CallSite[], read: SyntaxNode, late: Late): void {
  const { submission } = worker;
  const name = read.text;
  const through = chain.length > 0 ? `, called from \`${worker.scope.displayName}\`` : '';
  const where = late.underGuard
    ? `only assigned under the \`if __name__ == "__main__":\` guard (line ${lineAt(context, late.binding.node)})`
    : `only assigned while the program runs, in \`${ownerFunction(context.model, late.binding.node).displayName}\` (line ${lineAt(context, late.binding.node)})`;
  const result = late.placeholder ? `the workers see its placeholder \`None\` (line ${lineAt(context, late.placeholder.node)})` : `\`${name}\` raises NameError there`;
  const message =
    `\`${scope.displayName}\`${through} runs in worker processes (\`${callShown(submission.call.node)}\` at line ${lineAt(context, submission.call.node)}) ` +
    `and reads the module-level \`${name}\`, which is ${where}: under ${SPAWN_METHODS}, the workers import the module without running that code, so ${result}; ` +
    'pass the value as an argument (`functools.partial`) or set it in the pool\'s `initializer`';
  context.report(read, message, {
    related: [relatedAt(context, late.binding.node, 'assigned only here'), relatedAt(context, submission.call.node, 'handed to worker processes here')],
  });
}

/** `x` in `x = ...` or `for x in ...`: a store, not a read. */
function isStoreTarget(id: SyntaxNode): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if ((parent.type === 'assignment' || parent.type === 'augmented_assignment') && id.field === 'left') return parent.type === 'assignment';
  if (parent.type === 'for_statement' && id.field === 'left') return true;
  return false;
}
