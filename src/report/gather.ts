/**
 * Gathers a report's data (model.ts) from what `check`, `fix` and `verify` computed. Sorting,
 * counting and choosing what to say happen here, once, so that both renderers agree.
 */
import { CATEGORIES, compareFindings, type Finding, type LoopVerdict } from '../diagnostics/finding.js';
import { sortedErrors, sortedLoops, type Report } from '../output/report.js';
import { stressFound, type RunRecord, type SideFigures, type VerifyReport } from '../verify/verify.js';
import { fileDiff } from './file-diff.js';
import type { AnalysisSection, AnalysisSummary, ChangesSection, FixAvailability, LoopPlan, ReportData, ReportFinding, VariantFigures, VerifySection } from './model.js';

export interface ReportContext {
  /** The command line as words (`['concur', 'check', 'src/']`), shown shell-quoted. */
  invocation: string[];
  version: string;
  /** When the report was made (tests pass a fixed time). */
  now?: Date;
}

/** `concur check`: findings, plans and loop verdicts. */
export function checkReportData(report: Report, context: ReportContext): ReportData {
  const analysis = analysisSection(report);
  return { ...header('concur check', findingsHeadline(analysis), context), analysis };
}

export interface FixOutcome {
  /** The check before any fix: its loops are the ones the user's code has. */
  before: Report;
  /** The check of the files as they are now (after the fixes were written), or `before` with `--diff`. */
  after: Report;
  /** Findings whose fixes were written (none with `--diff`). */
  applied: Finding[];
  /** Each changed file's text before and after. */
  files: Array<{ path: string; before: string; after: string }>;
  /** False for `--diff`: the changes are proposed, not written. */
  written: boolean;
}

/** `concur fix` and `concur fix --diff`: what was (or would be) changed, and what is left. */
export function fixReportData(outcome: FixOutcome, context: ReportContext): ReportData {
  const analysis = analysisSection(outcome.after, { applied: outcome.applied, loops: outcome.before.loops });
  const changes: ChangesSection = { written: outcome.written, files: outcome.files.map((f) => fileDiff(f.path, f.before, f.after)) };
  const headline = outcome.written
    ? `${count(outcome.applied.length, 'fix', 'fixes')} applied in ${count(changes.files.length, 'file')}; ${count(outcome.after.findings.length, 'finding')} left`
    : `${count(changes.files.length, 'file')} would change (diff only, nothing written); ${count(outcome.after.findings.length, 'finding')}`;
  return { ...header(outcome.written ? 'concur fix' : 'concur fix --diff', headline, context), analysis, changes };
}

/** `concur verify`: the verdict, the figures and charts, and the rewrite that was measured. */
export function verifyReportData(report: VerifyReport, context: ReportContext): ReportData {
  const verify = verifySection(report);
  const data: ReportData = { ...header('concur verify', verifyHeadline(report), context), verify };
  if (report.rewrites) {
    data.analysis = {
      plans: report.rewrites.rewrites.map((r) => ({
        path: r.path,
        line: r.line,
        rule: r.rule,
        message: r.message,
        model: r.model,
        workload: r.workload,
        workers: r.workers,
        workersVariable: r.workersVariable,
        rationale: r.rationale,
        fix: 'applied' as const,
      })),
      loops: sortedLoops(report.rewrites.loops),
      errors: report.rewrites.errors.map((message) => ({ message })),
      summary: summarize([], report.rewrites.loops),
    };
    const changed = report.rewrites.changedFiles ?? [];
    data.changes = { written: true, where: "the rewrite's copy of the project (your files are not changed)", files: changed.map((f) => fileDiff(f.path, f.before, f.after)) };
  }
  return data;
}

function header(command: string, headline: string, context: ReportContext): Omit<ReportData, 'analysis' | 'changes' | 'verify'> {
  return {
    command,
    headline,
    invocation: context.invocation.map(shellQuote).join(' '),
    generatedAt: (context.now ?? new Date()).toISOString(),
    version: context.version,
  };
}

export function analysisSection(report: Report, options: { applied?: Finding[]; loops?: LoopVerdict[] } = {}): AnalysisSection {
  const applied = options.applied ?? [];
  // Fixed and remaining findings together, in the canonical order: read file by file.
  const findings = [...applied.map((f) => ({ finding: f, fixed: true })), ...report.findings.map((f) => ({ finding: f, fixed: false }))]
    .sort((a, b) => compareFindings(a.finding, b.finding))
    .map(({ finding, fixed }) => reportFinding(finding, fixed ? 'applied' : undefined));
  const loops = sortedLoops(options.loops ?? report.loops);
  const plans: LoopPlan[] = findings
    .filter((f) => f.plan)
    .map((f) => ({
      path: f.path,
      line: f.line,
      rule: f.rule,
      message: f.message,
      model: f.plan!.model,
      workload: f.plan!.workload,
      workers: f.plan!.workers,
      workersVariable: f.plan!.workersVariable,
      rationale: f.plan!.rationale,
      fix: f.fix,
    }))
    .sort((a, b) => compareText(a.path, b.path) || a.line - b.line);
  return {
    filesAnalysed: report.filesAnalysed,
    ...(applied.length || report.fixesApplied ? { fixesApplied: report.fixesApplied ?? applied.length } : {}),
    findings,
    plans,
    loops,
    errors: sortedErrors(report.errors),
    summary: summarize(findings, loops),
  };
}

function reportFinding(finding: Finding, applied?: 'applied'): ReportFinding {
  const fix: FixAvailability = applied ?? finding.fix?.applicability ?? 'none';
  return {
    rule: finding.rule,
    name: finding.name,
    category: finding.category,
    path: finding.path,
    ...(finding.cell === undefined ? {} : { cell: finding.cell }),
    line: finding.line,
    column: finding.column,
    message: finding.message,
    fix,
    ...(finding.fix ? { fixMessage: finding.fix.message } : {}),
    related: finding.related ?? [],
    ...(finding.plan ? { plan: finding.plan } : {}),
    ...(finding.snippet ? { snippet: finding.snippet } : {}),
  };
}

function summarize(findings: readonly ReportFinding[], loops: readonly LoopVerdict[]): AnalysisSummary {
  const byRule = new Map<string, AnalysisSummary['byRule'][number]>();
  for (const finding of findings) {
    const row = byRule.get(finding.rule) ?? { rule: finding.rule, name: finding.name, count: 0, safeFixes: 0, unsafeFixes: 0, fixed: 0 };
    row.count++;
    if (finding.fix === 'safe') row.safeFixes++;
    if (finding.fix === 'unsafe') row.unsafeFixes++;
    if (finding.fix === 'applied') row.fixed++;
    byRule.set(finding.rule, row);
  }
  return {
    byCategory: CATEGORIES.map((category) => ({ category, count: findings.filter((f) => f.category === category).length })).filter((row) => row.count > 0),
    byRule: [...byRule.values()].sort((a, b) => b.count - a.count || compareText(a.rule, b.rule)),
    verdicts: { parallel: loops.filter((l) => l.verdict === 'parallel').length, rejected: loops.filter((l) => l.verdict === 'rejected').length },
    filesWithFindings: new Set(findings.map((f) => f.path)).size,
  };
}

function findingsHeadline(analysis: AnalysisSection): string {
  const findings = analysis.findings ?? [];
  const files = count(analysis.filesAnalysed ?? 0, 'file');
  const text = findings.length === 0 ? `no findings in ${files}` : `${count(findings.length, 'finding')} in ${count(analysis.summary.filesWithFindings, 'file')} (${files} analysed)`;
  const { parallel } = analysis.summary.verdicts;
  return parallel > 0 ? `${text}; ${count(parallel, 'loop')} can run concurrently` : text;
}

export function verifySection(report: VerifyReport): VerifySection {
  const timed = (side: RunRecord['side']) => report.records.filter((r) => r.side === side && r.phase === 'timed' && !r.timedOut && !r.startError).map((r) => r.seconds);
  const variant = (name: VariantFigures['name'], figures: SideFigures | undefined): VariantFigures[] =>
    figures ? [{ name, seconds: figures.seconds, runs: timed(name), cpuUtilization: figures.cpuUtilization, peakRssBytes: figures.peakRssBytes, exitCode: figures.exitCode, signal: figures.signal }] : [];
  return {
    status: report.status,
    equal: report.equal,
    ...(report.failure ? { failure: report.failure } : {}),
    programCommand: report.command.map(shellQuote).join(' '),
    project: report.project,
    candidate: report.candidateDirectory ? { kind: 'directory', directory: report.candidateDirectory } : { kind: 'rewrite' },
    runs: report.runs,
    warmup: report.warmup,
    compared: [
      'exit status',
      'stdout',
      ...(report.compared.stderr ? ['stderr'] : []),
      ...(report.compared.outputDirectory !== undefined ? [`${count(report.compared.files, 'file')} under ${report.compared.outputDirectory}/`] : []),
    ],
    variants: [...variant('original', report.baseline), ...variant('rewrite', report.candidateFigures)],
    ...(report.speedup ? { speedup: report.speedup } : {}),
    ...(report.sweep
      ? {
          sweep: {
            variables: report.sweep.variables,
            workers: report.sweep.workers,
            runsPerPoint: report.sweep.runsPerPoint,
            cpus: report.sweep.cpus,
            ...(report.sweep.skipped ? { skipped: report.sweep.skipped } : {}),
            points: report.scaling.map((p) => ({ ...p })),
            ...(report.amdahl ? { amdahl: report.amdahl } : {}),
          },
        }
      : {}),
    // An edge case that differs is a difference too (one run of each side).
    differences: [...report.differences.map((d) => ({ ...d })), ...report.cases.flatMap((c) => c.differences.map((d) => ({ ...d, description: `case ${c.name}: ${d.description}`, runs: 1, of: 1 })))],
    nondeterminism: report.nondeterminism.map((n) => ({ side: n.side, description: n.description, ...(n.excerpt ? { excerpt: n.excerpt } : {}) })),
    notes: [...report.notes],
    runCounts: { original: mainRuns(report, 'original'), rewrite: mainRuns(report, 'rewrite') },
  };
}

/** Warm-up, timed and sweep runs (edge cases and stress runs are counted apart). */
function mainRuns(report: VerifyReport, side: RunRecord['side']): number {
  return report.records.filter((r) => r.side === side && (r.phase === 'warmup' || r.phase === 'timed' || r.phase === 'sweep')).length;
}

function verifyHeadline(report: VerifyReport): string {
  if (report.status === 'original-failed') return report.failure ?? 'the original failed';
  if (!report.equal) return 'outputs differ';
  const stress = stressFound(report.stress) ? `; the stress runs found ${[...(report.stress.differences.length ? ['a race'] : []), ...(report.stress.hangs.length ? ['a hang'] : [])].join(' and ')}` : '';
  if (!report.speedup) return `outputs equal${stress}`;
  const s = report.speedup;
  const interval = `${Math.round(s.level * 100)}% interval ${s.interval.low.toFixed(2)}–${s.interval.high.toFixed(2)}x`;
  return (s.speedup >= 1 ? `outputs equal, ${s.speedup.toFixed(2)}x faster (${interval})` : `outputs equal, ${(1 / s.speedup).toFixed(2)}x slower (${interval})`) + stress;
}

/** A word as a POSIX shell would need it: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
