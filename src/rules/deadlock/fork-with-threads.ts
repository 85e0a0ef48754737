/**
 * DL108 fork-with-threads: the process forks (`os.fork()`, or `multiprocessing` with the fork
 * start method) while threads it started are still running.
 */
import { forkPoints, forksOnLinux, type ForkPoint } from '../../concurrency/fork-points.js';
import { isProjectFunction } from '../../concurrency/object-uses.js';
import { callsIn } from '../../concurrency/pools.js';
import { threadsRunningAt, type RunningThread } from '../../concurrency/running-threads.js';
import type { WaitFunctionFacts } from '../../concurrency/wait-facts.js';
import { leavesThread, projectLookup, reachesFork, type Reached, type WaitLookup } from '../../concurrency/wait-links.js';
import type { RelatedLocation } from '../../diagnostics/finding.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { CallSite } from '../../semantic/model.js';
import type { Scope } from '../../semantic/scope.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { lineAt, relatedAt } from '../process-safety/shared.js';
import { localWaits, relatedSite, siteAt } from './wait-shared.js';

export const forkWithThreads: Rule = {
  meta: {
    code: 'DL108',
    name: 'fork-with-threads',
    category: 'deadlock',
    summary: 'Process forked while other threads run: the child can inherit a lock that is never released',
    fix: 'none',
    docs: {
      what:
        'A fork while threads the program started are still running: `os.fork()` (also `os.forkpty()`, `pty.fork()`), or ' +
        'starting `multiprocessing` processes (`Process.start()`, creating a `Pool`, the first task of a ' +
        '`ProcessPoolExecutor`) with the fork start method, explicit (`get_context("fork")`, ' +
        '`set_start_method("fork")`) or by default: fork is the default on Linux up to Python 3.13, so with ' +
        '`--target-version py314` or later only an explicit fork counts. Running threads are those started earlier in ' +
        'the same function (or module code) and not yet joined (`t.start()` ... `t.join()`), a thread pool from its ' +
        'first task to the end of its `with` block or its `shutdown()`, and threads left running by a function called ' +
        'earlier (`start_monitor()` that starts a thread and returns), across files. A fork reached through a call ' +
        '(`spawn_workers()` that creates a `Pool`) counts too.',
      why:
        '`fork()` copies the whole memory of the process but only the thread that called it. Every lock another ' +
        'thread held at that instant (the `logging` module\'s handler locks, the import lock, locks inside ' +
        'libraries, your own) is copied as held, and the thread that would release it does not exist in the child: ' +
        'the child hangs the first time it takes that lock, at random, depending on what the thread was doing. ' +
        'CPython 3.12 and later warn about it (checked on 3.12 and 3.13: `DeprecationWarning: This process ' +
        '(pid=...) is multi-threaded, use of fork() may lead to deadlocks in the child.`; from `multiprocessing` the ' +
        'warning is raised inside the library and hidden by the default filters, `-W default` shows it), and Python ' +
        '3.14 made `forkserver` the default start method on Linux for this reason.',
      example: [
        'import multiprocessing',
        'import threading',
        '',
        'def watchdog(done):',
        '    if not done.wait(timeout=60):',
        '        print("still running after a minute")',
        '',
        'def square(n):',
        '    return n * n',
        '',
        'if __name__ == "__main__":',
        '    done = threading.Event()',
        '    watcher = threading.Thread(target=watchdog, args=(done,))',
        '    watcher.start()',
        '    with multiprocessing.Pool(4) as pool:',
        '        print(pool.map(square, range(10)))',
        '    done.set()',
        '    watcher.join()',
      ].join('\n'),
      fixed: [
        'import multiprocessing',
        'import threading',
        '',
        'def watchdog(done):',
        '    if not done.wait(timeout=60):',
        '        print("still running after a minute")',
        '',
        'def square(n):',
        '    return n * n',
        '',
        'if __name__ == "__main__":',
        '    done = threading.Event()',
        '    watcher = threading.Thread(target=watchdog, args=(done,))',
        '    watcher.start()',
        '    with multiprocessing.get_context("spawn").Pool(4) as pool:',
        '        print(pool.map(square, range(10)))',
        '    done.set()',
        '    watcher.join()',
      ].join('\n'),
      fixSafety:
        'No automatic fix. The spawn and forkserver start methods start a fresh interpreter, which changes what the ' +
        'child sees: the worker function and its arguments must be picklable and importable, module-level code runs ' +
        'again in the child (the main guard matters), and state the parent set up at run time is not inherited. ' +
        'Starting the processes before the threads keeps fork but reorders the program. Both are choices to make ' +
        'by hand.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const lookup = memoized(localWaits(context));
    const forks = (fork: Pick<ForkPoint, 'always' | 'method'>) => forksOnLinux(fork, context.targetVersion);
    const forkMemo = new Map<string, Reached>();
    const leaveMemo = new Map<string, Reached>();
    for (const fn of [model.root, ...model.scopes.filter((s) => s.kind === 'function' && !s.isAsync)]) {
      const calls = callsIn(model, fn).filter((c) => !c.awaited);
      const projectCalls = calls.filter((c) => isProjectFunction(model, model.calleeName(c) ?? '')).sort((a, b) => a.node.startIndex - b.node.startIndex);
      const sites: Array<{ call: CallSite; fork?: ForkPoint; callee?: string }> = [];
      for (const fork of forkPoints(model, fn)) if (forks(fork)) sites.push({ call: fork.call, fork });
      for (const call of projectCalls) sites.push({ call, callee: model.calleeName(call)! });
      if (sites.length === 0) continue;
      // Calls that (may) leave a thread running, in order: the first one before a site is the one to name.
      let next = 0;
      let leaving: (Reached & { call: Data['threadCalls'][number] }) | undefined;
      const earlier: Data['threadCalls'] = [];
      for (const site of sites.sort((a, b) => a.call.node.startIndex - b.call.node.startIndex)) {
        const offset = site.call.node.startIndex;
        for (; next < projectCalls.length && projectCalls[next]!.node.endIndex <= offset; next++) {
          const call = projectCalls[next]!;
          const words = { callee: model.calleeName(call)!, display: `${call.callee.text}()`, line: lineAt(context, call.node) };
          earlier.push(words);
          if (leaving?.verdict === 'yes') continue;
          const result = memo(leaveMemo, words.callee, () => leavesThread(lookup, words.callee));
          if (result.verdict === 'yes' || (result.verdict === 'unknown' && !leaving)) leaving = { ...result, call: words };
        }
        const local = threadsRunningAt(model, fn, offset).filter((t) => t.start.startIndex < offset);
        const thread = local[0] ? localThread(context, local[0], fn) : undefined;
        if (!thread && (!leaving || leaving.verdict === 'no')) continue;
        const reached = site.callee ? memo(forkMemo, site.callee, () => reachesFork(lookup, site.callee!, forks)) : undefined;
        if (reached?.verdict === 'no') continue;
        const data: Data = {
          path: context.source.path,
          forkLine: lineAt(context, site.call.node),
          fork: site.fork ? `\`${site.fork.display}\`` : `\`${site.call.callee.text}()\``,
          how: site.fork ? forkHow(site.fork, context.targetVersion) : undefined,
          forkCallee: site.callee,
          threadCalls: [...earlier],
          targetVersion: context.targetVersion,
        };
        if (reached?.verdict === 'unknown' || (!thread && leaving?.verdict === 'unknown')) {
          context.defer(site.call.node, { ...data, thread } as unknown as Record<string, unknown>);
          continue;
        }
        const resolution = verdict(data, thread ?? leavingThread(data, leaving!), reached);
        context.report(site.call.node, resolution.message!, { related: resolution.related });
      }
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const data = pending.data as unknown as Data & { thread?: ThreadWords };
    const lookup = projectLookup(project);
    const forks = (fork: NonNullable<WaitFunctionFacts['fork']>) => forksOnLinux(fork, data.targetVersion);
    const reached = data.forkCallee ? reachesFork(lookup, data.forkCallee, forks) : undefined;
    if (reached && reached.verdict !== 'yes') return undefined;
    let thread = data.thread;
    if (!thread) {
      const leaving = firstLeaving(lookup, data.threadCalls);
      if (leaving?.verdict !== 'yes') return undefined;
      thread = leavingThread(data, leaving);
    }
    return verdict(data, thread, reached);
  },
};

interface Data {
  path: string;
  forkLine: number;
  /** The call: `os.fork()`, `multiprocessing.Pool(...)`, `spawn_workers()`. */
  fork: string;
  /** Why a process start forks. */
  how?: string;
  /** The fork is reached through a call of this function. */
  forkCallee?: string;
  /** Calls before the fork that may leave threads running. */
  threadCalls: Array<{ callee: string; display: string; line: number }>;
  targetVersion: [number, number];
}

/** The running thread, as the message names it. */
interface ThreadWords {
  words: string;
  plural: boolean;
  related: RelatedLocation[];
}

function localThread(context: RuleContext, thread: RunningThread, fn: Scope): ThreadWords {
  const line = lineAt(context, thread.start);
  const owner = fn === context.model.root ? 'the module' : `\`${fn.displayName}\``;
  const stop = thread.stop;
  const stopLine = stop && (stop.how === 'with' ? context.lines.position(stop.node.endIndex - 1).line : lineAt(context, stop.node));
  const until = !stop
    ? `nothing in ${owner} waits for ${thread.kind === 'pool' ? 'them' : 'it'}`
    : stop.how === 'join'
      ? `it is joined only at line ${stopLine}`
      : stop.how === 'with'
        ? `they stop at the end of its \`with\` block, line ${stopLine}`
        : `they stop only at line ${stopLine}`;
  const words =
    thread.kind === 'pool'
      ? `the worker threads of \`${thread.display}\` (running since line ${line}) are alive (${until})`
      : `the thread started at line ${line} (\`${thread.display}\`) is still running (${until})`;
  return {
    words,
    plural: thread.kind === 'pool',
    related: [relatedAt(context, thread.start, thread.kind === 'pool' ? 'the pool\'s threads run from here' : 'the thread starts here'), ...(stop && stop.how !== 'with' ? [relatedAt(context, stop.node, 'and is waited for only here')] : [])],
  };
}

function leavingThread(data: Data, leaving: Reached & { call: Data['threadCalls'][number] }): ThreadWords {
  const site = leaving.site!;
  return {
    plural: false,
    words: `\`${leaving.call.display}\` at line ${leaving.call.line} left a thread running (\`${site.what}\` in ${siteAt(site, data.path)})`,
    related: [relatedSite(site, 'the thread started here is not waited for')],
  };
}

function memo<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** A lookup that asks each name once. */
function memoized(lookup: WaitLookup): WaitLookup {
  const seen = new Map<string, ReturnType<WaitLookup>>();
  return (name) => {
    if (!seen.has(name)) seen.set(name, lookup(name));
    return seen.get(name);
  };
}

function firstLeaving(lookup: WaitLookup, calls: Data['threadCalls']): (Reached & { call: Data['threadCalls'][number] }) | undefined {
  let unknown: (Reached & { call: Data['threadCalls'][number] }) | undefined;
  for (const call of calls) {
    const result = leavesThread(lookup, call.callee);
    if (result.verdict === 'yes') return { ...result, call };
    if (result.verdict === 'unknown') unknown ??= { ...result, call };
  }
  return unknown;
}

/** How the fork point forks, in parentheses after "forks", if it needs saying. */
function forkHow(fork: ForkPoint, targetVersion: [number, number]): string | undefined {
  if (fork.always) return undefined;
  if (fork.method === 'fork') return 'the fork start method is set';
  return `fork is the default start method on Linux before Python 3.14, and the target version is ${targetVersion.join('.')}`;
}

function verdict(data: Data, thread: ThreadWords, reached: Reached | undefined): Resolution {
  const how = reached ? `\`${reached.site!.what}\` in ${siteAt(reached.site!, data.path)}` : data.how;
  const fork = `${data.fork} at line ${data.forkLine} forks${how ? ` (${how})` : ''}`;
  return {
    message:
      `${fork} while ${thread.words}: the child process gets a copy of every lock ${thread.plural ? 'those threads hold' : 'that thread holds'} at that moment (the \`logging\` module's handler locks, the import lock, your own locks) but not the thread that would release them, so the child can hang the first time it takes one (Python 3.12+ warns: "use of fork() may lead to deadlocks in the child"); ` +
      'start processes with the spawn or forkserver method (`multiprocessing.get_context("spawn")`), or start them before the threads',
    related: [...thread.related, ...(reached ? [relatedSite(reached.site!, 'the fork happens here')] : [])],
  };
}
