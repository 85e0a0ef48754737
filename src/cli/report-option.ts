/**
 * `--report FILE` on the command line: checked before any work (a typo in the extension should
 * not cost a whole verify run), written at the end. The command line is remembered so that the
 * report can show how it was made.
 */
import type { ReportData } from '../report/model.js';
import { reportFormat, writeReport } from '../report/write-report.js';
import type { ReportContext } from '../report/gather.js';
import { VERSION } from './version.js';

let invocation: string[] = [];

/** Called by `main` with the arguments it was given. */
export function rememberInvocation(argv: readonly string[]): void {
  invocation = ['concur', ...argv];
}

/** Throws a UsageError when FILE cannot name a report. */
export function checkReportOption(file: string | undefined): void {
  if (file !== undefined) reportFormat(file);
}

export function reportContext(): ReportContext {
  return { invocation, version: VERSION };
}

/**
 * Writes the report when one was asked for; says where on stderr. False (after an error message)
 * when it could not be written: the command then exits with status 2.
 */
export function saveReport(file: string | undefined, command: string, data: () => ReportData, quiet = false): boolean {
  if (file === undefined) return true;
  try {
    writeReport(file, data());
  } catch (error) {
    process.stderr.write(`${command}: cannot write the report ${file}: ${(error as Error).message}\n`);
    return false;
  }
  if (!quiet) process.stderr.write(`${command}: report written to ${file}\n`);
  return true;
}
