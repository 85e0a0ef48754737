/**
 * The `if __name__ == "__main__":` guard: which top-level statements run code at import (and so
 * run again in every worker process that imports the module under spawn and forkserver), and
 * the edit that moves them under the guard. Shared by the process-pool rewrites and the
 * process-safety fixes.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import { lineStart, transformRegion, type Replacement } from '../rewrites/source-text.js';

/** Top-level statements that only define things: safe to run again when a worker process imports the module. */
export function definesOnly(statement: SyntaxNode): boolean {
  switch (statement.type) {
    case 'comment':
    case 'import_statement':
    case 'import_from_statement':
    case 'future_import_statement':
    case 'function_definition':
    case 'class_definition':
    case 'decorated_definition':
    case 'pass_statement':
      return true;
    case 'if_statement':
      return isMainGuard(statement);
    case 'expression_statement': {
      const [expression] = statement.namedChildren;
      if (!expression) return true;
      if (expression.type === 'string' || expression.type === 'concatenated_string') return true;
      if (expression.type === 'assignment') {
        const value = expression.childForFieldName('right');
        return !!value && isConstantExpression(value);
      }
      return false;
    }
    default:
      return false;
  }
}

const PURE_CALLS = new Set([
  'int', 'str', 'float', 'bool', 'len', 'range', 'set', 'frozenset', 'list', 'tuple', 'dict', 'sorted', 'min', 'max', 'sum',
  'abs', 'round', 'zip', 'enumerate', 'ord', 'chr', 'reversed', 'bytes',
]);
/** Reads of the environment and the CPU count: worker constants such as `FETCH_WORKERS = int(os.environ.get(...))`. */
const ENVIRONMENT_READS = new Set(['os.environ.get', 'os.getenv', 'os.cpu_count', 'os.process_cpu_count', 'os.sched_getaffinity', 'hasattr']);
const PURE_NODES = new Set([
  'integer', 'float', 'string', 'concatenated_string', 'string_start', 'string_content', 'string_end', 'escape_sequence', 'true', 'false', 'none',
  'identifier', 'attribute', 'subscript', 'slice', 'tuple', 'list', 'set', 'dictionary', 'pair', 'parenthesized_expression',
  'unary_operator', 'binary_operator', 'boolean_operator', 'not_operator', 'comparison_operator', 'conditional_expression',
  'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression', 'for_in_clause', 'if_clause',
  'argument_list', 'keyword_argument', 'interpolation', 'format_specifier', 'comment',
]);

/**
 * An expression that computes a value from literals and pure builtins: evaluating it again in
 * a worker process (which imports the module) gives the same value and does nothing else.
 */
function isConstantExpression(node: SyntaxNode): boolean {
  if (node.type === 'call') {
    const callee = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    const pure = (callee?.type === 'identifier' && PURE_CALLS.has(callee.text)) || (!!callee && ENVIRONMENT_READS.has(callee.text));
    return pure && (!args || isConstantExpression(args));
  }
  if (!PURE_NODES.has(node.type)) return false;
  return node.namedChildren.every(isConstantExpression);
}

export function isMainGuard(statement: SyntaxNode): boolean {
  if (statement.type !== 'if_statement') return false;
  const condition = statement.childForFieldName('condition')?.text.replace(/\s+/g, '').replace(/'/g, '"');
  return condition === '__name__=="__main__"' || condition === '"__main__"==__name__';
}

export interface MainGuard {
  /** The first top-level statement that runs code at import. */
  first: SyntaxNode;
  /** Offset of its line start: the guard goes there. */
  start: number;
}

/** Statements that, found after the code run at import, would be hidden by moving that code under the guard. */
const DEFINITIONS = new Set(['function_definition', 'class_definition', 'decorated_definition', 'import_statement', 'import_from_statement']);

/**
 * The top-level code that must move under `if __name__ == "__main__":` so that worker processes
 * (which import the main module under spawn and forkserver) do not run it again: `guard` is
 * undefined when the module only defines things at import. `refused` says why it cannot move
 * (to follow "needs"): definitions after that code would be hidden from the workers.
 */
export function importTimeCode(model: SemanticModel, source: string): { guard: MainGuard | undefined } | { refused: string } {
  const statements = model.root.node.namedChildren.filter((s) => s.type !== 'comment');
  const index = statements.findIndex((s) => !definesOnly(s));
  if (index < 0) return { guard: undefined };
  const definition = statements.slice(index).find((s) => DEFINITIONS.has(s.type) || isMainGuard(s));
  if (definition) {
    const line = source.slice(0, definition.startIndex).split('\n').length;
    return {
      refused: `the code this module runs at import under an \`if __name__ == "__main__":\` guard, but line ${line} defines or imports something after that code begins`,
    };
  }
  return { guard: { first: statements[index], start: lineStart(source, statements[index].startIndex) } };
}

/**
 * The text that replaces `[guard.start, end of file)`: `if __name__ == "__main__":` and the
 * code, one indentation unit deeper (lines inside multi-line strings kept as written), with
 * `replacements` made in it.
 */
export function guardedText(
  source: string,
  start: number,
  replacements: readonly Replacement[],
  unit: string,
  strings: readonly SyntaxNode[],
  newline: string,
): string {
  const guarded = transformRegion(source, start, source.length, replacements, { remove: 0, add: unit }, strings);
  const ending = source.endsWith('\n') || guarded.endsWith('\n') ? '' : newline;
  return `if __name__ == "__main__":${newline}${guarded}${ending}`;
}
