/**
 * Where each cell's `"source"` value sits in a notebook's JSON text, so that an edited
 * cell can be spliced in and every other byte of the file (key order, number spelling,
 * escapes, outputs) stays as it was.
 */

export interface Span {
  start: number;
  end: number;
}

/** For each element of the top-level `cells` array, the span of its `source` value (if any). */
export function findCellSourceSpans(json: string): Array<Span | undefined> {
  const scanner = new Scanner(json);
  const spans: Array<Span | undefined> = [];
  scanner.object((key) => {
    if (key !== 'cells') return false;
    scanner.array(() => {
      let span: Span | undefined;
      const isObject = scanner.object((cellKey) => {
        if (cellKey !== 'source') return false;
        const start = scanner.position;
        scanner.value();
        span = { start, end: scanner.position };
        return true;
      });
      if (!isObject) scanner.value();
      spans.push(span);
    });
    return true;
  });
  return spans;
}

/** A JSON reader that only finds boundaries; the text is known to be valid (JSON.parse read it). */
class Scanner {
  position = 0;

  constructor(private readonly text: string) {}

  /**
   * Reads an object if one starts here, calling `member` at each value: it reads the
   * value itself and returns true, or returns false to have it skipped.
   */
  object(member: (key: string) => boolean): boolean {
    this.whitespace();
    if (this.text[this.position] !== '{') return false;
    this.position++;
    for (this.whitespace(); this.text[this.position] !== '}'; this.whitespace()) {
      const key = JSON.parse(this.text.slice(this.position, this.stringEnd())) as string;
      this.position = this.stringEnd();
      this.whitespace();
      this.position++; // ':'
      this.whitespace();
      if (!member(key)) this.value();
      this.whitespace();
      if (this.text[this.position] === ',') this.position++;
    }
    this.position++;
    return true;
  }

  array(element: () => void): void {
    this.whitespace();
    this.position++; // '['
    for (this.whitespace(); this.text[this.position] !== ']'; this.whitespace()) {
      element();
      this.whitespace();
      if (this.text[this.position] === ',') this.position++;
    }
    this.position++;
  }

  /** Skips one value of any type. */
  value(): void {
    this.whitespace();
    const character = this.text[this.position];
    if (character === '{') this.object(() => false);
    else if (character === '[') this.array(() => this.value());
    else if (character === '"') this.position = this.stringEnd();
    else {
      while (this.position < this.text.length && !/[\s,\]}]/.test(this.text[this.position]!)) this.position++;
    }
  }

  /** End (exclusive) of the string literal starting at `position`. */
  private stringEnd(): number {
    let index = this.position + 1;
    while (this.text[index] !== '"') index += this.text[index] === '\\' ? 2 : 1;
    return index + 1;
  }

  private whitespace(): void {
    while (/\s/.test(this.text[this.position] ?? '')) this.position++;
  }
}

/** One level of indentation in the file: nbformat writes 1 space, other tools 2 or 4. */
export function detectIndentUnit(json: string): string {
  const match = /\n([ \t]+)\S/.exec(json);
  return match ? match[1]! : ' ';
}

/**
 * A cell's new `source` value, in the shape the original had: a string stays a string;
 * an array is nbformat's list of lines (each keeping its `\n`), laid out like the file's
 * other arrays.
 */
export function renderSourceValue(
  json: string,
  span: Span,
  source: string,
  asArray: boolean,
  indentUnit: string,
): string {
  if (!asArray) return JSON.stringify(source);
  const lines = source.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  if (lines.length === 0) return '[]';
  const original = json.slice(span.start, span.end);
  const multiline = /^\[\s*\]$/.test(original) ? /\n[ \t]/.test(json) : original.includes('\n');
  if (!multiline) return `[${lines.map((line) => JSON.stringify(line)).join(/",\s+"/.test(original) ? ', ' : ',')}]`;
  const lineStart = json.lastIndexOf('\n', span.start) + 1;
  const keyIndent = /^[ \t]*/.exec(json.slice(lineStart, span.start))![0];
  const elementIndent = /^\[\r?\n([ \t]*)/.exec(original)?.[1] ?? keyIndent + indentUnit;
  const newline = json.includes('\r\n') ? '\r\n' : '\n';
  const elements = lines.map((line) => elementIndent + JSON.stringify(line));
  return `[${newline}${elements.join(`,${newline}`)}${newline}${keyIndent}]`;
}
