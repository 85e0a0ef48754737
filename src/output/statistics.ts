import type { Finding } from '../diagnostics/finding.js';
import { terminalColors } from './colors.js';
import type { Report } from './report.js';

interface RuleCount {
  rule: string;
  name: string;
  count: number;
  safelyFixable: boolean;
}

/**
 * `--statistics`: one row per rule, most frequent first, as ruff prints it:
 * count, code, `[*]` when some of them have a safe fix, and the rule name.
 */
export function renderStatistics(report: Report, options: { color?: boolean } = {}): string {
  const colors = terminalColors(options.color ?? false);
  const rows = countByRule(report.findings);
  const countWidth = Math.max(0, ...rows.map((row) => String(row.count).length));
  const ruleWidth = Math.max(0, ...rows.map((row) => row.rule.length));
  return rows
    .map((row) => {
      const marker = row.safelyFixable ? colors.cyan('[*]') : '[ ]';
      return `${String(row.count).padStart(countWidth)}\t${colors.bold(colors.red(row.rule.padEnd(ruleWidth)))}\t${marker} ${row.name}\n`;
    })
    .join('');
}

function countByRule(findings: readonly Finding[]): RuleCount[] {
  const rows = new Map<string, RuleCount>();
  for (const finding of findings) {
    const row = rows.get(finding.rule) ?? { rule: finding.rule, name: finding.name, count: 0, safelyFixable: false };
    row.count++;
    row.safelyFixable ||= finding.fix?.applicability === 'safe';
    rows.set(finding.rule, row);
  }
  return [...rows.values()].sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}
