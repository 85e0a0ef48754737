/** Maps positions in a notebook's concatenated source to code cells, as ruff reports them. */
import type { Finding } from '../diagnostics/finding.js';
import type { NotebookLayout } from '../source/source-file.js';

function cellOf(layout: NotebookLayout, line: number) {
  const line0 = line - 1;
  return layout.cells.find((c) => line0 >= c.firstLine && line0 < c.firstLine + c.lineCount) ?? layout.cells[layout.cells.length - 1];
}

/** Rewrites a finding's lines (and its snippet's) to be relative to the cell it falls in. */
export function mapToCells(finding: Finding, layout: NotebookLayout): void {
  const cell = cellOf(layout, finding.line);
  if (!cell) return;
  const offset = cell.firstLine;
  finding.cell = cell.cell;
  finding.line -= offset;
  finding.endLine = Math.max(finding.line, finding.endLine - offset);
  for (const edit of finding.fix?.edits ?? []) {
    if (edit.range) edit.range = { ...edit.range, line: edit.range.line - offset, endLine: edit.range.endLine - offset };
  }
  if (finding.snippet) {
    const start = Math.max(finding.snippet.firstLine, offset + 1);
    const end = Math.min(finding.snippet.firstLine + finding.snippet.lines.length - 1, offset + cell.lineCount);
    finding.snippet = {
      firstLine: start - offset,
      lines: finding.snippet.lines.slice(start - finding.snippet.firstLine, end - finding.snippet.firstLine + 1),
    };
  }
}
