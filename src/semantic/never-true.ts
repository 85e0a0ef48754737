/**
 * Conditions that are false on every Python concur targets (CPython 3.8 and later): checks for
 * Python 2, Jython and IronPython. The code they guard never runs, so its calls are no effects
 * of the function around it (`if is_jython: time.sleep(0.1)` in a helper does not make the
 * helper sleep).
 *
 * Recognised: `sys.platform.startswith('java')` / `('cli')`, `sys.platform == 'java'`,
 * `platform.python_implementation() == 'Jython'`, `sys.implementation.name == 'ironpython'`,
 * `sys.version_info[0] == 2` / `< 3`, `sys.version_info.major == 2`, `sys.version_info < (3,)`,
 * `six.PY2`, `A and B` with either never true, `A or B` with both never true, and a module-level
 * name assigned exactly once in the file from such a condition (`is_jython = ...`, `PY2 = ...`).
 */
import type { SyntaxNode } from '../parser/parser.js';

const OTHER_PLATFORMS = new Set(['java', 'cli']);
const OTHER_IMPLEMENTATIONS = new Set(['jython', 'ironpython']);

export type NeverTrue = (condition: SyntaxNode) => boolean;

/** A predicate for the conditions of one module (its constant names are read from `root`). */
export function neverTrueConditions(root: SyntaxNode): NeverTrue {
  const constants = neverTrueNames(root);
  const test = (node: SyntaxNode): boolean => isNeverTrue(node, constants);
  return test;
}

function isNeverTrue(node: SyntaxNode, constants: ReadonlySet<string>): boolean {
  switch (node.type) {
    case 'parenthesized_expression': {
      const inner = node.namedChildren[0];
      return !!inner && isNeverTrue(inner, constants);
    }
    case 'boolean_operator': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const operator = node.children.find((child) => child && !child.isNamed)?.type;
      if (!left || !right) return false;
      if (operator === 'and') return isNeverTrue(left, constants) || isNeverTrue(right, constants);
      return isNeverTrue(left, constants) && isNeverTrue(right, constants);
    }
    case 'identifier':
      return constants.has(node.text);
    case 'attribute':
      return node.text === 'six.PY2';
    case 'call':
      return isOtherPlatformStartswith(node);
    case 'comparison_operator':
      return isNeverTrueComparison(node);
    default:
      return false;
  }
}

/** `sys.platform.startswith('java')`. */
function isOtherPlatformStartswith(call: SyntaxNode): boolean {
  if (call.childForFieldName('function')?.text !== 'sys.platform.startswith') return false;
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  const only = args.length === 1 ? args[0] : undefined;
  const value = only ? stringValue(only) : undefined;
  return value !== undefined && OTHER_PLATFORMS.has(value);
}

function isNeverTrueComparison(node: SyntaxNode): boolean {
  const operands = node.namedChildren.filter((child): child is SyntaxNode => !!child);
  const operators = node.children.filter((child) => child && !child.isNamed).map((child) => child!.type);
  if (operands.length !== 2 || operators.length !== 1) return false;
  const [left, right] = operands as [SyntaxNode, SyntaxNode];
  const operator = operators[0]!;
  const subject = left.text.replace(/\s+/g, '');
  const text = stringValue(right);
  if (operator === '==') {
    if (subject === 'sys.platform' && text !== undefined) return OTHER_PLATFORMS.has(text);
    if ((subject === 'platform.python_implementation()' || subject === 'sys.implementation.name') && text !== undefined) {
      return OTHER_IMPLEMENTATIONS.has(text.toLowerCase());
    }
  }
  const major = subject === 'sys.version_info[0]' || subject === 'sys.version_info.major';
  if (major && right.type === 'integer') {
    const value = Number(right.text);
    if (operator === '==') return value < 3;
    if (operator === '<') return value <= 3;
    if (operator === '<=') return value < 3;
  }
  // `sys.version_info < (3,)` or `< (3, 0)`: a tuple starting with 3 and nothing but zeros.
  if (subject === 'sys.version_info' && operator === '<' && right.type === 'tuple') {
    const parts = right.namedChildren.map((part) => part?.text);
    return parts[0] === '3' && parts.slice(1).every((part) => part === '0');
  }
  return false;
}

function stringValue(node: SyntaxNode): string | undefined {
  if (node.type !== 'string') return undefined;
  if (node.namedChildren.some((child) => child?.type === 'interpolation')) return undefined;
  const match = /^[rRuU]?(['"])(.*)\1$/s.exec(node.text);
  return match ? match[2] : undefined;
}

/** Module-level names bound exactly once in the file, to a never-true condition. */
function neverTrueNames(root: SyntaxNode): Set<string> {
  const candidates = new Map<string, SyntaxNode>();
  for (const statement of root.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type === 'identifier' && right && isNeverTrue(right, new Set())) candidates.set(left.text, right);
  }
  if (candidates.size === 0) return new Set();
  const bindingCounts = new Map<string, number>();
  countBindings(root, candidates, bindingCounts);
  return new Set([...candidates.keys()].filter((name) => bindingCounts.get(name) === 1));
}

/** How often each candidate name is bound anywhere in the file (assignments, `global`, imports...). */
function countBindings(node: SyntaxNode, candidates: ReadonlyMap<string, SyntaxNode>, counts: Map<string, number>): void {
  const bump = (name: string) => {
    if (candidates.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  const poison = (name: string) => {
    if (candidates.has(name)) counts.set(name, Infinity);
  };
  switch (node.type) {
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
    case 'for_in_clause':
    case 'named_expression':
    case 'with_item':
    case 'as_pattern':
      for (const identifier of bindingTargets(node)) bump(identifier);
      break;
    case 'global_statement':
    case 'nonlocal_statement':
    case 'import_statement':
    case 'import_from_statement':
    case 'delete_statement':
      // Anything that may rebind the name elsewhere makes it not a constant.
      for (const identifier of node.descendantsOfType('identifier')) if (identifier) poison(identifier.text);
      break;
  }
  for (const child of node.namedChildren) if (child) countBindings(child, candidates, counts);
}

function bindingTargets(node: SyntaxNode): string[] {
  const target =
    node.type === 'named_expression'
      ? node.childForFieldName('name')
      : node.type === 'with_item' || node.type === 'as_pattern'
        ? node.namedChildren[node.namedChildren.length - 1]
        : node.childForFieldName('left');
  if (!target) return [];
  if (target.type === 'identifier') return [target.text];
  return target.descendantsOfType('identifier').flatMap((identifier) => (identifier && identifier.parent?.type !== 'attribute' && identifier.parent?.type !== 'subscript' ? [identifier.text] : []));
}
