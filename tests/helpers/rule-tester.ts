/**
 * A rule tester in the manner of typescript-eslint's: `valid` cases must produce no finding of
 * the rule, `invalid` cases exactly the listed findings (line, and text the message contains),
 * and, when `output` is given, applying the fixes must produce exactly that text.
 * Every case is a small project on disk analysed by the real pipeline, so cross-file cases
 * go through the same linking as real runs.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../src/config/settings.js';
import type { Finding } from '../../src/diagnostics/finding.js';
import { runCheck } from '../../src/engine/check.js';
import { applyFixes } from '../../src/fixes/apply-fixes.js';
import type { Rule } from '../../src/rules/rule.js';

/** One file (`code`) or several (`files`, path -> text; findings are expected in `main.py` unless `path` says). */
export interface Case {
  name?: string;
  code?: string;
  files?: Record<string, string>;
  settings?: Partial<Settings>;
}

export interface ExpectedFinding {
  line: number;
  message?: string | RegExp;
  path?: string;
  fix?: 'safe' | 'unsafe' | 'none';
}

export interface InvalidCase extends Case {
  errors: ExpectedFinding[];
  /** The main file after applying every fix (safe and unsafe). */
  output?: string;
}

export async function findingsFor(rule: Rule, testCase: Case): Promise<{ findings: Finding[]; files: Record<string, string> }> {
  const files = testCase.files ?? { 'main.py': testCase.code ?? '' };
  const root = mkdtempSync(join(tmpdir(), 'concur-rule-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const settings = { ...defaultSettings(), ...testCase.settings, select: [rule.meta.code] };
    const result = await runCheck({ paths: [root], cwd: root, settings, snippets: false, maxWorkers: 1 });
    if (result.report.errors.length) throw new Error(`analysis errors: ${JSON.stringify(result.report.errors)}`);
    return { findings: result.report.findings.filter((f) => f.rule === rule.meta.code), files };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function ruleTester(rule: Rule, cases: { valid: Case[]; invalid: InvalidCase[] }): void {
  describe(`${rule.meta.code} ${rule.meta.name}`, () => {
    describe('valid', () => {
      for (const [index, testCase] of cases.valid.entries()) {
        it(testCase.name ?? `valid #${index + 1}`, async () => {
          const { findings } = await findingsFor(rule, testCase);
          expect(findings.map((f) => `${f.path}:${f.line} ${f.message}`)).toEqual([]);
        });
      }
    });
    describe('invalid', () => {
      for (const [index, testCase] of cases.invalid.entries()) {
        it(testCase.name ?? `invalid #${index + 1}`, async () => {
          const { findings, files } = await findingsFor(rule, testCase);
          const sorted = [...findings].sort(
            (a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column || a.message.localeCompare(b.message),
          );
          expect(sorted.map((f) => `${f.path}:${f.line}`)).toEqual(
            testCase.errors.map((e) => `${e.path ?? 'main.py'}:${e.line}`),
          );
          testCase.errors.forEach((expected, i) => {
            const finding = sorted[i];
            if (typeof expected.message === 'string') expect(finding.message).toContain(expected.message);
            else if (expected.message) expect(finding.message).toMatch(expected.message);
            if (expected.fix) expect(finding.fix?.applicability ?? 'none').toBe(expected.fix);
          });
          if (testCase.output !== undefined) {
            const main = files['main.py'];
            const fixes = sorted.filter((f) => f.path === 'main.py' && f.fix).map((f) => f.fix!);
            expect(applyFixes(main, fixes).text).toBe(testCase.output);
          }
        });
      }
    });
  });
}
