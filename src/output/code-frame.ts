import type { Finding, Snippet } from '../diagnostics/finding.js';
import type { Colors } from './colors.js';
import { codePointWidth, printable } from './terminal-text.js';

/** Digits needed for the widest line number a finding's frame shows; also indents its help lines. */
export function gutterWidth(finding: Finding): number {
  const lastLine = finding.snippet ? finding.snippet.firstLine + finding.snippet.lines.length - 1 : 0;
  return String(Math.max(finding.line, lastLine)).length;
}

/**
 * The source lines of the snippet with a gutter of line numbers and carets under the finding,
 * ruff style. A multi-line finding is underlined from its column to the end of its first line.
 */
export function renderCodeFrame(finding: Finding, snippet: Snippet, width: number, colors: Colors): string[] {
  const emptyGutter = colors.bold(colors.blue(`${' '.repeat(width)} |`));
  const frame = [emptyGutter];
  snippet.lines.forEach((rawLine, index) => {
    const lineNumber = snippet.firstLine + index;
    const text = printable(rawLine.replace(/\r?\n$|\r$/, ''));
    const gutter = colors.bold(colors.blue(`${String(lineNumber).padStart(width)} |`));
    frame.push(text === '' ? gutter : `${gutter} ${text}`);
    if (lineNumber === finding.line) {
      frame.push(`${emptyGutter} ${caretIndent(text, finding.column)}${colors.bold(colors.red(`${carets(text, finding)} ${finding.rule}`))}`);
    }
  });
  frame.push(emptyGutter);
  return frame;
}

/**
 * Blank space as wide on screen as the text before `column`: tabs are kept as tabs so that they
 * expand to the same tab stops as in the line above, and wide characters count two cells.
 */
function caretIndent(text: string, column: number): string {
  const codePoints = Array.from(text);
  let indent = '';
  for (let index = 0; index < column - 1; index++) {
    const codePoint = codePoints[index];
    if (codePoint === undefined) indent += ' ';
    else indent += codePoint === '\t' ? '\t' : ' '.repeat(codePointWidth(codePoint));
  }
  return indent;
}

function carets(text: string, finding: Finding): string {
  const codePoints = Array.from(text);
  const end = finding.endLine === finding.line ? finding.endColumn - 1 : codePoints.length;
  let width = 0;
  for (let index = finding.column - 1; index < Math.min(end, codePoints.length); index++) {
    const codePoint = codePoints[index]!;
    width += codePoint === '\t' ? 1 : codePointWidth(codePoint);
  }
  return '^'.repeat(Math.max(1, width));
}
