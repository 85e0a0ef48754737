/**
 * What every analysis reports, and what every output format renders.
 * Positions are 1-based; columns count Unicode code points, as ruff and editors show them.
 */

export const CATEGORIES = [
  'opportunity',
  'race',
  'deadlock',
  'async-blocking',
  'process-safety',
  'resource',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Applicability = 'safe' | 'unsafe';

/** A replacement of the UTF-16 range [start, end) of the decoded source text. */
export interface Edit {
  start: number;
  end: number;
  text: string;
  /**
   * The same range as 1-based line / code-point column positions (end exclusive), in the finding's
   * coordinates (cell-relative for notebooks). Filled in by the analysis, which has the source text,
   * so that outputs can show edits without re-reading files.
   */
  range?: Range;
}

export interface Fix {
  applicability: Applicability;
  /** Imperative, e.g. "Replace with `await asyncio.sleep(...)`". */
  message: string;
  edits: Edit[];
}

export interface Position {
  line: number;
  column: number;
}

export interface Range {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Another place that explains a finding (a step of a call chain, the other side of a conflict). */
export interface RelatedLocation extends Range {
  path: string;
  message: string;
}

/** Source lines around a finding, captured where the file is read so that no output re-reads it. */
export interface Snippet {
  firstLine: number;
  lines: string[];
}

export interface Plan {
  model: 'threads' | 'processes' | 'asyncio' | 'hybrid' | 'interpreters' | 'ray' | 'dask' | 'joblib';
  workload: 'io' | 'cpu' | 'native' | 'mixed' | 'unknown';
  workers: number;
  rationale: string;
  /** The environment variable the rewritten code reads its worker count from, when there is a rewrite. */
  workersVariable?: string;
  /** Measured plans (`--profile`): the program's expected speedup (the loop's, when it ran outside the first process). */
  estimatedSpeedup?: number;
  /** Measured process plans: items per task. */
  chunksize?: number;
}

export interface Finding extends Range {
  /** Rule code, e.g. "AS101". */
  rule: string;
  /** Rule name, e.g. "blocking-call-in-async". */
  name: string;
  category: Category;
  /** Path as shown to the user (relative to the working directory where possible). */
  path: string;
  message: string;
  /** For notebooks: the 1-based code cell, with line relative to that cell. */
  cell?: number;
  fix?: Fix;
  related?: RelatedLocation[];
  plan?: Plan;
  snippet?: Snippet;
}

/** A file that could not be analysed, and why. */
export interface FileError {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Verdict on a loop or comprehension that was considered for concurrent execution. */
export interface LoopVerdict {
  path: string;
  line: number;
  /** Where the loop starts on its line: not shown, but `concur profile` tells loops on one line apart by it. */
  loopColumn?: number;
  verdict: 'parallel' | 'rejected';
  reason: string;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    (a.cell ?? 0) - (b.cell ?? 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}
