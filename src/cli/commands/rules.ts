/** `concur rules` lists every rule; `concur explain RULE` prints one rule's documentation. */
import { rulePage } from '../../docs/rule-page.js';
import { ALL_RULES, findRule } from '../../rules/registry.js';
import { UsageError } from '../usage-error.js';

export function rulesCommand(flags: { format: string }): number {
  if (flags.format === 'json') {
    const rules = ALL_RULES.map(({ meta }) => ({
      code: meta.code,
      name: meta.name,
      category: meta.category,
      fix: meta.fix,
      summary: meta.summary,
    }));
    process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
    return 0;
  }
  if (flags.format !== 'text') throw new UsageError(`unknown --format "${flags.format}": use text or json`);
  const width = Math.max(...ALL_RULES.map((r) => r.meta.name.length));
  for (const { meta } of ALL_RULES) {
    const fix = meta.fix === 'none' ? '   ' : meta.fix === 'safe' ? '[*]' : '[ ]';
    process.stdout.write(`${meta.code} ${fix} ${meta.name.padEnd(width)}  ${meta.summary}\n`);
  }
  process.stdout.write('\n[*] safe fix available, [ ] fix available in some cases or unsafe. `concur explain CODE` for details.\n');
  return 0;
}

export function explainCommand(codeOrName: string): number {
  const rule = findRule(codeOrName);
  if (!rule) throw new UsageError(`unknown rule "${codeOrName}": see \`concur rules\``);
  process.stdout.write(rulePage(rule.meta));
  return 0;
}
