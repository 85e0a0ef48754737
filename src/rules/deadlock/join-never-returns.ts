/**
 * DL106 join-never-returns: a `join()` that cannot return. `q.join()` on a queue whose items
 * nobody marks done; `t.join()` on a thread (or process) whose target never returns; a thread
 * that joins itself (`current_thread().join()`, `self.join()` from `run`, `self._thread.join()`
 * from that thread's own target), which raises instead of waiting.
 */
import type { RelatedLocation } from '../../diagnostics/finding.js';
import { madeBehind, type Made } from '../../concurrency/joined-objects.js';
import { callableName, objectUses, scopeFinder, type PassedTo } from '../../concurrency/object-uses.js';
import { callsIn, kindOf, kindOfType, reachable, submissions, functionNamed } from '../../concurrency/pools.js';
import { neverReturns, paramUse, projectLookup, type NeverReturns, type ParamUse, type WaitLookup } from '../../concurrency/wait-links.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { CallSite, SemanticModel } from '../../semantic/model.js';
import type { Scope } from '../../semantic/scope.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt } from '../process-safety/shared.js';
import { localWaits, relatedSite, siteWords } from './wait-shared.js';

/** Queues whose `join()` waits for `task_done()`. */
const JOINABLE_QUEUES = new Set([
  'queue.Queue',
  'queue.LifoQueue',
  'queue.PriorityQueue',
  'multiprocessing.queues.JoinableQueue',
  'asyncio.Queue',
  'asyncio.LifoQueue',
  'asyncio.PriorityQueue',
]);
/** Methods that let a waiting `join()` return without `task_done()` (`Queue.shutdown(immediate=True)`, 3.13). */
const RELEASING = ['task_done', 'shutdown'];
const PUTS = ['put', 'put_nowait'];
/** A join guarded against joining the current thread. */
const SELF_GUARD = /current_thread|currentThread|get_ident|get_native_id|\.ident\b|native_id/;

export const joinNeverReturns: Rule = {
  meta: {
    code: 'DL106',
    name: 'join-never-returns',
    category: 'deadlock',
    summary: '`join()` that can never return: queue items never marked done, a thread that never ends, a thread joining itself',
    fix: 'none',
    docs: {
      what:
        'Three kinds of `join()` that cannot return. (1) `q.join()` on a `queue.Queue` (also `LifoQueue`, ' +
        '`PriorityQueue`, `multiprocessing.JoinableQueue`, `asyncio.Queue`) that has items put on it when no code ' +
        'that can reach the queue calls `q.task_done()` (nor `q.shutdown()`): the queue is followed from where it ' +
        'is made into every function it is handed to (thread and process targets, `executor.submit`, coroutines ' +
        'given to `create_task`, plain calls), across files; if it is stored, aliased or given to a library, ' +
        'nothing is reported. (2) `t.join()` without a timeout on a `threading.Thread` (or a `multiprocessing.Process`) ' +
        'whose target never returns: its body always reaches a `while True:` loop with no `break`, `return`, ' +
        '`raise` or `sys.exit()` in it, and that calls no function of the project that may raise (the target may be ' +
        'in another file, or reach the loop through calls). Daemon or not makes no difference: `join()` waits for ' +
        'the thread to end. (3) A thread that joins itself: `threading.current_thread().join()`, `self.join()` ' +
        'reached from `run()` of a `Thread` subclass, or `self._thread.join()` reached from `self._run`, the target of ' +
        'that same thread (typically a `stop()` method called from the worker on an error), unless the code checks ' +
        '`current_thread()` (or `get_ident()`) first.',
      why:
        '`Queue.join()` blocks until the count of unfinished items drops to zero, and only `task_done()` lowers it: ' +
        'the producer waits forever, however quickly the consumers empty the queue. A thread whose loop has no way ' +
        'out never ends, so `join()` without a timeout blocks its caller forever (and, for a non-daemon thread, ' +
        'interpreter exit too). A thread cannot wait for itself: CPython raises `RuntimeError("cannot join current ' +
        'thread")` (checked on 3.11), so the join never waits, the code after it (the rest of the shutdown) does ' +
        'not run, and a worker that calls it on an error dies with a second exception. Joining a thread before ' +
        'starting it raises `RuntimeError("cannot join thread before it is started")`; that is not reported here, ' +
        'since the first run shows it.',
      example: [
        'import queue',
        'import threading',
        '',
        'def worker(q):',
        '    while True:',
        '        item = q.get()',
        '        print(item)',
        '',
        'q = queue.Queue()',
        'threading.Thread(target=worker, args=(q,), daemon=True).start()',
        'for item in range(10):',
        '    q.put(item)',
        'q.join()',
      ].join('\n'),
      fixed: [
        'import queue',
        'import threading',
        '',
        'def worker(q):',
        '    while True:',
        '        item = q.get()',
        '        try:',
        '            print(item)',
        '        finally:',
        '            q.task_done()',
        '',
        'q = queue.Queue()',
        'threading.Thread(target=worker, args=(q,), daemon=True).start()',
        'for item in range(10):',
        '    q.put(item)',
        'q.join()',
      ].join('\n'),
      fixSafety:
        'No automatic fix: where to mark items done (after handling each, in a `finally` so that a failing item ' +
        'still counts), how a looping thread should be told to stop (an `Event` checked each round, a sentinel item ' +
        'that makes it `break`), and whether a `stop()` called from the worker itself should skip the join, are ' +
        'design decisions the rule cannot make for you.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const lookup = localWaits(context);
    const scopeOf = scopeFinder(model);
    for (const call of model.calls) {
      if (call.callee.type !== 'attribute' || call.callee.childForFieldName('attribute')?.text !== 'join') continue;
      const receiver = call.callee.childForFieldName('object')!;
      if (isCurrentThread(model, receiver, call.scope)) {
        context.report(
          call.node,
          `\`${callShown(call.node)}\` joins the thread that runs it: CPython raises \`RuntimeError: cannot join current thread\` instead of waiting, so the code after it never runs; join the other threads instead (skip \`threading.current_thread()\`)`,
        );
        continue;
      }
      const type = model.typeOf(receiver, call.scope);
      if (type && JOINABLE_QUEUES.has(type)) {
        if (noArguments(call.node)) queueJoin(context, call, receiver, type, lookup, scopeOf);
        continue;
      }
      const kind = kindOf(model, receiver, call.scope);
      if ((kind?.shape === 'thread' || kind?.shape === 'process') && noArguments(call.node)) threadJoin(context, call, receiver, lookup);
    }
    selfJoins(context);
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const data = pending.data as unknown as QueueData | ThreadData;
    const lookup = projectLookup(project);
    if (data.kind === 'queue') {
      if (data.moduleLevel) {
        const importers = project.importersOf(data.module).filter((i) => i.names.includes('*') || i.names.includes(data.name));
        if (importers.length > 0) return undefined;
      }
      const reached = paramUse(lookup, data.targets);
      const verdict = queueVerdict(data, reached);
      return verdict && { message: verdict.message, related: [...(pending.finding.related ?? []), ...verdict.related] };
    }
    for (const target of data.targets) {
      const result = neverReturns(lookup, target.name);
      if (result.verdict !== 'yes') continue;
      const resolution = threadMessage(data, target, result);
      return { ...resolution, related: [...(pending.finding.related ?? []), ...(resolution.related ?? [])] };
    }
    return undefined;
  },
};

interface QueueData {
  kind: 'queue';
  /** The queue as written, its creation, where the join is. */
  name: string;
  made: string;
  madeLine: number;
  path: string;
  /** The first `put` in this file, if any. */
  put?: { line: number };
  /** Functions of the project the queue is handed to. */
  targets: Array<{ callee: string; index: number }>;
  /** Who receives it, as written here: `worker`. */
  receivers: string[];
  function: string;
  moduleLevel: boolean;
  module: string;
}

interface ThreadData {
  kind: 'thread';
  thread: string;
  what: 'thread' | 'process';
  madeLine: number;
  path: string;
  targets: Array<{ name: string; display: string }>;
}

function noArguments(call: SyntaxNode): boolean {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment').length === 0;
}

function isCurrentThread(model: SemanticModel, receiver: SyntaxNode, scope: Scope): boolean {
  if (receiver.type !== 'call') return false;
  const callee = receiver.childForFieldName('function');
  const name = callee ? model.qualifiedNameOf(callee, scope) : undefined;
  return name === 'threading.current_thread' || name === 'threading.currentThread';
}

/** `q.join()`: is `task_done()` called anywhere the queue reaches? */
function queueJoin(context: RuleContext, join: CallSite, receiver: SyntaxNode, type: string, lookup: WaitLookup, scopeOf: (n: SyntaxNode) => Scope): void {
  const { model } = context;
  if (receiver.type !== 'identifier') return;
  const bindings = model.bindingsOf(receiver.text, join.scope);
  const values = bindings.filter((b) => !(b.kind === 'assignment' && b.value?.type === 'none'));
  if (values.length !== 1 || values[0]!.kind !== 'assignment' || values[0]!.value?.type !== 'call') return;
  const binding = values[0]!;
  const seen = new Set<number>();
  const uses: SyntaxNode[] = [];
  for (const b of bindings) for (const use of b.uses) if (use.id !== b.node.id && !seen.has(use.id)) (seen.add(use.id), uses.push(use));
  const found = objectUses(model, uses, scopeOf);
  if (found.escapes.length > 0) return;
  if (RELEASING.some((m) => found.methods.has(m))) return;
  const put = PUTS.flatMap((m) => found.methods.get(m) ?? []).sort((a, b) => a.startIndex - b.startIndex)[0];
  const moduleLevel = binding.scope === model.root;
  const data: QueueData = {
    kind: 'queue',
    name: receiver.text,
    made: shortType(type),
    madeLine: lineAt(context, binding.value!),
    path: context.source.path,
    put: put && { line: lineAt(context, put) },
    targets: found.passed.map((p: PassedTo) => ({ callee: p.callee, index: p.index })),
    receivers: [...new Set(found.passed.map((p) => shortName(p.callee)))],
    function: join.scope.executionScope === model.root ? 'the module' : `\`${join.scope.executionScope.displayName}\``,
    moduleLevel,
    module: model.moduleName,
  };
  const related = [relatedAt(context, binding.value!, `\`${receiver.text}\` is made here`), ...(put ? [relatedAt(context, put, 'an item is put here')] : [])];
  const reached = paramUse(lookup, data.targets);
  if (reached.escapes || reached.methods.has('task_done') || reached.methods.has('shutdown')) return;
  if (reached.unknown || moduleLevel) {
    context.defer(join.node, data as unknown as Record<string, unknown>, { related });
    return;
  }
  const verdict = queueVerdict(data, reached);
  if (verdict) context.report(join.node, verdict.message, { related: [...related, ...verdict.related] });
}

function queueVerdict(data: QueueData, reached: ParamUse): { message: string; related: RelatedLocation[] } | undefined {
  if (reached.escapes || reached.unknown || RELEASING.some((m) => reached.methods.has(m))) return undefined;
  const remotePut = PUTS.map((m) => reached.methods.get(m)).find((s) => !!s);
  if (!data.put && !remotePut) return undefined;
  const putWords = data.put ? `\`${data.name}.put(...)\` at line ${data.put.line}` : `\`${remotePut!.display}\` puts items on it (line ${remotePut!.line})`;
  const consumers = reached.reached.length > 0 ? `, nor ${reached.reached.map((s) => siteWords(s, data.path)).join(', ')}, which ${reached.reached.length === 1 ? 'receives' : 'receive'} it` : '';
  return {
    message:
      `\`${data.name}.join()\` waits until every item put on \`${data.name}\` (\`${data.made}()\` made at line ${data.madeLine}) has been marked done with \`task_done()\`, but no code that can reach the queue calls \`${data.name}.task_done()\`: not ${data.function}${consumers}; ` +
      `after ${putWords} the join never returns; call \`task_done()\` once for each item the consumer takes (in a \`finally\`), or wait for the consumers themselves instead`,
    related: reached.reached.slice(0, 3).map((s) => relatedSite(s, `\`${data.name}\` is handed to \`${s.display}\`, which never calls \`task_done()\``)),
  };
}

/** `t.join()` on a thread or process whose target never returns. */
function threadJoin(context: RuleContext, join: CallSite, receiver: SyntaxNode, lookup: WaitLookup): void {
  const { model } = context;
  const made = madeBehind(model, receiver, join.scope);
  if (!made || made.length === 0) return;
  if (!startedSomewhere(model, join, receiver)) return;
  const targets = made.map((m) => targetOf(model, m)).filter((t): t is { name: string; display: string } => !!t);
  if (targets.length === 0) return;
  const first = made[0]!;
  const data: ThreadData = {
    kind: 'thread',
    thread: receiver.text,
    what: first.kind.shape === 'process' ? 'process' : 'thread',
    madeLine: lineAt(context, first.call.node),
    path: context.source.path,
    targets,
  };
  const related = [relatedAt(context, first.call.node, `the ${data.what} is made here`)];
  let unknown = false;
  for (const target of targets) {
    const result = neverReturns(lookup, target.name);
    if (result.verdict === 'yes') {
      const resolution = threadMessage(data, target, result);
      context.report(join.node, resolution.message!, { related: [...related, ...(resolution.related ?? [])] });
      return;
    }
    if (result.verdict === 'unknown') unknown = true;
  }
  if (unknown) context.defer(join.node, data as unknown as Record<string, unknown>, { related });
}

function threadMessage(data: ThreadData, target: { name: string; display: string }, result: NeverReturns): Resolution {
  const loop = result.loop!;
  const through = result.chain.length > 0 ? ` (through ${result.chain.map((s) => `\`${s.display}\``).join(' -> ')})` : '';
  return {
    message:
      `\`${data.thread}.join()\` waits for the ${data.what} made at line ${data.madeLine}, whose target \`${target.display}\` never returns${through}: the \`while True:\` loop in ${siteWords(loop, data.path)} has no \`break\`, \`return\` or \`raise\`, so the join blocks forever; ` +
      `give the loop a way out (an \`Event\` it checks each round, or a sentinel item that makes it \`break\`) and trigger it before joining, or join with a timeout`,
    related: [relatedSite(loop, 'the loop that never ends')],
  };
}

/** The function a thread or process runs: its `target`, or `run` of a subclass. */
function targetOf(model: SemanticModel, made: Made): { name: string; display: string } | undefined {
  const submission = submissions(model).find((s) => s.call === made.call && s.method === 'target');
  const callee = model.calleeName(made.call);
  if (submission?.fn) {
    const target = callableName(model, submission.fn, made.call.scope);
    return target && { name: target.name, display: submission.fn.text.length <= 40 ? submission.fn.text : shortName(target.name) };
  }
  // A subclass of `Thread` (or `Process`) defined in this module: its `run`.
  if (callee && model.classes.has(callee) && kindOfType(model, callee)) return { name: `${callee}.run`, display: `${shortName(callee)}.run` };
  return undefined;
}

/** A `start()` on the same object, or on a thread of the same function (a loop over a list of them). */
function startedSomewhere(model: SemanticModel, join: CallSite, receiver: SyntaxNode): boolean {
  const started = (call: CallSite) => {
    if (call.callee.type !== 'attribute' || call.callee.childForFieldName('attribute')?.text !== 'start') return false;
    const object = call.callee.childForFieldName('object')!;
    if (object.text === receiver.text) return true;
    const kind = kindOf(model, object, call.scope);
    return call.scope.executionScope === join.scope.executionScope && (kind?.shape === 'thread' || kind?.shape === 'process');
  };
  if (receiver.type === 'attribute') return model.calls.some(started);
  return callsIn(model, join.scope.executionScope).some(started) || model.calls.some((c) => started(c) && c.callee.childForFieldName('object')!.text === receiver.text);
}

/** Threads that join themselves: `self.join()` from `run`, `self._thread.join()` from that thread's target. */
function selfJoins(context: RuleContext): void {
  const { model } = context;
  const reported = new Set<number>();
  for (const [className, facts] of model.classes) {
    // A Thread subclass: `self.join()` reached from its own `run`.
    if (kindOfType(model, className)?.shape === 'thread') {
      const run = functionNamed(model, `${className}.run`);
      if (run) {
        for (const [scope, chain] of reachable(model, [{ scope: run, chain: [] }])) {
          for (const call of callsIn(model, scope)) {
            const object = call.callee.type === 'attribute' && call.callee.childForFieldName('attribute')?.text === 'join' ? call.callee.childForFieldName('object') : undefined;
            if (object?.type !== 'identifier' || object.text !== 'self' || scope.enclosingClass !== facts.scope || guarded(scope) || reported.has(call.node.id)) continue;
            reported.add(call.node.id);
            context.report(call.node, selfJoinMessage('`self.join()`', `\`${run.displayName}\`, the thread's own \`run()\``, chain.map((c) => c.scope.executionScope.displayName), scope.displayName), {
              related: [relatedAt(context, run.node.childForFieldName('name')!, 'the thread runs this')],
            });
          }
        }
      }
    }
    // `self.A = Thread(target=self.M)`: `self.A.join()` reached from `M`.
    for (const [attribute, assigned] of facts.instanceAttributes) {
      for (const { value } of assigned) {
        if (value.type !== 'call') continue;
        const submission = submissions(model).find((s) => s.call.node.id === value.id && s.method === 'target' && s.kind.shape === 'thread');
        if (!submission?.fn || submission.fn.type !== 'attribute' || submission.fn.childForFieldName('object')?.text !== 'self') continue;
        const target = callableName(model, submission.fn, submission.call.scope);
        const targetScope = target ? functionNamed(model, target.name) : undefined;
        if (!targetScope) continue;
        for (const [scope, chain] of reachable(model, [{ scope: targetScope, chain: [] }])) {
          if (scope.enclosingClass !== facts.scope || guarded(scope)) continue;
          for (const call of callsIn(model, scope)) {
            if (call.callee.type !== 'attribute' || call.callee.childForFieldName('attribute')?.text !== 'join') continue;
            const object = call.callee.childForFieldName('object')!;
            if (object.text !== `self.${attribute}` || reported.has(call.node.id)) continue;
            reported.add(call.node.id);
            context.report(
              call.node,
              selfJoinMessage(`\`self.${attribute}.join()\``, `\`${targetScope.displayName}\`, the target of that same thread (\`${callShown(value)}\`, line ${lineAt(context, value)})`, chain.map((c) => c.scope.executionScope.displayName), scope.displayName),
              { related: [relatedAt(context, value, 'the thread is made here'), ...chain.slice(0, 3).map((c) => relatedAt(context, c.node, 'called from the thread here'))] },
            );
          }
        }
      }
    }
  }
}

function selfJoinMessage(join: string, from: string, chain: string[], where: string): string {
  const path = chain.length > 0 ? ` (through ${[...chain, where].map((n) => `\`${n}\``).join(' -> ')})` : '';
  return (
    `${join} can run in the very thread it joins: it is reached from ${from}${path}; a thread cannot wait for itself, and CPython raises ` +
    '`RuntimeError: cannot join current thread` instead of waiting, so the rest of the shutdown never runs; skip the join when `threading.current_thread()` is that thread'
  );
}

/** The function compares against the current thread before joining. */
function guarded(scope: Scope): boolean {
  return SELF_GUARD.test(scope.node.text);
}

function shortType(type: string): string {
  return type.replace(/^multiprocessing\.queues\./, 'multiprocessing.');
}

function shortName(qualifiedName: string): string {
  const parts = qualifiedName.split('.');
  return parts.at(-1) === '__init__' ? parts.slice(-2, -1).join('.') : parts.at(-1)!;
}
