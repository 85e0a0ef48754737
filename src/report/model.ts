/**
 * What a report shows, gathered once from the results of `check`, `fix` and `verify` (see
 * gather.ts) so that the HTML and the Markdown renderers show the same facts. Plain data:
 * no functions, nothing that needs the file system.
 *
 * A report is a header plus optional sections; a command fills in the sections it has. To
 * show something new (verify's stress runs, say), add an optional field to the section it
 * belongs to, fill it in gather.ts, and render it in html.ts and markdown.ts.
 */
import type { Category, FileError, LoopVerdict, Plan, RelatedLocation, Snippet } from '../diagnostics/finding.js';
import type { Summary, SpeedupEstimate, AmdahlFit } from '../verify/statistics.js';
import type { DifferenceKind } from '../verify/compare.js';

export interface ReportData {
  /** `concur check`, `concur fix`, `concur verify`: the first words of the title. */
  command: string;
  /** One line saying what came out ("3 findings in 2 files", "outputs equal, 2.1x faster"). */
  headline: string;
  /** The command line, shell-quoted, as the user could type it again. */
  invocation: string;
  /** ISO 8601 time the report was made. */
  generatedAt: string;
  version: string;
  analysis?: AnalysisSection;
  changes?: ChangesSection;
  verify?: VerifySection;
}

/** What the static analysis found: findings, loop plans, loop verdicts, files it could not read. */
export interface AnalysisSection {
  /** Absent in verify's report, which analyses only to rewrite. */
  filesAnalysed?: number;
  /** Set by `concur fix`: how many findings were fixed (listed with `fix: 'applied'`). */
  fixesApplied?: number;
  /** Absent in verify's report: there the plans are what matters. */
  findings?: ReportFinding[];
  /** Loops concur would run concurrently (or did, in a rewrite), with their plans. */
  plans: LoopPlan[];
  /** Every loop and comprehension considered, with its verdict and reason. */
  loops: LoopVerdict[];
  /** Files that could not be analysed or rewritten (verify's messages carry the path in the text). */
  errors: Array<Partial<FileError> & { message: string }>;
  summary: AnalysisSummary;
}

export interface ReportFinding {
  rule: string;
  name: string;
  category: Category;
  path: string;
  cell?: number;
  line: number;
  column: number;
  message: string;
  /** `none` when no automatic fix exists. */
  fix: FixAvailability;
  fixMessage?: string;
  /** The other places that explain it: the other side of a conflict, steps of a call chain. */
  related: RelatedLocation[];
  plan?: Plan;
  /** Source lines around the finding, when the analysis captured them. */
  snippet?: Snippet;
}

export type FixAvailability = 'safe' | 'unsafe' | 'none' | 'applied';

export interface LoopPlan {
  path: string;
  line: number;
  rule: string;
  message?: string;
  model?: string;
  workload?: string;
  workers?: number;
  workersVariable?: string;
  rationale?: string;
  fix: FixAvailability;
}

export interface AnalysisSummary {
  byCategory: Array<{ category: Category; count: number }>;
  /** Per rule: findings, and how many have a safe or an unsafe fix, or were fixed (by `concur fix`). */
  byRule: Array<{ rule: string; name: string; count: number; safeFixes: number; unsafeFixes: number; fixed: number }>;
  verdicts: { parallel: number; rejected: number };
  /** Files with at least one finding. */
  filesWithFindings: number;
}

/** The code changes: written (`fix`, verify's copy) or only proposed (`fix --diff`). */
export interface ChangesSection {
  written: boolean;
  /** Where the change was made, when not in the user's files ("the rewrite's copy"). */
  where?: string;
  files: FileDiff[];
}

export interface FileDiff {
  path: string;
  /** A unified diff with `---`/`+++` headers and 3 lines of context. */
  diff: string;
  added: number;
  removed: number;
}

/** One program of a verify run: the original or the rewrite. */
export interface VariantFigures {
  name: 'original' | 'rewrite';
  seconds: Summary;
  /** Wall seconds of every timed run, in order (the spread in the time chart). */
  runs: number[];
  cpuUtilization: number | null;
  peakRssBytes: number;
  exitCode: number | null;
  signal: string | null;
}

export interface ScalingFigures {
  workers: number;
  seconds: number;
  runs: number[];
  speedup: number | null;
  efficiency: number | null;
  cpuUtilization: number | null;
  peakRssBytes: number;
}

export interface VerifySection {
  status: 'equal' | 'different' | 'original-failed';
  equal: boolean;
  failure?: string;
  /** The program's command as run in each copy, shell-quoted. */
  programCommand: string;
  project: string;
  /** `concur` when concur rewrote the copy, else the candidate directory given. */
  candidate: { kind: 'rewrite' } | { kind: 'directory'; directory: string };
  runs: number;
  warmup: number;
  /** What was compared, in words: exit status, stdout, ... */
  compared: string[];
  variants: VariantFigures[];
  speedup?: SpeedupEstimate;
  sweep?: {
    variables: Array<{ name: string; model: string; file: string }>;
    workers: number[];
    runsPerPoint: number;
    cpus: number;
    skipped?: string;
    points: ScalingFigures[];
    amdahl?: AmdahlFit;
  };
  differences: Array<{ kind: DifferenceKind; file?: string; description: string; excerpt?: string; runs: number; of: number; workers?: number[] }>;
  nondeterminism: Array<{ side: string; description: string; excerpt?: string }>;
  notes: string[];
  /** Runs of each side over the whole verify (warm-ups and sweep included). */
  runCounts: { original: number; rewrite: number };
}
