/** `concur verify`'s text summary: the verdict, a table of the figures, the sweep, the differences. */
import { terminalColors } from '../output/colors.js';
import type { SideFigures, StressOutcome, VerifyReport } from './verify.js';

export function renderVerifyText(report: VerifyReport, options: { color: boolean }): string {
  const c = terminalColors(options.color);
  const lines: string[] = [];
  const compared = [
    'exit status',
    'stdout',
    ...(report.compared.stderr ? ['stderr'] : []),
    ...(report.compared.outputDirectory !== undefined ? [`${report.compared.files} file${report.compared.files === 1 ? '' : 's'} under ${report.compared.outputDirectory}/`] : []),
  ].join(', ');
  const main = report.records.filter((r) => r.phase === 'warmup' || r.phase === 'timed' || r.phase === 'sweep');
  const rewriteRuns = main.filter((r) => r.side === 'rewrite').length;
  const originalRuns = main.filter((r) => r.side === 'original').length;
  const stressFound = stressFindingWords(report.stress);
  const counts = `${originalRuns} run${originalRuns === 1 ? '' : 's'} of the original, ${rewriteRuns} of the rewrite`;
  if (report.status === 'original-failed') lines.push(c.red(c.bold(`concur verify: ${report.failure}`)));
  else if (report.equal && stressFound) lines.push(`concur verify: outputs equal (${compared}; ${counts}), ${c.red(c.bold(`but the stress mode found ${stressFound}`))}`);
  else if (report.equal) lines.push(`concur verify: ${c.green(c.bold('outputs equal'))} (${compared}; ${counts})`);
  else lines.push(`concur verify: ${c.red(c.bold('outputs differ'))} (${compared}; ${counts})`);

  if (report.rewrites) {
    const loops = report.rewrites.rewrites;
    lines.push(`rewrite: ${report.rewrites.applied} fix${report.rewrites.applied === 1 ? '' : 'es'} by concur` + (loops.length ? `: ${loops.map((r) => `${r.rule} ${r.path}:${r.line}${r.model ? ` (${r.model})` : ''}`).join(', ')}` : ''));
  } else if (report.candidateDirectory) {
    lines.push(`rewrite: the candidate ${report.candidateDirectory}`);
  }

  if (report.baseline || report.candidateFigures) {
    lines.push('');
    const rows: string[][] = [
      ['', 'original', 'rewrite'],
      ['wall time, median', ...cells(report, (f) => seconds(f.seconds.median))],
      ['  min-max', ...cells(report, (f) => `${f.seconds.min.toFixed(3)}-${f.seconds.max.toFixed(3)} s`)],
      ['CPU utilisation', ...cells(report, (f) => (f.cpuUtilization === null ? 'n/a' : `${f.cpuUtilization.toFixed(2)} cores`))],
      ['peak RSS', ...cells(report, (f) => megabytes(f.peakRssBytes))],
      ['exit status', ...cells(report, (f) => (f.signal ? f.signal : String(f.exitCode)))],
    ];
    lines.push(...table(rows, [false, true, true]));
    lines.push('');
    if (report.speedup) {
      const s = report.speedup;
      lines.push(
        `speedup ${c.bold(`${s.speedup.toFixed(2)}x`)} (${Math.round(s.level * 100)}% bootstrap interval ${s.interval.low.toFixed(2)}-${s.interval.high.toFixed(2)}x; ` +
          `paired runs ${s.pairedRange.low.toFixed(2)}-${s.pairedRange.high.toFixed(2)}x; ${report.runs} timed run${report.runs === 1 ? '' : 's'} each after ${report.warmup} warm-up${report.warmup === 1 ? '' : 's'})`,
      );
    }
  }

  if (report.sweep) {
    lines.push('');
    const names = report.sweep.variables.map((v) => `${v.name} (${v.model})`).join(', ');
    if (report.sweep.skipped) lines.push(`scaling sweep skipped: ${report.sweep.skipped}`);
    else {
      lines.push(`scaling: ${names}; ${report.sweep.runsPerPoint} run${report.sweep.runsPerPoint === 1 ? '' : 's'} per point, ${report.sweep.cpus} CPU${report.sweep.cpus === 1 ? '' : 's'}`);
      const rows = [['workers', 'median s', 'speedup', 'efficiency', 'CPU', 'peak RSS']];
      for (const p of report.scaling) {
        rows.push([
          String(p.workers),
          p.seconds.toFixed(3),
          p.speedup === null ? 'n/a' : `${p.speedup.toFixed(2)}x`,
          p.efficiency === null ? 'n/a' : p.efficiency.toFixed(2),
          p.cpuUtilization === null ? 'n/a' : p.cpuUtilization.toFixed(2),
          megabytes(p.peakRssBytes),
        ]);
      }
      lines.push(...table(rows, [true, true, true, true, true, true]));
      if (report.amdahl) {
        lines.push(
          `Amdahl fit: serial fraction ${report.amdahl.serialFraction.toFixed(3)}, T1 ${seconds(report.amdahl.t1Seconds)}, R^2 ${report.amdahl.rSquared.toFixed(2)}` +
            (report.amdahl.clamped ? ' (clamped: the times do not follow the model)' : '') +
            (report.amdahl.serialFraction > 0 ? `; at most ${(1 / report.amdahl.serialFraction).toFixed(1)}x with unlimited workers` : ''),
        );
      }
    }
  }

  if (report.differences.length) {
    lines.push('', c.bold('differences:'));
    for (const d of report.differences) {
      const where = d.workers ? `; sweep at ${d.workers.join(', ')} worker${d.workers.length === 1 && d.workers[0] === 1 ? '' : 's'}` : '';
      lines.push(`- ${d.description} (${d.runs} of ${d.of} runs of the rewrite${where})`);
      if (d.excerpt) lines.push(...indent(d.excerpt));
    }
  }
  if (report.cases.length) {
    const equal = report.cases.filter((r) => r.equal).length;
    lines.push('', c.bold(`edge cases: ${equal} of ${report.cases.length} equal`));
    for (const result of report.cases) {
      lines.push(`- ${result.name} (\`${result.command}\`): ${result.equal ? c.green('equal') : c.red('differs')}`);
      for (const d of result.differences) {
        lines.push(`    ${d.description}`);
        if (d.excerpt) lines.push(...indent(d.excerpt, 6));
      }
    }
  }
  lines.push(...stressLines(report.stress, c));
  if (report.nondeterminism.length) {
    lines.push('', c.yellow('nondeterministic:'));
    for (const n of report.nondeterminism) {
      lines.push(`- ${n.description}`);
      if (n.excerpt && !n.stress) lines.push(...indent(n.excerpt));
    }
  }
  if (report.notes.length) {
    lines.push('');
    for (const note of report.notes) lines.push(`note: ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

function cells(report: VerifyReport, format: (figures: SideFigures) => string): string[] {
  return [report.baseline, report.candidateFigures].map((f) => (f ? format(f) : 'n/a'));
}

function seconds(value: number): string {
  return `${value.toFixed(3)} s`;
}

function megabytes(bytes: number): string {
  return bytes > 0 ? `${(bytes / 1e6).toFixed(1)} MB` : 'n/a';
}

function indent(text: string, spaces = 4): string[] {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => `${pad}${line}`);
}

/** `a race`, `a hang`, `a race and a hang`, or undefined when the stress runs found nothing. */
function stressFindingWords(stress: StressOutcome): string | undefined {
  const words = [...(stress.differences.length ? ['a race'] : []), ...(stress.hangs.length ? ['a hang'] : [])];
  return words.length ? words.join(' and ') : undefined;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Where the tracer pauses, by the site's kind and switch. */
function switchWords(site: StressOutcome['sites'][number]): string {
  if (site.switch === 'store') return 'between the read and the store';
  if (site.switch === 'after-check' || (site.kind === 'check-then-act' && site.switch === 'line')) return 'between the check and the act';
  return 'between the two acquisitions';
}

/** The stress section: what was forced, what it found, and what to do. */
function stressLines(stress: StressOutcome, c: ReturnType<typeof terminalColors>): string[] {
  if (stress.skipped === 'not requested') return [];
  if (stress.skipped) return ['', `stress: skipped: ${stress.skipped}`];
  const lines = [''];
  const sides = stress.sides.map((side) => `the ${side}`).join(' and ');
  const siteCount = new Set(stress.sites.map((s) => `${s.path}:${s.switchLine}`)).size;
  const forced = siteCount ? `thread switches forced at ${plural(siteCount, 'site')} concur names` : 'no racy site named by concur';
  lines.push(c.bold(`stress: ${plural(stress.runs, 'run')} of ${sides}, ${forced}, switch interval ${Math.round(stress.switchIntervalSeconds * 1e6)} µs`));
  // One line per site, with how often it paused on each side.
  const bySite = new Map<string, typeof stress.sites>();
  for (const site of stress.sites) {
    const key = `${site.rule}\0${site.path}:${site.switchLine}\0${site.code}\0${site.switch}`;
    bySite.set(key, [...(bySite.get(key) ?? []), site]);
  }
  for (const group of bySite.values()) {
    const [site] = group;
    const paused = group.map((s) => `${s.firedRuns} of ${s.ofRuns} runs of the ${s.side}`).join(', ');
    lines.push(`  ${site.rule} ${site.path}:${site.switchLine} \`${site.code}\`: pause ${switchWords(site)}; paused in ${paused}`);
  }
  for (const d of stress.differences) {
    lines.push(`- ${c.red(`${d.description}`)} (stress runs ${d.runs.join(', ')} of ${d.of}${d.fired.length ? `; paused at ${d.fired.join(', ')}` : ''})`);
    if (d.excerpt) lines.push(...indent(d.excerpt));
  }
  for (const h of stress.hangs) {
    lines.push(`- ${c.red(`hang: stress run ${h.run} of the ${h.side} did not finish within ${h.timeoutSeconds} s`)} and was killed with its process group` + (h.waiting.length ? `; threads waiting at ${h.waiting.join(', ')}` : ''));
    if (h.excerpt) lines.push(...indent(h.excerpt));
  }
  if (!stress.differences.length && !stress.hangs.length) {
    lines.push(`- no race or hang showed: every stress run gave an outcome of the original's normal runs`);
  }
  for (const advice of stress.advice) lines.push(`what to do: ${advice}`);
  return lines;
}

/** Columns padded to their widest cell; `right` aligns a column to the right. */
function table(rows: string[][], right: boolean[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (right[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}
