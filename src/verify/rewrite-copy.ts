/**
 * Applies concur's rewrites to the candidate copy of the project, exactly as `concur fix` would
 * to the user's files (the same settings, safe fixes unless unsafe ones are allowed, repeated
 * until nothing changes), and says what it did: the findings it fixed and their plans.
 */
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { runCheck } from '../engine/check.js';
import { fixInPlace, type ChangedFile } from '../fixes/fix-in-place.js';
import type { LoopVerdict } from '../diagnostics/finding.js';

export interface AppliedRewrite {
  rule: string;
  /** The file, relative to the copy's root, `/`-separated. */
  path: string;
  line: number;
  message: string;
  model?: string;
  workload?: string;
  /** The plan's default worker count and its reasons, for reports. */
  workers?: number;
  rationale?: string;
  /** The environment variable holding the rewritten loop's worker count. */
  workersVariable?: string;
}

export interface RewriteSummary {
  /** Fixes written. */
  applied: number;
  rewrites: AppliedRewrite[];
  /** Files that could not be analysed or fixed, one message each. */
  errors: string[];
  /** Every loop the analysis considered before rewriting, with its verdict and reason (paths relative to the copy's root). */
  loops: LoopVerdict[];
  /** Each rewritten file's text before and after (paths relative to the copy's root), for reports. */
  changedFiles?: ChangedFile[];
}

export interface RewriteCopyOptions {
  /** The copy's root directory. */
  copyRoot: string;
  /** What to fix: the counterpart of the user's PATH, relative to the copy's root. */
  target: string;
  settings: Settings;
  /** The directory the settings' patterns are relative to, inside the copy's tree. */
  patternBase: string;
  unsafeFixes: boolean;
  maxWorkers?: number;
}

export async function rewriteCopy(options: RewriteCopyOptions): Promise<RewriteSummary> {
  const target = path.join(options.copyRoot, options.target);
  const check = () =>
    runCheck({
      paths: [target],
      cwd: options.patternBase,
      settings: options.settings,
      snippets: false,
      patternBase: options.patternBase,
      maxWorkers: options.maxWorkers,
    });
  const first = await check();
  const fixed = await fixInPlace(first, check, options.unsafeFixes);
  const relativeToCopy = (display: string) => {
    const file = fixed.result.files.get(display)?.absolutePath ?? first.files.get(display)?.absolutePath ?? path.resolve(options.patternBase, display);
    return path.relative(options.copyRoot, file).split(path.sep).join('/');
  };
  return {
    applied: fixed.applied,
    rewrites: fixed.appliedFindings.map((finding) => ({
      rule: finding.rule,
      path: relativeToCopy(finding.path),
      line: finding.line,
      message: finding.message,
      ...(finding.plan ? { model: finding.plan.model, workload: finding.plan.workload, workers: finding.plan.workers, rationale: finding.plan.rationale } : {}),
      ...(finding.plan?.workersVariable ? { workersVariable: finding.plan.workersVariable } : {}),
    })),
    errors: [...first.report.errors.map((e) => `${e.path}: ${e.message}`), ...fixed.errors],
    loops: first.report.loops.map((loop) => ({ ...loop, path: relativeToCopy(loop.path) })),
    changedFiles: fixed.changedFiles.map((file) => ({ ...file, path: relativeToCopy(file.path) })),
  };
}
