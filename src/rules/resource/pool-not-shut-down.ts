/**
 * RS101 pool-not-shut-down: a pool or executor that nothing closes: no `with` block, no
 * `close()`/`terminate()` (then `join()`), no `shutdown()`, and no other owner it is handed to.
 */
import type { Edit } from '../../diagnostics/finding.js';
import { creations, type Creation } from '../../concurrency/pools.js';
import { attributeReferences, holderOf, otherBindings, useKind, usesOf, type Holder } from '../../concurrency/ownership.js';
import { ownerFunction } from '../../concurrency/worker-writes.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { multilineStrings, transformRegion, lineStart, indentationAt } from '../../rewrites/source-text.js';
import type { FixDraft, Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt } from '../process-safety/shared.js';

/** Calls that consume an iterator to its end. */
const CONSUMERS = new Set(['list', 'tuple', 'set', 'frozenset', 'sorted', 'sum', 'dict', 'min', 'max', 'len']);
/** `multiprocessing` pool methods that wait for all their work before returning. */
const BLOCKING_POOL_METHODS = new Set(['map', 'starmap', 'apply']);

export const poolNotShutDown: Rule = {
  meta: {
    code: 'RS101',
    name: 'pool-not-shut-down',
    category: 'resource',
    summary: 'Pool or executor never shut down: no `with`, no `close()`/`join()`, no `shutdown()`',
    fix: 'sometimes',
    docs: {
      what:
        'A `ThreadPoolExecutor`, `ProcessPoolExecutor`, `multiprocessing.Pool` (also `get_context(...).Pool`) or ' +
        '`ThreadPool` that is not used as a `with` block and on which nothing calls `shutdown()`, `close()`, ' +
        '`terminate()` or `join()`: created in a function and kept in a local variable, stored on `self` with no ' +
        'method of the module shutting that attribute down, or (for `multiprocessing` pools) held at module level. ' +
        'Not flagged when the object goes to another owner: returned, yielded, passed to a call ' +
        '(`stack.enter_context(pool)`, `atexit.register(pool.shutdown)`), stored in a container or aliased. ' +
        'Executors held in module-level names are not flagged: `concurrent.futures` joins their workers at ' +
        'interpreter exit.',
      why:
        'Nothing decides when the workers stop, and nothing waits for them. CPython stops them only when the object ' +
        'is garbage-collected (checked on 3.11: at once under reference counting when the function returns, but a ' +
        'reference cycle, a traceback or a long-lived owner keeps them alive, and other implementations collect ' +
        'later); an object on `self` keeps its workers for the object\'s whole life. A `multiprocessing` pool left to ' +
        'the collector emits `ResourceWarning: unclosed running multiprocessing pool`, and its documentation warns ' +
        'that relying on the collector "can lead to the process hanging on finalization". A `with` block (or ' +
        '`shutdown()`) ends the workers at a known point and waits for the work handed to them. An explicit ' +
        '`del pool` is taken as a deliberate hand-over to the collector and not flagged.',
      example: [
        'from concurrent.futures import ThreadPoolExecutor',
        '',
        'def fetch_all(fetch, urls):',
        '    executor = ThreadPoolExecutor(max_workers=8)',
        '    pages = list(executor.map(fetch, urls))',
        '    return pages',
      ].join('\n'),
      fixed: [
        'from concurrent.futures import ThreadPoolExecutor',
        '',
        'def fetch_all(fetch, urls):',
        '    with ThreadPoolExecutor(max_workers=8) as executor:',
        '        pages = list(executor.map(fetch, urls))',
        '    return pages',
      ].join('\n'),
      fixSafety:
        'The fix turns `name = Pool(...)` into `with Pool(...) as name:` around the statements that follow it in ' +
        'the same block, up to the last one that uses the name, when every use is there (none in nested functions) ' +
        'and nothing else rebinds it. It is safe when all the work is finished inside that range anyway: executor ' +
        '`map` results consumed there (`list(...)`, a `for` loop, a comprehension), or only blocking ' +
        '`multiprocessing` pool calls (`map`, `starmap`, `apply`). With other executor uses (`submit`, a `map` ' +
        'iterated later) the fix is unsafe: leaving the block now waits for the submitted work, which could ' +
        'deadlock if that work waits for code after the block. A `multiprocessing` pool with other uses gets no ' +
        'fix: leaving its `with` block terminates the workers, killing work not yet collected.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    for (const creation of creations(model)) {
      if (creation.kind.shape !== 'pool' && creation.kind.shape !== 'executor') continue;
      const holder = holderOf(model, creation.call);
      const name = `\`${callShown(creation.call.node)}\``;
      switch (holder.kind) {
        case 'name': {
          if (otherBindings(holder).length > 0) break;
          const moduleLevel = holder.binding.scope === model.root;
          // The interpreter joins executors' workers at exit; module-level executors are meant to live that long.
          if (moduleLevel && creation.kind.shape === 'executor') break;
          const uses = usesOf(holder);
          if (uses.some((use) => ['closes', 'with', 'escapes'].includes(useKind(use).kind))) break;
          const where = moduleLevel ? `the module-level \`${holder.name}\`` : `\`${holder.name}\` in \`${holder.binding.scope.displayName}\``;
          const last = uses.at(-1);
          context.report(
            creation.call.node,
            `${name} (held by ${where}) is never shut down: no \`with\` block, no ${closeWords(creation)}${last ? ` after its last use at line ${lineAt(context, last)}` : ''}, so nothing waits for its worker ${workerWord(creation)} and they stop only if and when the garbage collector gets to it; use it as a \`with\` block (\`with ${callShown(creation.call.node)} as ${holder.name}:\`) or call ${closeWords(creation)} when done`,
            { fix: withFix(context, creation, holder, uses), related: uses.slice(0, 3).map((u) => relatedAt(context, u, 'used here')) },
          );
          break;
        }
        case 'attribute': {
          const references = attributeReferences(model.root.node, holder.attribute).filter((r) => !within(r, holder.statement));
          // Anything but handing it work (`self.pool.submit(...)`) may close it or pass it on.
          if (references.some((r) => useKind(r).kind !== 'method' || ['shutdown', 'close', 'terminate', 'join'].includes(useKind(r).method ?? ''))) break;
          const cls = ownerFunction(model, holder.statement).enclosingClass?.displayName;
          if (!cls) break;
          context.report(
            creation.call.node,
            `${name} is stored in \`self.${holder.attribute}\` and no method of \`${cls}\` (or of this module) ever shuts it down: every \`${cls}\` keeps its worker ${workerWord(creation)} for its whole life and nothing waits for them to finish; add a \`close()\` method (and \`__exit__\`) that calls \`self.${holder.attribute}.${creation.kind.shape === 'executor' ? 'shutdown()' : 'close()` and `join()'}\``,
            { related: references.slice(0, 3).map((r) => relatedAt(context, r, 'used here')) },
          );
          break;
        }
        case 'dropped': {
          context.report(
            creation.call.node,
            `${name} is used once (\`.${holder.method}(...)\`) and dropped without being shut down: nothing waits for its worker ${workerWord(creation)}, which stop only if and when the garbage collector gets to it; use it as a \`with\` block`,
          );
          break;
        }
        default:
          break;
      }
    }
  },
};

function closeWords(creation: Creation): string {
  return creation.kind.shape === 'executor' ? '`shutdown()`' : '`close()` and `join()`';
}

function workerWord(creation: Creation): string {
  return creation.kind.runner === 'processes' ? 'processes' : 'threads';
}

function within(node: SyntaxNode, outer: SyntaxNode): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

/**
 * `name = Pool(...)` and the statements after it in its block up to the last use become
 * `with Pool(...) as name:` and that body; safe when the work is finished there anyway.
 */
function withFix(context: RuleContext, creation: Creation, holder: Extract<Holder, { kind: 'name' }>, uses: SyntaxNode[]): FixDraft | undefined {
  const { model, source } = context;
  if (!context.fixesAllowed || uses.length === 0) return undefined;
  const statement = holder.statement;
  const block = statement.parent;
  if (!block || (block.type !== 'block' && block.type !== 'module')) return undefined;
  // Module-level names are read by functions of the module, outside any block we could make.
  if (block.type === 'module') return undefined;
  const siblings = block.namedChildren.filter((s) => s.type !== 'comment');
  const index = siblings.findIndex((s) => s.id === statement.id);
  let lastIndex = index;
  for (const use of uses) {
    const at = siblings.findIndex((s) => within(use, s));
    if (at <= index) return undefined;
    if (ownerFunction(model, use) !== holder.binding.scope) return undefined;
    lastIndex = Math.max(lastIndex, at);
  }
  if (lastIndex === index) return undefined;
  const finished = uses.every((use) => workFinishedAt(context, creation, use, siblings.slice(index + 1, lastIndex + 1)));
  if (!finished && creation.kind.shape === 'pool') return undefined;

  const text = source.text;
  const indent = indentationAt(text, statement.startIndex);
  const unit = bodyIndentUnit(text, block, indent);
  const lastStatement = siblings[lastIndex]!;
  const bodyStart = nextLineStart(text, statement.endIndex);
  const bodyEnd = lineEndAfter(text, lastStatement.endIndex);
  if (bodyStart > bodyEnd || lineStart(text, statement.startIndex) !== statement.startIndex - indent.length) return undefined;
  // Alone on its line (a comment may follow): `pool = Pool(); x = 1` is left alone.
  if (!/^[ \t]*(#[^\n]*)?\r?\n/.test(text.slice(statement.endIndex, bodyStart))) return undefined;
  const header: Edit = { start: statement.startIndex, end: statement.endIndex, text: `with ${creation.call.node.text} as ${holder.name}:` };
  const body: Edit = { start: bodyStart, end: bodyEnd, text: transformRegion(text, bodyStart, bodyEnd, [], { remove: 0, add: unit }, multilineStrings(model.root.node)) };
  return {
    applicability: finished ? 'safe' : 'unsafe',
    message: finished
      ? `Use the ${creation.kind.shape} as a \`with\` block`
      : `Use the ${creation.kind.shape} as a \`with\` block (unsafe: leaving the block waits for the work submitted to it)`,
    edits: [header, body],
  };
}

/** Whether the work a use hands over is complete by the end of `range` without waiting for the pool. */
function workFinishedAt(context: RuleContext, creation: Creation, use: SyntaxNode, range: SyntaxNode[]): boolean {
  const kind = useKind(use);
  if (kind.kind !== 'method') return false;
  if (creation.kind.shape === 'pool') return BLOCKING_POOL_METHODS.has(kind.method ?? '');
  if (kind.method !== 'map') return false;
  // `executor.map(...)` must be consumed at once: `list(executor.map(...))`, `for r in executor.map(...)`, a comprehension over it.
  const call = use.parent!.parent!;
  let outer = call;
  while (outer.parent?.type === 'parenthesized_expression') outer = outer.parent;
  const parent = outer.parent;
  if (parent?.type === 'argument_list' && parent.namedChildren.length === 1) {
    const consumer = parent.parent?.childForFieldName('function');
    return !!consumer && consumer.type === 'identifier' && CONSUMERS.has(consumer.text);
  }
  if (parent?.type === 'for_statement' && outer.field === 'right') return parent.descendantsOfType('break_statement').length === 0 && range.some((s) => within(parent, s));
  if (parent?.type === 'for_in_clause' && parent.parent && parent.parent.type !== 'generator_expression') return true;
  return false;
}

/** The indentation unit of the block's body, relative to `indent`. */
function bodyIndentUnit(text: string, block: SyntaxNode, indent: string): string {
  const outer = block.parent ? indentationAt(text, block.parent.startIndex) : '';
  const unit = indent.startsWith(outer) ? indent.slice(outer.length) : '';
  return unit || '    ';
}

function nextLineStart(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

function lineEndAfter(text: string, offset: number): number {
  const newline = text.indexOf('\n', Math.max(offset - 1, 0));
  return newline < 0 ? text.length : newline + 1;
}
