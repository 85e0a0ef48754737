import { describe, expect, it } from 'vitest';
import { renderErrorsText, renderLoopsText, renderStatistics, renderText } from '../../src/output/text.js';
import { blockingCallFinding, opportunityFinding, raceFinding, reportOf } from './fixtures.js';

const ANSI = /\x1b\[[0-9;]*m/g;

describe('renderText', () => {
  it('renders a finding ruff style, with code frame, help and note', () => {
    const text = renderText(reportOf([blockingCallFinding()]), { color: false });
    expect(text).toBe(
      [
        'app/main.py:12:12: AS101 [*] Blocking call `requests.get` in async function `main`: main -> load() -> requests.get',
        '   |',
        '10 | async def main():',
        '11 |     urls = [...]',
        '12 |     data = requests.get(url)',
        '   |            ^^^^^^^^^^^^^^^^^ AS101',
        '13 |     return data',
        '   |',
        '   = help: Replace with `await asyncio.to_thread(requests.get, url)`',
        '   = note: load() calls requests.get at app/util.py:3:12',
        '',
        'Found 1 finding in 1 file (1 fixable with `concur fix`).',
        '',
      ].join('\n'),
    );
  });

  it('aligns carets under non-ASCII text: wide characters, astral code points, combining marks, tabs', () => {
    // Code points before `time`: tab, `log("` (5), 世界 (2), 🎉 (1), space, `cafe` (4), U+0301 (1), `", ` (3): column 19.
    // Screen cells before it, after the tab: 5 + 4 + 2 + 1 + 4 + 0 + 3 = 19 spaces.
    const line = '\tlog("世界🎉 cafe\u0301", time.sleep(1))';
    const finding = raceFinding({
      rule: 'AS102',
      line: 2,
      column: 19,
      endLine: 2,
      endColumn: 32,
      message: 'Blocking call `time.sleep`',
      snippet: { firstLine: 1, lines: ['async def f():', line] },
    });
    const text = renderText(reportOf([finding]), { color: false });
    expect(text).toBe(
      [
        'pkg/worker.py:2:19: AS102 Blocking call `time.sleep`',
        '  |',
        '1 | async def f():',
        `2 | ${line}`,
        `  | \t${' '.repeat(19)}^^^^^^^^^^^^^ AS102`,
        '  |',
        '',
        'Found 1 finding in 1 file.',
        '',
      ].join('\n'),
    );
  });

  it('numbers notebook findings by cell, with cell-relative lines', () => {
    const finding = blockingCallFinding({
      path: 'nb.ipynb',
      cell: 3,
      line: 2,
      column: 5,
      endLine: 2,
      endColumn: 18,
      fix: undefined,
      related: undefined,
      snippet: { firstLine: 1, lines: ['import time', 'await time.sleep(1)'] },
      message: 'Blocking call `time.sleep` in async code',
    });
    expect(renderText(reportOf([finding]), { color: false })).toBe(
      [
        'nb.ipynb:cell 3:2:5: AS101 Blocking call `time.sleep` in async code',
        '  |',
        '1 | import time',
        '2 | await time.sleep(1)',
        '  |     ^^^^^^^^^^^^^ AS101',
        '  |',
        '',
        'Found 1 finding in 1 file.',
        '',
      ].join('\n'),
    );
  });

  it('marks unsafe fixes in the help line instead of with a star, and shows the plan', () => {
    const unsafe = opportunityFinding({
      fix: { applicability: 'unsafe', message: 'Run the loop body in a thread pool', edits: [] },
    });
    const text = renderText(reportOf([unsafe]), { color: false });
    expect(text).toBe(
      [
        'app/fetch.py:30:5: OP101 Loop over `urls` does independent network I/O in each iteration',
        '   = help: Run the loop body in a thread pool (unsafe)',
        '   = plan: threads with 16 workers for I/O-bound work: each iteration waits on the network',
        '',
        'Found 1 finding in 1 file (1 with an unsafe fix).',
        '',
      ].join('\n'),
    );
  });

  it('underlines a multi-line finding from its column to the end of the first line', () => {
    const finding = raceFinding({
      line: 1,
      column: 1,
      endLine: 3,
      endColumn: 1,
      snippet: { firstLine: 1, lines: ['for x in xs:', '    y(x)'] },
    });
    expect(renderText(reportOf([finding]), { color: false })).toContain('  | ^^^^^^^^^^^^ RC101\n');
  });

  it('uses colour only when asked, and the same text either way', () => {
    const report = reportOf([blockingCallFinding(), opportunityFinding(), raceFinding()]);
    const plain = renderText(report, { color: false, showFixes: true });
    const coloured = renderText(report, { color: true, showFixes: true });
    expect(plain).not.toContain('\x1b');
    expect(coloured).toMatch(ANSI);
    expect(coloured.replace(ANSI, '')).toBe(plain);
  });

  it('never lets control characters from the source reach the terminal', () => {
    const finding = raceFinding({
      path: 'evil\x1b[2J.py',
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 2,
      message: 'bell\x07',
      snippet: { firstLine: 1, lines: ['x = "\x1b[31mred\x9b"'] },
    });
    const text = renderText(reportOf([finding]), { color: false });
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(text).toContain('1 | x = "\u241b[31mred\ufffd"');
    expect(text).toContain('evil\u241b[2J.py:1:1:');
  });

  it('sorts findings by path, cell, line and column', () => {
    const text = renderText(reportOf([raceFinding(), opportunityFinding(), blockingCallFinding()]), { color: false });
    const headers = text.split('\n').filter((line) => /^\S+:\d+:\d+: /.test(line));
    expect(headers.map((line) => line.split(':')[0])).toEqual(['app/fetch.py', 'app/main.py', 'pkg/worker.py']);
  });

  it('lists available fixes by file and rule with showFixes', () => {
    const report = reportOf([blockingCallFinding(), blockingCallFinding({ line: 20 }), raceFinding()]);
    expect(renderText(report, { color: false, showFixes: true })).toContain(
      ['2 fixes available:', '- app/main.py:', '    2 × AS101 (blocking-call-in-async)', '', ''].join('\n'),
    );
  });
});

describe('summary line', () => {
  const summaryOf = (text: string) => text.trimEnd().split('\n').at(-1);

  it('says so when nothing was found', () => {
    expect(renderText(reportOf([], { filesAnalysed: 1 }), { color: false })).toBe('No findings in 1 file.\n');
    expect(renderText(reportOf([], { filesAnalysed: 4 }), { color: false })).toBe('No findings in 4 files.\n');
  });

  it('counts findings, files and fixes', () => {
    const report = reportOf([blockingCallFinding(), raceFinding(), raceFinding({ line: 9 })]);
    expect(summaryOf(renderText(report, { color: false }))).toBe('Found 3 findings in 2 files (1 fixable with `concur fix`).');
  });

  it('reports fixes applied by `concur fix`', () => {
    const report = reportOf([raceFinding()], { fixesApplied: 2 });
    expect(summaryOf(renderText(report, { color: false }))).toBe('Found 3 findings (2 fixed, 1 remaining).');
  });

  it('mentions files that could not be analysed', () => {
    const report = reportOf([], { errors: [{ path: 'bad.py', message: 'invalid syntax' }] });
    expect(summaryOf(renderText(report, { color: false }))).toBe('No findings in 3 files. 1 file could not be analysed.');
  });
});

describe('renderErrorsText', () => {
  it('prints one `path: error: message` line per file', () => {
    const errors = [
      { path: 'z.py', message: 'cannot decode as utf-8' },
      { path: 'bad.py', message: 'invalid syntax', line: 3, column: 7 },
    ];
    expect(renderErrorsText(errors, false)).toBe('bad.py:3:7: error: invalid syntax\nz.py: error: cannot decode as utf-8\n');
    expect(renderErrorsText(errors, true)).toMatch(ANSI);
    expect(renderErrorsText([], false)).toBe('');
  });
});

describe('renderLoopsText', () => {
  it('prints each verdict with its reason', () => {
    const loops = [
      { path: 'a.py', line: 30, verdict: 'rejected' as const, reason: 'loop-carried dependence on `digest`' },
      { path: 'a.py', line: 4, verdict: 'parallel' as const, reason: 'independent network calls' },
    ];
    expect(renderLoopsText(loops, false)).toBe(
      'a.py:4: parallel: independent network calls\na.py:30: rejected: loop-carried dependence on `digest`\n',
    );
  });
});

describe('renderStatistics', () => {
  it('counts findings per rule, most frequent first', () => {
    const report = reportOf([raceFinding(), blockingCallFinding(), raceFinding({ line: 2 }), opportunityFinding()]);
    expect(renderStatistics(report)).toBe(
      ['2\tRC101\t[ ] unsynchronised-shared-write', '1\tAS101\t[*] blocking-call-in-async', '1\tOP101\t[ ] sequential-io-loop', ''].join('\n'),
    );
    expect(renderStatistics(reportOf([]))).toBe('');
    expect(renderStatistics(report, { color: false })).not.toContain('\x1b');
  });
});
