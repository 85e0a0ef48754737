/**
 * `concur optimize FILE -- CMD...`: the expert's loop in one command. Rewrite FILE in a copy of
 * its project, verify the copy against the original (outputs, several interleaved timed runs),
 * and write the rewrite into FILE only when every run's output was equal and it is faster
 * beyond doubt. Otherwise say what failed and leave FILE untouched.
 * Exit status: 0 applied, 1 not applied (nothing to rewrite, outputs differ, not faster),
 * 2 usage error or the original program itself failed.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyRewrite, snapshot, type Applied } from '../../optimize/apply.js';
import { decide, noRewrite, type Decision } from '../../optimize/decide.js';
import { killLiveGroups, LauncherError } from '../../verify/measured-run.js';
import { locateProject } from '../../verify/project-copy.js';
import { VerifyProgress } from '../../verify/progress.js';
import { renderVerifyJson } from '../../verify/render-json.js';
import { renderVerifyText } from '../../verify/render-text.js';
import { rewriteCopy, type RewriteSummary } from '../../verify/rewrite-copy.js';
import { findStressSites } from '../../verify/stress/stress-sites.js';
import { runVerify, VerifyStop, type VerifyReport } from '../../verify/verify.js';
import { verifyReportData } from '../../report/gather.js';
import type { ReportData } from '../../report/model.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from '../exit-status.js';
import { checkReportOption, reportContext, saveReport } from '../report-option.js';
import { resolveSettings, type SelectionFlags } from '../settings-from-cli.js';
import { isInteractive, useColor, type ColorChoice } from '../terminal.js';
import { UsageError } from '../usage-error.js';
import { parseThreads } from './check.js';
import { copyPatternBase, edgeCases, projectRelative, wholeNumber } from './verify.js';

export interface OptimizeFlags extends SelectionFlags {
  format: string;
  runs: string;
  warmup: string;
  timeout: string;
  minSpeedup: string;
  compareStderr?: boolean;
  outputDir?: string;
  unsafeFixes?: boolean;
  root?: string;
  dryRun?: boolean;
  color: ColorChoice;
  threads?: string;
  report?: string;
  /** False with --no-stress. */
  stress: boolean;
  stressRuns: string;
  case?: string[];
}

export const DEFAULT_MIN_SPEEDUP = 1;

export async function optimizeCommand(fileArgument: string, command: string[], flags: OptimizeFlags): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`unknown --format "${flags.format}": use text or json`);
  if (command.length === 0) throw new UsageError('no command to run: concur optimize FILE -- CMD [ARGS...]');
  const cwd = process.cwd();
  const runs = wholeNumber('--runs', flags.runs, 2);
  const warmup = wholeNumber('--warmup', flags.warmup, 0);
  const timeoutSeconds = Number(flags.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout: expected a number of seconds greater than 0, got "${flags.timeout}"`);
  const stressRuns = wholeNumber('--stress-runs', flags.stressRuns, 1);
  const cases = edgeCases(flags.case ?? []);
  const minSpeedup = Number(flags.minSpeedup);
  if (!Number.isFinite(minSpeedup) || minSpeedup < 1) throw new UsageError(`--min-speedup: expected a ratio of at least 1, got "${flags.minSpeedup}"`);
  checkReportOption(flags.report);
  const file = path.resolve(cwd, fileArgument);
  if (!isFile(file)) throw new UsageError(`${fileArgument}: not a file (optimize rewrites one Python file or notebook; verify takes a directory)`);
  if (!/\.(py|pyw|ipynb)$/i.test(file)) throw new UsageError(`${fileArgument}: not a Python file or notebook (.py, .pyw, .ipynb)`);

  const location = locateProject(fileArgument, cwd, flags.root);
  const outputDirectory = flags.outputDir === undefined ? undefined : projectRelative('--output-dir', flags.outputDir, location.root, cwd);
  const { settings, patternBase } = resolveSettings([fileArgument], flags, cwd);
  const suffix = path.relative(patternBase, location.root);
  const copySuffix = suffix.startsWith('..') || path.isAbsolute(suffix) ? '' : suffix;
  // Taken before the copy: the file is written back only if it still holds this text.
  const before = snapshot(file);
  const originalText = readFileSync(file, 'utf8');

  const workDirectory = realpathSync(mkdtempSync(path.join(tmpdir(), 'concur-optimize-')));
  const progress = new VerifyProgress(isInteractive(process.stderr));
  const cleanUp = () => {
    progress.clear();
    killLiveGroups();
    rmSync(workDirectory, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.stderr.write(`concur optimize: interrupted (${signal}); ${fileArgument} was not changed\n`);
    process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);

  let rewriteRoot: string | undefined;
  let rewriteSummary: RewriteSummary | undefined;
  let report: VerifyReport;
  let decision: Decision;
  let applied: Applied | undefined;
  let rewrittenText: string | undefined;
  try {
    report = await runVerify({
      location,
      cwd,
      command,
      rewrite: (copyRoot) => {
        rewriteRoot = copyRoot;
        return rewriteCopy({
          copyRoot,
          target: location.target,
          settings,
          patternBase: copyPatternBase(copyRoot, location.root, patternBase, copySuffix),
          unsafeFixes: Boolean(flags.unsafeFixes),
          maxWorkers: parseThreads(flags.threads),
        }).then((summary) => (rewriteSummary = summary));
      },
      runs,
      warmup,
      timeoutSeconds,
      compareStderr: Boolean(flags.compareStderr),
      outputDirectory,
      cases,
      // A threaded rewrite is written back only if forced thread switches at the racy sites change nothing either.
      stress:
        flags.stress === false
          ? undefined
          : {
              runs: stressRuns,
              analyse: (copyRoot) =>
                findStressSites({ copyRoot, settings, patternBase: copyPatternBase(copyRoot, location.root, patternBase, copySuffix), maxWorkers: parseThreads(flags.threads) }),
            },
      workDirectory,
      copySuffix,
      onPhase: (label) => progress.phase(label),
    });
    decision = decide(report, location.target, minSpeedup);
    if (decision.apply && rewriteRoot) {
      rewrittenText = readFileSync(path.join(rewriteRoot, ...location.target.split('/')), 'utf8');
      if (!flags.dryRun) applied = applyRewrite(decision.files, rewriteRoot, location.root, [before]);
    }
  } catch (error) {
    cleanUp();
    if (error instanceof VerifyStop && rewriteSummary && rewriteSummary.applied === 0) {
      // Nothing was rewritten, so nothing ran: the answer is the analysis's reasons.
      return printRefusal(fileArgument, noRewrite(rewriteSummary, location.target), flags);
    }
    if (error instanceof VerifyStop || error instanceof LauncherError) {
      process.stderr.write(`concur optimize: ${error.message}; ${fileArgument} was not changed\n`);
      return EXIT_ERROR;
    }
    throw error;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
  cleanUp();

  const diff = rewrittenText === undefined ? '' : createTwoFilesPatch(fileArgument, fileArgument, originalText, rewrittenText, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
  const written = applied?.written.length ? true : false;
  if (flags.format === 'json') {
    const verify = JSON.parse(renderVerifyJson(report)) as Record<string, unknown>;
    const json = {
      file: fileArgument,
      applied: written,
      dry_run: Boolean(flags.dryRun),
      decision: decision.apply ? 'apply' : decision.refusal,
      summary: decision.summary,
      details: decision.apply ? [] : decision.details,
      skipped: applied?.skipped ?? [],
      min_speedup: minSpeedup,
      diff: diff || null,
      verify,
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const color = useColor(flags.color, process.stdout);
    process.stdout.write(renderVerifyText(report, { color }));
    process.stdout.write(`\n${conclusion(fileArgument, decision, applied, Boolean(flags.dryRun), diff, color, report.nondeterminism.some((n) => n.side === 'original'))}`);
  }
  const reportSaved = saveReport(flags.report, 'concur optimize', () => optimizeReportData(report, decision, written, Boolean(flags.dryRun), fileArgument));
  if (!reportSaved) return EXIT_ERROR;
  if (report.status === 'original-failed' || (!decision.apply && decision.refusal === 'original-failed')) return EXIT_ERROR;
  return written || (decision.apply && flags.dryRun) ? EXIT_CLEAN : EXIT_FINDINGS;
}

function conclusion(file: string, decision: Decision, applied: Applied | undefined, dryRun: boolean, diff: string, color: boolean, originalVaries: boolean): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  if (decision.apply) {
    if (dryRun) return `${paint('1', `Would rewrite ${file}`)}: ${decision.summary} (--dry-run: nothing written).\n${diff}`;
    if (applied && applied.skipped.length > 0) {
      return `${paint('1;33', `Not applied to ${file}`)}: ${applied.skipped[0]!.reason}. Run concur optimize again.\n`;
    }
    return `${paint('1;32', `Rewrote ${file}`)}: ${decision.summary}.\n${diff}`;
  }
  const lines = [`${paint('1;33', `${file} left unchanged`)}: ${decision.summary}.`, ...decision.details.map((d) => `  ${d}`)];
  if (decision.refusal === 'not-faster') lines.push('  More runs (--runs) narrow the interval; a workload too small for a pool will not get faster.');
  if (decision.refusal === 'different') {
    lines.push(
      originalVaries
        ? '  The original\'s own output varies from run to run, so no rewrite can be shown equal to it: make it deterministic first.'
        : '  Unsafe fixes (--unsafe-fixes) may reorder output; with safe fixes only, this is a defect in concur\'s rewrite: please report it with the program.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** verify's report, titled and headed by what optimize decided and did with the file. */
function optimizeReportData(report: VerifyReport, decision: Decision, written: boolean, dryRun: boolean, file: string): ReportData {
  const data = verifyReportData(report, reportContext());
  data.command = 'concur optimize';
  data.headline = decision.apply
    ? `${written ? `${file} rewritten` : dryRun ? `${file} would be rewritten (dry run)` : `${file} left unchanged`}: ${decision.summary}`
    : `${file} left unchanged: ${decision.summary}`;
  if (data.changes) data.changes.where = written ? `${file} (written)` : `not written to ${file}`;
  return data;
}

function printRefusal(file: string, decision: Decision, flags: OptimizeFlags): number {
  if (decision.apply) throw new Error('not a refusal');
  if (flags.format === 'json') {
    const json = { file, applied: false, dry_run: Boolean(flags.dryRun), decision: decision.refusal, summary: decision.summary, details: decision.details, skipped: [], min_speedup: Number(flags.minSpeedup), diff: null, verify: null };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    process.stdout.write(conclusion(file, decision, undefined, Boolean(flags.dryRun), '', useColor(flags.color, process.stdout), false));
  }
  return EXIT_FINDINGS;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
