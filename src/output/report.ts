import {
  compareFindings,
  type FileError,
  type Finding,
  type LoopVerdict,
} from '../diagnostics/finding.js';
import type { RuleMeta } from '../rules/rule-meta.js';

/** Everything one run of `concur check` or `concur fix` produced; the input of every output format. */
export interface Report {
  /** Findings still present (after fixes, when fixes were applied). */
  findings: Finding[];
  loops: LoopVerdict[];
  errors: FileError[];
  /** Files that were read and analysed (not counting those in `errors`). */
  filesAnalysed: number;
  /** Metadata of the rules that ran; SARIF describes them. */
  rules: RuleMeta[];
  /** Set by `concur fix`: how many findings were fixed (they are no longer in `findings`). */
  fixesApplied?: number;
}

/** Findings in the canonical order, so that every format is deterministic whatever order analyses ran in. */
export function sortedFindings(report: Report): Finding[] {
  return [...report.findings].sort(compareFindings);
}

export function sortedLoops(loops: readonly LoopVerdict[]): LoopVerdict[] {
  return [...loops].sort((a, b) => compareText(a.path, b.path) || a.line - b.line);
}

export function sortedErrors(errors: readonly FileError[]): FileError[] {
  return [...errors].sort(
    (a, b) => compareText(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

/** Code-unit order, not locale order: the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
