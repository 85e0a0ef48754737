/**
 * DL101 lock-order-inversion: two locks taken in opposite orders by code that can run at the
 * same time (nested `with`, `acquire()` after `acquire()`, or through calls, across files).
 */
import type { Fix } from '../../diagnostics/finding.js';
import { lockOrderCycles, type LockCycle, type LockEdge } from '../../concurrency/lock-order.js';
import { concurrencyFacts } from '../../concurrency/summary.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { acquisitionNode, acquisitionsOf, contextWords, dedupe, entryLocation, lockName, pathLocations, pathWords } from './shared.js';

export const lockOrderInversion: Rule = {
  meta: {
    code: 'DL101',
    name: 'lock-order-inversion',
    category: 'deadlock',
    summary: 'Two locks taken in opposite orders by code that runs concurrently can deadlock',
    fix: 'sometimes',
    docs: {
      what:
        'Lock B taken while lock A is held in one place, and A taken while B is held in another, when the two ' +
        'places can run at the same time. An order is recorded for nested `with a:` ... `with b:` (also `with a, b:` ' +
        'and `async with`), for `a.acquire()` followed by `b.acquire()` before `a.release()`, and for a call made ' +
        'while holding A that reaches a function taking B, through any number of calls and across files. Locks are ' +
        'objects: `self._a` is the lock of the object the code runs on, so two objects that each take their own ' +
        'locks in different orders are not reported. What runs concurrently comes from the entry points: two ' +
        'threads (or tasks) that may overlap, a target started several times at once, a thread and the code that ' +
        'started it (until `join()`), and a thread running a method of an object with that object\'s other methods ' +
        '(other threads call them while it runs). Cycles through three locks are found too. Not reported: orders ' +
        'taken by code that never runs concurrently, two orders that both run under one common lock taken first ' +
        '(it serialises them), a lock taken again by its holder (that is DL102, and no deadlock for an `RLock`), and ' +
        'acquisitions with `blocking=False` or a timeout (they give up instead of waiting).',
      why:
        'Each thread can take its first lock, then wait for the second, which the other thread holds while it waits ' +
        'for the first: neither can go on, and the program hangs with no error. It depends on timing, so it passes ' +
        'tests and hangs in production, under load, or once in a thousand runs.',
      example: [
        'import threading',
        '',
        'accounts_lock = threading.Lock()',
        'audit_lock = threading.Lock()',
        '',
        'def transfer():',
        '    with accounts_lock:',
        '        with audit_lock:',
        '            print("transfer")',
        '',
        'def audit():',
        '    with audit_lock:',
        '        with accounts_lock:',
        '            print("audit")',
        '',
        't1 = threading.Thread(target=transfer)',
        't2 = threading.Thread(target=audit)',
        't1.start()',
        't2.start()',
        't1.join()',
        't2.join()',
      ].join('\n'),
      fixed: [
        'import threading',
        '',
        'accounts_lock = threading.Lock()',
        'audit_lock = threading.Lock()',
        '',
        'def transfer():',
        '    with accounts_lock:',
        '        with audit_lock:',
        '            print("transfer")',
        '',
        'def audit():',
        '    with accounts_lock:',
        '        with audit_lock:',
        '            print("audit")',
        '',
        't1 = threading.Thread(target=transfer)',
        't2 = threading.Thread(target=audit)',
        't1.start()',
        't2.start()',
        't1.join()',
        't2.join()',
      ].join('\n'),
      fixSafety:
        'Take the locks in one global order everywhere. The fix reorders one place to match the other when that is ' +
        'local and exact: two `with` statements nested directly (the outer body is only the inner `with`) or two ' +
        'items of one `with`, no `as` names, nothing running between the two acquisitions, and the other order in ' +
        'the same file (also when reached through calls). The body then runs holding the same two locks as before, so the fix is safe. Orders ' +
        'through calls, `acquire()` pairs and cycles of three locks are left to you: move the inner acquisition out, ' +
        'take both locks up front in the global order, or merge the locks into one.',
    },
  },

  check(context: RuleContext): void {
    const { model, source, lines } = context;
    const facts = concurrencyFacts(model, source.path, lines);
    for (const [fn, acquisition] of acquisitionsOf(facts.functions)) {
      const node = acquisitionNode(model, acquisition);
      if (!node) continue;
      let fix: Fix | undefined;
      const partner = acquisition.swapsWith !== undefined ? fn.acquisitions![acquisition.swapsWith] : undefined;
      if (partner && context.fixesAllowed && !source.notebook) {
        const other = acquisitionNode(model, partner);
        if (other) {
          fix = {
            applicability: 'safe',
            message: `Take \`${node.text}\` first and \`${other.text}\` second, as elsewhere`,
            edits: [
              { start: other.startIndex, end: other.endIndex, text: node.text, range: lines.range(other.startIndex, other.endIndex) },
              { start: node.startIndex, end: node.endIndex, text: other.text, range: lines.range(node.startIndex, node.endIndex) },
            ].sort((a, b) => a.start - b.start),
          };
        }
      }
      context.defer(node, { siteId: acquisition.siteId, ...(fix ? { fix } : {}) });
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const cycle = lockOrderCycles(project).get(String(pending.data.siteId));
    if (!cycle) return undefined;
    const fix = cycle.fixable ? (pending.data.fix as Fix | undefined) : undefined;
    return { message: message(cycle, !!fix), related: related(cycle), fix };
  },
};

function edgeWords(edge: LockEdge): string {
  return `${lockName(edge.to.fact)} is taken while ${lockName(edge.from.fact)} is held: ${pathWords(edge.from, edge.steps, edge.to)}, in ${contextWords(edge.context)}`;
}

function message(cycle: LockCycle, fixed: boolean): string {
  const { report, edges } = cycle;
  const others = edges.filter((e) => e !== report);
  const sides = [`here ${edgeWords(report)}`, ...others.map((e) => edgeWords(e))];
  const order = others[0];
  const advice =
    edges.length === 2
      ? `Take the locks in one order everywhere: ${lockName(order.from.fact)} before ${lockName(order.to.fact)}${fixed ? ' (the fix swaps the two acquisitions here)' : ''}.`
      : 'Take the locks in one global order everywhere.';
  return (
    `Lock-order inversion: ${sides.join('; and ')}. ` +
    `These can run at the same time: each can take its first lock and then wait forever for the lock the other holds (a deadlock). ${advice}`
  );
}

function related(cycle: LockCycle) {
  const locations = [];
  for (const edge of [cycle.report, ...cycle.edges.filter((e) => e !== cycle.report)]) {
    locations.push(...pathLocations(edge.from, edge.steps, edge.to, lockName(edge.from.fact)));
  }
  for (const edge of cycle.edges) locations.push(entryLocation(edge.context));
  return dedupe(locations);
}
