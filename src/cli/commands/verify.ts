/**
 * `concur verify PATH -- CMD...`: runs the original program and concur's rewrite of it (or a
 * given candidate) in isolated copies, compares what they produce and measures them.
 * Exit status: 0 outputs equal, 1 outputs differ (or the rewrite timed out or could not start),
 * 2 usage error, nothing to verify, or the original itself could not run.
 */
import { mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killLiveGroups, LauncherError } from '../../verify/measured-run.js';
import { locateProject } from '../../verify/project-copy.js';
import { VerifyProgress } from '../../verify/progress.js';
import { renderVerifyJson } from '../../verify/render-json.js';
import { renderVerifyText } from '../../verify/render-text.js';
import { rewriteCopy } from '../../verify/rewrite-copy.js';
import { parseWorkerList } from '../../verify/sweep.js';
import { runVerify, VerifyStop, type VerifyReport } from '../../verify/verify.js';
import { verifyReportData } from '../../report/gather.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from '../exit-status.js';
import { checkReportOption, reportContext, saveReport } from '../report-option.js';
import { resolveSettings, type SelectionFlags } from '../settings-from-cli.js';
import { isInteractive, useColor, type ColorChoice } from '../terminal.js';
import { UsageError } from '../usage-error.js';
import { parseThreads } from './check.js';

export interface VerifyFlags extends SelectionFlags {
  format: string;
  runs: string;
  warmup: string;
  timeout: string;
  compareStderr?: boolean;
  outputDir?: string;
  candidate?: string;
  unsafeFixes?: boolean;
  sweep?: boolean;
  sweepWorkers?: string;
  sweepMax: string;
  sweepRuns: string;
  root?: string;
  keep?: boolean;
  color: ColorChoice;
  threads?: string;
  report?: string;
}

export const DEFAULT_RUNS = 5;
export const DEFAULT_WARMUP = 1;
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_SWEEP_RUNS = 3;

export async function verifyCommand(pathArgument: string, command: string[], flags: VerifyFlags): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`unknown --format "${flags.format}": use text or json`);
  if (command.length === 0) throw new UsageError('no command to run: concur verify PATH -- CMD [ARGS...]');
  checkReportOption(flags.report);
  const cwd = process.cwd();
  const runs = wholeNumber('--runs', flags.runs, 1);
  const warmup = wholeNumber('--warmup', flags.warmup, 0);
  const sweepRuns = wholeNumber('--sweep-runs', flags.sweepRuns, 1);
  const sweepMax = wholeNumber('--sweep-max', flags.sweepMax, 1);
  const timeoutSeconds = Number(flags.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout: expected a number of seconds greater than 0, got "${flags.timeout}"`);
  let sweepWorkers: number[] | undefined;
  if (flags.sweepWorkers !== undefined) {
    sweepWorkers = parseWorkerList(flags.sweepWorkers);
    if (!sweepWorkers) throw new UsageError(`--sweep-workers: expected worker counts such as 1,2,4,8, got "${flags.sweepWorkers}"`);
  }
  const location = locateProject(pathArgument, cwd, flags.root);
  const outputDirectory = flags.outputDir === undefined ? undefined : projectRelative('--output-dir', flags.outputDir, location.root, cwd);
  let candidateDirectory: string | undefined;
  if (flags.candidate !== undefined) {
    candidateDirectory = path.resolve(cwd, flags.candidate);
    if (!isDirectory(candidateDirectory)) throw new UsageError(`--candidate ${flags.candidate}: not a directory`);
    if (flags.unsafeFixes) throw new UsageError('--candidate and --unsafe-fixes exclude each other: a candidate is compared as it is');
  }

  // The settings `concur fix PATH` would use, found from the user's PATH; the copy sits below
  // the same relative path from their base, so that exclude patterns match the same files.
  // A candidate is compared as it is: no settings.
  const { settings, patternBase } = candidateDirectory ? { settings: undefined, patternBase: location.root } : resolveSettings([pathArgument], flags, cwd);
  const suffix = path.relative(patternBase, location.root);
  const copySuffix = suffix.startsWith('..') || path.isAbsolute(suffix) ? '' : suffix;
  const maxWorkers = parseThreads(flags.threads);

  const workDirectory = realpathSync(mkdtempSync(path.join(tmpdir(), 'concur-verify-')));
  const progress = new VerifyProgress(isInteractive(process.stderr));
  const cleanUp = () => {
    progress.clear();
    killLiveGroups();
    if (!flags.keep) rmSync(workDirectory, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.stderr.write(`concur verify: interrupted (${signal}); the runs in progress were killed with their process groups\n`);
    process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);

  let report: VerifyReport;
  try {
    report = await runVerify({
      location,
      cwd,
      command,
      candidateDirectory,
      rewrite: !settings
        ? undefined
        : (copyRoot) =>
            rewriteCopy({
              copyRoot,
              target: location.target,
              settings,
              patternBase: copyPatternBase(copyRoot, location.root, patternBase, copySuffix),
              unsafeFixes: Boolean(flags.unsafeFixes),
              maxWorkers,
            }),
      runs,
      warmup,
      timeoutSeconds,
      compareStderr: Boolean(flags.compareStderr),
      outputDirectory,
      sweep: flags.sweep || sweepWorkers ? { workers: sweepWorkers, max: sweepMax, runsPerPoint: sweepRuns } : undefined,
      workDirectory,
      copySuffix,
      onPhase: (label) => progress.phase(label),
    });
  } catch (error) {
    if (error instanceof VerifyStop || error instanceof LauncherError) {
      cleanUp();
      process.stderr.write(`concur verify: ${error.message}\n`);
      return EXIT_ERROR;
    }
    cleanUp();
    throw error;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
  cleanUp();

  if (flags.format === 'json') process.stdout.write(renderVerifyJson(report));
  else process.stdout.write(renderVerifyText(report, { color: useColor(flags.color, process.stdout) }));
  if (flags.keep) process.stderr.write(`concur verify: the copies are kept in ${workDirectory}\n`);
  if (!saveReport(flags.report, 'concur verify', () => verifyReportData(report, reportContext()))) return EXIT_ERROR;
  if (report.status === 'original-failed') {
    if (flags.format === 'json') process.stderr.write(`concur verify: ${report.failure}\n`);
    return EXIT_ERROR;
  }
  return report.equal ? EXIT_CLEAN : EXIT_FINDINGS;
}

/** The settings' pattern base as seen from the copy (the copy's root when it lies elsewhere). */
export function copyPatternBase(copyRoot: string, root: string, patternBase: string, copySuffix: string): string {
  const relative = path.relative(root, patternBase);
  const below = relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  return below || copySuffix ? path.resolve(copyRoot, relative) : copyRoot;
}

export function wholeNumber(option: string, value: string, minimum: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum) throw new UsageError(`${option} takes a whole number of at least ${minimum}, not "${value}"`);
  return number;
}

function isDirectory(directory: string): boolean {
  try {
    return statSync(directory).isDirectory();
  } catch {
    return false;
  }
}

/** `--output-dir`: relative to the project root (or an absolute path inside it), never outside. */
export function projectRelative(option: string, value: string, root: string, cwd: string): string {
  const absolute = path.isAbsolute(value) ? value : path.resolve(root, value);
  const relative = path.relative(root, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UsageError(`${option} ${value}: must be a directory inside the project (${path.relative(cwd, root) || '.'})`);
  }
  return relative.split(path.sep).join('/');
}
