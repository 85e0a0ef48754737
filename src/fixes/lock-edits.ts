/**
 * Edits that guard a module global with a lock: `_counter_lock = threading.Lock()` on its own
 * line after the global's first module-level assignment (once), `import threading` when needed,
 * and `with <lock>:` wrapped around single-line statements. Only the statement's own line is
 * indented further; comments and blank lines stay as they are.
 *
 * The worker prepares this material for every access of the global in the file (it has the
 * syntax tree); which statements to wrap and with which lock is decided once the races are known.
 */
import type { Edit } from '../diagnostics/finding.js';
import type { LineIndex } from '../parser/line-index.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import { referenceModule } from './imports.js';

/** How to wrap one statement: insert `<indent>with <lock>:<newline><unit>` at `offset`, its line start. */
export interface WrapPlan {
  offset: number;
  line: number;
  indent: string;
  unit: string;
  newline: string;
  /** The statement calls something: code would run while the lock is held. */
  hasCall: boolean;
}

export interface LockFixMaterial {
  /** The global's identity (`pkg.mod.counter`) and name. */
  stateId: string;
  name: string;
  /** Name for a new lock, free in the module. */
  lockName: string;
  /** Where the new lock's line goes (after the global's assignment), and the module's name for `threading`. */
  lockAt: { offset: number; line: number; newline: string; needsBreak: boolean };
  threading: string;
  importEdit?: Edit;
  /** Wrap plans of the statements making each access of the global in this file, by access offset. */
  wraps: Record<number, WrapPlan>;
  /** Module-level locks of this file, identity -> name: a lock other accesses hold can be reused. */
  moduleLocks: Record<string, string>;
}

/** Material for guarding the module global `name`, or undefined when no lock can be added cleanly. */
export function lockFixMaterial(
  model: SemanticModel,
  lines: LineIndex,
  name: string,
  accessNodes: Iterable<[number, SyntaxNode]>,
  moduleLocks: Record<string, string>,
): LockFixMaterial | undefined {
  const text = lines.text;
  const assignment = (model.root.bindings.get(name) ?? []).find((b) => b.kind === 'assignment' && topLevelStatement(b.node) !== undefined);
  const statement = assignment && topLevelStatement(assignment.node);
  if (!statement) return undefined;
  const lockName = freeName(model, `_${name.replace(/^_+/, '')}_lock`);
  if (!lockName) return undefined;
  const threading = referenceModule(model, model.root, 'threading');
  if (!threading) return undefined;
  const lineEnd = text.indexOf('\n', statement.endIndex);
  const lockOffset = lineEnd === -1 ? text.length : lineEnd + 1;
  const wraps: Record<number, WrapPlan> = {};
  const unit = indentUnit(text);
  for (const [offset, node] of accessNodes) {
    const plan = wrapPlan(node, lines, unit);
    if (plan) wraps[offset] = plan;
  }
  return {
    stateId: `${model.moduleName}.${name}`,
    name,
    lockName,
    lockAt: { offset: lockOffset, line: lines.position(lockOffset).line, newline: newlineAt(text, statement.endIndex), needsBreak: lineEnd === -1 },
    threading: threading.name,
    importEdit: threading.importEdit && { ...threading.importEdit, range: lines.range(threading.importEdit.start, threading.importEdit.end) },
    wraps,
    moduleLocks,
  };
}

/** The edits: the lock's creation (when `create`), the import, and a `with` around each plan. */
export function lockEdits(material: LockFixMaterial, lock: string, create: boolean, plans: WrapPlan[]): Edit[] {
  const edits: Edit[] = [];
  if (create) {
    if (material.importEdit) edits.push(material.importEdit);
    const { offset, line, newline, needsBreak } = material.lockAt;
    const position = { line, column: 1, endLine: line, endColumn: 1 };
    edits.push({ start: offset, end: offset, text: `${needsBreak ? newline : ''}${lock} = ${material.threading}.Lock()${newline}`, range: position });
  }
  for (const plan of [...plans].sort((a, b) => a.offset - b.offset)) {
    edits.push({
      start: plan.offset,
      end: plan.offset,
      text: `${plan.indent}with ${lock}:${plan.newline}${plan.unit}`,
      range: { line: plan.line, column: 1, endLine: plan.line, endColumn: 1 },
    });
  }
  return edits;
}

/**
 * The plan for wrapping the statement an access is part of: a simple statement alone on one
 * line, directly in a block (not the body of a one-line `if x: y`), not inside a lambda or
 * comprehension.
 */
function wrapPlan(node: SyntaxNode, lines: LineIndex, unit: string): WrapPlan | undefined {
  let statement: SyntaxNode | null = node;
  while (statement && statement.type !== 'expression_statement' && statement.type !== 'delete_statement') {
    if (statement.type === 'lambda' || /comprehension|generator_expression/.test(statement.type) || statement.type === 'block') return undefined;
    statement = statement.parent;
  }
  if (!statement || (statement.parent?.type !== 'block' && statement.parent?.type !== 'module')) return undefined;
  const text = lines.text;
  const start = lines.position(statement.startIndex);
  const end = lines.position(statement.endIndex);
  if (start.line !== end.line) return undefined;
  const lineStart = text.lastIndexOf('\n', statement.startIndex - 1) + 1;
  const indent = text.slice(lineStart, statement.startIndex);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  const rest = lines.lineText(end.line).slice(statement.endIndex - lineStart);
  if (!/^\s*(#.*)?$/.test(rest)) return undefined;
  return {
    offset: lineStart,
    line: start.line,
    indent,
    unit: indent.includes('\t') ? '\t' : unit,
    newline: newlineAt(text, statement.endIndex),
    hasCall: statement.descendantsOfType('call').length > 0,
  };
}

function topLevelStatement(node: SyntaxNode): SyntaxNode | undefined {
  let current: SyntaxNode | null = node;
  while (current && current.parent?.type !== 'module') {
    if (current.type === 'block' || current.type === 'function_definition' || current.type === 'class_definition') return undefined;
    current = current.parent;
  }
  return current?.type === 'expression_statement' ? current : undefined;
}

function freeName(model: SemanticModel, wanted: string): string | undefined {
  const taken = (name: string) => model.scopes.some((s) => s.bindings.has(name));
  if (!taken(wanted)) return wanted;
  for (let i = 2; i < 10; i++) if (!taken(`${wanted}${i}`)) return `${wanted}${i}`;
  return undefined;
}

/** The file's indentation step: that of the first indented line after a line ending in `:`. */
export function indentUnit(text: string): string {
  const match = /:[ \t]*(?:#[^\n]*)?\r?\n(?:[ \t]*\r?\n)*([ \t]+)\S/.exec(text);
  if (!match) return '    ';
  const found = match[1];
  return found.includes('\t') ? '\t' : found;
}

function newlineAt(text: string, offset: number): string {
  const end = text.indexOf('\n', offset);
  return end > 0 && text[end - 1] === '\r' ? '\r\n' : '\n';
}
