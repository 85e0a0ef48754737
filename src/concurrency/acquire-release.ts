/**
 * `lock.acquire()` ... `lock.release()` pairs that an exception can break: the release is a later
 * statement of the same block, no `try`/`finally` (or catch-all `except`) around the acquire or
 * right after it releases the lock, and a statement in between can raise. A local analysis of one
 * function (the pair is in one block), used by DL103.
 *
 * Quiet when the release is not a later statement of the same block (the lock may be released in
 * another function on purpose: `__enter__`/`__exit__`, a hand-off between threads), when the
 * acquire's result decides (`if lock.acquire(timeout=1):`, `acquire(blocking=False)`), and when
 * nothing in between can raise (plain assignments, `append`, `len`).
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { LOCK_TYPES } from '../semantic/model.js';
import { callArguments } from '../semantic/call-arguments.js';
import type { LockFinder } from './locks.js';

/** Calls that do not raise in practice (container inserts, `len`, clocks, `Condition.notify` and `wait`). */
const QUIET_METHODS = new Set(['append', 'appendleft', 'add', 'discard', 'clear', 'notify', 'notify_all', 'wait', 'set']);
const QUIET_FUNCTIONS = new Set(['builtins.len', 'builtins.isinstance', 'builtins.id', 'time.time', 'time.monotonic', 'time.perf_counter']);

export interface UnprotectedAcquire {
  /** The `acquire()` call and its statement. */
  acquire: SyntaxNode;
  statement: SyntaxNode;
  /** The lock expression (`self._lock`). */
  lock: SyntaxNode;
  /** `await lock.acquire()`. */
  awaited: boolean;
  /** The `lock.release()` statement. */
  release: SyntaxNode;
  /** The statements between them. */
  between: SyntaxNode[];
  /** The first node between them that can raise. */
  raising: SyntaxNode;
  /** The lock's type is a known lock type (it supports `with`). */
  knownType: boolean;
  /** Nothing between them leaves the block early, releases or takes the lock: `with lock:` around them is exact. */
  wrappable: boolean;
}

export function unprotectedAcquires(model: SemanticModel, locks: LockFinder): UnprotectedAcquire[] {
  const found: UnprotectedAcquire[] = [];
  for (const scope of model.scopes) {
    if (scope.kind !== 'function' && scope.kind !== 'lambda' && scope.kind !== 'module') continue;
    for (const event of locks.eventsIn(scope)) {
      if (event.kind !== 'acquire') continue;
      const site = callSiteOf(model, event.node);
      const result = site ? check(model, event.node, site.scope) : undefined;
      if (result) found.push(result);
    }
  }
  return found;
}

function check(model: SemanticModel, call: SyntaxNode, scope: Scope): UnprotectedAcquire | undefined {
  const callee = call.childForFieldName('function')!;
  const lock = callee.childForFieldName('object')!;
  const { positional, keywords } = callArguments(call);
  // Only a plain blocking acquire whose result is dropped: otherwise the result decides.
  if (positional.length > 1 || keywords.has('timeout')) return undefined;
  const blocking = positional[0] ?? keywords.get('blocking');
  if (blocking && blocking.type !== 'true') return undefined;
  const awaited = call.parent?.type === 'await';
  const statement = awaited ? call.parent!.parent : call.parent;
  if (statement?.type !== 'expression_statement' || statement.namedChildren.length !== 1) return undefined;
  const block = statement.parent;
  if (!block || (block.type !== 'block' && block.type !== 'module')) return undefined;
  const lockText = normalise(lock.text);
  if (protectedByTry(statement, lockText)) return undefined;

  const siblings = block.namedChildren.filter((c) => c.type !== 'comment');
  const between: SyntaxNode[] = [];
  let release: SyntaxNode | undefined;
  for (const sibling of siblings.slice(siblings.indexOf(statement) + 1)) {
    if (isReleaseStatement(sibling, lockText)) {
      release = sibling;
      break;
    }
    // `acquire()` then `try: ... finally: release()`: only what comes before the `try` is exposed.
    if (sibling.type === 'try_statement' && releasesOnAnyExit(sibling, lockText)) {
      release = sibling;
      break;
    }
    between.push(sibling);
  }
  if (!release || between.length === 0) return undefined;
  let raising: SyntaxNode | undefined;
  for (const s of between) {
    raising = firstRaising(model, s, lockText);
    if (raising) break;
  }
  if (!raising) return undefined;
  const type = model.typeOf(lock, scope);
  return {
    acquire: call,
    statement,
    lock,
    awaited,
    release,
    between,
    raising,
    knownType: !!type && LOCK_TYPES.has(type),
    wrappable: release.type === 'expression_statement' && between.every((s) => !leavesOrTouches(s, lockText)),
  };
}

/** An enclosing `try` whose `finally` (or catch-all `except`) releases the lock, with the acquire in its body. */
function protectedByTry(statement: SyntaxNode, lockText: string): boolean {
  let child = statement;
  for (let parent = statement.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'function_definition' || parent.type === 'lambda' || parent.type === 'class_definition') return false;
    if (parent.type === 'try_statement' && child.field === 'body' && releasesOnAnyExit(parent, lockText)) return true;
  }
  return false;
}

/** A `try` whose `finally`, or a bare `except:` / `except BaseException:` / `except Exception:` clause, releases the lock. */
function releasesOnAnyExit(tryStatement: SyntaxNode, lockText: string): boolean {
  for (const clause of tryStatement.namedChildren) {
    if (clause.type === 'finally_clause' && containsRelease(clause, lockText)) return true;
    if (clause.type === 'except_clause' && containsRelease(clause, lockText)) {
      const caught = clause.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
      if (!caught || /^(BaseException|Exception)\b/.test(caught.text)) return true;
    }
  }
  return false;
}

function containsRelease(node: SyntaxNode, lockText: string): boolean {
  if (isReleaseCall(node, lockText)) return true;
  if (node.type === 'function_definition' || node.type === 'lambda') return false;
  return node.namedChildren.some((c) => containsRelease(c, lockText));
}

function isReleaseCall(node: SyntaxNode, lockText: string): boolean {
  if (node.type !== 'call') return false;
  const callee = node.childForFieldName('function');
  return callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'release' && normalise(callee.childForFieldName('object')!.text) === lockText;
}

function isAcquireCall(node: SyntaxNode, lockText: string): boolean {
  if (node.type !== 'call') return false;
  const callee = node.childForFieldName('function');
  return callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'acquire' && normalise(callee.childForFieldName('object')!.text) === lockText;
}

function isReleaseStatement(statement: SyntaxNode, lockText: string): boolean {
  return statement.type === 'expression_statement' && statement.namedChildren.length === 1 && isReleaseCall(statement.namedChildren[0], lockText);
}

/**
 * The first node of `statement` that can raise: a call (other than a few that do not in practice),
 * a subscript read, `del x[k]`, `raise`, `assert`, `await`. A branch that releases the lock itself
 * (`if closed: lock.release(); raise ...`) is skipped: it handles its own way out.
 */
function firstRaising(model: SemanticModel, statement: SyntaxNode, lockText: string): SyntaxNode | undefined {
  const visit = (node: SyntaxNode): SyntaxNode | undefined => {
    switch (node.type) {
      case 'function_definition':
      case 'class_definition':
      case 'lambda':
      case 'decorated_definition':
        return undefined;
      case 'block':
        if (containsRelease(node, lockText)) return undefined;
        break;
      case 'raise_statement':
      case 'assert_statement':
      case 'await':
        return node;
      case 'delete_statement':
        if (node.namedChildren.some((t) => t.type === 'subscript')) return node;
        break;
      case 'subscript': {
        const parent = node.parent;
        // `d[k] = v` stores (it raises only for an unhashable key); `d[k]` and `d[k] += 1` read.
        const stored = parent?.type === 'assignment' && parent.childForFieldName('left') === node;
        if (!stored) return node;
        break;
      }
      case 'call':
        if (!quietCall(model, node)) return node;
        break;
    }
    for (const child of node.namedChildren) {
      const found = visit(child);
      if (found) return found;
    }
    return undefined;
  };
  return visit(statement);
}

function quietCall(model: SemanticModel, call: SyntaxNode): boolean {
  const callee = call.childForFieldName('function');
  if (!callee) return false;
  if (callee.type === 'attribute' && QUIET_METHODS.has(callee.childForFieldName('attribute')?.text ?? '')) return true;
  const site = callSiteOf(model, call);
  const name = site ? model.calleeName(site) : undefined;
  return !!name && QUIET_FUNCTIONS.has(name);
}

/** `return`, `yield`, a `break`/`continue` of a loop outside, another acquire/release of the lock, or a rebinding of it. */
function leavesOrTouches(statement: SyntaxNode, lockText: string): boolean {
  const visit = (node: SyntaxNode, inLoop: boolean): boolean => {
    switch (node.type) {
      case 'function_definition':
      case 'class_definition':
      case 'lambda':
      case 'decorated_definition':
        return false;
      case 'return_statement':
      case 'yield':
        return true;
      case 'break_statement':
      case 'continue_statement':
        if (!inLoop) return true;
        break;
      case 'call':
        if (isReleaseCall(node, lockText) || isAcquireCall(node, lockText)) return true;
        break;
      case 'assignment':
      case 'augmented_assignment':
        // Rebinding the lock's name: `release()` would release another object than `with` took.
        if (normalise(node.childForFieldName('left')?.text ?? '') === lockText) return true;
        break;
    }
    const isLoop = node.type === 'for_statement' || node.type === 'while_statement';
    // A loop's body is inside it; its `else` clause is not.
    return node.namedChildren.some((c) => visit(c, inLoop || (isLoop && c.type === 'block')));
  };
  return visit(statement, false);
}

const callSites = new WeakMap<SemanticModel, Map<SyntaxNode, CallSite>>();

function callSiteOf(model: SemanticModel, node: SyntaxNode): CallSite | undefined {
  let map = callSites.get(model);
  if (!map) {
    map = new Map(model.calls.map((c) => [c.node, c]));
    callSites.set(model, map);
  }
  return map.get(node);
}

function normalise(text: string): string {
  return text.replace(/\s+/g, '');
}
