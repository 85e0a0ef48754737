/**
 * `concur fix PATH...`: applies the fixes of the findings in place, atomically, keeping each
 * file's encoding and BOM; `--diff` prints what would change and writes nothing.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { runCheck } from '../../engine/check.js';
import { fixInPlace, planChanges } from '../../fixes/fix-in-place.js';
import { renderErrorsText, renderText } from '../../output/text.js';
import { resolveSettings, type SelectionFlags } from '../settings-from-cli.js';
import { fixReportData } from '../../report/gather.js';
import { EXIT_ERROR, exitStatus } from '../exit-status.js';
import { checkReportOption, reportContext, saveReport } from '../report-option.js';
import { useColor, type ColorChoice } from '../terminal.js';
import { parseThreads, reportProfileUse } from './check.js';
import { loadProfile } from '../../profile/profile-file.js';

export interface FixFlags extends SelectionFlags {
  diff?: boolean;
  unsafeFixes?: boolean;
  color: ColorChoice;
  exitZero?: boolean;
  threads?: string;
  forceExclude?: boolean;
  profile?: string;
  report?: string;
}

export async function fixCommand(paths: string[], flags: FixFlags): Promise<number> {
  checkReportOption(flags.report);
  const cwd = process.cwd();
  const targets = paths.length ? paths : ['.'];
  const { settings, patternBase } = resolveSettings(targets, flags, cwd);
  const color = useColor(flags.color, process.stdout);
  const errorColor = useColor(flags.color, process.stderr);
  const profile = flags.profile === undefined ? undefined : loadProfile(flags.profile, cwd);
  const check = () =>
    runCheck({
      paths: targets,
      cwd,
      settings,
      snippets: true,
      forceExclude: flags.forceExclude,
      patternBase,
      maxWorkers: parseThreads(flags.threads),
      measurements: profile?.byFile,
    });
  const writeErrors = new Set<string>();
  let result = await check();
  // Only the first check sees the code that was measured: the re-checks after fixing see rewritten loops.
  if (profile) reportProfileUse(profile, result, cwd);

  if (flags.diff) {
    const changes = await planChanges(result, flags.unsafeFixes, writeErrors);
    for (const change of changes) {
      // `--- path` and `+++ path` then the hunks, as ruff prints them: no svn-style `Index:` and
      // `====` lines, and no tab after the name (that is where a timestamp would go).
      process.stdout.write(
        createTwoFilesPatch(change.path, change.path, change.source.text, change.fixed, undefined, undefined, {
          context: 3,
          headerOptions: FILE_HEADERS_ONLY,
        }),
      );
    }
    for (const message of writeErrors) process.stderr.write(`${message}\n`);
    const count = changes.reduce((n, c) => n + c.applied, 0);
    process.stderr.write(`Would fix ${count} finding${count === 1 ? '' : 's'} in ${changes.length} file${changes.length === 1 ? '' : 's'}.\n`);
    const files = changes.map((change) => ({ path: change.path, before: change.source.text, after: change.fixed }));
    const report = result.report;
    if (!saveReport(flags.report, 'concur fix', () => fixReportData({ before: report, after: report, applied: [], files, written: false }, reportContext()))) return EXIT_ERROR;
    if (result.report.filesAnalysed === 0) return exitStatus(result.report, result.filesFound);
    return changes.length > 0 && !flags.exitZero ? 1 : 0;
  }

  // A fix can make another one possible (a blocking call inside another): like ruff, apply and
  // re-check until nothing changes, a bounded number of times.
  const before = result.report;
  const fixed = await fixInPlace(result, check, flags.unsafeFixes);
  result = fixed.result;
  for (const message of fixed.errors) process.stderr.write(`${message}\n`);

  // Report what is left, as it is on disk now.
  result.report.fixesApplied = fixed.applied;
  if (result.report.errors.length) process.stderr.write(renderErrorsText(result.report.errors, errorColor));
  process.stdout.write(renderText(result.report, { color }));
  const after = result.report;
  const outcome = { before, after, applied: fixed.appliedFindings, files: fixed.changedFiles, written: true };
  if (!saveReport(flags.report, 'concur fix', () => fixReportData(outcome, reportContext()))) return EXIT_ERROR;
  return exitStatus(result.report, result.filesFound, flags.exitZero);
}
