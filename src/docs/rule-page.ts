/** The documentation page of a rule, as Markdown, made from the rule's own metadata. */
import type { RuleMeta } from '../rules/rule-meta.js';

const FIX_WORDS: Record<RuleMeta['fix'], string> = {
  none: 'No automatic fix.',
  safe: 'Fix is always available and safe.',
  unsafe: 'Fix is unsafe where offered (applied with `--unsafe-fixes`).',
  sometimes: 'Fix is sometimes available; safe or unsafe as described below.',
};

export function rulePage(rule: RuleMeta): string {
  return [
    `# ${rule.name} (${rule.code})`,
    '',
    `Category: \`${rule.category}\`. ${FIX_WORDS[rule.fix]}`,
    '',
    '## What it finds',
    '',
    rule.docs.what,
    '',
    '## Why it matters',
    '',
    rule.docs.why,
    '',
    '## Example',
    '',
    '```python',
    rule.docs.example,
    '```',
    '',
    'Use instead:',
    '',
    '```python',
    rule.docs.fixed,
    '```',
    '',
    '## Fix safety',
    '',
    rule.docs.fixSafety,
    '',
    '## Suppressing it',
    '',
    `Add \`# concur: ignore[${rule.code}]\` (or \`# noqa: ${rule.code}\`) at the end of the line the finding starts on, ` +
      `or list \`${rule.code}\` under \`ignore\` in \`[tool.concur]\`.`,
    '',
  ].join('\n');
}

export function rulesIndex(rules: readonly RuleMeta[]): string {
  const rows = rules.map((r) => `| [${r.code}](${r.code}.md) | ${r.name} | ${r.category} | ${r.fix} | ${r.summary} |`);
  return ['# Rules', '', '| code | name | category | fix | what it finds |', '| --- | --- | --- | --- | --- |', ...rows, ''].join('\n');
}
