/**
 * The Markdown report for pull requests, compared whole with files in __snapshots__/ (read them:
 * they are what a reviewer sees), plus the parts that must hold whatever the layout: escaping,
 * the ```diff block, folding of long parts.
 */
import { describe, expect, it } from 'vitest';
import type { LoopVerdict } from '../../src/diagnostics/finding.js';
import { checkReportData, fixReportData, verifyReportData } from '../../src/report/gather.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { checkReport, CONTEXT, HOSTILE, hostileReport, verifyReport, VERIFY_CONTEXT } from './fixtures.js';

describe('Markdown report', () => {
  it('check: summary, findings with related locations, plans, loops', async () => {
    await expect(renderMarkdown(checkReportData(checkReport(), CONTEXT))).toMatchFileSnapshot('__snapshots__/check.md');
  });

  it('verify: verdict, figures and scaling as tables, the plan, the diff', async () => {
    await expect(renderMarkdown(verifyReportData(verifyReport(), VERIFY_CONTEXT))).toMatchFileSnapshot('__snapshots__/verify.md');
  });

  it('verify with differences: each with its runs and excerpt', async () => {
    const report = verifyReport({
      status: 'different',
      equal: false,
      differences: [
        {
          kind: 'stdout',
          description: 'stdout differs (17 lines in the original, 16 lines in the rewrite)',
          excerpt: '--- original stdout\n+++ rewrite stdout\n@@ -1,2 +1,1 @@\n-0 0\n 1 1',
          runs: 1,
          of: 7,
          workers: [2],
        },
      ],
      nondeterminism: [{ side: 'original', variants: 2, description: 'the original gave 2 different outcomes over its own runs (stdout)' }],
    });
    await expect(renderMarkdown(verifyReportData(report, VERIFY_CONTEXT))).toMatchFileSnapshot('__snapshots__/verify-different.md');
  });

  it('fix --diff: the proposed diff in a ```diff block', () => {
    const report = checkReport();
    const files = [{ path: 'app/main.py', before: 'x = 1\ny = 2\n', after: 'x = 1\ny = 3\n' }];
    const markdown = renderMarkdown(fixReportData({ before: report, after: report, applied: [], files, written: false }, CONTEXT));
    expect(markdown).toContain(
      [
        '### Code changes',
        '',
        '<details open><summary>Diff: 1 file, +1 −1 (proposed, not written)</summary>',
        '',
        '```diff',
        '--- app/main.py',
        '+++ app/main.py',
        '@@ -1,2 +1,2 @@',
        ' x = 1',
        '-y = 2',
        '+y = 3',
        '```',
        '',
        '</details>',
      ].join('\n'),
    );
  });

  it('escapes the user\'s text: no HTML tag, no broken table', () => {
    const markdown = renderMarkdown(checkReportData(hostileReport(), CONTEXT));
    const outsideCode = markdown.replace(/(`+)[^`]*?\1/g, '');
    expect(outsideCode).not.toMatch(/<(?!\/?(?:details|summary|br)\b)[a-z/!]/i);
    // Every table row has as many cells as its header.
    for (const table of markdown.split('\n\n').filter((block) => block.startsWith('| '))) {
      const cells = table.trim().split('\n').map((row) => row.replace(/\\\|/g, '').split('|').length);
      expect(new Set(cells).size).toBe(1);
    }
    expect(markdown).toContain('&lt;svg onload="window.\\_\\_pwned = 5"> \\| pipes \\| `code \\| pipe`');
    expect(markdown).toContain(`\`${HOSTILE.path}:12:12\``);
  });

  it('folds long tables into <details> and leaves short ones open', () => {
    const loops: LoopVerdict[] = Array.from({ length: 20 }, (_, i) => ({ path: 'a.py', line: i + 1, verdict: 'rejected', reason: 'not worth it' }));
    const long = renderMarkdown(checkReportData({ ...checkReport(), loops }, CONTEXT));
    expect(long).toContain('### Loops considered\n\n<details><summary>20 loops: 0 parallel, 20 rejected</summary>\n\n| loop | verdict | reason |');
    const short = renderMarkdown(checkReportData(checkReport(), CONTEXT));
    expect(short).toContain('### Loops considered\n\n| loop | verdict | reason |');
  });

  it('lists at most 100 loops, saying how many more there are (a comment has a size limit)', () => {
    const loops: LoopVerdict[] = Array.from({ length: 130 }, (_, i) => ({ path: 'a.py', line: i + 1, verdict: 'rejected', reason: 'not worth it' }));
    const markdown = renderMarkdown(checkReportData({ ...checkReport(), loops }, CONTEXT));
    expect(markdown).toContain('<details><summary>130 loops: 0 parallel, 130 rejected</summary>');
    expect(markdown.match(/^\| `a\.py:\d+` \| rejected \|/gm)).toHaveLength(100);
    expect(markdown).toContain('| `a.py:100` | rejected | not worth it |\n\n… and 30 more loops: the HTML report (`--report FILE.html`) lists them all.\n\n</details>');
  });
});
