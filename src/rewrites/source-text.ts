/**
 * Moving source text to a new place: copy a range of lines with replacements and a new
 * indentation, leaving the lines inside multi-line strings (whose leading whitespace is part of
 * the string) and comments exactly as they were written.
 */
import type { SyntaxNode } from '../parser/parser.js';

export interface Replacement {
  start: number;
  end: number;
  text: string;
}

export interface Reindent {
  /** Leading whitespace to take off each line (at most what the line has). */
  remove: number;
  /** Leading whitespace to put on each line. */
  add: string;
}

/**
 * The text of `[start, end)` of `source` with `replacements` applied and every line that starts
 * in the range (the first included, when `start` is a line start) reindented, except lines that
 * begin inside a multi-line string or inside a replaced range. Blank lines stay empty.
 */
export function transformRegion(
  source: string,
  start: number,
  end: number,
  replacements: readonly Replacement[],
  reindent: Reindent,
  strings: readonly SyntaxNode[],
): string {
  const sorted = [...replacements].filter((r) => r.start >= start && r.end <= end).sort((a, b) => a.start - b.start);
  const protectedAt = (offset: number) =>
    strings.some((s) => s.startIndex < offset && offset < s.endIndex) || sorted.some((r) => r.start < offset && offset < r.end);
  let out = '';
  let cursor = start;
  let replacementIndex = 0;
  const emit = (upTo: number) => {
    // Copies [cursor, upTo), reindenting each line that starts there.
    while (cursor < upTo) {
      const fullLineEnd = nextLineEnd(source, cursor);
      const lineEnd = Math.min(fullLineEnd, upTo);
      let piece = source.slice(cursor, lineEnd);
      if ((cursor === 0 || source[cursor - 1] === '\n') && !protectedAt(cursor)) {
        if (lineEnd === fullLineEnd && piece.trim() === '') piece = '';
        else {
          let strip = 0;
          while (strip < reindent.remove && (piece[strip] === ' ' || piece[strip] === '\t')) strip++;
          piece = reindent.add + piece.slice(strip);
        }
      }
      out += piece;
      cursor = lineEnd;
      if (cursor < upTo && source[cursor] === '\r') out += source[cursor++];
      if (cursor < upTo && source[cursor] === '\n') out += source[cursor++];
    }
  };
  for (; replacementIndex < sorted.length; replacementIndex++) {
    const replacement = sorted[replacementIndex];
    emit(replacement.start);
    out += replacement.text;
    cursor = replacement.end;
  }
  emit(end);
  return out;
}

/** Offset of the line break (`\r\n` or `\n`) ending the line that holds `offset`, or the text's end. */
function nextLineEnd(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  if (newline < 0) return source.length;
  return newline > 0 && source[newline - 1] === '\r' ? newline - 1 : newline;
}

/** Offset of the start of the line holding `offset`. */
export function lineStart(source: string, offset: number): number {
  return source.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the line break ending the line that holds `offset` (the text's end on the last line). */
export function afterLineEnd(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  return newline < 0 ? source.length : newline + 1;
}

/** The whitespace a line starts with. */
export function indentationAt(source: string, offset: number): string {
  const start = lineStart(source, offset);
  return /^[ \t]*/.exec(source.slice(start))![0];
}

/** The file's line break. */
export function newlineOf(source: string): string {
  const first = source.indexOf('\n');
  return first > 0 && source[first - 1] === '\r' ? '\r\n' : '\n';
}

/** String nodes that span more than one line: their inner lines must not be reindented. */
const stringsOf = new WeakMap<SyntaxNode, SyntaxNode[]>();

export function multilineStrings(root: SyntaxNode): SyntaxNode[] {
  let strings = stringsOf.get(root);
  if (!strings) {
    strings = root.descendantsOfType(['string', 'concatenated_string']).filter((s) => s.text.includes('\n'));
    stringsOf.set(root, strings);
  }
  return strings;
}

/** Lines of generated code, indented, joined with the file's line break (each line ends with one). */
export function block(indent: string, lines: ReadonlyArray<string>, newline: string): string {
  return lines.map((line) => (line === '' ? newline : `${indent}${line}${newline}`)).join('');
}
