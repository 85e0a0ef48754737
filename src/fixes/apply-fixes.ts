/**
 * Applies fixes to a source text. Fixes are taken in source order; one whose edits overlap an
 * edit already taken is left for a later run (its finding stays reported). Identical edits from
 * several fixes (the same `import asyncio` added twice) are applied once.
 */
import type { Edit, Fix } from '../diagnostics/finding.js';

export interface FixResult {
  text: string;
  applied: Fix[];
  skipped: Fix[];
  /** The edits made, each once, in source order. */
  edits: Edit[];
}

export function applyFixes(text: string, fixes: readonly Fix[]): FixResult {
  const ordered = [...fixes].sort((a, b) => firstStart(a) - firstStart(b));
  const taken: Edit[] = [];
  const applied: Fix[] = [];
  const skipped: Fix[] = [];
  for (const fix of ordered) {
    const fresh = fix.edits.filter((edit) => !taken.some((t) => sameEdit(t, edit)));
    if (fresh.some((edit) => taken.some((t) => overlaps(t, edit)))) {
      skipped.push(fix);
      continue;
    }
    taken.push(...fresh);
    applied.push(fix);
  }
  // Apply from the end so earlier offsets stay valid; inserts at one point keep their order.
  const sorted = taken.map((edit, index) => ({ edit, index })).sort((a, b) => b.edit.start - a.edit.start || b.index - a.index);
  let result = text;
  for (const { edit } of sorted) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return { text: result, applied, skipped, edits: [...taken].sort((a, b) => a.start - b.start) };
}

function firstStart(fix: Fix): number {
  return Math.min(...fix.edits.map((e) => e.start));
}

function sameEdit(a: Edit, b: Edit): boolean {
  return a.start === b.start && a.end === b.end && a.text === b.text;
}

/** Two edits conflict if their ranges intersect, or both insert at the same point. */
function overlaps(a: Edit, b: Edit): boolean {
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end;
}
