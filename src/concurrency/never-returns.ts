/**
 * Functions that never return: the body reaches, unconditionally, a `while True:` loop that
 * nothing leaves (no `break` of that loop, no `return`, `raise` or `yield` in it, no call to
 * `sys.exit()` or `os._exit()`), or a call to a function that never returns. A thread or process
 * running such a function never ends, so joining it without a timeout waits forever.
 *
 * Syntax only, per function; what the loop calls is listed so that the caller can rule the
 * loop out when one of those functions may raise (an exception is then a way out, perhaps the
 * intended one). Exceptions raised by library calls are not counted: they end the thread with a
 * traceback, which is not how it is meant to stop.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { CallSite, SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';
import { callsIn } from './pools.js';
import { isProjectFunction } from './object-uses.js';

/** Calls that end the thread or the process. */
const EXITS = new Set(['sys.exit', 'os._exit', 'os.abort', '_thread.exit', 'builtins.exit', 'builtins.quit', 'os.execv', 'os.execve', 'os.execl', 'os.execlp', 'os.execvp']);

const NESTED = new Set(['function_definition', 'lambda', 'class_definition', 'decorated_definition']);
const LOOPS = new Set(['while_statement', 'for_statement']);

export interface EndlessLoop {
  /** The `while True:` statement. */
  node: SyntaxNode;
  /** Calls in it to functions of the project: if one of them may raise, the loop has a way out. */
  projectCalls: CallSite[];
}

/** The statements a function always runs, in order, up to the first `return` or `raise`: its body and the bodies of `with` blocks in it. */
function unconditionalStatements(fn: Scope): SyntaxNode[] {
  const statements: SyntaxNode[] = [];
  const visit = (block: SyntaxNode | null): boolean => {
    for (const statement of block?.namedChildren ?? []) {
      if (statement.type === 'comment') continue;
      if (statement.type === 'return_statement' || statement.type === 'raise_statement') return false;
      statements.push(statement);
      // A `with` block runs its body; `contextlib.suppress(...)` may leave it early, quietly.
      if (statement.type === 'with_statement' && !/suppress/.test(statement.namedChildren.find((c) => c.type === 'with_clause')?.text ?? '') && !visit(statement.childForFieldName('body'))) return false;
    }
    return true;
  };
  visit(fn.node.childForFieldName('body'));
  return statements;
}

/** The `while True:` loop the function always reaches and never leaves, if it has one. */
export function endlessLoop(model: SemanticModel, fn: Scope): EndlessLoop | undefined {
  if (fn.kind !== 'function' || fn.isAsync || fn.containsYield) return undefined;
  for (const statement of unconditionalStatements(fn)) {
    if (statement.type !== 'while_statement' || !isAlwaysTrue(statement.childForFieldName('condition'))) continue;
    if (hasWayOut(model, statement, fn)) continue;
    const calls = callsIn(model, fn).filter((call) => inside(call.node, statement));
    const projectCalls = calls.filter((call) => {
      const name = model.calleeName(call);
      return !!name && isProjectFunction(model, name);
    });
    // A call the model cannot name (a callback, `getattr(...)()`) may raise on purpose.
    if (calls.some((call) => !model.calleeName(call) && call.callee.type !== 'attribute')) continue;
    return { node: statement, projectCalls };
  }
  return undefined;
}

/** Calls to project functions the function always makes as statements of their own (`self.serve()`): if one never returns, neither does the function. */
export function unconditionalCalls(model: SemanticModel, fn: Scope): CallSite[] {
  if (fn.kind !== 'function' || fn.isAsync || fn.containsYield) return [];
  const statements = unconditionalStatements(fn).filter((s) => s.type === 'expression_statement');
  return callsIn(model, fn).filter((call) => {
    const name = model.calleeName(call);
    return !!name && isProjectFunction(model, name) && statements.some((s) => s.namedChildren[0]?.id === call.node.id);
  });
}

/** The function's own code has a `raise` or a call that ends the thread: calling it is a way out of a loop. */
export function mayRaise(model: SemanticModel, fn: Scope): boolean {
  if (raisingFunctions(model).has(fn.node.id)) return true;
  return callsIn(model, fn).some((call) => EXITS.has(model.calleeName(call) ?? ''));
}

const raising = new WeakMap<SemanticModel, Set<number>>();

/** The functions (by node) whose own code has a `raise` statement: one pass over the module. */
function raisingFunctions(model: SemanticModel): Set<number> {
  let found = raising.get(model);
  if (!found) {
    found = new Set();
    for (const statement of model.root.node.descendantsOfType('raise_statement')) {
      for (let node = statement.parent; node; node = node.parent) {
        if (node.type === 'function_definition') {
          found.add(node.id);
          break;
        }
        if (node.type === 'lambda' || node.type === 'class_definition') break;
      }
    }
    raising.set(model, found);
  }
  return found;
}

function hasWayOut(model: SemanticModel, loop: SyntaxNode, fn: Scope): boolean {
  for (const node of descendants(loop.childForFieldName('body'))) {
    if (node.type === 'return_statement' || node.type === 'raise_statement' || node.type === 'yield') return true;
    if (node.type === 'break_statement' && enclosingLoop(node) === loop) return true;
  }
  const alternative = loop.childForFieldName('alternative');
  if (alternative) return true;
  return callsIn(model, fn).some((call) => inside(call.node, loop) && EXITS.has(model.calleeName(call) ?? ''));
}

/** Nodes below `root`, not entering nested functions, lambdas and classes. */
function descendants(root: SyntaxNode | null): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const stack = root ? [root] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    found.push(node);
    for (const child of node.namedChildren) if (!NESTED.has(child.type)) stack.push(child);
  }
  return found;
}

function enclosingLoop(node: SyntaxNode): SyntaxNode | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (LOOPS.has(current.type)) return current;
    if (NESTED.has(current.type)) return undefined;
  }
  return undefined;
}

function isAlwaysTrue(condition: SyntaxNode | null): boolean {
  if (!condition) return false;
  let node = condition;
  while (node.type === 'parenthesized_expression' && node.namedChildren.length === 1) node = node.namedChildren[0]!;
  return node.type === 'true' || (node.type === 'integer' && Number(node.text) !== 0);
}

function inside(node: SyntaxNode, outer: SyntaxNode): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}
