import type { Range } from '../diagnostics/finding.js';

/**
 * Converts UTF-16 offsets of a source text into 1-based lines and 1-based columns counted in
 * Unicode code points (what editors and ruff show), and back.
 */
export class LineIndex {
  private readonly lineStarts: number[] = [0];
  private readonly ascii: boolean;

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.lineStarts.push(i + 1);
    }
    this.ascii = !/[^\x00-\x7f]/.test(text);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line containing the UTF-16 offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(line0: number): number {
    return this.lineStarts[line0];
  }

  /** 1-based line and code-point column of a UTF-16 offset. */
  position(offset: number): { line: number; column: number } {
    offset = Math.max(0, Math.min(offset, this.text.length));
    const line0 = this.lineOf(offset);
    const start = this.lineStarts[line0];
    const column = this.ascii ? offset - start : codePointLength(this.text, start, offset);
    return { line: line0 + 1, column: column + 1 };
  }

  range(start: number, end: number): Range {
    const a = this.position(start);
    const b = this.position(end);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  /** Text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line] ?? this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, '');
  }

  /** Indentation (leading spaces and tabs) of the line holding `offset`. */
  indentationAt(offset: number): string {
    const start = this.lineStarts[this.lineOf(offset)];
    return /^[ \t]*/.exec(this.text.slice(start, start + 200))![0];
  }
}

function codePointLength(text: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
