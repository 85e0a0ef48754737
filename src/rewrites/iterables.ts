/**
 * What the rewrite needs to know about the loop's iterable: whether it is an in-memory
 * collection (which `Executor.map` may read up front) or a lazy stream (read with a bounded
 * window), and whether reading it ahead of the commit stage is safe.
 */
import { functionEffects, functionScopeOf } from '../loops/function-effects.js';
import { mapsOf } from '../loops/loop-context.js';
import { callsWithin } from '../loops/work-calls.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { Scope, SemanticModel } from '../semantic/model.js';

const SIZED_LITERALS = new Set([
  'list', 'tuple', 'set', 'dictionary', 'string', 'concatenated_string', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'expression_list',
]);
const SIZED_CALLS = new Set([
  'builtins.range', 'builtins.sorted', 'builtins.list', 'builtins.tuple', 'builtins.set', 'builtins.dict', 'builtins.frozenset',
  'os.listdir', 'glob.glob', 'os.scandir',
]);
const SAME_SIZE_CALLS = new Set(['builtins.enumerate', 'builtins.reversed', 'builtins.zip']);
const SIZED_METHODS = new Set(['items', 'keys', 'values', 'split', 'splitlines', 'readlines', 'most_common']);
const SIZED_TYPES = new Set(['builtins.list', 'builtins.tuple', 'builtins.dict', 'builtins.set', 'builtins.str', 'builtins.range', 'collections.Counter', 'collections.defaultdict', 'collections.OrderedDict']);

/** A collection already in memory: reading it all at once costs nothing extra. */
export function isSized(model: SemanticModel, scope: Scope, node: SyntaxNode, depth = 0): boolean {
  if (depth > 3) return false;
  if (SIZED_LITERALS.has(node.type)) return true;
  if (node.type === 'parenthesized_expression' && node.namedChildren.length === 1) return isSized(model, scope, node.namedChildren[0], depth + 1);
  if (node.type === 'identifier') {
    const type = model.typeOf(node, scope);
    if (type && SIZED_TYPES.has(type)) return true;
    const bindings = model.bindingsOf(node.text, scope);
    return bindings.length > 0 && bindings.every((b) => (b.kind === 'assignment' && !!b.value && isSized(model, b.scope, b.value, depth + 1)) || (b.kind === 'parameter' && /^(list|tuple|dict|set|Sequence|List|Tuple)\b/.test(b.value?.text ?? '')));
  }
  if (node.type === 'call') {
    const site = mapsOf(model).callsByNode.get(node.id);
    const callee = site ? model.calleeName(site) : undefined;
    const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
    if (callee && SIZED_CALLS.has(callee)) return true;
    if (callee && SAME_SIZE_CALLS.has(callee)) return args.length > 0 && args.every((a) => isSized(model, scope, a, depth + 1));
    const function_ = node.childForFieldName('function');
    if (function_?.type === 'attribute' && SIZED_METHODS.has(function_.childForFieldName('attribute')?.text ?? '')) return true;
  }
  return false;
}

/**
 * Why reading the iterable ahead of the commit stage could change the program, if it could: a
 * generator with effects of its own would interleave them differently, and a collection the
 * commit stage changes would be read before the change.
 */
export function readAheadProblem(model: SemanticModel, scope: Scope, iterable: SyntaxNode, accumulators: readonly string[], stopsEarly = false): string | undefined {
  const ids = iterable.type === 'identifier' ? [iterable] : iterable.descendantsOfType('identifier');
  const written = ids.find((id) => accumulators.includes(id.text));
  if (written) return `the commit stage changes \`${written.text}\`, which the loop iterates over`;
  // A collection in memory is read in full before the first item either way.
  if (isSized(model, scope, iterable)) return undefined;
  // A loop that stops early leaves the rest of an iterator to whoever reads it next (the code
  // after the loop, the caller); reading ahead would take items from them.
  const named = stopsEarly ? storedIterator(model, scope, iterable) : undefined;
  if (named) {
    return `the loop can stop early, and \`${named.text}\` may be an iterator that the code after the loop (or a caller) reads on: running ahead would consume its next items`;
  }
  const { callsByNode } = mapsOf(model);
  const calls = callsWithin(iterable);
  for (const call of calls) {
    const site = callsByNode.get(call.id);
    const name = site ? model.calleeName(site) : undefined;
    if (!name) continue;
    const scope = functionScopeOf(model, name);
    if (scope) {
      const effects = functionEffects(model, scope);
      if (effects.reasons.length > 0 || effects.elsewhere.length > 0) {
        return `the loop reads \`${call.text.split('\n')[0]}\`, whose effects would run ahead of the commit stage`;
      }
      continue;
    }
    const entry = model.catalogue.lookup(name);
    if (entry?.orderedEffect || entry?.sharedState) return `the loop reads \`${call.text.split('\n')[0]}\`, whose effects would run ahead of the commit stage`;
  }
  return undefined;
}

/** Builtins that iterate over their arguments lazily: `enumerate(f)` reads `f` as it goes. */
const WRAPPERS = new Set(['builtins.iter', 'builtins.enumerate', 'builtins.zip', 'builtins.map', 'builtins.filter', 'builtins.reversed']);

/**
 * A name the iterable reads items from that may hold an iterator someone else reads on: the
 * iterable itself (`lines`, `self.rows`), or an argument of a lazy wrapper (`enumerate(f)`). A
 * call of any other function makes a fresh iterator (`lines(count)`).
 */
function storedIterator(model: SemanticModel, scope: Scope, iterable: SyntaxNode): SyntaxNode | undefined {
  if (isSized(model, scope, iterable)) return undefined;
  if (iterable.type === 'identifier' || iterable.type === 'attribute' || iterable.type === 'subscript') return iterable;
  if (iterable.type !== 'call') return undefined;
  const callee = iterable.childForFieldName('function');
  const name = callee ? model.qualifiedNameOf(callee, scope) : undefined;
  if (!name || !WRAPPERS.has(name)) return undefined;
  for (const argument of iterable.childForFieldName('arguments')?.namedChildren ?? []) {
    const found = argument.type === 'keyword_argument' || argument.type === 'comment' ? undefined : storedIterator(model, scope, argument);
    if (found) return found;
  }
  return undefined;
}

