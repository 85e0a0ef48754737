/**
 * The HTML report as text (the browser test renders it): self-contained, everything from the
 * user's code escaped, the content the issue asks for present without JavaScript, the scripts
 * allowed by the Content-Security-Policy exactly the page's own.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkReportData, fixReportData, verifyReportData } from '../../src/report/gather.js';
import { renderHtml } from '../../src/report/html.js';
import { checkReport, CONTEXT, HOSTILE, hostileReport, verifyReport, VERIFY_CONTEXT } from './fixtures.js';

/** The page without its <script> elements: what shows with JavaScript off. */
function withoutScripts(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');
}

/** The body's markup, without the scripts. */
function bodyMarkup(html: string): string {
  return withoutScripts(html).replace(/^[\s\S]*<body>/, '');
}

/** Visible text, roughly: table cells separated by ` | `, blocks by lines, entities decoded. */
function text(html: string): string {
  return bodyMarkup(html)
    .replace(/<\/t[dh]>\s*/g, ' | ')
    .replace(/<\/(?:p|h\d|li|tr|div|dt|dd|figcaption|summary|pre)>/g, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n');
}

describe('HTML report', () => {
  it('escapes a finding message, a file name, a source line and a related message', () => {
    const html = renderHtml(checkReportData(hostileReport(), CONTEXT));
    const markup = withoutScripts(html);
    expect(markup).not.toContain('<script>window.__pwned');
    expect(markup).not.toContain('<img src=x');
    expect(markup).not.toContain('<svg onload');
    expect(markup).not.toContain('<b>bold</b>');
    expect(markup).not.toContain('<!-- <script>');
    expect(markup).toContain('app/&lt;img src=x onerror=&quot;window.__pwned = 3&quot;&gt;.py');
    // The user's text reads as it was written.
    const visible = text(html);
    for (const hostile of [HOSTILE.path, HOSTILE.snippet, 'then </script><script>window.__pwned = 2</script> & <b>bold</b>', '<svg onload="window.__pwned = 5"> | pipes |']) {
      expect(visible).toContain(hostile);
    }
    // A check report has no charts, so no script at all, and the policy allows none.
    expect(html).not.toContain('<script');
    expect(html).toContain("script-src 'none'");
    expect(html).toContain('<html lang="en" data-charts="0">');
  });

  it('is self-contained: no external scripts, styles, fonts or images; the policy allows only its own scripts', () => {
    const html = renderHtml(verifyReportData(verifyReport(), VERIFY_CONTEXT));
    const markup = withoutScripts(html);
    expect(markup).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:|\/\/)/i);
    expect(markup).not.toMatch(/<link\b|@import|url\(/i);
    // The chart data, Chart.js and the page's own script; nothing else runs.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1])).toEqual([' type="application/json" id="concur-chart-data"', '', '']);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1]!;
    const hashes = scripts.slice(1).map((m) => `'sha256-${createHash('sha256').update(m[2]!, 'utf8').digest('base64')}'`);
    expect(policy).toBe(`default-src 'none'; script-src ${hashes.join(' ')}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`);
    expect(scripts[1]![2]).toContain('Chart.js v4.');
  });

  it('has the figures, the scaling table and fit, the plan, the loops and the diff, readable without JavaScript', () => {
    const html = renderHtml(verifyReportData(verifyReport(), VERIFY_CONTEXT));
    const visible = text(html);
    for (const expected of [
      'concur verify outputs equal, 3.86x faster (95% interval 3.64–4.05x)\n',
      '\nconcur verify --sweep --report verify.md main.py -- python3 main.py\n',
      '\n| original | rewrite |\n',
      '\nwall time, median | 0.810 s | 0.210 s |\n',
      '\nmin–max | 0.800–0.840 s | 0.200–0.220 s |\n',
      '\nCPU utilisation | 0.15 cores | 0.60 cores |\n',
      '\npeak memory (RSS) | 13.8 MB | 15.1 MB |\n',
      '\nexit status | 0 | 0 |\n',
      'Speedup 3.86x: the original\'s median over the rewrite\'s. 95% bootstrap interval 3.64x–4.05x',
      '\nworkers | median s | speedup | efficiency | CPU (cores) | peak RSS |\n1 | 0.800 | 1.01x | 1.01 | 0.15 | 14.0 MB |\n',
      '\n4 | 0.230 | 3.52x | 0.88 | 0.30 | 14.2 MB |\n',
      'serial fraction 0.050, T1 0.800 s, R² 0.99; at most 20.0x with unlimited workers',
      '\nmain.py:11 PA101 threads\n',
      '\nworkers\n16 by default; set WORK_WORKERS in the environment to change it\n',
      '\nRationale: each iteration waits on sleep, during which the GIL is released\n',
      '\nmain.py:11 | parallel | each iteration waits on sleep (work) |\n',
      '\nno --output-dir: files the program writes are not compared\n',
    ]) {
      expect(visible).toContain(expected);
    }
    // The diff, line by line, coloured by kind.
    expect(html).toContain('<span class="removed">-for item in range(16):</span>');
    expect(html).toContain('<span class="added">+with pool:</span>');
    expect(html).toContain('<span class="header">--- main.py</span>');
    // A canvas per chart, each with its description; a note for readers without JavaScript.
    expect([...html.matchAll(/<canvas data-chart="(\w+)"/g)].map((m) => m[1])).toEqual(['time', 'cpu', 'memory', 'scaling']);
    expect(html).toContain('<noscript><p class="meta">The charts need JavaScript; the tables hold the same figures.</p></noscript>');
    // Light and dark, and print.
    expect(html).toContain('@media (prefers-color-scheme: dark)');
    expect(html).toContain('@media print');
  });

  it('shows both sides of a conflict, fix availability and the rejected loop with its reason', () => {
    const visible = text(renderHtml(checkReportData(checkReport(), CONTEXT)));
    expect(visible).toContain('\npkg/worker.py:8:9 RC101 unsynchronised-shared-write race no fix\n`counter += 1` runs in several threads without a lock\n'.replace(/`/g, ''));
    expect(visible).toContain('\npkg/worker.py:20:9: the other write, from the thread started at line 30\n');
    expect(visible).toContain('\napp/main.py:12:12 AS101 blocking-call-in-async async-blocking safe fix\n');
    expect(visible).toContain('\nFix: Replace with await asyncio.to_thread(requests.get, url)\n');
    expect(visible).toContain('\napp/fetch.py:30:5 PA101 parallelizable-loop opportunity unsafe fix\n');
    expect(visible).toContain('\napp/hash.py:12 | rejected | loop-carried dependence on digest: read at line 13 before it is assigned at line 13 |\n');
    expect(visible).toContain('1 loop can run concurrently; 1 rejected, each with its reason.');
    expect(visible).toContain('concur check 3 findings in 3 files (4 files analysed); 1 loop can run concurrently\n');
    // The summary: files, findings per category and per rule, loop verdicts.
    expect(visible).toContain('\n4files analysed\n');
    expect(visible).toContain('\ncategory | findings |\nopportunity | 1 |\nrace | 1 |\nasync-blocking | 1 |\n');
    expect(visible).toContain('\nrule | name | findings | safe fixes | unsafe fixes |\nAS101 | blocking-call-in-async | 1 | 1 | 0 |\nPA101 | parallelizable-loop | 1 | 0 | 1 |\n');
    expect(visible).toContain('\n1parallel loops\n');
    expect(visible).toContain('\n1rejected loops\n');
  });

  it('says what a fix wrote and what --diff only proposes', () => {
    const report = checkReport();
    const files = [{ path: 'app/main.py', before: 'a\n', after: 'b\n' }];
    const written = text(renderHtml(fixReportData({ before: report, after: { ...report, findings: [] }, applied: report.findings, files, written: true }, CONTEXT)));
    expect(written).toContain('3 fixes applied in 1 file; 0 findings left');
    expect(written).toContain('\nWritten: 1 file, +1 −1 lines.\n');
    expect(written).toContain('\nrule | name | findings | fixed | safe fixes | unsafe fixes |\nAS101 | blocking-call-in-async | 1 | 1 | 0 | 0 |\n');
    expect(written).toContain('\napp/main.py:12:12 AS101 blocking-call-in-async async-blocking fixed\n');
    const proposed = text(renderHtml(fixReportData({ before: report, after: report, applied: [], files, written: false }, CONTEXT)));
    expect(proposed).toContain('1 file would change (diff only, nothing written); 3 findings');
    expect(proposed).toContain('\nProposed, not written (--diff): 1 file, +1 −1 lines.\n');
  });

  it('renders a run without figures (the original failed) and a skipped sweep without charts to draw', () => {
    const failed = renderHtml(
      verifyReportData(
        verifyReport({ status: 'original-failed', equal: false, failure: 'the original did not finish within 0.3 s (--timeout)', baseline: undefined, candidateFigures: undefined, speedup: undefined, scaling: [], sweep: undefined, amdahl: undefined, records: [] }),
        VERIFY_CONTEXT,
      ),
    );
    expect(failed).toContain('<html lang="en" data-charts="0">');
    expect(failed).not.toContain('<script');
    expect(text(failed)).toContain('concur verify the original did not finish within 0.3 s (--timeout)\n');
    expect(text(failed)).toContain('\noriginal failed');

    const skipped = renderHtml(verifyReportData(verifyReport({ scaling: [], amdahl: undefined, sweep: { variables: [], workers: [1, 2], runsPerPoint: 1, cpus: 2, skipped: 'the outputs already differ' } }), VERIFY_CONTEXT));
    expect(text(skipped)).toContain('\nScaling\nThe scaling sweep was skipped: the outputs already differ.\n');
    expect([...skipped.matchAll(/<canvas data-chart="(\w+)"/g)].map((m) => m[1])).toEqual(['time', 'cpu', 'memory']);
  });
});
