/**
 * DL104 call-under-lock: a callback (code the caller handed in) called while a lock is held.
 */
import { callbacksUnderLock, type CallbackUnderLock } from '../../concurrency/lock-order.js';
import { concurrencyFacts } from '../../concurrency/summary.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { callNode, dedupe, lockName, pathLocations, takeWords, where } from './shared.js';

export const callUnderLock: Rule = {
  meta: {
    code: 'DL104',
    name: 'call-under-lock',
    category: 'deadlock',
    summary: 'A callback passed in by callers is called while a lock is held',
    fix: 'none',
    docs: {
      what:
        'A call, made while a lock is held, of a value the code does not control: a parameter called as a function ' +
        '(`def update(self, fn): with self._lock: fn(self._state)`), an element of a callbacks, listeners, handlers, ' +
        'hooks, observers or subscribers collection (`for listener in self._listeners: listener(event)`), or an ' +
        'attribute set from a parameter and called (`self._on_change = on_change` ... `self._on_change(value)`). ' +
        'The lock may be taken in the same function or by a caller (`with self._lock: self._notify()`, through any ' +
        'number of calls and across files). Other calls under a lock are not reported: only values that are clearly ' +
        'callbacks. `asyncio` locks are left out (a plain callback cannot wait for them).',
      why:
        'The callback is someone else\'s code, and it runs with the lock held: if it takes another lock while a ' +
        'thread holding that lock waits for this one (a lock-order inversion nobody can see in one file), calls back ' +
        'into the object (a `Lock` is not re-entrant), or waits for a thread that needs this lock, the program ' +
        'deadlocks. Even when it does not, every other thread waits for the lock while the callback runs.',
      example: [
        'import threading',
        '',
        'class Config:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '        self._values = {}',
        '        self._listeners = []',
        '',
        '    def subscribe(self, listener):',
        '        with self._lock:',
        '            self._listeners.append(listener)',
        '',
        '    def set(self, key, value):',
        '        with self._lock:',
        '            self._values[key] = value',
        '            for listener in self._listeners:',
        '                listener(key, value)',
      ].join('\n'),
      fixed: [
        'import threading',
        '',
        'class Config:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '        self._values = {}',
        '        self._listeners = []',
        '',
        '    def subscribe(self, listener):',
        '        with self._lock:',
        '            self._listeners.append(listener)',
        '',
        '    def set(self, key, value):',
        '        with self._lock:',
        '            self._values[key] = value',
        '            listeners = list(self._listeners)',
        '        for listener in listeners:',
        '            listener(key, value)',
      ].join('\n'),
      fixSafety:
        'No automatic fix: copy what the callback needs (the listeners, the new value) while holding the lock, ' +
        'release it, then call. Whether the callback may see state changed by another thread in between is a ' +
        'design decision only you can make.',
    },
  },

  check(context: RuleContext): void {
    const { model, source, lines } = context;
    for (const fn of concurrencyFacts(model, source.path, lines).functions) {
      for (const callback of fn.callbacks ?? []) {
        const node = callNode(model, callback);
        if (node) context.defer(node, { siteId: callback.siteId });
      }
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const found = callbacksUnderLock(project).get(String(pending.data.siteId));
    if (!found) return undefined;
    return { message: message(found), related: related(found) };
  },
};

function message(found: CallbackUnderLock): string {
  const { callback, held, steps } = found;
  const lock = lockName(held.fact);
  const taken = `${takeWords(held.fact)} at ${where(held.fn.path, held.fact.line)}`;
  const how =
    steps.length === 0 ? `(${taken})` : `(${taken}, in \`${held.fn.display}\`, which calls ${steps.map((s) => `\`${s.callee}()\` (${where(s.path, s.line)})`).join(' -> ')})`;
  return (
    `\`${callback.code}\` calls ${callback.origin}, a callback this code does not control, while ${lock} is held ${how}: ` +
    `if the callback takes another lock, calls back into this object or waits for a thread that needs ${lock}, the threads deadlock, ` +
    `and every other thread waits while it runs. Copy what it needs while holding the lock and call it after releasing the lock.`
  );
}

function related(found: CallbackUnderLock) {
  const to = { id: '', fact: { ...found.held.fact, line: found.callback.line, column: found.callback.column, endLine: found.callback.endLine, endColumn: found.callback.endColumn, display: found.callback.display }, fn: found.fn };
  const locations = pathLocations(found.held, found.steps, to, lockName(found.held.fact));
  locations[locations.length - 1] = { ...locations[locations.length - 1], message: `\`${found.callback.display}\` called here, in \`${found.fn.display}\`, while ${lockName(found.held.fact)} is held` };
  return dedupe(locations);
}
