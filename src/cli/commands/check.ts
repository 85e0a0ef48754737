/** `concur check PATH...`: report findings in text, JSON or SARIF. */
import path from 'node:path';
import { runCheck } from '../../engine/check.js';
import { renderJson } from '../../output/json.js';
import { renderSarif } from '../../output/sarif.js';
import { renderErrorsText, renderStatistics, renderText } from '../../output/text.js';
import { resolveSettings, type SelectionFlags } from '../settings-from-cli.js';
import { isInteractive, Progress, useColor, type ColorChoice } from '../terminal.js';
import { UsageError } from '../usage-error.js';
import { checkReportData } from '../../report/gather.js';
import { EXIT_ERROR, exitStatus } from '../exit-status.js';
import { checkReportOption, reportContext, saveReport } from '../report-option.js';
import { VERSION } from '../version.js';
import { loadProfile, type LoadedProfile } from '../../profile/profile-file.js';
import type { CheckResult } from '../../engine/check.js';

export interface CheckFlags extends SelectionFlags {
  format: string;
  exitZero?: boolean;
  statistics?: boolean;
  showFixes?: boolean;
  color: ColorChoice;
  forceExclude?: boolean;
  threads?: string;
  quiet?: boolean;
  profile?: string;
  report?: string;
}

const FORMATS = new Set(['text', 'json', 'sarif']);

export async function checkCommand(paths: string[], flags: CheckFlags): Promise<number> {
  if (!FORMATS.has(flags.format)) throw new UsageError(`unknown --format "${flags.format}": use text, json or sarif`);
  checkReportOption(flags.report);
  const cwd = process.cwd();
  const targets = paths.length ? paths : ['.'];
  const { settings, patternBase } = resolveSettings(targets, flags, cwd);
  const color = useColor(flags.color, process.stdout);
  const progress = new Progress(isInteractive(process.stderr) && !flags.quiet, 'Analysing');
  const profile = flags.profile === undefined ? undefined : loadProfile(flags.profile, cwd);
  const result = await runCheck({
    paths: targets,
    cwd,
    settings,
    // Code frames for the text format, and for the report's findings.
    snippets: (flags.format === 'text' && !flags.statistics) || flags.report !== undefined,
    forceExclude: flags.forceExclude,
    patternBase,
    maxWorkers: parseThreads(flags.threads),
    onProgress: (done, total) => progress.update(done, total),
    measurements: profile?.byFile,
  });
  progress.clear();
  if (profile) reportProfileUse(profile, result, cwd);
  const { report } = result;

  switch (flags.format) {
    case 'json':
      process.stdout.write(renderJson(report));
      break;
    case 'sarif':
      process.stdout.write(renderSarif(report, { toolVersion: VERSION }));
      break;
    default:
      if (report.errors.length) process.stderr.write(renderErrorsText(report.errors, useColor(flags.color, process.stderr)));
      if (flags.statistics) process.stdout.write(renderStatistics(report, { color }));
      else if (!flags.quiet || report.findings.length) process.stdout.write(renderText(report, { color, showFixes: flags.showFixes }));
  }
  if (!saveReport(flags.report, 'concur check', () => checkReportData(report, reportContext()), flags.quiet)) return EXIT_ERROR;
  return exitStatus(report, result.filesFound, flags.exitZero);
}

export function parseThreads(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads takes a whole number of at least 1, not "${value}"`);
  return threads;
}

/** On stderr: measurements that no longer fit the code, or a profile that matched nothing checked. */
export function reportProfileUse(profile: LoadedProfile, result: CheckResult, cwd: string): void {
  const shown = relativePath(cwd, profile.path);
  for (const warning of result.profile?.warnings ?? []) process.stderr.write(`concur: warning: profile ${shown}: ${warning}\n`);
  const measured = [...profile.byFile.values()].reduce((n, file) => n + file.loops.length, 0);
  if (measured > 0 && (result.profile?.used ?? 0) === 0 && (result.profile?.warnings.length ?? 0) === 0) {
    process.stderr.write(`concur: warning: profile ${shown}: none of its ${measured} measured loops is in the files checked (it was recorded under ${profile.document.root})\n`);
  }
}

function relativePath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') ? relative : file;
}
