import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulePage, rulesIndex } from '../../src/docs/rule-page.js';
import { ALL_RULES } from '../../src/rules/registry.js';
import { findingsFor } from '../helpers/rule-tester.js';

const docsDirectory = join(import.meta.dirname, '..', '..', 'docs', 'rules');

describe('rule documentation', () => {
  it('docs/rules is generated from the rule modules (run `npm run docs` after changing a rule)', () => {
    for (const rule of ALL_RULES) {
      expect(readFileSync(join(docsDirectory, `${rule.meta.code}.md`), 'utf8')).toBe(rulePage(rule.meta));
    }
    expect(readFileSync(join(docsDirectory, 'README.md'), 'utf8')).toBe(rulesIndex(ALL_RULES.map((r) => r.meta)));
  });

  it('codes and names are unique and well-formed', () => {
    const codes = ALL_RULES.map((r) => r.meta.code);
    const names = ALL_RULES.map((r) => r.meta.name);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of ALL_RULES) {
      expect(rule.meta.code).toMatch(/^[A-Z]{2}\d{3}$/);
      expect(rule.meta.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });

  for (const rule of ALL_RULES) {
    describe(`${rule.meta.code} documented example`, () => {
      it('both snippets are valid Python', () => {
        for (const code of [rule.meta.docs.example, rule.meta.docs.fixed]) {
          const result = spawnSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "<doc>", "exec")'], { input: code, encoding: 'utf8' });
          expect(result.stderr).toBe('');
          expect(result.status).toBe(0);
        }
      });

      it('the example is flagged and the fixed version is not', async () => {
        const flagged = await findingsFor(rule, { code: `${rule.meta.docs.example}\n` });
        expect(flagged.findings.length).toBeGreaterThan(0);
        const clean = await findingsFor(rule, { code: `${rule.meta.docs.fixed}\n` });
        expect(clean.findings).toEqual([]);
      });
    });
  }
});
