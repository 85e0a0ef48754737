/**
 * What a rule is. A rule is one module: its metadata and documentation, a `check` that runs in
 * the worker on one file's semantic model, and, for rules whose verdict depends on other files,
 * a `resolve` that runs on the main thread once the project index has linked every file.
 */
import type { Catalogue } from '../catalogue/schema.js';
import type { RuntimeOptions } from '../config/settings.js';
import type { Edit, Finding, Fix, Plan, RelatedLocation } from '../diagnostics/finding.js';
import type { LineIndex } from '../parser/line-index.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { LoopMeasurement } from '../profile/profile-file.js';
import type { ProjectIndex } from '../project/project-index.js';
import type { SemanticModel } from '../semantic/model.js';
import type { SourceFile } from '../source/source-file.js';
import type { RuleMeta } from './rule-meta.js';

export interface FixDraft {
  applicability: Fix['applicability'];
  message: string;
  edits: Edit[];
}

export interface ReportOptions {
  fix?: FixDraft;
  related?: RelatedLocation[];
  plan?: Plan;
}

export interface RuleContext {
  source: SourceFile;
  model: SemanticModel;
  lines: LineIndex;
  catalogue: Catalogue;
  targetVersion: [number, number];
  /** Where the generated code runs (free-threaded build) and the limits it enforces (per-item timeout). */
  runtime: RuntimeOptions;
  /** False when the file parsed with errors that `compile()` accepted: never offer edits then. */
  fixesAllowed: boolean;
  /** The loop (a `for` statement or comprehension) as `concur profile` measured it, if `--profile` has it. */
  measurement(node: SyntaxNode): LoopMeasurement | undefined;
  report(node: SyntaxNode, message: string, options?: ReportOptions): void;
  /** Records the verdict on a loop or comprehension considered for concurrent execution. */
  recordLoop(node: SyntaxNode, verdict: 'parallel' | 'rejected', reason: string): void;
  /** A finding whose message (or existence) depends on other files; `resolve` decides. */
  defer(node: SyntaxNode, data: Record<string, unknown>, options?: ReportOptions): void;
}

/** A finding waiting for the project index. `message` is empty until resolved. */
export interface PendingFinding {
  finding: Finding;
  data: Record<string, unknown>;
}

export interface Resolution {
  /** Absent: no finding (a loop rule may still give its verdict). */
  message?: string;
  related?: RelatedLocation[];
  plan?: Plan;
  fix?: Fix;
  /** The verdict on the loop the pending finding stands for. */
  loop?: { verdict: 'parallel' | 'rejected'; reason: string };
}

export interface Rule {
  meta: RuleMeta;
  check(context: RuleContext): void;
  resolve?(pending: PendingFinding, project: ProjectIndex): Resolution | undefined;
}
