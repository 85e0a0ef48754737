/**
 * `--report FILE`: the format from the file's extension, checked before any work starts, and the
 * file written atomically (a reader never sees half a report; a failed write leaves the old one).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../cli/usage-error.js';
import { writeOrCreateFileAtomic } from '../fixes/write-atomic.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ReportData } from './model.js';

export type ReportFormat = 'html' | 'markdown';

const FORMATS: Record<string, ReportFormat> = { '.html': 'html', '.htm': 'html', '.md': 'markdown' };

/** The report's format, or a usage error naming the choices; also checks the directory exists. */
export function reportFormat(file: string): ReportFormat {
  const format = FORMATS[path.extname(file).toLowerCase()];
  if (!format) throw new UsageError(`--report ${file}: unknown report format; name the file .html or .htm (a self-contained page with charts) or .md (Markdown for a pull request)`);
  const directory = path.dirname(path.resolve(file));
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) throw new UsageError(`--report ${file}: the directory ${path.dirname(file)} does not exist`);
  return format;
}

export function renderReport(data: ReportData, format: ReportFormat): string {
  return format === 'html' ? renderHtml(data) : renderMarkdown(data);
}

/** Renders `data` in the format `file`'s extension names and writes it atomically. */
export function writeReport(file: string, data: ReportData): void {
  writeOrCreateFileAtomic(file, Buffer.from(renderReport(data, reportFormat(file)), 'utf8'));
}
