/**
 * IPython syntax in notebook cells (`%magic`, `%%cell_magic`, `!shell`, `?help`,
 * `obj?`, `files = !ls`) is not Python. Each such line is replaced by an inert Python
 * line of the same length, so that the rest of the cell parses and every other line
 * keeps its offsets; the original lines are kept to be put back when writing.
 *
 * The placeholder is a comment (`#` and spaces) at the start of a line. An indented
 * magic may be the only statement of a block, where a comment-only body is a syntax
 * error, so there it is `pass` (or `...`, or `0` when the line is shorter) padded with
 * spaces: a statement that does nothing and opens no scope.
 */

/** Cell magics whose body is Python, so the cell is analysed (the others hold bash, HTML, SQL...). */
const PYTHON_CELL_MAGICS = new Set(['capture', 'debug', 'prun', 'pypy', 'python', 'python3', 'time', 'timeit']);

export interface NeutralisedCell {
  /** The cell's source with every IPython line replaced by its placeholder. */
  text: string;
  /** 0-based line in the cell -> the original line (without its line break). */
  magicLines: Map<number, string>;
}

/** Whether a code cell holds Python: it does unless it starts with a non-Python cell magic (`%%bash`). */
export function isPythonCell(source: string): boolean {
  const cellMagic = /^[ \t]*%%([\w.-]+)/.exec(source);
  return cellMagic === null || PYTHON_CELL_MAGICS.has(cellMagic[1]!);
}

const ESCAPE_START = /^[ \t]*(?:%|!|\?)/;
const HELP_SUFFIX = /^[ \t]*[A-Za-z_][\w.]*\*?\?{1,2}[ \t]*$/;
const MAGIC_ASSIGNMENT = /^[ \t]*[A-Za-z_][\w.]*[ \t]*=[ \t]*[%!]/;

export function neutraliseMagics(source: string): NeutralisedCell {
  const lines = source.split('\n');
  const magicLines = new Map<number, string>();
  const state: LexState = { brackets: 0, openString: undefined, continued: false };
  let magicContinues = false;
  lines.forEach((raw, index) => {
    const { content, ending } = splitLineEnding(raw);
    const atStatementStart = state.brackets === 0 && state.openString === undefined && !state.continued;
    if (magicContinues || (atStatementStart && isIPythonLine(content))) {
      magicLines.set(index, content);
      lines[index] = placeholderFor(content) + ending;
      // A magic continued with a trailing backslash takes the next line with it.
      magicContinues = content.endsWith('\\');
      return;
    }
    scanLine(content, state);
  });
  return { text: lines.join('\n'), magicLines };
}

function isIPythonLine(content: string): boolean {
  return ESCAPE_START.test(content) || HELP_SUFFIX.test(content) || MAGIC_ASSIGNMENT.test(content);
}

export function placeholderFor(content: string): string {
  const indent = /^[ \t]*/.exec(content)![0];
  const width = content.length - indent.length;
  if (indent === '') return '#'.padEnd(width, ' ');
  const statement = width >= 4 ? 'pass' : width === 3 ? '...' : '0';
  return indent + statement.padEnd(width, ' ');
}

function splitLineEnding(raw: string): { content: string; ending: string } {
  return raw.endsWith('\r') ? { content: raw.slice(0, -1), ending: '\r' } : { content: raw, ending: '' };
}

/** Just enough of Python's lexer to know whether the next line starts a statement. */
interface LexState {
  brackets: number;
  /** The quote that closes the string the line ends inside (only triple quotes span lines). */
  openString: string | undefined;
  /** The line ended with a backslash. */
  continued: boolean;
}

function scanLine(content: string, state: LexState): void {
  let index = 0;
  state.continued = false;
  while (index < content.length) {
    if (state.openString !== undefined) {
      const quote = state.openString;
      if (content[index] === '\\') index += 2;
      else if (content.startsWith(quote, index)) {
        state.openString = undefined;
        index += quote.length;
      } else index++;
      continue;
    }
    const character = content[index]!;
    if (character === '#') return;
    if (character === '"' || character === "'") {
      const triple = character.repeat(3);
      state.openString = content.startsWith(triple, index) ? triple : character;
      index += state.openString.length;
      continue;
    }
    if ('([{'.includes(character)) state.brackets++;
    else if (')]}'.includes(character)) state.brackets = Math.max(0, state.brackets - 1);
    index++;
  }
  // A single-quoted string cannot span lines unless escaped; the tokenizer would stop here.
  if (state.openString !== undefined && state.openString.length === 1) {
    if (content.endsWith('\\')) return;
    state.openString = undefined;
  }
  if (state.openString === undefined) state.continued = content.endsWith('\\');
}
