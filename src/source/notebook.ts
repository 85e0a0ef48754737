import type { Edit } from '../diagnostics/finding.js';
import { isPythonCell, type NeutralisedCell, neutraliseMagics } from './ipython-magics.js';
import { alignEqualLines } from './line-alignment.js';
import { detectIndentUnit, findCellSourceSpans, renderSourceValue } from './notebook-json.js';
import type { NotebookCell, NotebookLayout } from './source-file.js';

/**
 * A Jupyter notebook seen as one Python text: its Python code cells one after another,
 * each ending with a newline, IPython syntax replaced by inert placeholders (see
 * `ipython-magics.ts`). Markdown and raw cells, and code cells that start with a
 * non-Python cell magic (`%%bash`), are left out but still counted: cells are numbered
 * 1-based among all cells, as Jupyter shows them and ruff reports them.
 */
export interface NotebookText {
  text: string;
  notebook: NotebookLayout;
}

/** A code cell as read from the notebook. */
interface CodeCell {
  /** 0-based index among all cells. */
  index: number;
  /** The source exactly as stored (joined if it was a list of lines). */
  raw: string;
  /** Stored as nbformat's list of lines rather than one string. */
  asArray: boolean;
  neutralised: NeutralisedCell;
  /** What the cell contributes to the notebook's text. */
  text: string;
  /** A newline was appended to `raw` to end the cell's last line. */
  addedNewline: boolean;
}

export function readNotebook(json: string, _path?: string): NotebookText | { error: string } {
  const parsed = parseCodeCells(json);
  if ('error' in parsed) return parsed;
  const cells: NotebookCell[] = [];
  let text = '';
  let firstLine = 0;
  for (const cell of parsed.cells) {
    const lineCount = countNewlines(cell.text);
    cells.push({ cell: cell.index + 1, firstLine, lineCount });
    text += cell.text;
    firstLine += lineCount;
  }
  return { text, notebook: { cells } };
}

/**
 * Where a line of the notebook's text is in the notebook. Takes a 1-based line of the
 * text and returns the 1-based cell number (among all cells) and the 1-based line
 * within that cell. Lines past the end map into the last cell.
 */
export function mapNotebookPosition(layout: NotebookLayout, line: number): { cell: number; line: number } {
  const cell = cellAtLine(layout, line - 1);
  return { cell: cell.cell, line: line - cell.firstLine };
}

/**
 * The layout of the text after `edits` (UTF-16 ranges of `text`, as fixes express them):
 * each edit's added or removed lines go to the cell it starts in. An insertion exactly at
 * the boundary between two cells goes to the later cell; to append to the earlier one,
 * insert before its final newline. An edit may not span cells.
 */
export function adjustNotebookLayout(layout: NotebookLayout, text: string, edits: readonly Edit[]): NotebookLayout {
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
  const lineOf = (offset: number): number => upperBound(lineStarts, offset) - 1;

  const delta = new Map<number, number>();
  for (const edit of edits) {
    const cell = cellAtLine(layout, lineOf(edit.start));
    if (edit.end > edit.start && cellAtLine(layout, lineOf(edit.end - 1)) !== cell) {
      throw new Error(`an edit spans notebook cells ${cell.cell} and ${cellAtLine(layout, lineOf(edit.end - 1)).cell}`);
    }
    const change = countNewlines(edit.text) - countNewlines(text.slice(edit.start, edit.end));
    delta.set(cell.cell, (delta.get(cell.cell) ?? 0) + change);
  }

  let firstLine = 0;
  const cells = layout.cells.map((cell) => {
    const lineCount = cell.lineCount + (delta.get(cell.cell) ?? 0);
    const moved = { cell: cell.cell, firstLine, lineCount };
    firstLine += lineCount;
    return moved;
  });
  return { cells };
}

/**
 * The notebook JSON with each cell's source replaced by its part of `newText`, where
 * `layout` describes `newText` (the layout `readNotebook` returned if line counts did
 * not change, else `adjustNotebookLayout`'s). Placeholders left unchanged become their
 * IPython lines again; cells whose text did not change, and everything outside cell
 * sources (outputs, metadata, key order, indentation, final newline), keep their bytes.
 */
export function writeNotebookSource(originalJson: string, layout: NotebookLayout, newText: string): string {
  const parsed = parseCodeCells(originalJson);
  if ('error' in parsed) throw new Error(parsed.error);
  const byNumber = new Map(parsed.cells.map((cell) => [cell.index + 1, cell]));
  const lines = newText.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const described = layout.cells.reduce((total, cell) => total + cell.lineCount, 0);
  if (described !== lines.length) {
    throw new Error(`the notebook layout describes ${described} lines but the text has ${lines.length}`);
  }

  const spans = findCellSourceSpans(originalJson);
  const indentUnit = detectIndentUnit(originalJson);
  const replacements: Array<{ start: number; end: number; value: string }> = [];
  for (const cellLayout of layout.cells) {
    const cell = byNumber.get(cellLayout.cell);
    if (!cell) throw new Error(`cell ${cellLayout.cell} is not a Python code cell of this notebook`);
    const cellText = lines.slice(cellLayout.firstLine, cellLayout.firstLine + cellLayout.lineCount).join('');
    if (cellText === cell.text) continue;
    const restored = restoreMagics(cell, cellText);
    const source = cell.addedNewline && restored.endsWith('\n') ? restored.slice(0, -1) : restored;
    if (source === cell.raw) continue;
    const span = spans[cell.index];
    if (!span) throw new Error(`cell ${cellLayout.cell} has no "source" to replace`);
    replacements.push({ ...span, value: renderSourceValue(originalJson, span, source, cell.asArray, indentUnit) });
  }

  let json = originalJson;
  for (const { start, end, value } of replacements.sort((a, b) => b.start - a.start)) {
    json = json.slice(0, start) + value + json.slice(end);
  }
  return json;
}

/** Puts back the IPython lines whose placeholders survived the edit unchanged. */
function restoreMagics(cell: CodeCell, cellText: string): string {
  if (cell.neutralised.magicLines.size === 0) return cellText;
  const before = cell.text.split('\n');
  const after = cellText.split('\n');
  for (const [from, to] of alignEqualLines(before, after)) {
    const original = cell.neutralised.magicLines.get(from);
    if (original !== undefined) after[to] = original + (after[to]!.endsWith('\r') ? '\r' : '');
  }
  return after.join('\n');
}

function parseCodeCells(json: string): { cells: CodeCell[] } | { error: string } {
  let notebook: unknown;
  try {
    notebook = JSON.parse(json);
  } catch (error) {
    return { error: `invalid notebook: ${(error as Error).message}` };
  }
  if (!isRecord(notebook)) return { error: 'invalid notebook: the top level is not a JSON object' };
  if (!Array.isArray(notebook.cells)) {
    return typeof notebook.nbformat === 'number' && notebook.nbformat < 4
      ? { error: `unsupported notebook format ${notebook.nbformat} (concur reads nbformat 4)` }
      : { error: 'invalid notebook: no "cells" list' };
  }
  const language = notebookLanguage(notebook);
  if (language !== undefined && language.toLowerCase() !== 'python') {
    return { error: `not a Python notebook (language: ${language})` };
  }

  const cells: CodeCell[] = [];
  for (const [index, cell] of (notebook.cells as unknown[]).entries()) {
    if (!isRecord(cell) || cell.cell_type !== 'code') continue;
    const asArray = Array.isArray(cell.source);
    const raw = asArray ? (cell.source as unknown[]).join('') : typeof cell.source === 'string' ? cell.source : '';
    if (!isPythonCell(raw)) continue;
    const neutralised = neutraliseMagics(raw);
    const addedNewline = !raw.endsWith('\n');
    cells.push({ index, raw, asArray, neutralised, text: neutralised.text + (addedNewline ? '\n' : ''), addedNewline });
  }
  return { cells };
}

function notebookLanguage(notebook: Record<string, unknown>): string | undefined {
  const metadata = isRecord(notebook.metadata) ? notebook.metadata : {};
  const languageInfo = isRecord(metadata.language_info) ? metadata.language_info : {};
  const kernelspec = isRecord(metadata.kernelspec) ? metadata.kernelspec : {};
  const name = languageInfo.name ?? kernelspec.language;
  return typeof name === 'string' ? name : undefined;
}

/** The cell whose lines include the 0-based `line`; the last cell for lines past the end. */
function cellAtLine(layout: NotebookLayout, line: number): NotebookCell {
  if (layout.cells.length === 0) throw new RangeError('the notebook has no code cells');
  const firstLines = layout.cells.map((cell) => cell.firstLine);
  return layout.cells[Math.max(0, upperBound(firstLines, line) - 1)]!;
}

/** Index of the first element greater than `value` in a sorted array. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
