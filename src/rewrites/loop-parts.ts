/**
 * The pieces every loop rewrite is made of, cut from the original source: the map stage as the
 * body of a worker function, the commit stage as the body of an in-order loop over the
 * worker's results, and the names that pass from one to the other.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { isInside } from '../loops/loop-context.js';
import { callsWithin, doesWork } from '../loops/work-calls.js';
import { isReference } from '../loops/name-flow.js';
import type { CommitStatement, LoopAnalysis } from '../loops/types.js';
import type { SemanticModel } from '../semantic/model.js';
import { afterLineEnd, indentationAt, lineStart, transformRegion, type Replacement } from './source-text.js';

export class RewriteRefused extends Error {}

export interface Hoisted {
  name: string;
  expression: SyntaxNode;
}

export interface LoopParts {
  loop: SyntaxNode;
  target: SyntaxNode;
  iterable: SyntaxNode;
  /** Whitespace before `for`. */
  indent: string;
  /** One level of indentation, as the file writes it. */
  unit: string;
  bodyIndent: string;
  /** Offsets: the loop's first line start, and just past its last line. */
  start: number;
  end: number;
  mapRegion: [number, number];
  commitRegion: [number, number];
  /** The loop's `else:` clause, which the loop over the results keeps: it runs unless a `break` ends it. */
  elseRegion?: [number, number];
  /** `continue` statements of the loop inside the map stage: they become `return None`. */
  continues: SyntaxNode[];
  /** Heavy expressions consumed by commits, computed in the map stage instead. */
  hoisted: Hoisted[];
  /** Names the commit stage reads from the map stage (loop variables included), in order. */
  passed: string[];
  /** Comments on the loop's header line(s), kept on the new loop's header: `  # main loop`. */
  headerComment: string;
  /** Generated code starts with a blank line when the line before the loop is code. */
  leadingBlank: boolean;
}

/** Cuts the loop into parts, or refuses (with the reason) when its layout does not allow it. */
export function loopParts(model: SemanticModel, source: string, analysis: LoopAnalysis, freshName: (base: string) => string): LoopParts {
  const loop = analysis.loop;
  const target = loop.childForFieldName('left');
  const iterable = loop.childForFieldName('right');
  const body = loop.childForFieldName('body');
  if (!target || !iterable || !body) throw new RewriteRefused('the loop is incomplete');
  const elseClause = loop.childForFieldName('alternative');
  const start = lineStart(source, loop.startIndex);
  const indent = source.slice(start, loop.startIndex);
  if (!/^[ \t]*$/.test(indent)) throw new RewriteRefused('the loop does not start its own line');
  const first = body.namedChildren[0] ?? body;
  if (lineStart(source, first.startIndex) <= lineStart(source, body.startIndex - 1) && source.slice(lineStart(source, first.startIndex), first.startIndex).trim() !== '') {
    throw new RewriteRefused('the loop body is on the same line as `for`');
  }
  const bodyIndent = indentationAt(source, first.startIndex);
  if (!bodyIndent.startsWith(indent) || bodyIndent.length === indent.length) throw new RewriteRefused('the body is not indented below the loop');
  const unit = bodyIndent.slice(indent.length);
  // Comments between the header and the first statement are the loop's children: one on the
  // header line stays with the header, ones on their own lines open the body.
  const comments = loop.children.filter((c) => c.type === 'comment' && c.startIndex < first.startIndex);
  const ownLine = (c: SyntaxNode) => source.slice(lineStart(source, c.startIndex), c.startIndex).trim() === '';
  const headerComments = comments.filter((c) => !ownLine(c));
  const bodyComment = comments.find(ownLine);
  const bodyStart = lineStart(source, (bodyComment ?? first).startIndex);
  const end = afterLineEnd(source, loop.endIndex - 1);
  const bodyEnd = elseClause ? afterLineEnd(source, body.endIndex - 1) : end;
  if (elseClause && lineStart(source, elseClause.startIndex) !== bodyEnd) throw new RewriteRefused('the `else` clause does not start its own line');

  const mapEnd = analysis.map.length > 0 ? afterLineEnd(source, analysis.map[analysis.map.length - 1].endIndex - 1) : bodyStart;
  if (analysis.commit.length > 0 && analysis.commit[0].node.startIndex < mapEnd) {
    throw new RewriteRefused('a map statement and a commit statement share a line');
  }

  const hoisted = hoistedInputs(model, analysis, freshName);
  const passed = namesPassed(analysis, hoisted);
  return {
    loop,
    target,
    iterable,
    indent,
    unit,
    bodyIndent,
    start,
    end,
    mapRegion: [bodyStart, mapEnd],
    commitRegion: [mapEnd, bodyEnd],
    elseRegion: elseClause ? [bodyEnd, end] : undefined,
    continues: loopContinues(loop, analysis.map),
    hoisted,
    passed,
    headerComment: headerComments.map((c) => `  ${c.text}`).join(''),
    leadingBlank: previousLineIsCode(source, start),
  };
}

function previousLineIsCode(source: string, start: number): boolean {
  if (start === 0) return false;
  const previous = source.slice(lineStart(source, start - 1), start).trim();
  return previous !== '' && !previous.endsWith(':');
}

/** `continue` statements that continue this loop (not a nested loop's) in the given statements. */
function loopContinues(loop: SyntaxNode, statements: readonly SyntaxNode[]): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  for (const statement of statements) {
    const candidates = statement.type === 'continue_statement' ? [statement] : statement.descendantsOfType('continue_statement');
    for (const node of candidates) {
      let owner: SyntaxNode | null = node.parent;
      while (owner && !['for_statement', 'while_statement', 'function_definition', 'class_definition', 'lambda'].includes(owner.type)) owner = owner.parent;
      if (owner?.id === loop.id) found.push(node);
    }
  }
  return found;
}

/**
 * Heavy calls in what top-level commits consume (`results.append(fetch(url))`, the condition of
 * `if check(x):`) run in the map stage instead; guarded branches keep theirs, since the
 * original evaluates them only when the guard holds. So do the commits after one that can
 * `continue`, `break` or `return`: the original never runs them for the item that leaves, and
 * their error would surface at that item.
 */
export function hoistedInputs(model: SemanticModel, analysis: LoopAnalysis, freshName: (base: string) => string = (base) => base): Hoisted[] {
  const commitWritten = new Set(analysis.accumulators);
  const hoisted: Hoisted[] = [];
  let leftEarlier = false;
  const heavy = (call: SyntaxNode) => doesWork(model, call);
  const readsCommitState = (node: SyntaxNode) =>
    [node, ...node.descendantsOfType('identifier')].some((id) => id.type === 'identifier' && isReference(id) && commitWritten.has(id.text));
  for (const commit of analysis.commit) {
    if (leftEarlier) break;
    if (leavesTheItem(commit)) leftEarlier = true;
    const inputs = commit.kind === 'guarded' ? [commit.node.childForFieldName('condition')].filter((n): n is SyntaxNode => !!n) : commit.kind === 'inner-loop' ? [] : commit.inputs;
    for (const input of inputs) {
      // Only whole expressions: not the clauses of a generator passed as the sole argument.
      if (input.parent?.type === 'generator_expression' || input.type === 'for_in_clause' || input.type === 'if_clause') continue;
      const calls = callsWithin(input);
      if (!calls.some(heavy) || readsCommitState(input)) continue;
      const callee = (input.type === 'call' ? input : calls[0]).childForFieldName('function');
      const base = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
      hoisted.push({ name: freshName(`${/^[A-Za-z_]\w*$/.test(base ?? '') ? base : 'value'}_result`), expression: input });
    }
  }
  return hoisted;
}

/** A commit that can end the item's commits or the loop: `continue`, `break`, `return` in a branch. */
function leavesTheItem(commit: CommitStatement): boolean {
  return commit.kind === 'guarded' && commit.node.descendantsOfType(['continue_statement', 'break_statement', 'return_statement']).length > 0;
}

function namesPassed(analysis: LoopAnalysis, hoisted: readonly Hoisted[]): string[] {
  const fromMap = new Set([...analysis.mapBound, ...analysis.loopVariables]);
  const names: string[] = [];
  for (const commit of analysis.commit) {
    const ids = commit.node.type === 'identifier' ? [commit.node] : commit.node.descendantsOfType('identifier');
    for (const id of ids) {
      if (!isReference(id) || !fromMap.has(id.text) || names.includes(id.text)) continue;
      if (hoisted.some((h) => isInside(id, h.expression))) continue;
      names.push(id.text);
    }
  }
  return [...names, ...hoisted.map((h) => h.name)];
}

/** The commit stage's text, re-indented to `indent`, with hoisted expressions replaced by their names. */
export function commitText(source: string, parts: LoopParts, indent: string, strings: readonly SyntaxNode[]): string {
  const replacements: Replacement[] = parts.hoisted.map((h) => ({ start: h.expression.startIndex, end: h.expression.endIndex, text: h.name }));
  return transformRegion(source, parts.commitRegion[0], parts.commitRegion[1], replacements, { remove: parts.bodyIndent.length, add: indent }, strings);
}

/**
 * The body of the loop over the results: the commit stage, or, when there is none, `pass`:
 * the loop still takes each result in order, so a failed item raises its error at its turn.
 */
export function commitBody(source: string, parts: LoopParts, indent: string, strings: readonly SyntaxNode[], hasPrelude: boolean, newline: string): string {
  const text = commitText(source, parts, indent, strings);
  if (text.trim() !== '' || hasPrelude) return text;
  return `${indent}pass  # each result in order: a failed item raises here${newline}${text}`;
}

/** The loop's `else:` clause re-indented to the new loop's `indent`, or nothing. */
export function elseText(source: string, parts: LoopParts, indent: string, strings: readonly SyntaxNode[]): string {
  if (!parts.elseRegion) return '';
  return transformRegion(source, parts.elseRegion[0], parts.elseRegion[1], [], { remove: parts.indent.length, add: indent }, strings);
}

/**
 * The map stage's text (or that of `region`, a part of it), re-indented to `indent`, each
 * `continue` of the loop turned into `return None`.
 */
export function mapText(source: string, parts: LoopParts, indent: string, strings: readonly SyntaxNode[], region: [number, number] = parts.mapRegion): string {
  const replacements: Replacement[] = parts.continues.map((c) => ({ start: c.startIndex, end: c.endIndex, text: 'return None' }));
  return transformRegion(source, region[0], region[1], replacements, { remove: parts.bodyIndent.length, add: indent }, strings);
}

/** What the worker returns: one name, a tuple, or (when it can skip items) always a tuple. */
export function returnExpression(parts: LoopParts): string | undefined {
  const names = parts.passed;
  if (parts.continues.length > 0) return names.length === 1 ? `(${names[0]},)` : `(${names.join(', ')})`;
  if (names.length === 0) return undefined;
  return names.join(', ');
}

/**
 * How the commit loop receives each result: the names themselves, or (when the worker can skip
 * items) one `result` tested for `None` and then unpacked.
 */
export function commitLoopHead(parts: LoopParts, resultName: string, unit: string, freeNames: { isFree(name: string): boolean }): { target: string; prelude: string[] } {
  const names = parts.passed;
  if (parts.continues.length > 0) {
    const unpack = names.length === 0 ? [] : [`${names.length === 1 ? `(${names[0]},)` : names.join(', ')} = ${resultName}`];
    return { target: resultName, prelude: [`if ${resultName} is None:`, `${unit}continue`, ...unpack] };
  }
  return { target: names.length > 0 ? names.join(', ') : freeNames.isFree('_') ? '_' : resultName, prelude: [] };
}

export function isCommitOnly(commit: CommitStatement): boolean {
  return commit.kind !== 'guarded' && commit.kind !== 'inner-loop';
}
