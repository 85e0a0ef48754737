/**
 * `concur verify PATH -- CMD...`: runs the original program and concur's rewrite of it (or a
 * given candidate) in isolated copies, compares what they produce and measures them.
 * Exit status: 0 outputs equal, 1 outputs differ (or the rewrite timed out or could not start),
 * 2 usage error, nothing to verify, or the original itself could not run.
 */
import { mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings } from '../../config/settings.js';
import { parseCase, type EdgeCase } from '../../verify/edge-cases.js';
import { killLiveGroups, LauncherError } from '../../verify/measured-run.js';
import { locateProject } from '../../verify/project-copy.js';
import { VerifyProgress } from '../../verify/progress.js';
import { renderVerifyJson } from '../../verify/render-json.js';
import { renderVerifyText } from '../../verify/render-text.js';
import { rewriteCopy } from '../../verify/rewrite-copy.js';
import { findStressSites } from '../../verify/stress/stress-sites.js';
import { parseWorkerList } from '../../verify/sweep.js';
import { runVerify, stressFound, VerifyStop, type VerifyReport } from '../../verify/verify.js';
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
  /** False with --no-stress. */
  stress: boolean;
  stressRuns: string;
  stressTimeout?: string;
  case?: string[];
  color: ColorChoice;
  threads?: string;
  report?: string;
}

export const DEFAULT_RUNS = 5;
export const DEFAULT_WARMUP = 1;
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_SWEEP_RUNS = 3;
export const DEFAULT_STRESS_RUNS = 5;

export async function verifyCommand(pathArgument: string, command: string[], flags: VerifyFlags): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`unknown --format "${flags.format}": use text or json`);
  if (command.length === 0) throw new UsageError('no command to run: concur verify PATH -- CMD [ARGS...]');
  checkReportOption(flags.report);
  const cwd = process.cwd();
  const runs = wholeNumber('--runs', flags.runs, 1);
  const warmup = wholeNumber('--warmup', flags.warmup, 0);
  const sweepRuns = wholeNumber('--sweep-runs', flags.sweepRuns, 1);
  const sweepMax = wholeNumber('--sweep-max', flags.sweepMax, 1);
  const timeoutSeconds = seconds('--timeout', flags.timeout);
  const stressRuns = wholeNumber('--stress-runs', flags.stressRuns, 1);
  const stressTimeout = flags.stressTimeout === undefined ? undefined : seconds('--stress-timeout', flags.stressTimeout);
  const cases = edgeCases(flags.case ?? []);
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
      cases,
      stress:
        flags.stress === false
          ? undefined
          : {
              runs: stressRuns,
              timeoutSeconds: stressTimeout,
              // A candidate is compared as it is, but analysed with the default settings.
              analyse: (copyRoot) =>
                findStressSites({
                  copyRoot,
                  settings: settings ?? defaultSettings(),
                  patternBase: settings ? copyPatternBase(copyRoot, location.root, patternBase, copySuffix) : copyRoot,
                  maxWorkers,
                }),
            },
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
  return report.equal && !stressFound(report.stress) ? EXIT_CLEAN : EXIT_FINDINGS;
}

function seconds(option: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${option}: expected a number of seconds greater than 0, got "${value}"`);
  return number;
}

/** `--case NAME=CMD`, repeated: names unique. */
export function edgeCases(values: readonly string[]): EdgeCase[] {
  const cases: EdgeCase[] = [];
  for (const value of values) {
    const parsed = parseCase(value);
    if (!parsed) throw new UsageError(`--case ${value}: expected NAME=COMMAND, such as --case 'empty=python3 main.py /dev/null' (NAME: letters, digits, _ . -)`);
    if (cases.some((c) => c.name === parsed.name)) throw new UsageError(`--case ${parsed.name}: the name is used twice`);
    cases.push(parsed);
  }
  return cases;
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
