import type { Category } from '../diagnostics/finding.js';
import type { RuleDocs, RuleMeta } from '../rules/rule-meta.js';

export type SarifLevel = 'error' | 'warning';

/** Races and deadlocks corrupt results or hang; everything else is a warning. */
export function sarifLevel(category: Category): SarifLevel {
  return category === 'race' || category === 'deadlock' ? 'error' : 'warning';
}

export interface ReportingDescriptor {
  id: string;
  name?: string;
  shortDescription?: { text: string };
  fullDescription?: { text: string };
  help?: { text: string; markdown: string };
  defaultConfiguration?: { level: SarifLevel };
  properties?: Record<string, unknown>;
}

/** SARIF's description of one rule, built from the rule's own documentation. */
export function reportingDescriptor(rule: RuleMeta): ReportingDescriptor {
  return {
    id: rule.code,
    name: rule.name,
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.docs.what },
    help: { text: helpText(rule.docs), markdown: helpMarkdown(rule.docs) },
    defaultConfiguration: { level: sarifLevel(rule.category) },
    properties: { category: rule.category, fix: rule.fix, tags: ['concurrency', rule.category] },
  };
}

function helpText(docs: RuleDocs): string {
  return [
    docs.what,
    `Why it matters: ${docs.why}`,
    `Example:\n${docs.example}`,
    `Use instead:\n${docs.fixed}`,
    `Fix safety: ${docs.fixSafety}`,
  ].join('\n\n');
}

function helpMarkdown(docs: RuleDocs): string {
  return [
    '## What it does',
    docs.what,
    '## Why is this bad?',
    docs.why,
    '## Example',
    pythonBlock(docs.example),
    'Use instead:',
    pythonBlock(docs.fixed),
    '## Fix safety',
    docs.fixSafety,
  ].join('\n\n');
}

/** A fenced block whose fence is longer than any backtick run inside the code. */
function pythonBlock(code: string): string {
  const longestRun = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}python\n${code.replace(/\n+$/, '')}\n${fence}`;
}
