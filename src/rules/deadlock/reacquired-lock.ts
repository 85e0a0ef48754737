/**
 * DL102 reacquired-lock: a non-reentrant lock (`threading.Lock`, `asyncio.Lock`, `Semaphore(1)`)
 * taken again by the thread that holds it, directly or through calls.
 */
import type { Edit, Fix } from '../../diagnostics/finding.js';
import { callSiteId, reacquisitions, type Reacquisition } from '../../concurrency/lock-order.js';
import { concurrencyFacts } from '../../concurrency/summary.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { Scope } from '../../semantic/scope.js';
import type { SemanticModel } from '../../semantic/model.js';
import type { AcquisitionFact } from '../../concurrency/facts.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { acquisitionNode, callNode, dedupe, lockKindWords, lockName, pathLocations, pathWords, takeWords, where } from './shared.js';

/** What the unsafe `Lock()` -> `RLock()` fix needs: the edit, and what only the linked project can check. */
interface RLockMaterial {
  identity: string;
  module: string;
  /** The lock's name can be reached from other modules (not `_private`). */
  public: boolean;
  edits: Edit[];
}

export const reacquiredLock: Rule = {
  meta: {
    code: 'DL102',
    name: 'reacquired-lock',
    category: 'deadlock',
    summary: 'A non-reentrant lock taken again by the thread that already holds it waits forever',
    fix: 'sometimes',
    docs: {
      what:
        'A `threading.Lock` (also `multiprocessing.Lock`, `threading.Semaphore(1)`, `asyncio.Lock`, and a ' +
        '`Condition` made over one of them) taken while the same thread already holds it: a `with lock:` nested in ' +
        'another for the same lock, or a call made while holding it that reaches code taking it again ' +
        '(`with self._lock: self.helper()` where `helper` does `with self._lock:`), through any number of calls ' +
        'and across files. The lock is followed as an object: `self._lock` in `helper` is the caller\'s lock only ' +
        'when `helper` runs on the same object (`self.helper()`), and a lock passed as an argument is the caller\'s. ' +
        'Not reported: `RLock` and `Condition()` (re-entrant), locks whose type is not known, `acquire(blocking=False)` ' +
        'and `acquire(timeout=...)` (they give up), and a callee that releases the lock before taking it again.',
      why:
        'A `Lock` does not know who holds it: the second `acquire()` waits for a release that only the waiting ' +
        'thread could make, so the thread hangs forever, and so does every other thread that then needs the lock. ' +
        'It often hides in a rarely taken path (an error handler, a refresh that calls a public method).',
      example: [
        'import threading',
        '',
        'class Cache:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '        self._data = {}',
        '',
        '    def get(self, key):',
        '        with self._lock:',
        '            return self._data.get(key)',
        '',
        '    def get_or_load(self, key, load):',
        '        with self._lock:',
        '            value = self.get(key)',
        '            if value is None:',
        '                value = self._data[key] = load(key)',
        '            return value',
      ].join('\n'),
      fixed: [
        'import threading',
        '',
        'class Cache:',
        '    def __init__(self):',
        '        self._lock = threading.Lock()',
        '        self._data = {}',
        '',
        '    def get(self, key):',
        '        with self._lock:',
        '            return self._get_locked(key)',
        '',
        '    def _get_locked(self, key):',
        '        return self._data.get(key)',
        '',
        '    def get_or_load(self, key, load):',
        '        with self._lock:',
        '            value = self._get_locked(key)',
        '            if value is None:',
        '                value = self._data[key] = load(key)',
        '            return value',
      ].join('\n'),
      fixSafety:
        'The usual fix splits the helper into a part that takes the lock and a part that expects it held, and has ' +
        'callers that hold the lock call the second; that is left to you. An unsafe fix makes the lock re-entrant ' +
        '(`threading.Lock()` becomes `threading.RLock()` at its one creation site) when that is all that changes: ' +
        'the lock is a module global or an instance attribute made once, in this file, with `threading.Lock()`, used ' +
        'only in `with` statements and `acquire()`/`release()` pairs within one function (never released by ' +
        'another function or thread, never passed on, no `locked()`, which `RLock` lacks before Python 3.14), and no ' +
        'other module can reach it. It is unsafe because the nested code then runs inside the outer critical ' +
        'section, which may not expect it (state half-updated by the outer code is visible to the inner), and an ' +
        '`RLock` must be released by the thread that took it: code that uses the lock as a signal between threads ' +
        'would break, which is why no fix is offered then. `asyncio.Lock` and semaphores have no re-entrant form.',
    },
  },

  check(context: RuleContext): void {
    const { model, source, lines } = context;
    const facts = concurrencyFacts(model, source.path, lines);
    const materials = new Map<string, RLockMaterial | null>();
    const material = (identity: string) => {
      if (!context.fixesAllowed || source.notebook) return undefined;
      if (!materials.has(identity)) materials.set(identity, rlockMaterial(context, identity) ?? null);
      return materials.get(identity) ?? undefined;
    };
    for (const fn of facts.functions) {
      const acquisitions = fn.acquisitions ?? [];
      const candidates = (held: number[] | undefined) =>
        [...new Set((held ?? []).map((i) => acquisitions[i]).filter((a) => a.reentrant !== true).map((a) => a.identity))]
          .map(material)
          .filter((m): m is RLockMaterial => !!m);
      const deferred = new Set<string>();
      for (const acquisition of acquisitions) {
        if (acquisition.held.length === 0 || acquisition.reentrant === true) continue;
        const node = acquisitionNode(model, acquisition);
        if (!node) continue;
        deferred.add(acquisition.siteId);
        if (releasedByOthers(model, acquisition, acquisitions, node)) continue;
        context.defer(node, { siteId: acquisition.siteId, fixes: candidates(acquisition.held) });
      }
      for (const call of fn.calls) {
        if (!call.held || !call.held.some((i) => acquisitions[i].reentrant !== true)) continue;
        // `lock.acquire()` is an acquisition and a call: one finding (or none, for a signal lock).
        if (deferred.has(callSiteId(fn, call))) continue;
        const node = callNode(model, call, call.callee);
        if (node) context.defer(node, { siteId: callSiteId(fn, call), fixes: candidates(call.held) });
      }
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const found = reacquisitions(project).get(String(pending.data.siteId));
    if (!found) return undefined;
    const material = (pending.data.fixes as RLockMaterial[] | undefined)?.find((m) => m.identity === found.outer.fact.identity);
    const fix = material && fixAllowed(material, project) ? rlockFix(material) : undefined;
    return { message: message(found, !!fix), related: related(found), fix };
  },
};

/**
 * A lock used as a signal: taken, then released by another thread or task (a nested function
 * that calls `lock.release()`, code the lock is handed to, a `cond.wait()` or `lock.release`
 * handed to a task or callback), and taken again to wait for that release. `lock.acquire(); start_new_thread(f, (lock,)); lock.acquire()` waits for `f`.
 */
function releasedByOthers(model: SemanticModel, inner: AcquisitionFact, acquisitions: readonly AcquisitionFact[], innerNode: SyntaxNode): boolean {
  const outers = inner.held.map((i) => acquisitions[i]).filter((outer) => outer.identity === inner.identity);
  if (outers.length === 0) return false;
  const fn = enclosingFunction(innerNode);
  if (!fn) return false;
  const lockText = inner.display;
  const releasesIt = (call: SyntaxNode | null) => call?.type === 'call' && call.childForFieldName('function')?.text.replace(/\s+/g, '') === `${lockText}.release`;
  for (const nested of [...fn.descendantsOfType('function_definition'), ...fn.descendantsOfType('lambda')]) {
    if (nested && nested.id !== fn.id && nested.descendantsOfType('call').some(releasesIt)) return true;
  }
  const from = Math.min(...outers.map((outer) => outer.offset));
  for (const identifier of fn.descendantsOfType(['identifier', 'attribute'])) {
    if (!identifier || identifier.startIndex <= from || identifier.startIndex >= innerNode.startIndex) continue;
    // `create_task(cond.wait())`, `call_soon(lock.release)`: another task or callback releases it.
    if (identifier.text === `${lockText}.wait` || identifier.text === `${lockText}.release`) return true;
    if (identifier.text !== lockText) continue;
    const holder = identifier.parent?.type === 'tuple' || identifier.parent?.type === 'list' ? identifier.parent.parent : identifier.parent;
    if (holder?.type === 'argument_list' || holder?.type === 'keyword_argument') return true;
  }
  return false;
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let current = node.parent; current; current = current.parent) if (current.type === 'function_definition') return current;
  return undefined;
}

function message(found: Reacquisition, fixed: boolean): string {
  const { outer, inner, steps } = found;
  const lock = lockName(outer.fact);
  // The place that knows the lock's type names it.
  const known = outer.fact.reentrant === false ? outer.fact : inner.fact;
  const kind = lockKindWords(known);
  const asyncLock = known.async;
  const rlock = asyncLock || /Semaphore/.test(known.type ?? '') ? '' : 'make it an `RLock`, or ';
  const holder = asyncLock ? 'task' : 'thread';
  if (steps.length === 0) {
    return (
      `${lock} (${kind}) is taken again at ${where(inner.fn.path, inner.fact.line)} while this ${holder} already holds it ` +
      `(${takeWords(outer.fact)} at ${where(outer.fn.path, outer.fact.line)}): the second acquisition waits forever for a release only this ${holder} could make. ` +
      `Take it once: ${rlock}move the inner code out of the outer block.${fixed ? ' (The fix makes it an `RLock`.)' : ''}`
    );
  }
  const helper = steps[steps.length - 1].callee;
  return (
    `\`${steps[0].callee}()\` is called while ${lock} (${kind}) is held, and it takes the lock again: ${pathWords(outer, steps, inner)}. ` +
    `The ${holder} waits forever for itself. ${rlock ? 'Make the lock an `RLock`, or split' : 'Split'} \`${helper}\` into a part that takes the lock and a part ` +
    `that expects it held (\`_${helper.slice(helper.lastIndexOf('.') + 1).replace(/^_+/, '')}_locked\`), and call the second from code that holds the lock.${fixed ? ' (The fix makes it an `RLock`.)' : ''}`
  );
}

function related(found: Reacquisition) {
  return dedupe(pathLocations(found.outer, found.steps, found.inner, lockName(found.outer.fact)));
}

/** Checks only the linked project can make: no function anywhere releases the lock without taking it, or takes it without releasing it. */
function fixAllowed(material: RLockMaterial, project: ProjectIndex): boolean {
  if (material.public && project.importersOf(material.module).length > 0) return false;
  for (const module of project.allModules()) {
    for (const fn of module.concurrency?.functions ?? []) {
      if (fn.foreignReleases?.includes(material.identity)) return false;
      if (fn.acquisitions?.some((a) => a.identity === material.identity && a.via === 'acquire' && !a.released)) return false;
    }
  }
  return true;
}

function rlockFix(material: RLockMaterial): Fix {
  return { applicability: 'unsafe', message: 'Make the lock re-entrant: create it with `threading.RLock()`', edits: material.edits };
}

/**
 * The edit turning the lock's one creation `threading.Lock()` into `threading.RLock()`, when the
 * lock is a module global or an instance attribute of this file used only to take and release it.
 */
function rlockMaterial(context: RuleContext, identity: string): RLockMaterial | undefined {
  const { model, lines } = context;
  if (!identity.startsWith(`${model.moduleName}.`)) return undefined;
  const rest = identity.slice(model.moduleName.length + 1);
  let creation: { value: SyntaxNode; scope: Scope } | undefined;
  let uses: SyntaxNode[];
  let name: string;
  if (!rest.includes('.')) {
    name = rest;
    const bindings = model.root.bindings.get(name) ?? [];
    if (bindings.length !== 1 || bindings[0].kind !== 'assignment' || bindings[0].value?.type !== 'call') return undefined;
    creation = { value: bindings[0].value, scope: bindings[0].scope };
    // Only names that read this binding (not a local of the same name).
    uses = bindings[0].uses;
  } else {
    const cut = rest.lastIndexOf('.');
    const cls = model.classes.get(`${model.moduleName}.${rest.slice(0, cut)}`);
    name = rest.slice(cut + 1);
    const assigned = cls?.instanceAttributes.get(name);
    if (!cls || !assigned || assigned.length !== 1 || assigned[0].value.type !== 'call' || cls.scope.bindings.has(name)) return undefined;
    creation = { value: assigned[0].value, scope: assigned[0].scope };
    uses = model.root.node.descendantsOfType('attribute').filter((a) => a.childForFieldName('attribute')?.text === name && a !== assigned[0].node);
  }
  const callee = creation.value.childForFieldName('function');
  const args = creation.value.childForFieldName('arguments');
  if (!callee || callee.type !== 'attribute' || model.qualifiedNameOf(callee, creation.scope) !== 'threading.Lock' || (args && args.namedChildren.length > 0)) return undefined;
  // Every use takes or releases it: `with x:`, `x.acquire()`, `x.release()`.
  for (const use of uses) {
    if (creationTarget(use, creation.value)) continue;
    const parent = use.parent;
    if (parent?.type === 'with_item' && parent.childForFieldName('value') === use) continue;
    const method = parent?.type === 'attribute' && parent.childForFieldName('object') === use ? parent.childForFieldName('attribute')?.text : undefined;
    if ((method === 'acquire' || method === 'release') && parent!.parent?.type === 'call') continue;
    return undefined;
  }
  const attribute = callee.childForFieldName('attribute')!;
  return {
    identity,
    module: model.moduleName,
    public: !name.startsWith('_'),
    edits: [{ start: attribute.startIndex, end: attribute.endIndex, text: 'RLock', range: lines.range(attribute.startIndex, attribute.endIndex) }],
  };
}

/** `x` in `x = threading.Lock()` (the creation itself). */
function creationTarget(use: SyntaxNode, value: SyntaxNode): boolean {
  const parent = use.parent;
  return parent?.type === 'assignment' && parent.childForFieldName('left') === use && parent.childForFieldName('right') === value;
}
