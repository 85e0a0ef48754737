/**
 * The Markdown report, for a pull-request comment (GitHub-flavoured): the summary first, then
 * tables; verify's figures as tables (no charts); the diff in a ```diff block; long parts folded
 * into <details>. Text from the user's code goes through markdownText/codeSpan/codeBlock.
 */
import type { LoopVerdict } from '../diagnostics/finding.js';
import { cores, errorLocation, exitStatus, FIX_WORDS, fixed, location, megabytes, ratio, seconds, secondsRange, WORKLOAD_WORDS } from './format.js';
import { count } from './gather.js';
import { escapeHtml } from './html-escape.js';
import { codeBlock, codeSpan, markdownText } from './markdown-escape.js';
import type { AnalysisSection, ChangesSection, ReportData, ReportFinding, VerifySection } from './model.js';

/** Tables longer than this, and diffs longer than DIFF_LINES, are folded. */
const TABLE_ROWS = 15;
const DIFF_LINES = 60;
/**
 * Findings and loops listed at most: GitHub refuses comments over 65,536 characters. The
 * counts above the tables stay complete; the HTML report and `concur check` list everything.
 */
const LISTED_ROWS = 100;

export function renderMarkdown(data: ReportData): string {
  const blocks: string[] = [
    `## ${markdownText(data.command)}: ${markdownText(data.headline)}`,
    `${codeSpan(data.invocation)} · concur ${markdownText(data.version)} · ${markdownText(data.generatedAt)}`,
    ...(data.verify ? verifyBlocks(data.verify) : []),
    ...(data.analysis ? analysisBlocks(data.analysis) : []),
    ...(data.changes ? changesBlocks(data.changes) : []),
    ...(data.verify?.notes.length ? ['### Notes', data.verify.notes.map((n) => `- ${markdownText(n)}`).join('\n')] : []),
  ];
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}

function verifyBlocks(verify: VerifySection): string[] {
  const blocks: string[] = [];
  const verdict = verify.status === 'original-failed' ? '**The original failed**' : verify.equal ? '**Outputs equal**' : '**Outputs differ**';
  blocks.push(
    `${verdict} (compared: ${markdownText(verify.compared.join(', '))}) · ${codeSpan(verify.programCommand)}, ${count(verify.runs, 'timed run')} each after ${count(verify.warmup, 'warm-up')}, interleaved` +
      (verify.candidate.kind === 'directory' ? ` · candidate ${codeSpan(verify.candidate.directory)}` : ''),
  );
  if (verify.failure) blocks.push(markdownText(verify.failure));
  // What went wrong first: a reviewer reads no further when the outputs differ.
  if (verify.differences.length) {
    blocks.push('### Differences');
    for (const d of verify.differences) {
      const where = d.workers ? `; sweep at ${d.workers.join(', ')} worker${d.workers.length === 1 && d.workers[0] === 1 ? '' : 's'}` : '';
      blocks.push(`- ${markdownText(d.description)} (${d.runs} of ${d.of} runs of the rewrite${where})`);
      if (d.excerpt) blocks.push(details('Excerpt', codeBlock(d.excerpt, d.excerpt.startsWith('--- ') ? 'diff' : ''), d.excerpt.split('\n').length <= 20));
    }
  }
  if (verify.nondeterminism.length) {
    blocks.push('### Nondeterministic output', verify.nondeterminism.map((n) => `- ${markdownText(n.description)}`).join('\n'));
  }
  if (verify.variants.length) {
    const values = (format: (v: VerifySection['variants'][number]) => string) => verify.variants.map(format);
    blocks.push(
      '### Time, CPU and memory',
      table(
        ['', ...verify.variants.map((v) => v.name)],
        [
          ['wall time, median', ...values((v) => seconds(v.seconds.median))],
          ['min–max', ...values((v) => secondsRange(v.seconds.min, v.seconds.max))],
          ['timed runs', ...values((v) => String(v.runs.length))],
          ['CPU utilisation', ...values((v) => cores(v.cpuUtilization))],
          ['peak memory (RSS)', ...values((v) => megabytes(v.peakRssBytes))],
          ['exit status', ...values((v) => exitStatus(v.exitCode, v.signal))],
        ],
        verify.variants.map((_, i) => i + 1),
      ),
    );
  }
  if (verify.speedup) {
    const s = verify.speedup;
    blocks.push(
      `**Speedup ${ratio(s.speedup)}** (${Math.round(s.level * 100)}% bootstrap interval ${ratio(s.interval.low)}–${ratio(s.interval.high)}; ` +
        `paired runs ${ratio(s.pairedRange.low)}–${ratio(s.pairedRange.high)})`,
    );
  }
  if (verify.sweep) blocks.push(...scalingBlocks(verify));
  return blocks;
}

function scalingBlocks(verify: VerifySection): string[] {
  const sweep = verify.sweep!;
  if (sweep.skipped) return ['### Scaling', `Skipped: ${markdownText(sweep.skipped)}.`];
  const variables = sweep.variables.map((v) => `${codeSpan(v.name)} (${markdownText(v.model)})`).join(', ');
  const blocks = [
    '### Scaling',
    `${variables}; ${count(sweep.runsPerPoint, 'run')} per point, ${count(sweep.cpus, 'CPU')}`,
    table(
      ['workers', 'median s', 'speedup', 'efficiency', 'CPU (cores)', 'peak RSS'],
      sweep.points.map((p) => [String(p.workers), p.seconds.toFixed(3), ratio(p.speedup), fixed(p.efficiency), fixed(p.cpuUtilization), megabytes(p.peakRssBytes)]),
      [0, 1, 2, 3, 4, 5],
    ),
  ];
  const fit = sweep.amdahl;
  if (fit) {
    blocks.push(
      `Amdahl fit: serial fraction ${fit.serialFraction.toFixed(3)}, T1 ${seconds(fit.t1Seconds)}, R² ${fit.rSquared.toFixed(2)}` +
        (fit.clamped ? ' (clamped: the times do not follow the model)' : '') +
        (fit.serialFraction > 0 ? `; at most ${(1 / fit.serialFraction).toFixed(1)}x with unlimited workers` : ''),
    );
  }
  return blocks;
}

function analysisBlocks(analysis: AnalysisSection): string[] {
  const blocks: string[] = [];
  const { summary } = analysis;
  if (analysis.findings) {
    const left = analysis.findings.filter((f) => f.fix !== 'applied').length;
    const facts = [
      ...(analysis.filesAnalysed !== undefined ? [count(analysis.filesAnalysed, 'file') + ' analysed'] : []),
      count(left, 'finding') + (analysis.fixesApplied ? ' left' : ''),
      ...(analysis.fixesApplied ? [`${count(analysis.fixesApplied, 'fix', 'fixes')} applied`] : []),
      `${count(summary.verdicts.parallel, 'loop')} can run concurrently, ${summary.verdicts.rejected} rejected`,
      ...(analysis.errors.length ? [`${count(analysis.errors.length, 'file')} not analysed`] : []),
    ];
    blocks.push(facts.join(' · '));
    if (summary.byCategory.length) blocks.push(`By category: ${summary.byCategory.map((row) => `${row.category} ${row.count}`).join(' · ')}`);
    if (summary.byRule.length) {
      const fixed = analysis.fixesApplied ? ['fixed'] : [];
      blocks.push(
        table(
          ['rule', 'name', 'findings', ...fixed, 'safe fixes', 'unsafe fixes'],
          summary.byRule.map((row) => [row.rule, row.name, String(row.count), ...(fixed.length ? [String(row.fixed)] : []), String(row.safeFixes), String(row.unsafeFixes)]),
          [2, 3, 4, 5],
        ),
      );
    }
  }
  if (analysis.findings?.length) {
    blocks.push('### Findings');
    const { listed, note } = truncated(analysis.findings, 'findings');
    blocks.push(foldIfLong(`${count(analysis.findings.length, 'finding')}`, findingsTable(listed) + note, analysis.findings.length));
  }
  if (analysis.plans.length) {
    const { listed, note } = truncated(analysis.plans, 'plans');
    blocks.push('### Loop plans');
    blocks.push(
      table(
        ['loop', 'rule', 'model', 'workers', 'fix'],
        listed.map((p) => [
          codeSpan(location(p), { inTable: true }),
          p.rule,
          [p.model, p.workload ? `(${WORKLOAD_WORDS[p.workload] ?? p.workload})` : ''].filter(Boolean).join(' '),
          p.workers === undefined ? '' : `${p.workers}${p.workersVariable ? ` (${codeSpan(p.workersVariable, { inTable: true })})` : ''}`,
          FIX_WORDS[p.fix],
        ]),
        [],
        { raw: [0, 3] },
      ) + note,
    );
    const rationales = listed.filter((p) => p.rationale).map((p) => `- ${codeSpan(location(p))}: ${markdownText(p.rationale!)}`);
    if (rationales.length) blocks.push(details('Rationale', rationales.join('\n'), false));
  }
  if (analysis.loops.length) blocks.push(...loopsBlocks(analysis.loops));
  if (analysis.errors.length) {
    blocks.push('### Files not analysed', analysis.errors.map((e) => `- ${e.path ? `${codeSpan(errorLocation(e))}: ` : ''}${markdownText(e.message)}`).join('\n'));
  }
  return blocks;
}

function loopsBlocks(loops: LoopVerdict[]): string[] {
  const rejected = loops.filter((l) => l.verdict === 'rejected');
  const { listed, note } = truncated(loops, 'loops');
  const rows = listed.map((l) => [codeSpan(location(l), { inTable: true }), l.verdict, markdownText(l.reason, { inTable: true })]);
  return [
    '### Loops considered',
    foldIfLong(
      `${count(loops.length, 'loop')}: ${loops.length - rejected.length} parallel, ${rejected.length} rejected`,
      table(['loop', 'verdict', 'reason'], rows, [], { raw: [0, 2] }) + note,
      loops.length,
    ),
  ];
}

function findingsTable(findings: ReportFinding[]): string {
  const rows = findings.map((f) => [
    codeSpan(location(f), { inTable: true }),
    `${f.rule} ${f.name}`,
    markdownText(f.message, { inTable: true }),
    f.related.map((r) => `${codeSpan(location(r), { inTable: true })} ${markdownText(r.message, { inTable: true })}`).join('<br>'),
    FIX_WORDS[f.fix],
  ]);
  return table(['location', 'rule', 'message', 'related', 'fix'], rows, [], { raw: [0, 2, 3] });
}

function changesBlocks(changes: ChangesSection): string[] {
  if (changes.files.length === 0) return ['### Code changes', 'No file changed.'];
  const added = changes.files.reduce((n, f) => n + f.added, 0);
  const removed = changes.files.reduce((n, f) => n + f.removed, 0);
  const diff = changes.files.map((f) => f.diff).join('');
  const summary = `Diff: ${count(changes.files.length, 'file')}, +${added} −${removed}${changes.written ? '' : ' (proposed, not written)'}`;
  return [
    '### Code changes',
    ...(changes.where ? [`In ${markdownText(changes.where)}.`] : []),
    details(summary, codeBlock(diff, 'diff'), diff.split('\n').length <= DIFF_LINES),
  ];
}

/** A table; cells are plain text (escaped here) unless their column is listed in `raw`. */
function table(headers: string[], rows: string[][], numeric: number[], options: { raw?: number[] } = {}): string {
  const cell = (text: string, column: number) => (options.raw?.includes(column) ? text : markdownText(text, { inTable: true }));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(headers.map((h, i) => cell(h, i))),
    line(headers.map((_, i) => (numeric.includes(i) ? '---:' : '---'))),
    ...rows.map((row) => line(row.map((c, i) => cell(c, i)))),
  ].join('\n');
}

/** The first LISTED_ROWS items, and a line saying how many more there are. */
function truncated<T>(items: T[], what: string): { listed: T[]; note: string } {
  if (items.length <= LISTED_ROWS) return { listed: items, note: '' };
  return { listed: items.slice(0, LISTED_ROWS), note: `\n\n… and ${items.length - LISTED_ROWS} more ${what}: the HTML report (\`--report FILE.html\`) lists them all.` };
}

function foldIfLong(summary: string, body: string, rows: number): string {
  return rows > TABLE_ROWS ? details(summary, body, false) : body;
}

/** GitHub renders Markdown inside <details> only after a blank line. */
function details(summary: string, body: string, open: boolean): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}
