/** Source lines around a finding, for the text format's code frame. */
import type { Finding, Snippet } from '../diagnostics/finding.js';
import { LineIndex } from '../parser/line-index.js';
import { readSource } from '../source/read.js';

/** Lines `line - context` to a few lines past the finding, without trailing blank lines. */
export function snippetOf(lines: LineIndex, line: number, endLine: number, context: number): Snippet {
  const firstLine = Math.max(1, line - context);
  const last = Math.min(lines.lineCount, Math.min(endLine, line + 4) + context);
  const out: string[] = [];
  for (let l = firstLine; l <= last; l++) out.push(lines.lineText(l));
  while (out.length > 1 && out[out.length - 1].trim() === '' && firstLine + out.length - 1 > endLine) out.pop();
  return { firstLine, lines: out };
}

/**
 * Gives findings settled on the main thread their snippets, reading each file once. Deferred
 * findings carry none from the worker: most are dropped when the project is linked, and
 * capturing lines for all of them cost more memory than the whole project's summaries.
 */
export async function addSnippets(
  findings: Finding[],
  absolutePathOf: (path: string) => string | undefined,
  context: number,
): Promise<void> {
  const byPath = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.snippet || finding.cell !== undefined) continue;
    const list = byPath.get(finding.path) ?? [];
    list.push(finding);
    byPath.set(finding.path, list);
  }
  for (const [path, list] of byPath) {
    const absolutePath = absolutePathOf(path);
    if (!absolutePath) continue;
    const source = await readSource({ absolutePath, path, kind: 'python' });
    if ('message' in source) continue;
    const lines = new LineIndex(source.text);
    for (const finding of list) finding.snippet = snippetOf(lines, finding.line, finding.endLine, context);
  }
}
