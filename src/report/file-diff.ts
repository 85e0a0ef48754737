/** Unified diffs of changed files, as `concur fix --diff` prints them, and what each line is. */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { FileDiff } from './model.js';

export function fileDiff(path: string, before: string, after: string): FileDiff {
  // `--- path` and `+++ path`, no `Index:` line, no timestamps: the same text as `fix --diff`.
  const diff = createTwoFilesPatch(path, path, before, after, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
  const lines = diffLines(diff);
  return {
    path,
    diff,
    added: lines.filter((line) => line.kind === 'added').length,
    removed: lines.filter((line) => line.kind === 'removed').length,
  };
}

export type DiffLineKind = 'header' | 'hunk' | 'added' | 'removed' | 'context' | 'note';

/**
 * The lines of a unified diff with their kind. `---`/`+++` are file headers only before a
 * hunk: inside one, `--- x` is the removal of a line `-- x`.
 */
export function diffLines(diff: string): Array<{ kind: DiffLineKind; text: string }> {
  const text = diff.endsWith('\n') ? diff.slice(0, -1) : diff;
  let inHunk = false;
  return text.split('\n').map((line) => {
    if (line.startsWith('@@')) {
      inHunk = true;
      return { kind: 'hunk', text: line };
    }
    if (!inHunk) return { kind: 'header', text: line };
    if (line.startsWith('+')) return { kind: 'added', text: line };
    if (line.startsWith('-')) return { kind: 'removed', text: line };
    if (line.startsWith('\\')) return { kind: 'note', text: line };
    return { kind: 'context', text: line };
  });
}
