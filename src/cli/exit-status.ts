/**
 * Exit status, as DESIGN.md fixes it: 0 nothing found, 1 findings, 2 usage error or nothing
 * could be analysed. Files that failed to read or parse are reported, but do not by themselves
 * change the status while other files were analysed.
 */
import type { Report } from '../output/report.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

export function exitStatus(report: Report, filesFound: number, exitZero = false): number {
  if (report.filesAnalysed === 0) {
    if (filesFound === 0 && report.errors.length === 0) process.stderr.write('concur: no Python files found to analyse\n');
    else process.stderr.write('concur: no file could be analysed\n');
    return EXIT_ERROR;
  }
  if (exitZero) return EXIT_CLEAN;
  return report.findings.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}
