/**
 * Processes: the map stage becomes a module-level function (so that it pickles) run by a
 * `ProcessPoolExecutor`; the values it reads are sent with each chunk of items; the code the
 * module runs at import moves under `if __name__ == "__main__":` so that worker processes,
 * which import the module, do not run it again. If the platform cannot start processes, the
 * loop runs in one worker thread, in order, with a warning.
 */
import type { Edit } from '../../diagnostics/finding.js';
import { isInside, scopeAround, mapsOf } from '../../loops/loop-context.js';
import { isReference } from '../../loops/name-flow.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { commitBody, commitLoopHead, elseText, RewriteRefused } from '../loop-parts.js';
import { codeRunAtImport, type MainGuard } from '../module-setup.js';
import { isNestedDefinition, lambdaBinding, lateBinding } from '../../concurrency/pickling.js';
import { guardedText } from '../../fixes/main-guard.js';
import { addWorkersConstant, nameBase, workerDocstring, type RewriteContext } from '../rewrite-context.js';
import { isSized } from '../iterables.js';
import { lineStart } from '../source-text.js';
import { workerFunction } from '../worker-function.js';
import { resultsInOrder } from './ordered-map.js';
import { openProcessPool } from './process-pool.js';
import { itemParameter, iterableText, poolClosing, waitFlag } from './shared.js';

export function processesRewrite(context: RewriteContext): Edit[] {
  const { parts, names, newline, source, model } = context;
  const guard = codeRunAtImport(model, source);
  checkExceptionsPickle(context);
  const sent = valuesSent(context, guard);
  checkCalledFunctions(context, guard);

  const base = nameBase(context);
  const processExecutor = context.imports.from('concurrent.futures', 'ProcessPoolExecutor');
  const threadExecutor = context.imports.from('concurrent.futures', 'ThreadPoolExecutor');
  const warnings = context.imports.module('warnings');
  const workers = addWorkersConstant(context, `${base.toUpperCase()}_WORKERS`, 'Worker processes');
  const worker = names.fresh(`${base}_task`);
  const pool = names.fresh('pool');
  const error = names.fresh('error');
  const item = itemParameter(context);
  const u = parts.unit;

  const workerText = workerFunction(
    source,
    parts,
    {
      name: worker,
      parameter: item.parameter,
      keywordParameters: sent,
      isAsync: false,
      unpack: item.unpack,
      docstring: workerDocstring(context, 'worker processes'),
      noteOnError: context.targetVersion[1] >= 11,
      errorName: names.fresh('error'),
    },
    '',
    newline,
    context.strings,
  );

  const topLevel = topLevelStatement(parts.loop);
  const loopInGuard = !!guard && topLevel.startIndex >= guard.first.startIndex;
  const I = (loopInGuard ? u : '') + parts.indent;
  let fn = worker;
  if (sent.length > 0) fn = `${context.imports.module('functools')}.partial(${worker}, ${sent.map((n) => `${n}=${n}`).join(', ')})`;
  const iterable = iterableText(parts.iterable);
  // Chunks amortise pickling; a loop that can stop early sends one item at a time, so that
  // stopping wastes at most one item per worker.
  const chunksize =
    parts.iterable.type === 'identifier' && isSized(model, context.scope, parts.iterable) && context.analysis.exits.length === 0
      ? `, chunksize=max(1, len(${iterable}) // (4 * ${workers}))`
      : '';
  const results = resultsInOrder(context, pool, fn, workers, `${pool}.map(${fn}, ${iterable}${chunksize})`);
  const head = commitLoopHead(parts, names.fresh('result'), u, names);
  let loopText = '';
  loopText += openProcessPool({ pool, error, workers, processExecutor, threadExecutor, warnings }, I, u, newline, context.timeoutVariable ? waitFlag(context, pool) : undefined);
  loopText += `${I}${u}for ${head.target} in ${results}:${parts.headerComment}${newline}`;
  loopText += head.prelude.map((l) => `${I}${u}${u}${l}${newline}`).join('');
  loopText += commitBody(source, parts, `${I}${u}${u}`, context.strings, head.prelude.length > 0, newline);
  loopText += elseText(source, parts, `${I}${u}`, context.strings);
  loopText += poolClosing(context, pool, I);

  const workerAt = guard && guard.start < lineStart(source, topLevel.startIndex) ? guard.start : lineStart(source, topLevel.startIndex);
  // PEP 8: two blank lines around a top-level function.
  const before = workerAt > 0 && source.slice(lineStart(source, workerAt - 1), workerAt).trim() !== '' ? `${newline}${newline}` : '';
  const workerEdit: Edit = { start: workerAt, end: workerAt, text: `${before}${workerText}${newline}${newline}` };
  if (!guard) return [workerEdit, { start: parts.start, end: parts.end, text: loopText }];

  const loopEdit = { start: parts.start, end: parts.end, text: loopText };
  const guardEdit: Edit = { start: guard.start, end: source.length, text: guardedText(source, guard.start, loopInGuard ? [loopEdit] : [], u, context.strings, newline) };
  if (guard.start === workerAt) guardEdit.text = `${workerEdit.text}${guardEdit.text}`;
  const edits = guard.start === workerAt ? [guardEdit] : [workerEdit, guardEdit];
  return loopInGuard ? edits : [...edits, loopEdit];
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
function valuesSent(context: RewriteContext, guard: MainGuard | undefined): string[] {
  const { model, analysis, parts } = context;
  const { scopesByNode } = mapsOf(model);
  const unpicklable = analysis.sharedHandles.find((h) => h.unpicklable);
  if (unpicklable) throw new RewriteRefused(`a process pool would have to pickle \`${unpicklable.name}\` (${unpicklable.type}), which cannot be pickled`);
  const sent: string[] = [];
  const roots = [...analysis.map, ...parts.hoisted.map((h) => h.expression)];
  for (const root of roots) {
    for (const id of root.type === 'identifier' ? [root] : root.descendantsOfType('identifier')) {
      if (!isReference(id) || sent.includes(id.text) || analysis.loopVariables.includes(id.text) || analysis.mapBound.includes(id.text)) continue;
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
function checkCalledFunctions(context: RewriteContext, guard: MainGuard | undefined): void {
  const { model, analysis } = context;
  for (const scope of analysis.calledFunctions) {
    if (isNestedDefinition(scope)) {
      throw new RewriteRefused(`\`${scope.displayName}\` is defined inside a function: worker processes can only use module-level functions`);
    }
    if (model.isUnderMainGuard(scope.node)) throw new RewriteRefused(`\`${scope.displayName}\` is defined under the \`__main__\` guard, where worker processes do not see it`);
  }
  for (const name of analysis.globalsRead) {
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
function checkExceptionsPickle(context: RewriteContext): void {
  const { model, analysis } = context;
  const { scopesByNode } = mapsOf(model);
  const roots = [...analysis.map, ...analysis.calledFunctions.map((scope) => scope.node)];
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

