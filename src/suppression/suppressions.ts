/**
 * Suppression comments: `# noqa`, `# noqa: AS101, AS102`, `# concur: ignore`,
 * `# concur: ignore[AS101]` on the line a finding starts, and `# concur: ignore-file` or
 * `# concur: ignore-file[AS101]` anywhere in the file.
 */
import type { Rule } from '../rules/rule.js';
import { selectorMatches } from '../rules/registry.js';

/** `all` suppresses every rule; otherwise the listed selectors (codes, prefixes or names). */
export type Suppressed = 'all' | string[];

export interface Suppressions {
  byLine: Map<number, Suppressed>;
  file?: Suppressed;
}

const NOQA = /#\s*noqa(?::\s*([A-Za-z0-9_-]+(?:[\s,]+[A-Za-z0-9_-]+)*))?/i;
const CONCUR = /#\s*concur:\s*(ignore-file|ignore)(?:\[([^\]]*)\])?/i;

export function parseSuppressionComment(comment: string): { scope: 'line' | 'file'; suppressed: Suppressed } | undefined {
  const concur = CONCUR.exec(comment);
  if (concur) {
    const scope = concur[1].toLowerCase() === 'ignore-file' ? 'file' : 'line';
    return { scope, suppressed: concur[2] === undefined ? 'all' : splitCodes(concur[2]) };
  }
  const noqa = NOQA.exec(comment);
  if (noqa) return { scope: 'line', suppressed: noqa[1] === undefined ? 'all' : splitCodes(noqa[1]) };
  return undefined;
}

function splitCodes(list: string): string[] {
  return list.split(/[\s,]+/).filter(Boolean);
}

export function collectSuppressions(comments: Array<{ line: number; text: string }>): Suppressions {
  const suppressions: Suppressions = { byLine: new Map() };
  for (const comment of comments) {
    const parsed = parseSuppressionComment(comment.text);
    if (!parsed) continue;
    if (parsed.scope === 'file') suppressions.file = merge(suppressions.file, parsed.suppressed);
    else suppressions.byLine.set(comment.line, merge(suppressions.byLine.get(comment.line), parsed.suppressed));
  }
  return suppressions;
}

function merge(a: Suppressed | undefined, b: Suppressed): Suppressed {
  if (a === 'all' || b === 'all') return 'all';
  return [...(a ?? []), ...b];
}

export function isSuppressed(suppressions: Suppressions, rule: Rule, line: number): boolean {
  return matches(suppressions.file, rule) || matches(suppressions.byLine.get(line), rule);
}

function matches(suppressed: Suppressed | undefined, rule: Rule): boolean {
  if (!suppressed) return false;
  return suppressed === 'all' || suppressed.some((s) => selectorMatches(s, rule));
}
