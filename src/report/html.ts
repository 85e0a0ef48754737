/**
 * The HTML report: one self-contained file. Styles and scripts are inline (Chart.js included),
 * nothing is fetched (a Content-Security-Policy forbids it, and allows only the page's own
 * scripts by hash), and the tables and text read without JavaScript; only the charts need it.
 * Every string from the user's code or program goes through escapeHtml/richText, and the chart
 * data through scriptSafeJson.
 */
import { createHash } from 'node:crypto';
import type { LoopVerdict, RelatedLocation } from '../diagnostics/finding.js';
import { chartJsLibrary } from './chart-library.js';
import { verifyCharts, type ChartSpec } from './charts.js';
import { diffLines } from './file-diff.js';
import { cores, errorLocation, exitStatus, FIX_WORDS, fixed, location, megabytes, ratio, seconds, secondsRange, WORKLOAD_WORDS } from './format.js';
import { count } from './gather.js';
import { escapeHtml, inlineScript, richText, scriptSafeJson } from './html-escape.js';
import { CHART_DATA_ID, CHARTS_SCRIPT } from './html-script.js';
import { REPORT_CSS } from './html-style.js';
import type { AnalysisSection, ChangesSection, FixAvailability, LoopPlan, ReportData, ReportFinding, VerifySection } from './model.js';

interface Section {
  id: string;
  title: string;
  body: string;
}

export function renderHtml(data: ReportData): string {
  const charts = data.verify ? verifyCharts(data.verify) : [];
  const sections = [
    summarySection(data),
    ...(data.verify ? verifySections(data.verify, charts) : []),
    ...(data.analysis ? analysisSections(data.analysis) : []),
    ...(data.changes ? [changesSection(data.changes)] : []),
    ...(data.verify?.notes.length ? [notesSection(data.verify.notes)] : []),
  ].filter((section): section is Section => section !== undefined);
  const scripts = charts.length ? [`${inlineScript(chartJsLibrary().source)}\n`, CHARTS_SCRIPT] : [];
  const title = `${data.command}: ${data.headline}`;
  return [
    '<!DOCTYPE html>',
    // With no charts there is nothing to wait for: say so (the page's script sets it otherwise).
    charts.length ? '<html lang="en">' : '<html lang="en" data-charts="0">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    // Written as it is: the policy is concur's own text (hashes are base64, no quotes or brackets).
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(scripts)}">`,
    `<meta name="generator" content="concur ${escapeHtml(data.version)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(data.command)} <span class="headline">${richText(data.headline)}</span></h1>`,
    `<p class="meta"><code>${escapeHtml(data.invocation)}</code></p>`,
    `<p class="meta">concur ${escapeHtml(data.version)} · ${escapeHtml(data.generatedAt)}</p>`,
    `<nav><ul>${sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join('')}</ul></nav>`,
    '</header>',
    '<main>',
    ...sections.map((s) => `<section id="${s.id}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.body}\n</section>`),
    '</main>',
    `<footer>Made by concur ${escapeHtml(data.version)}${charts.length ? ` · charts drawn with Chart.js ${escapeHtml(chartJsLibrary().version)}, inlined` : ''}.</footer>`,
    ...(charts.length
      ? [
          `<script type="application/json" id="${CHART_DATA_ID}">${scriptSafeJson(Object.fromEntries(charts.map((c) => [c.id, { config: c.config, ticksAt: c.ticksAt ?? {} }])))}</script>`,
          ...scripts.map((script) => `<script>${script}</script>`),
        ]
      : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Nothing may load from anywhere; only the page's own inline scripts (by hash) may run. */
function contentSecurityPolicy(scripts: string[]): string {
  const hashes = scripts.map((script) => `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`);
  return `default-src 'none'; script-src ${hashes.length ? hashes.join(' ') : "'none'"}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
}

// ---------------------------------------------------------------------------------------------
// Summary

function summarySection(data: ReportData): Section {
  const cards: string[] = [];
  const parts: string[] = [];
  const verify = data.verify;
  if (verify) {
    const verdict =
      verify.status === 'original-failed' ? ['bad', 'original failed'] : verify.equal ? ['good', 'outputs equal'] : ['bad', 'outputs differ'];
    cards.push(card(`<span class="${verdict[0]}">${verdict[1]}</span>`, `compared: ${escapeHtml(verify.compared.join(', '))}`));
    if (verify.speedup) {
      const s = verify.speedup;
      cards.push(card(escapeHtml(ratio(s.speedup)), `speedup; ${Math.round(s.level * 100)}% interval ${escapeHtml(ratio(s.interval.low))}–${escapeHtml(ratio(s.interval.high))}`));
    }
    for (const variant of verify.variants) cards.push(card(escapeHtml(seconds(variant.seconds.median)), `${variant.name}, median of ${count(variant.runs.length, 'run')}`));
    if (verify.sweep?.amdahl) cards.push(card(escapeHtml(fixed(verify.sweep.amdahl.serialFraction, 3)), 'serial fraction (Amdahl fit)'));
    if (verify.failure) parts.push(`<p class="bad">${richText(verify.failure)}</p>`);
    parts.push(
      `<p>The program <code>${escapeHtml(verify.programCommand)}</code> ran in two copies of <code>${escapeHtml(verify.project)}</code>: ` +
        `the original and ${verify.candidate.kind === 'rewrite' ? "concur's rewrite" : `the candidate <code>${escapeHtml(verify.candidate.directory)}</code>`}; ` +
        `${count(verify.warmup, 'warm-up')} and ${count(verify.runs, 'timed run')} each, interleaved ` +
        `(${count(verify.runCounts.original, 'run')} of the original and ${verify.runCounts.rewrite} of the rewrite in all, sweep included).</p>`,
    );
  }
  const analysis = data.analysis;
  if (analysis?.findings) {
    if (analysis.filesAnalysed !== undefined) cards.push(card(String(analysis.filesAnalysed), 'files analysed'));
    cards.push(card(String(analysis.findings.filter((f) => f.fix !== 'applied').length), analysis.fixesApplied ? 'findings left' : 'findings'));
    if (analysis.fixesApplied) cards.push(card(String(analysis.fixesApplied), 'fixes applied'));
  }
  if (analysis) {
    cards.push(card(String(analysis.summary.verdicts.parallel), 'parallel loops'));
    cards.push(card(String(analysis.summary.verdicts.rejected), 'rejected loops'));
    if (analysis.errors.length) cards.push(card(`<span class="bad">${analysis.errors.length}</span>`, 'files not analysed'));
  }
  if (data.changes) cards.push(card(String(data.changes.files.length), data.changes.written ? 'files changed' : 'files that would change'));
  if (analysis?.findings?.length) {
    const { byCategory, byRule } = analysis.summary;
    parts.push('<h3>Findings per category</h3>', table(['category', 'findings'], byCategory.map((row) => [escapeHtml(row.category), String(row.count)]), [1]));
    const fixed = analysis.fixesApplied ? ['fixed'] : [];
    parts.push(
      '<h3>Findings per rule</h3>',
      table(
        ['rule', 'name', 'findings', ...fixed, 'safe fixes', 'unsafe fixes'],
        byRule.map((row) => [escapeHtml(row.rule), escapeHtml(row.name), String(row.count), ...(fixed.length ? [String(row.fixed)] : []), String(row.safeFixes), String(row.unsafeFixes)]),
        [2, 3, 4, 5],
      ),
    );
  }
  return { id: 'summary', title: 'Summary', body: [`<div class="cards">${cards.join('')}</div>`, ...parts].join('\n') };
}

function card(value: string, label: string): string {
  return `<div class="card"><span class="value">${value}</span><span class="label">${label}</span></div>`;
}

// ---------------------------------------------------------------------------------------------
// Verify

function verifySections(verify: VerifySection, charts: ChartSpec[]): Section[] {
  const chartsById = new Map(charts.map((c) => [c.id, c]));
  const sections: Section[] = [];
  if (verify.variants.length) {
    const rows: string[][] = [
      ['wall time, median', ...verify.variants.map((v) => seconds(v.seconds.median))],
      ['mean ± standard deviation', ...verify.variants.map((v) => `${v.seconds.mean.toFixed(3)} ± ${v.seconds.stdev.toFixed(3)} s`)],
      ['min–max', ...verify.variants.map((v) => secondsRange(v.seconds.min, v.seconds.max))],
      ['timed runs', ...verify.variants.map((v) => String(v.runs.length))],
      ['CPU utilisation', ...verify.variants.map((v) => cores(v.cpuUtilization))],
      ['peak memory (RSS)', ...verify.variants.map((v) => megabytes(v.peakRssBytes))],
      ['exit status', ...verify.variants.map((v) => exitStatus(v.exitCode, v.signal))],
    ];
    const body = [
      table(['', ...verify.variants.map((v) => v.name)], rows.map((row) => row.map(escapeHtml)), verify.variants.map((_, i) => i + 1)),
      verify.speedup ? `<p>${speedupSentence(verify)}</p>` : '',
      chartGrid(['time', 'cpu', 'memory'].map((id) => chartsById.get(id))),
    ];
    sections.push({ id: 'timing', title: 'Time, CPU and memory', body: body.join('\n') });
  }
  if (verify.sweep) sections.push(scalingSection(verify, chartsById.get('scaling')));
  // What went wrong comes first: nothing else matters much when the outputs differ.
  if (verify.differences.length || verify.nondeterminism.length) sections.unshift(differencesSection(verify));
  return sections;
}

function speedupSentence(verify: VerifySection): string {
  const s = verify.speedup!;
  return (
    `Speedup <strong>${escapeHtml(ratio(s.speedup))}</strong>: the original's median over the rewrite's. ` +
    `${Math.round(s.level * 100)}% bootstrap interval ${escapeHtml(ratio(s.interval.low))}–${escapeHtml(ratio(s.interval.high))} ` +
    `(${s.resamples} resamples of the paired runs); the paired runs' ratios range ${escapeHtml(ratio(s.pairedRange.low))}–${escapeHtml(ratio(s.pairedRange.high))}.`
  );
}

function scalingSection(verify: VerifySection, chart: ChartSpec | undefined): Section {
  const sweep = verify.sweep!;
  if (sweep.skipped) return { id: 'scaling', title: 'Scaling', body: `<p>The scaling sweep was skipped: ${richText(sweep.skipped)}.</p>` };
  const variables = sweep.variables.map((v) => `<code>${escapeHtml(v.name)}</code> (${escapeHtml(v.model)}, ${escapeHtml(v.file)})`).join(', ');
  const rows = sweep.points.map((p) => [String(p.workers), p.seconds.toFixed(3), ratio(p.speedup), fixed(p.efficiency), fixed(p.cpuUtilization), megabytes(p.peakRssBytes)].map(escapeHtml));
  const fit = sweep.amdahl;
  const body = [
    `<p>The rewrite ran with ${variables} set to each worker count, ${count(sweep.runsPerPoint, 'run')} per count, on ${count(sweep.cpus, 'CPU')}. ` +
      'Speedup is over the original\'s median; efficiency is speedup per worker.</p>',
    table(['workers', 'median s', 'speedup', 'efficiency', 'CPU (cores)', 'peak RSS'], rows, [0, 1, 2, 3, 4, 5]),
    fit
      ? `<p>Amdahl fit T(n) = T1 (s + (1 − s)/n): serial fraction <strong>${fit.serialFraction.toFixed(3)}</strong>, T1 ${escapeHtml(seconds(fit.t1Seconds))}, R² ${fit.rSquared.toFixed(2)}` +
        (fit.clamped ? ' (clamped: the times do not follow the model)' : '') +
        (fit.serialFraction > 0 ? `; at most ${(1 / fit.serialFraction).toFixed(1)}x with unlimited workers` : '') +
        '.</p>'
      : '',
    chartGrid([chart]),
  ];
  return { id: 'scaling', title: 'Scaling', body: body.join('\n') };
}

function differencesSection(verify: VerifySection): Section {
  const parts: string[] = [];
  for (const d of verify.differences) {
    const where = d.workers ? `; sweep at ${d.workers.join(', ')} worker${d.workers.length === 1 && d.workers[0] === 1 ? '' : 's'}` : '';
    parts.push(`<h3>${richText(d.description)}</h3>`, `<p>In ${d.runs} of ${d.of} runs of the rewrite${escapeHtml(where)}.</p>`);
    if (d.excerpt) parts.push(excerpt(d.excerpt));
  }
  if (verify.nondeterminism.length) {
    parts.push('<h3>Nondeterministic output</h3>');
    for (const n of verify.nondeterminism) {
      parts.push(`<p class="warn">${richText(n.description)}</p>`);
      if (n.excerpt) parts.push(excerpt(n.excerpt));
    }
  }
  return { id: 'differences', title: 'Differences', body: parts.join('\n') };
}

/** A diff excerpt coloured like a diff; anything else (the tail of a crash's stderr) as it is. */
function excerpt(text: string): string {
  return text.startsWith('--- ') ? diffBlock(text) : `<pre>${escapeHtml(text)}</pre>`;
}

function chartGrid(charts: Array<ChartSpec | undefined>): string {
  const present = charts.filter((c): c is ChartSpec => c !== undefined);
  if (present.length === 0) return '';
  const figures = present.map(
    (c) =>
      `<figure class="chart"><div class="chart-box"><canvas data-chart="${escapeHtml(c.id)}" role="img" aria-label="${escapeHtml(c.description)}"></canvas></div>` +
      `<figcaption>${escapeHtml(c.description)}</figcaption><p class="chart-error" hidden></p></figure>`,
  );
  return `<div class="charts${present.length === 1 ? ' single' : ''}">${figures.join('')}</div>\n<noscript><p class="meta">The charts need JavaScript; the tables hold the same figures.</p></noscript>`;
}

function notesSection(notes: string[]): Section {
  return { id: 'notes', title: 'Notes', body: `<ul>${notes.map((n) => `<li>${richText(n)}</li>`).join('')}</ul>` };
}

// ---------------------------------------------------------------------------------------------
// Analysis: plans, loops, findings, errors

function analysisSections(analysis: AnalysisSection): Section[] {
  const sections: Section[] = [];
  if (analysis.findings?.length) sections.push({ id: 'findings', title: 'Findings', body: analysis.findings.map(findingCard).join('\n') });
  if (analysis.plans.length) sections.push({ id: 'plans', title: 'Loop plans', body: analysis.plans.map(planCard).join('\n') });
  if (analysis.loops.length) sections.push(loopsSection(analysis.loops));
  if (analysis.errors.length) {
    const rows = analysis.errors.map((e) => [`<span class="mono">${escapeHtml(errorLocation(e))}</span>`, richText(e.message)]);
    sections.push({ id: 'errors', title: 'Files not analysed', body: table(['file', 'error'], rows, [], 'wide') });
  }
  return sections;
}

function planCard(plan: LoopPlan): string {
  const facts: Array<[string, string]> = [];
  if (plan.model) facts.push(['model', escapeHtml(plan.model)]);
  if (plan.workload) facts.push(['workload', escapeHtml(WORKLOAD_WORDS[plan.workload] ?? plan.workload)]);
  if (plan.workers !== undefined) {
    facts.push(['workers', `${plan.workers} by default${plan.workersVariable ? `; set <code>${escapeHtml(plan.workersVariable)}</code> in the environment to change it` : ''}`]);
  }
  facts.push(['fix', fixBadge(plan.fix)]);
  return [
    `<article class="plan"><h3><span class="mono">${escapeHtml(location(plan))}</span> <span class="badge">${escapeHtml(plan.rule)}</span>${plan.model ? ` <span class="badge">${escapeHtml(plan.model)}</span>` : ''}</h3>`,
    plan.message ? `<p>${richText(plan.message)}</p>` : '',
    `<dl class="facts">${facts.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('')}</dl>`,
    plan.rationale ? `<p><strong>Rationale:</strong> ${richText(plan.rationale)}</p>` : '',
    '</article>',
  ].join('');
}

function loopsSection(loops: LoopVerdict[]): Section {
  const rejected = loops.filter((l) => l.verdict === 'rejected').length;
  const rows = loops.map((l) => [
    `<span class="mono">${escapeHtml(location(l))}</span>`,
    l.verdict === 'parallel' ? '<span class="badge good">parallel</span>' : '<span class="badge warn">rejected</span>',
    richText(l.reason),
  ]);
  const body = `<p>Every loop and comprehension considered: ${count(loops.length - rejected, 'loop')} can run concurrently; ${rejected} rejected, each with its reason.</p>\n${table(['loop', 'verdict', 'reason'], rows, [], 'wide')}`;
  return { id: 'loops', title: 'Loops considered', body };
}

function findingCard(finding: ReportFinding): string {
  const parts = [
    `<article class="finding"><h3><span class="mono">${escapeHtml(location(finding))}</span> <span class="badge">${escapeHtml(finding.rule)}</span> ` +
      `<span>${escapeHtml(finding.name)}</span> <span class="meta">${escapeHtml(finding.category)}</span> ${fixBadge(finding.fix)}</h3>`,
    `<p>${richText(finding.message)}</p>`,
  ];
  if (finding.snippet) parts.push(codeFrame(finding));
  if (finding.fixMessage) parts.push(`<p><strong>${finding.fix === 'applied' ? 'Fixed' : 'Fix'}:</strong> ${richText(finding.fixMessage)}</p>`);
  if (finding.plan) {
    const plan = finding.plan;
    parts.push(`<p><strong>Plan:</strong> ${escapeHtml(plan.model)} with ${count(plan.workers, 'worker')} for ${escapeHtml(WORKLOAD_WORDS[plan.workload] ?? plan.workload)} work (see <a href="#plans">Loop plans</a>).</p>`);
  }
  if (finding.related.length) parts.push(`<p><strong>Related:</strong></p><ul class="related">${finding.related.map(relatedItem).join('')}</ul>`);
  parts.push('</article>');
  return parts.join('\n');
}

function relatedItem(related: RelatedLocation): string {
  return `<li><span class="mono">${escapeHtml(location(related))}</span>: ${richText(related.message)}</li>`;
}

/** The finding's source lines with line numbers, its own line marked. */
function codeFrame(finding: ReportFinding): string {
  const snippet = finding.snippet!;
  const last = snippet.firstLine + snippet.lines.length - 1;
  const width = String(last).length;
  const lines = snippet.lines.map((text, i) => {
    const number = snippet.firstLine + i;
    const content = `<span class="line-number">${String(number).padStart(width)} │ </span>${escapeHtml(text)}`;
    return number === finding.line ? `<span class="flagged">${content}</span>` : content;
  });
  return `<pre class="frame"><code>${lines.join('\n')}</code></pre>`;
}

function fixBadge(fix: FixAvailability): string {
  const tone = fix === 'safe' || fix === 'applied' ? ' good' : fix === 'unsafe' ? ' warn' : '';
  return `<span class="badge${tone}">${FIX_WORDS[fix]}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Code changes

function changesSection(changes: ChangesSection): Section {
  const intro = changes.files.length === 0
    ? '<p>No file changed.</p>'
    : `<p>${changes.written ? 'Written' : 'Proposed, not written (<code>--diff</code>)'}${changes.where ? ` in ${escapeHtml(changes.where)}` : ''}: ${count(changes.files.length, 'file')}, ` +
      `<span class="count-added">+${sum(changes.files.map((f) => f.added))}</span> <span class="count-removed">−${sum(changes.files.map((f) => f.removed))}</span> lines.</p>`;
  const files = changes.files.map(
    (file) =>
      `<details open><summary><span class="mono">${escapeHtml(file.path)}</span> <span class="count-added">+${file.added}</span> <span class="count-removed">−${file.removed}</span></summary>\n${diffBlock(file.diff)}</details>`,
  );
  return { id: 'changes', title: 'Code changes', body: [intro, ...files].join('\n') };
}

function diffBlock(diff: string): string {
  const lines = diffLines(diff).map((line) => `<span class="${line.kind}">${escapeHtml(line.text) || ' '}</span>`);
  return `<pre class="diff"><code>${lines.join('')}</code></pre>`;
}

// ---------------------------------------------------------------------------------------------

/** A table of cells already in HTML; `numeric` columns are right-aligned. */
function table(headers: string[], rows: string[][], numeric: number[], className?: string): string {
  const cell = (tag: 'th' | 'td', content: string, column: number) => `<${tag}${numeric.includes(column) ? ' class="num"' : ''}>${content}</${tag}>`;
  return [
    `<table${className ? ` class="${className}"` : ''}>`,
    `<thead><tr>${headers.map((h, i) => cell('th', escapeHtml(h), i)).join('')}</tr></thead>`,
    `<tbody>${rows.map((row) => `<tr>${row.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
