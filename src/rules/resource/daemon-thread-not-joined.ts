/**
 * RS102 daemon-thread-not-joined: a daemon thread that writes (files, databases, the network)
 * and that nothing waits for. At interpreter exit daemon threads are stopped wherever they are,
 * so the write can be cut off. Non-daemon threads are not flagged: the interpreter joins them at
 * exit (see the documentation for why).
 */
import { creations, reachable, submissions, targetOf, type Creation, type Submission } from '../../concurrency/pools.js';
import { holderOf, useKind, usesOf } from '../../concurrency/ownership.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { CallSite, Scope, SemanticModel } from '../../semantic/model.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt } from '../process-safety/shared.js';

/** Effects that leave something half-done when cut off. */
const WRITES = new Set(['write', 'database-write', 'network-send']);
const WRITE_WORDS: Record<string, string> = { write: 'writes a file', 'database-write': 'writes to a database', 'network-send': 'sends over the network' };

export const daemonThreadNotJoined: Rule = {
  meta: {
    code: 'RS102',
    name: 'daemon-thread-not-joined',
    category: 'resource',
    summary: 'Daemon thread that writes is never joined: interpreter exit can cut the write off',
    fix: 'none',
    docs: {
      what:
        'A `threading.Thread` (or `Timer`) made a daemon (`daemon=True`, `t.daemon = True`, `t.setDaemon(True)`) ' +
        'whose target writes to a file, a database or the network (directly or through functions of the project, ' +
        'across files), and that is never joined: no `join()` on it, not handed to anyone else (returned, stored, ' +
        'passed on), and the code that starts it does not wait on anything else (`queue.join()`, `event.wait()`). ' +
        'Non-daemon threads that are never joined are not flagged: at exit the interpreter waits for every ' +
        'non-daemon thread (`threading._shutdown`), so their work completes; what goes wrong with them is reading ' +
        'their results before they finish, which is a race, not a leak. Dropped `asyncio` tasks are AS103.',
      why:
        'When the main thread finishes, Python stops daemon threads wherever they are, without running their ' +
        '`finally` blocks or flushing their buffers: a file is left half-written, a batch half-inserted, a message ' +
        'half-sent. The program exits with status 0 and nothing reports the loss.',
      example: [
        'import threading',
        '',
        'def save(rows, path):',
        '    with open(path, "w") as f:',
        '        for row in rows:',
        '            f.write(row + "\\n")',
        '',
        'def main(rows):',
        '    threading.Thread(target=save, args=(rows, "out.txt"), daemon=True).start()',
      ].join('\n'),
      fixed: [
        'import threading',
        '',
        'def save(rows, path):',
        '    with open(path, "w") as f:',
        '        for row in rows:',
        '            f.write(row + "\\n")',
        '',
        'def main(rows):',
        '    writer = threading.Thread(target=save, args=(rows, "out.txt"), daemon=True)',
        '    writer.start()',
        '    writer.join()',
      ].join('\n'),
      fixSafety:
        'No automatic fix: where the program should wait for the thread (and how to ask a looping thread to stop ' +
        'first) depends on its design. Joining it, or making it a non-daemon thread, keeps the write whole.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const targets = new Map<number, Submission>();
    for (const submission of submissions(model)) if (submission.kind.shape === 'thread' && submission.method === 'target') targets.set(submission.call.node.id, submission);
    for (const creation of creations(model)) {
      if (creation.kind.shape !== 'thread') continue;
      const submission = targets.get(creation.call.node.id);
      if (!submission?.fn || !isDaemonNeverJoined(model, creation)) continue;
      const target = targetOf(model, submission.fn, creation.call.scope);
      if (!target) continue;
      const thread = `\`${callShown(creation.call.node)}\``;
      if (target.scope) {
        const write = firstWrite(model, target.scope);
        if (!write) continue;
        const effect = model.catalogue.lookup(model.calleeName(write.call) ?? '')?.orderedEffect ?? 'write';
        context.report(creation.call.node, message(thread, target.scope.displayName, WRITE_WORDS[effect] ?? 'writes', `\`${callShown(write.call.node)}\` at line ${lineAt(context, write.call.node)}`), {
          related: [relatedAt(context, write.call.node, 'the write that can be cut off')],
        });
      } else if (target.qualifiedName && model.isProjectName(target.qualifiedName)) {
        context.defer(creation.call.node, { thread, target: target.qualifiedName });
      }
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const target = project.resolveFunction(String(pending.data.target));
    if (!target || target.isAsync || target.isGenerator) return undefined;
    const chain = project.effectChain(target, 'ordered');
    const effect = chain?.effect;
    if (!chain || !effect?.orderedEffect || !WRITES.has(effect.orderedEffect)) return undefined;
    const last = chain.steps.at(-1)!;
    return {
      message: message(String(pending.data.thread), target.displayName, WRITE_WORDS[effect.orderedEffect]!, `\`${effect.callee}\` in ${last.function.path} at line ${effect.line}`),
      related: [{ path: last.function.path, line: effect.line, column: effect.column, endLine: effect.line, endColumn: effect.column, message: 'the write that can be cut off' }],
    };
  },
};

function message(thread: string, target: string, words: string, where: string): string {
  return (
    `Daemon thread ${thread} runs \`${target}\`, which ${words} (${where}), and nothing joins it: at interpreter exit daemon threads ` +
    'are stopped wherever they are, so the write can be cut off; keep the thread and `join()` it before the program ends ' +
    '(signal it to stop first if it loops), or make it a non-daemon thread'
  );
}

/** A daemon thread nobody joins or takes over, started by code that waits on nothing else. */
function isDaemonNeverJoined(model: SemanticModel, creation: Creation): boolean {
  const args = creation.call.node.childForFieldName('arguments');
  let daemon = !!args?.namedChildren.some((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'daemon' && a.childForFieldName('value')?.text === 'True');
  const holder = holderOf(model, creation.call);
  if (holder.kind === 'name') {
    for (const use of usesOf(holder)) {
      const kind = useKind(use);
      if (kind.kind === 'escapes' || kind.kind === 'with' || (kind.kind === 'closes' && kind.method === 'join')) return false;
      if (kind.method === 'daemon' && use.parent?.parent?.type === 'assignment' && use.parent.parent.childForFieldName('right')?.text === 'True') daemon = true;
      if (kind.method === 'setDaemon' && use.parent?.parent?.childForFieldName('arguments')?.text === '(True)') daemon = true;
    }
  } else if (holder.kind !== 'dropped') return false;
  if (!daemon) return false;
  // `queue.join()`, `event.wait()`, `future.result()` in the starting code: it waits for the work some other way.
  return !model.calls.some((call) => call.scope.executionScope === creation.call.scope.executionScope && waits(call));
}

function waits(call: CallSite): boolean {
  if (call.callee.type !== 'attribute') return false;
  const method = call.callee.childForFieldName('attribute')?.text;
  const receiver = call.callee.childForFieldName('object');
  if (receiver?.type === 'string' || receiver?.type === 'concatenated_string') return false;
  return method === 'join' || method === 'wait' || method === 'result';
}

/** The first catalogued call with a write effect in the function or the functions of the module it calls. */
function firstWrite(model: SemanticModel, fn: Scope): { call: CallSite } | undefined {
  for (const scope of reachable(model, [{ scope: fn, chain: [] }]).keys()) {
    for (const call of model.calls) {
      if (call.scope.executionScope !== scope) continue;
      const name = model.calleeName(call);
      const effect = name ? model.catalogue.lookup(name)?.orderedEffect : undefined;
      if (effect && WRITES.has(effect)) return { call };
    }
  }
  return undefined;
}

