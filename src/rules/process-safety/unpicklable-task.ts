/**
 * PS102 unpicklable-task: a function or value handed to worker processes that pickle cannot
 * send: lambdas, nested functions, bound methods and instances holding locks, files, sockets or
 * connections, generators, multiprocessing queues and locks as task arguments.
 */
import { picklingProblem, type PicklingProblem } from '../../concurrency/pickling.js';
import { holderOf, useKind, usesOf } from '../../concurrency/ownership.js';
import { startMethodOf, startMethodOfPool, submissions, type Submission } from '../../concurrency/pools.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt, SPAWN_METHODS } from './shared.js';

const REMEDIES: Record<PicklingProblem['kind'], string> = {
  lambda: 'define the function at module level (bind extra values with `functools.partial`)',
  nested: 'define the function at module level and pass what it captured as arguments (or with `functools.partial`)',
  guarded: 'define it above the `if __name__ == "__main__":` guard',
  instance: 'send a module-level function with the picklable data it needs, or give the class `__getstate__` to leave the unpicklable part out',
  type: 'create it inside the worker instead (in the function, or once per worker in the pool\'s `initializer`)',
  'process-object': 'hand it to the workers when they start (the pool\'s `initializer` and `initargs`), or use a `multiprocessing.Manager()` object',
  generator: 'send a list of its items, or the values that make it and build the generator in the worker',
};

export const unpicklableTask: Rule = {
  meta: {
    code: 'PS102',
    name: 'unpicklable-task',
    category: 'process-safety',
    summary: 'A function or value handed to worker processes cannot be pickled',
    fix: 'none',
    docs: {
      what:
        'The function or an argument of work handed to worker processes that pickle cannot send: a lambda, a ' +
        'function defined inside another function, a bound method or instance of a class of the module whose ' +
        'attributes hold a lock, an open file, a socket or a database connection, a generator, a value the ' +
        'catalogue marks unpicklable, or a multiprocessing queue, lock or shared value sent as a task argument. ' +
        'Checked at `submit`, `map` (the function), `apply`/`apply_async` (function, `args`, `kwds`), ' +
        '`starmap`, `imap`, `loop.run_in_executor` on a process executor, `Process(target=..., args=...)` and ' +
        'a pool\'s `initializer`/`initargs`. A function defined under the main guard is flagged too: workers ' +
        'started with spawn or forkserver import the module without that block and cannot find it. Thread ' +
        'pools are not checked (nothing is pickled).',
      why:
        'A process pool pickles every task (the function by its importable name, and each argument by value) to send ' +
        'it to a worker, whatever the start method: an unpicklable task raises `PicklingError` or ' +
        '`AttributeError: Can\'t pickle local object` when it is submitted or when its result is read, or breaks the ' +
        `pool. A \`Process\` target and its arguments are pickled under ${SPAWN_METHODS}, so code that works on Linux ` +
        'before 3.14 fails on macOS and Windows. Multiprocessing\'s queues, locks and shared values reach a worker only ' +
        'when it starts ("Queue objects should only be shared between processes through inheritance").',
      example: [
        'from concurrent.futures import ProcessPoolExecutor',
        '',
        'def main(numbers):',
        '    with ProcessPoolExecutor() as pool:',
        '        return list(pool.map(lambda n: n * n, numbers))',
      ].join('\n'),
      fixed: [
        'from concurrent.futures import ProcessPoolExecutor',
        '',
        'def square(n):',
        '    return n * n',
        '',
        'def main(numbers):',
        '    with ProcessPoolExecutor() as pool:',
        '        return list(pool.map(square, numbers))',
      ].join('\n'),
      fixSafety:
        'No automatic fix: moving a lambda or a nested function to module level changes what it can see (the ' +
        'variables it captured must become arguments), and what replaces a lock, file or connection in the worker is ' +
        'a design choice. The message says what to do for each kind of value.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    for (const submission of submissions(model)) {
      if (submission.kind.runner !== 'processes') continue;
      const method = startMethod(context, submission);
      // Under fork a process's target and arguments are inherited, never pickled; and only started processes pickle them.
      if (submission.atStart && (method === 'fork' || (submission.kind.shape === 'process' && !mayBeStarted(context, submission)))) continue;
      const values = [...(submission.fn ? [submission.fn] : []), ...submission.sent];
      for (const value of values) {
        const problem = picklingProblem(model, value, submission.call.scope, { atStart: submission.atStart });
        if (!problem || (problem.spawnOnly && method === 'fork')) continue;
        report(context, submission, value, problem);
      }
    }
  },
};

/** A process object that is started, or handed to code that may start it. */
function mayBeStarted(context: RuleContext, submission: Submission): boolean {
  const holder = holderOf(context.model, submission.call);
  if (holder.kind === 'dropped') return holder.method === 'start';
  if (holder.kind !== 'name') return true;
  return usesOf(holder).some((use) => {
    const kind = useKind(use);
    return kind.kind === 'escapes' || kind.method === 'start';
  });
}

function startMethod(context: RuleContext, submission: Submission) {
  if (submission.atStart) return startMethodOf(context.model, submission.call);
  return startMethodOfPool(context.model, submission.receiver, submission.call.scope);
}

function report(context: RuleContext, submission: Submission, value: SyntaxNode, problem: PicklingProblem): void {
  const site = `\`${callShown(submission.call.node)}\``;
  const role = value === submission.fn ? (submission.method === 'initializer' ? 'initializer' : 'function') : 'argument';
  const what = submission.method === 'initializer' ? 'initializer' : 'target';
  const when = problem.spawnOnly
    ? `under ${SPAWN_METHODS}, workers import the module afresh, and`
    : submission.atStart
      ? `under ${SPAWN_METHODS}, the ${what} and its arguments are pickled to reach the new process, and`
      : 'every task is pickled to reach a worker process, and';
  const message = `${site} (line ${lineAt(context, submission.call.node)}) sends the ${role} \`${problem.value}\` to worker processes: ${when} ${problem.reason}; ${REMEDIES[problem.kind]}`;
  const related = [relatedAt(context, submission.call.node, 'handed to worker processes here')];
  if (problem.origin && problem.origin.id !== value.id) related.push(relatedAt(context, problem.origin, 'what does not pickle is made here'));
  context.report(value, message, { related });
}
