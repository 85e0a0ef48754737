/**
 * What every rewrite that runs part of a loop in worker processes needs: a module-level worker
 * (so that it pickles), the values it reads sent to it (a worker process sees the module as
 * freshly imported, not the caller's variables), refusals for what a worker process could not
 * see or send back, and the code the module runs at import moved under
 * `if __name__ == "__main__":` so that worker processes, which import the module, do not run it
 * again.
 */
import type { Edit } from '../../diagnostics/finding.js';
import { isInside, mapsOf, scopeAround } from '../../loops/loop-context.js';
import { isReference } from '../../loops/name-flow.js';
import type { SharedHandle } from '../../loops/types.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { Scope } from '../../semantic/model.js';
import { isNestedDefinition, lambdaBinding, lateBinding } from '../../concurrency/pickling.js';
import { guardedText } from '../../fixes/main-guard.js';
import { RewriteRefused } from '../loop-parts.js';
import type { MainGuard } from '../module-setup.js';
import type { RewriteContext } from '../rewrite-context.js';
import { lineStart } from '../source-text.js';

/** The code a worker process runs: the statements or expressions, and what it finds in scope there. */
export interface ProcessPart {
  roots: readonly SyntaxNode[];
  /** Names bound for it before it runs (loop variables, parameters): never sent. */
  local: readonly string[];
  /** Shared handles it may use. */
  handles: readonly SharedHandle[];
  /** Functions of this module it calls, transitively. */
  functions: readonly Scope[];
  /** Module-level values those functions read. */
  globalsRead: readonly string[];
}

/** The whole map stage of the loop (and the inputs the rewrite hoists into it). */
export function wholeMapStage(context: RewriteContext): ProcessPart {
  const { analysis, parts } = context;
  return {
    roots: [...analysis.map, ...parts.hoisted.map((h) => h.expression)],
    local: [...analysis.loopVariables, ...analysis.mapBound],
    handles: analysis.sharedHandles,
    functions: analysis.calledFunctions,
    globalsRead: analysis.globalsRead,
  };
}

/**
 * Checks that a worker process can run `part`, and returns the values it must be sent as
 * keyword arguments; refuses (with the reason) otherwise.
 */
export function prepareProcessPart(context: RewriteContext, guard: MainGuard | undefined, part: ProcessPart): string[] {
  checkExceptionsPickle(context, part);
  const sent = valuesSent(context, guard, part);
  checkCalledFunctions(context, guard, part);
  return sent;
}

/** Whether the loop is in the code that moves under the `__main__` guard. */
export function loopInGuard(context: RewriteContext, guard: MainGuard | undefined): boolean {
  return !!guard && topLevelStatement(context.parts.loop).startIndex >= guard.first.startIndex;
}

/**
 * The edits that put `workerText` (a module-level function) before the statement holding the
 * loop, replace the loop with `loopText` (written for the loop's indentation, plus one level
 * when the loop moves under the guard), and move the code run at import under the guard.
 */
export function placeProcessWorker(context: RewriteContext, guard: MainGuard | undefined, workerText: string, loopText: string): Edit[] {
  const { source, parts, newline } = context;
  const topLevel = topLevelStatement(parts.loop);
  const workerAt = guard && guard.start < lineStart(source, topLevel.startIndex) ? guard.start : lineStart(source, topLevel.startIndex);
  // PEP 8: two blank lines around a top-level function.
  const before = workerAt > 0 && source.slice(lineStart(source, workerAt - 1), workerAt).trim() !== '' ? `${newline}${newline}` : '';
  const workerEdit: Edit = { start: workerAt, end: workerAt, text: `${before}${workerText}${newline}${newline}` };
  if (!guard) return [workerEdit, { start: parts.start, end: parts.end, text: loopText }];

  const inGuard = loopInGuard(context, guard);
  const loopEdit = { start: parts.start, end: parts.end, text: loopText };
  const guardEdit: Edit = { start: guard.start, end: source.length, text: guardedText(source, guard.start, inGuard ? [loopEdit] : [], parts.unit, context.strings, newline) };
  if (guard.start === workerAt) guardEdit.text = `${workerEdit.text}${guardEdit.text}`;
  const edits = guard.start === workerAt ? [guardEdit] : [workerEdit, guardEdit];
  return inGuard ? edits : [...edits, loopEdit];
}

/** The module-level statement that holds the loop. */
function topLevelStatement(loop: SyntaxNode): SyntaxNode {
  let node = loop;
  while (node.parent && node.parent.type !== 'module') node = node.parent;
  return node;
}

/**
 * Values the map stage reads from outside the loop: sent to the worker as keyword arguments,
 * since a worker process sees the module as freshly imported, not the caller's variables.
 */
function valuesSent(context: RewriteContext, guard: MainGuard | undefined, part: ProcessPart): string[] {
  const { model, parts } = context;
  const { scopesByNode } = mapsOf(model);
  const unpicklable = part.handles.find((h) => h.unpicklable);
  if (unpicklable) throw new RewriteRefused(`a process pool would have to pickle \`${unpicklable.name}\` (${unpicklable.type}), which cannot be pickled`);
  const sent: string[] = [];
  for (const root of part.roots) {
    for (const id of root.type === 'identifier' ? [root] : root.descendantsOfType('identifier')) {
      if (!isReference(id) || sent.includes(id.text) || part.local.includes(id.text)) continue;
      const scope = scopeAround(id, scopesByNode, model.root);
      const bindings = model.bindingsOf(id.text, scope);
      if (bindings.length === 0 || bindings.every((b) => isInside(b.node, parts.loop))) continue;
      const definitions = bindings.every((b) => ['function', 'class', 'import', 'from-import'].includes(b.kind));
      if (definitions) {
        const nested = bindings.find((b) => b.scope !== model.root);
        if (nested) throw new RewriteRefused(`\`${id.text}\` is defined inside a function: worker processes can only use module-level functions and classes`);
        if (bindings.some((b) => model.isUnderMainGuard(b.node) || (guard && b.node.startIndex >= guard.first.startIndex))) {
          throw new RewriteRefused(`\`${id.text}\` is defined under the \`__main__\` guard, where worker processes do not see it`);
        }
        continue;
      }
      if (id.text === 'self' || id.text === 'cls') throw new RewriteRefused(`the map stage uses \`${id.text}\`, which a process pool would pickle for every chunk of items`);
      if (lambdaBinding(bindings)) {
        throw new RewriteRefused(`\`${id.text}\` is a lambda, which a process pool cannot pickle`);
      }
      sent.push(id.text);
    }
  }
  return sent;
}

/** Functions the map stage calls must be module-level, and the module-level values they read must exist in a worker process too. */
function checkCalledFunctions(context: RewriteContext, guard: MainGuard | undefined, part: ProcessPart): void {
  const { model } = context;
  for (const scope of part.functions) {
    if (isNestedDefinition(scope)) {
      throw new RewriteRefused(`\`${scope.displayName}\` is defined inside a function: worker processes can only use module-level functions`);
    }
    if (model.isUnderMainGuard(scope.node)) throw new RewriteRefused(`\`${scope.displayName}\` is defined under the \`__main__\` guard, where worker processes do not see it`);
  }
  for (const name of part.globalsRead) {
    const late = lateBinding(model, name, guard?.first.startIndex);
    if (late) {
      const line = context.source.slice(0, late.node.startIndex).split('\n').length;
      throw new RewriteRefused(
        `a function the map stage calls reads the module-level \`${name}\`, which is set at line ${line} while the program runs: worker processes started with spawn or forkserver would not see that value`,
      );
    }
  }
}

/**
 * An exception a worker process raises travels back pickled, and is rebuilt as `cls(*args)`:
 * an exception class of the project with its own `__init__` may not survive that, and the pool
 * would raise `BrokenProcessPool` instead of the program's own error.
 */
function checkExceptionsPickle(context: RewriteContext, part: ProcessPart): void {
  const { model } = context;
  const { scopesByNode } = mapsOf(model);
  const roots = [...part.roots, ...part.functions.map((scope) => scope.node)];
  for (const root of roots) {
    for (const raise of root.type === 'raise_statement' ? [root] : root.descendantsOfType('raise_statement')) {
      const raised = raise.namedChildren[0];
      const callee = raised?.type === 'call' ? raised.childForFieldName('function') : raised;
      if (!callee) continue;
      const name = model.qualifiedNameOf(callee, scopeAround(raise, scopesByNode, model.root));
      const cls = name ? model.scopes.find((s) => s.kind === 'class' && s.qualifiedName === name) : undefined;
      if (cls?.children.some((child) => child.kind === 'function' && child.name === '__init__')) {
        throw new RewriteRefused(
          `\`${cls.displayName}\` defines its own \`__init__\`: raised in a worker process, it may not unpickle, and the pool would raise BrokenProcessPool instead`,
        );
      }
    }
  }
}
