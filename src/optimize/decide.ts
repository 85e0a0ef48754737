/**
 * `concur optimize`'s decision: apply the rewrite to the user's file only when every run of it
 * produced what the original produced and it is faster beyond doubt (the lower end of the
 * speedup's interval clears the bar), and otherwise say which condition failed.
 */
import type { RewriteSummary } from '../verify/rewrite-copy.js';
import type { VerifyReport } from '../verify/verify.js';

export type Refusal = 'original-failed' | 'no-rewrite' | 'different' | 'not-faster';

export type Decision =
  | { apply: true; files: string[]; summary: string }
  | { apply: false; refusal: Refusal; summary: string; details: string[] };

/** `minSpeedup`: the speedup the interval's lower end must exceed (1 = faster at all). */
export function decide(report: VerifyReport, target: string, minSpeedup: number): Decision {
  if (report.status === 'original-failed') {
    return { apply: false, refusal: 'original-failed', summary: `the original program did not run cleanly: ${report.failure ?? 'unknown failure'}`, details: [] };
  }
  const rewrites = report.rewrites;
  if (!rewrites || rewrites.applied === 0) return noRewrite(rewrites, target);
  const baselineExit = report.baseline?.exitCode;
  if (baselineExit !== undefined && baselineExit !== 0) {
    return { apply: false, refusal: 'original-failed', summary: `the original program exited with status ${baselineExit ?? `signal ${report.baseline?.signal}`}: optimize needs a run that succeeds`, details: [] };
  }
  if (!report.equal) {
    const details = report.differences.map((d) => `${d.description} (${d.runs} of ${d.of} runs)`);
    if (report.nondeterministic) details.push(...report.nondeterminism.map((n) => `${n.side}: ${n.description}`));
    if (report.stress.introducedByRewrite) details.push('the stress runs (thread switches forced at the racy sites) found outcomes the original never had: see the stress section', ...report.stress.advice);
    details.push(...report.cases.filter((c) => !c.equal).map((c) => `edge case ${c.name}: outputs differ`));
    return { apply: false, refusal: 'different', summary: 'the rewritten program does not produce what the original produces', details };
  }
  const speedup = report.speedup;
  if (!speedup) return { apply: false, refusal: 'not-faster', summary: 'the speedup could not be measured', details: [] };
  const { low, high } = speedup.interval;
  const measured = `${speedup.speedup.toFixed(2)}x (${Math.round(speedup.level * 100)}% interval ${low.toFixed(2)}x to ${high.toFixed(2)}x)`;
  if (!(low > minSpeedup)) {
    const bar = minSpeedup === 1 ? 'faster than the original beyond doubt' : `faster than ${minSpeedup}x beyond doubt`;
    return {
      apply: false,
      refusal: 'not-faster',
      summary: `the rewrite is not ${bar}: measured ${measured}`,
      details: [`baseline median ${report.baseline?.seconds.median.toFixed(3) ?? '?'} s, rewrite median ${report.candidateFigures?.seconds.median.toFixed(3) ?? '?'} s over ${report.runs} runs each`],
    };
  }
  const files = [...new Set(rewrites.rewrites.map((r) => r.path))].sort();
  return { apply: true, files, summary: `outputs equal in every run, ${measured} faster` };
}

/** Nothing was rewritten: the loops the analysis considered, and why each was not rewritten. */
export function noRewrite(rewrites: RewriteSummary | undefined, target: string): Decision {
  const loops = rewrites?.loops ?? [];
  const parallel = loops.filter((loop) => loop.verdict === 'parallel').map((loop) => `${loop.path}:${loop.line}: can run concurrently, but its fix is unsafe (--unsafe-fixes applies it)`);
  const rejected = loops.filter((loop) => loop.verdict === 'rejected').map((loop) => `${loop.path}:${loop.line}: ${loop.reason}`);
  const details = [...parallel, ...rejected, ...(rewrites?.errors ?? [])];
  if (loops.length === 0) details.push('no loop or comprehension here was a candidate');
  return { apply: false, refusal: 'no-rewrite', summary: `concur found nothing to rewrite in ${target}`, details };
}
