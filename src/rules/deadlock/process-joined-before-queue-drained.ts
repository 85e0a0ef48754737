/**
 * DL107 process-joined-before-queue-drained: `p.join()` before the parent takes, with
 * `q.get()`, the items the process's target puts on a `multiprocessing` queue it was given.
 */
import type { Edit } from '../../diagnostics/finding.js';
import { madeBehind, type Made } from '../../concurrency/joined-objects.js';
import { callableName, objectUses, scopeFinder } from '../../concurrency/object-uses.js';
import { callArguments } from '../../semantic/call-arguments.js';
import { callsIn } from '../../concurrency/pools.js';
import { UNBOUNDED_PUT } from '../../concurrency/wait-facts.js';
import { paramUse, projectLookup, type ParamUse, type Site } from '../../concurrency/wait-links.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { ProjectIndex } from '../../project/project-index.js';
import { afterLineEnd, lineStart } from '../../rewrites/source-text.js';
import type { CallSite, SemanticModel } from '../../semantic/model.js';
import type { Scope } from '../../semantic/scope.js';
import type { FixDraft, PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt } from '../process-safety/shared.js';
import { localWaits, relatedSite, siteAt } from './wait-shared.js';

/** Queues whose items pass through a pipe the child must fill before it can exit. */
const PIPE_QUEUES = new Set(['multiprocessing.queues.Queue', 'multiprocessing.queues.JoinableQueue', 'multiprocessing.queues.SimpleQueue']);
const PUTS = ['put', 'put_nowait'];
/** Calls that only compute: running them before the join instead of after changes nothing another process could see. */
const PURE_BUILTINS = new Set([
  'builtins.len', 'builtins.range', 'builtins.list', 'builtins.dict', 'builtins.set', 'builtins.tuple', 'builtins.sorted', 'builtins.sum',
  'builtins.min', 'builtins.max', 'builtins.int', 'builtins.str', 'builtins.float', 'builtins.abs', 'builtins.enumerate', 'builtins.zip',
  'builtins.reversed', 'builtins.any', 'builtins.all', 'builtins.isinstance', 'builtins.bool', 'builtins.round',
]);
const CONTAINER_METHODS = new Set(['append', 'extend', 'add', 'update', 'insert']);

export const processJoinedBeforeQueueDrained: Rule = {
  meta: {
    code: 'DL107',
    name: 'process-joined-before-queue-drained',
    category: 'deadlock',
    summary: 'Process joined before the queue it puts on is read: deadlock once the items exceed the pipe buffer',
    fix: 'sometimes',
    docs: {
      what:
        '`p.join()` (no timeout) on a `multiprocessing.Process` (also one of a list of processes joined in a loop) whose ' +
        'target puts items on a `multiprocessing.Queue`, `JoinableQueue` or `SimpleQueue` it was given ' +
        '(`Process(target=produce, args=(q,))`, the `put` possibly in a function the target hands the queue to, in ' +
        'another file), when the same function reads that queue with `q.get()` only after the join. Not flagged when ' +
        'the function reads the queue before the join, when the queue is also handed to other code (another thread ' +
        'may drain it), when the join has a timeout, or when every item put is a small literal (`q.put(2)`, ' +
        '`q.put(None)`) put once, outside any loop, which cannot fill the pipe.',
      why:
        'The multiprocessing documentation calls this out ("Joining processes that use queues"): a process that has ' +
        'put items on a queue waits before terminating until a background feeder thread has written all of them to ' +
        'the queue\'s pipe (a `SimpleQueue` writes in `put()` itself), and a pipe holds only 64 KiB on Linux. If the ' +
        'items are larger, the child blocks writing until someone reads, and the parent blocks in `join()` waiting ' +
        'for the child to exit: a deadlock. Small items fit in the pipe, so the code works in tests and hangs on real ' +
        'data (tested: 60 000 bytes finish, 70 000 bytes hang).',
      example: [
        'import multiprocessing',
        '',
        'def produce(q, n):',
        '    q.put("x" * n)',
        '',
        'if __name__ == "__main__":',
        '    q = multiprocessing.Queue()',
        '    p = multiprocessing.Process(target=produce, args=(q, 1_000_000))',
        '    p.start()',
        '    p.join()',
        '    data = q.get()',
        '    print(len(data))',
      ].join('\n'),
      fixed: [
        'import multiprocessing',
        '',
        'def produce(q, n):',
        '    q.put("x" * n)',
        '',
        'if __name__ == "__main__":',
        '    q = multiprocessing.Queue()',
        '    p = multiprocessing.Process(target=produce, args=(q, 1_000_000))',
        '    p.start()',
        '    data = q.get()',
        '    p.join()',
        '    print(len(data))',
      ].join('\n'),
      fixSafety:
        'The fix moves the join (the `p.join()` statement, or a `for p in procs: p.join()` loop) to just after the last ' +
        'statement of the same block that calls `q.get()`. It is offered only when none of the statements it moves ' +
        'across mentions the process (`p.exitcode`) and the queue is used there only through plain `q.get()` (no ' +
        'timeout, no `empty()`, `qsize()` or `get_nowait()`, whose answers differ while the child is still running). ' +
        'It is safe when those statements only compute (assignments, `list.append`, `len`, `sorted`...): the gets ' +
        'block until the items arrive either way, so the program computes the same values. It is unsafe when they ' +
        'call anything else (a `print`, a write, a function of the project), because that now runs while the child ' +
        'may still be running, so its output can interleave with the child\'s. If the child puts more items than ' +
        'the parent takes, the join can still hang after the fix: take every item.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const lookup = localWaits(context);
    const scopeOf = scopeFinder(model);
    for (const join of model.calls) {
      if (join.callee.type !== 'attribute' || join.callee.childForFieldName('attribute')?.text !== 'join') continue;
      const args = callArguments(join.node);
      if (args.known.length > 0 || args.keywords.size > 0 || args.splat) continue;
      const receiver = join.callee.childForFieldName('object')!;
      const made = madeBehind(model, receiver, join.scope);
      if (!made || made.length === 0 || made.some((m) => m.kind.shape !== 'process')) continue;
      const fn = join.scope.executionScope;
      const handed = queuesHanded(model, made);
      for (const { queue, targets } of handed) {
        const gets = parentGets(model, fn, queue, join, made, scopeOf);
        if (!gets) continue;
        const data: Data = {
          join: callShown(join.node).replace('(...)', '()'),
          receiver: receiver.text,
          queue: queue.text,
          madeLine: lineAt(context, made[0]!.call.node),
          made: madeShown(made[0]!),
          getLine: lineAt(context, gets[0]!.node),
          path: context.source.path,
          targets: targets.map((t) => ({ callee: t.callee, index: t.index })),
        };
        const reached = paramUse(lookup, data.targets);
        const related = [relatedAt(context, made[0]!.call.node, 'the process is made here'), relatedAt(context, gets[0]!.node, `the parent reads \`${queue.text}\` only here`)];
        const fix = moveJoinFix(context, join, receiver, queue, gets);
        if (!putsOn(reached) && reached.unknown) {
          context.defer(join.node, data as unknown as Record<string, unknown>, { related, fix });
          continue;
        }
        const verdict = message(data, reached);
        if (verdict) context.report(join.node, verdict.message, { related: [...related, ...verdict.related], fix });
        break;
      }
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const data = pending.data as unknown as Data;
    const verdict = message(data, paramUse(projectLookup(project), data.targets));
    return verdict && { message: verdict.message, related: [...(pending.finding.related ?? []), ...verdict.related] };
  },
};

interface Data {
  join: string;
  receiver: string;
  queue: string;
  made: string;
  madeLine: number;
  getLine: number;
  path: string;
  targets: Array<{ callee: string; index: number }>;
}

/** The first put that can fill the pipe (one put of a small literal cannot). */
function putsOn(reached: ParamUse): (Site & { method: string }) | undefined {
  const site = reached.methods.get(UNBOUNDED_PUT);
  if (!site) return undefined;
  return { ...site, method: PUTS.find((method) => reached.methods.has(method)) ?? 'put' };
}

/** `multiprocessing.Process(target=produce, ...)`. */
function madeShown(made: Made): string {
  const callee = made.call.callee.text.replace(/\s+/g, '');
  const target = callArguments(made.call.node).keywords.get('target') ?? callArguments(made.call.node).known[1];
  return target && target.text.length <= 30 ? `${callee}(target=${target.text}, ...)` : `${callee}(...)`;
}

function message(data: Data, reached: ParamUse): { message: string; related: ReturnType<typeof relatedSite>[] } | undefined {
  const put = putsOn(reached);
  if (!put) return undefined;
  return {
    message:
      `\`${data.join}\` waits for the process made at line ${data.madeLine} (\`${data.made}\`), which puts items on \`${data.queue}\` (\`${data.queue}.${put.method}(...)\` in ${siteAt(put, data.path)}), before this code takes them with \`${data.queue}.get()\` at line ${data.getLine}: ` +
      'a process does not exit until everything it put on a multiprocessing queue has been written to the queue\'s pipe, which holds only 64 KiB on Linux, so once the items are larger the child waits for the parent to read and the parent waits in `join()` for the child: a deadlock; ' +
      `take the items first and join afterwards (move the join after the \`${data.queue}.get()\` calls)`,
    related: [relatedSite(put, `the target puts on \`${data.queue}\` here`)],
  };
}

/** The multiprocessing queues every process behind the join is given, and at which parameter of its target. */
function queuesHanded(model: SemanticModel, made: Made[]): Array<{ queue: SyntaxNode; targets: Array<{ callee: string; index: number }> }> {
  const byName = new Map<string, { queue: SyntaxNode; targets: Array<{ callee: string; index: number }> }>();
  for (const m of made) {
    const args = callArguments(m.call.node);
    const fn = args.keywords.get('target') ?? args.known[1];
    const tuple = args.keywords.get('args') ?? args.known[3];
    const target = fn ? callableName(model, fn, m.call.scope) : undefined;
    if (!target || !tuple) return [];
    const elements = unwrapTuple(tuple);
    if (!elements) return [];
    elements.forEach((element, position) => {
      if (element.type !== 'identifier') return;
      const type = model.typeOf(element, m.call.scope);
      if (!type || !PIPE_QUEUES.has(type)) return;
      const entry = byName.get(element.text) ?? { queue: element, targets: [] };
      entry.targets.push({ callee: target.name, index: position + target.shift });
      byName.set(element.text, entry);
    });
  }
  return [...byName.values()];
}

function unwrapTuple(node: SyntaxNode): SyntaxNode[] | undefined {
  if (node.type === 'tuple' || node.type === 'list') {
    const elements = node.namedChildren.filter((c) => c.type !== 'comment');
    return elements.some((e) => e.type === 'list_splat') ? undefined : elements;
  }
  if (node.type === 'parenthesized_expression' && node.namedChildren.length === 1) return [node.namedChildren[0]!];
  return undefined;
}

/**
 * The parent's `q.get()` calls after the join, when it reads the queue only after it and does not
 * hand the queue to anything but the processes behind the join.
 */
function parentGets(model: SemanticModel, fn: Scope, queue: SyntaxNode, join: CallSite, made: Made[], scopeOf: (n: SyntaxNode) => Scope): CallSite[] | undefined {
  const bindings = model.bindingsOf(queue.text, made[0]!.call.scope);
  if (bindings.length !== 1) return undefined;
  const uses = bindings[0]!.uses.filter((u) => u.id !== bindings[0]!.node.id);
  const found = objectUses(model, uses, scopeOf);
  const inCreation = (node: SyntaxNode) => made.some((m) => node.startIndex >= m.call.node.startIndex && node.endIndex <= m.call.node.endIndex);
  if (found.escapes.some((e) => !inCreation(e)) || found.passed.some((p) => !inCreation(p.node))) return undefined;
  const gets = (found.methods.get('get') ?? []).map((attribute) => attribute.parent).filter((c): c is SyntaxNode => c?.type === 'call');
  const calls = callsIn(model, fn).filter((c) => gets.some((g) => g.id === c.node.id));
  if (calls.length === 0 || calls.length !== gets.length) return undefined;
  if (calls.some((c) => c.node.startIndex < join.node.endIndex)) return undefined;
  return calls.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/**
 * Moves the join statement (or a `for p in procs: p.join()` loop) after the last statement of
 * its block that reads the queue.
 */
function moveJoinFix(context: RuleContext, join: CallSite, receiver: SyntaxNode, queue: SyntaxNode, gets: CallSite[]): FixDraft | undefined {
  const { model, source } = context;
  if (!context.fixesAllowed) return undefined;
  const statement = joinStatement(join, receiver);
  const block = statement?.parent;
  if (!statement || !block || (block.type !== 'block' && block.type !== 'module')) return undefined;
  const siblings = block.namedChildren.filter((s) => s.type !== 'comment');
  const index = siblings.findIndex((s) => s.id === statement.id);
  let last = -1;
  for (const get of gets) {
    const at = siblings.findIndex((s) => get.node.startIndex >= s.startIndex && get.node.endIndex <= s.endIndex);
    if (at <= index) return undefined;
    last = Math.max(last, at);
  }
  const moved = siblings.slice(index + 1, last + 1);
  // The join must still run: nothing in between may leave the block early.
  if (moved.some((s) => leavesEarly(s))) return undefined;
  const list = statement.type === 'for_statement' ? statement.childForFieldName('right')!.text : undefined;
  let safe = true;
  for (const node of moved.flatMap((s) => [s, ...s.descendantsOfType(['identifier', 'attribute', 'call'])])) {
    // The processes themselves (`p.exitcode`, `p.is_alive()`) answer differently before they end; counting the list does not.
    if ((node.type === 'identifier' || node.type === 'attribute') && node.text === receiver.text) return undefined;
    if (node.type === 'identifier' && node.text === list && !onlyCounted(node)) return undefined;
    if (node.type === 'attribute' && node.childForFieldName('object')?.text === queue.text) {
      const method = node.childForFieldName('attribute')?.text;
      if (method !== 'get' || node.parent?.type !== 'call' || callArguments(node.parent).known.length + callArguments(node.parent).keywords.size > 0) return undefined;
    }
    if (node.type === 'call' && safe) safe = isPureCall(model, node, queue.text, join.scope);
  }
  const text = source.text;
  const start = lineStart(text, statement.startIndex);
  const end = afterLineEnd(text, statement.endIndex - 1);
  // Alone on its lines, and the last moved-over statement ends its line.
  if (text.slice(start, statement.startIndex).trim() !== '' || text.slice(statement.endIndex, end).replace(/#.*/, '').trim() !== '') return undefined;
  const lastStatement = moved.at(-1)!;
  const insertAt = afterLineEnd(text, lastStatement.endIndex - 1);
  if (text.slice(lastStatement.endIndex, insertAt).replace(/#.*/, '').trim() !== '') return undefined;
  const moving = text.slice(start, end);
  const edits: Edit[] = [
    { start, end, text: '' },
    { start: insertAt, end: insertAt, text: insertAt === text.length && !text.endsWith('\n') ? `\n${moving}` : moving },
  ];
  return {
    applicability: safe ? 'safe' : 'unsafe',
    message: safe ? `Move the join after the \`${queue.text}.get()\` calls` : `Move the join after the \`${queue.text}.get()\` calls (unsafe: the code in between now runs while the child may still be running)`,
    edits,
  };
}

/** `for _ in procs:` or `len(procs)`: the list is only counted. */
function onlyCounted(use: SyntaxNode): boolean {
  const parent = use.parent;
  if ((parent?.type === 'for_statement' || parent?.type === 'for_in_clause') && use.field === 'right') return parent.childForFieldName('left')?.text === '_';
  const call = parent?.type === 'argument_list' ? parent.parent : undefined;
  return call?.childForFieldName('function')?.text === 'len' && parent!.namedChildren.length === 1;
}

function leavesEarly(statement: SyntaxNode): boolean {
  const stack = [statement];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (['return_statement', 'raise_statement', 'break_statement', 'continue_statement', 'yield'].includes(node.type)) return true;
    for (const child of node.namedChildren) if (!['function_definition', 'lambda', 'class_definition', 'decorated_definition'].includes(child.type)) stack.push(child);
  }
  return false;
}

/** `p.join()` as a statement, or `for p in procs:` whose whole body is that join. */
function joinStatement(join: CallSite, receiver: SyntaxNode): SyntaxNode | undefined {
  const statement = join.node.parent;
  if (statement?.type !== 'expression_statement' || statement.namedChildren.length !== 1) return undefined;
  const body = statement.parent;
  const loop = body?.parent;
  if (body?.type === 'block' && loop?.type === 'for_statement' && loop.childForFieldName('body')?.id === body.id) {
    const statements = body.namedChildren.filter((s) => s.type !== 'comment');
    if (statements.length === 1 && loop.childForFieldName('left')?.text === receiver.text && !loop.childForFieldName('alternative') && loop.child(0)?.type !== 'async') return loop;
    return undefined;
  }
  return statement;
}

/** A call that only computes locally: `q.get()`, a pure builtin, `results.append(...)`. */
function isPureCall(model: SemanticModel, call: SyntaxNode, queue: string, scope: Scope): boolean {
  const callee = call.childForFieldName('function');
  if (!callee) return false;
  if (callee.type === 'attribute') {
    const object = callee.childForFieldName('object')!;
    const method = callee.childForFieldName('attribute')!.text;
    if (object.text === queue) return method === 'get';
    return object.type === 'identifier' && CONTAINER_METHODS.has(method) && localContainer(model, object, scope);
  }
  const name = model.qualifiedNameOf(callee, scope);
  return !!name && PURE_BUILTINS.has(name);
}

/** A name of the function bound to a list, dict or set display (or comprehension). */
function localContainer(model: SemanticModel, name: SyntaxNode, scope: Scope): boolean {
  const bindings = model.bindingsOf(name.text, scope);
  return bindings.length > 0 && bindings.every((b) => b.scope.executionScope === scope.executionScope && b.kind === 'assignment' && !!b.value && /^(list|dictionary|set)(_comprehension)?$/.test(b.value.type));
}
