import type { FileError, Finding, LoopVerdict, Plan } from '../diagnostics/finding.js';
import { gutterWidth, renderCodeFrame } from './code-frame.js';
import { terminalColors, type Colors } from './colors.js';
import { sortedErrors, sortedFindings, sortedLoops, type Report } from './report.js';
import { printable } from './terminal-text.js';

export { renderStatistics } from './statistics.js';

export interface TextOptions {
  color: boolean;
  /** Also list, per file and rule, the fixes that are available. */
  showFixes?: boolean;
}

/** Human-readable findings in ruff's style, each with its code frame, then a one-line summary. */
export function renderText(report: Report, options: TextOptions): string {
  const colors = terminalColors(options.color);
  const findings = sortedFindings(report);
  let output = findings.map((finding) => `${renderFinding(finding, colors)}\n`).join('');
  if (options.showFixes) output += renderAvailableFixes(findings, colors);
  return `${output}${summary(report, findings)}\n`;
}

/** `path[:line:column]: error: message` for each file that could not be analysed (for stderr). */
export function renderErrorsText(errors: readonly FileError[], color: boolean): string {
  const colors = terminalColors(color);
  return sortedErrors(errors)
    .map((error) => {
      const position = error.line === undefined ? [] : [String(error.line), ...(error.column === undefined ? [] : [String(error.column)])];
      const location = [colors.bold(printable(error.path)), ...position].join(colors.cyan(':'));
      return `${location}${colors.cyan(':')} ${colors.bold(colors.red('error'))}: ${printable(error.message)}\n`;
    })
    .join('');
}

/** `path:line: verdict: reason` for every loop considered. */
export function renderLoopsText(loops: readonly LoopVerdict[], color: boolean): string {
  const colors = terminalColors(color);
  return sortedLoops(loops)
    .map((loop) => {
      const verdict = loop.verdict === 'parallel' ? colors.green(loop.verdict) : colors.yellow(loop.verdict);
      return `${colors.bold(printable(loop.path))}${colors.cyan(':')}${loop.line}${colors.cyan(':')} ${verdict}: ${printable(loop.reason)}\n`;
    })
    .join('');
}

export function renderFinding(finding: Finding, colors: Colors): string {
  const width = gutterWidth(finding);
  const lines = [header(finding, colors)];
  if (finding.snippet) lines.push(...renderCodeFrame(finding, finding.snippet, width, colors));
  lines.push(...annotations(finding, width, colors));
  return `${lines.join('\n')}\n`;
}

/** `path:line:column: CODE [*] message`; notebooks put `cell N` before the line. */
function header(finding: Finding, colors: Colors): string {
  const separator = colors.cyan(':');
  const cell = finding.cell === undefined ? [] : [`cell ${finding.cell}`];
  const location = [colors.bold(printable(finding.path)), ...cell, String(finding.line), String(finding.column)].join(separator);
  const safeFixMarker = finding.fix?.applicability === 'safe' ? `${colors.cyan('[*]')} ` : '';
  return `${location}${separator} ${colors.bold(colors.red(finding.rule))} ${safeFixMarker}${printable(finding.message)}`;
}

/** The `= help:`, `= plan:` and `= note:` lines under the frame. */
function annotations(finding: Finding, width: number, colors: Colors): string[] {
  const line = (label: string, text: string) =>
    `${' '.repeat(width)} ${colors.bold(colors.blue('='))} ${colors.bold(label)}: ${printable(text)}`;
  const lines: string[] = [];
  if (finding.fix) {
    lines.push(line('help', finding.fix.applicability === 'unsafe' ? `${finding.fix.message} (unsafe)` : finding.fix.message));
  }
  if (finding.plan) lines.push(line('plan', describePlan(finding.plan)));
  for (const related of finding.related ?? []) {
    lines.push(line('note', `${related.message} at ${related.path}:${related.line}:${related.column}`));
  }
  return lines;
}

const WORKLOAD_WORDS: Record<Plan['workload'], string> = {
  io: 'I/O-bound work',
  cpu: 'CPU-bound work',
  native: 'GIL-releasing native work',
  mixed: 'mixed work',
  unknown: 'work of unknown kind',
};

function describePlan(plan: Plan): string {
  const expected = plan.estimatedSpeedup === undefined ? '' : `, estimated speedup ${plan.estimatedSpeedup.toFixed(2)}x`;
  return `${plan.model} with ${count(plan.workers, 'worker')} for ${WORKLOAD_WORDS[plan.workload]}${expected}: ${plan.rationale}`;
}

/** ruff's `--show-fixes` enumeration: fixes available, grouped by file and rule. */
function renderAvailableFixes(findings: readonly Finding[], colors: Colors): string {
  const fixable = findings.filter((finding) => finding.fix);
  if (fixable.length === 0) return '';
  const byFile = new Map<string, Map<string, number>>();
  for (const finding of fixable) {
    const unsafe = finding.fix!.applicability === 'unsafe' ? ' (unsafe)' : '';
    const key = `${finding.rule} (${finding.name})${unsafe}`;
    const rules = byFile.get(finding.path) ?? new Map<string, number>();
    rules.set(key, (rules.get(key) ?? 0) + 1);
    byFile.set(finding.path, rules);
  }
  const lines = [`${count(fixable.length, 'fix', 'fixes')} available:`];
  for (const [path, rules] of byFile) {
    lines.push(`- ${colors.bold(printable(path))}:`);
    for (const [rule, times] of rules) lines.push(`    ${times} × ${rule}`);
  }
  return `${lines.join('\n')}\n\n`;
}

function summary(report: Report, findings: readonly Finding[]): string {
  const fixed = report.fixesApplied ?? 0;
  let text: string;
  if (fixed > 0) {
    text = `Found ${count(fixed + findings.length, 'finding')} (${fixed} fixed, ${findings.length} remaining).`;
  } else if (findings.length === 0) {
    text = `No findings in ${count(report.filesAnalysed, 'file')}.`;
  } else {
    const files = new Set(findings.map((finding) => finding.path)).size;
    text = `Found ${count(findings.length, 'finding')} in ${count(files, 'file')}${fixabilityNote(findings)}.`;
  }
  const unanalysed = new Set(report.errors.map((error) => error.path)).size;
  if (unanalysed > 0) text += ` ${count(unanalysed, 'file')} could not be analysed.`;
  return text;
}

function fixabilityNote(findings: readonly Finding[]): string {
  const safe = findings.filter((finding) => finding.fix?.applicability === 'safe').length;
  const unsafe = findings.filter((finding) => finding.fix?.applicability === 'unsafe').length;
  const notes: string[] = [];
  if (safe > 0) notes.push(`${safe} fixable with \`concur fix\``);
  if (unsafe > 0) notes.push(`${unsafe} with ${unsafe === 1 ? 'an unsafe fix' : 'unsafe fixes'}`);
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
