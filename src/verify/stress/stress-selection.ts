/**
 * Which sides the stress mode runs, from concur's analysis of both copies: a side that starts a
 * thread, and the rewrite when a rewritten loop uses threads. The analyses run while the
 * original warms up; one that fails leaves its side without facts (and says why) instead of
 * stopping verify.
 */
import type { ThreadFacts } from './stress-sites.js';

type Side = 'original' | 'rewrite';
const SIDES = ['original', 'rewrite'] as const;

export type CopyAnalysis = Partial<Record<Side, { facts?: ThreadFacts; error?: string }>>;

/** Analyses the original copy at once and the rewrite's once `rewriting` settles. */
export async function analyseCopies(analyse: (copyRoot: string) => Promise<ThreadFacts>, roots: Record<Side, string>, rewriting: Promise<unknown>): Promise<CopyAnalysis> {
  const attempt = (root: string) =>
    analyse(root).then(
      (facts) => ({ facts }),
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    );
  const original = attempt(roots.original);
  const rewrite = rewriting.then(
    () => attempt(roots.rewrite),
    () => ({ error: 'the rewrite failed' }),
  );
  const [a, b] = await Promise.all([original, rewrite]);
  return { original: a, rewrite: b };
}

/** Thread entry points per analysed side. */
export function threadEntries(analysis: CopyAnalysis | undefined): Partial<Record<Side, number>> {
  const entries: Partial<Record<Side, number>> = {};
  for (const side of SIDES) {
    const facts = analysis?.[side]?.facts;
    if (facts) entries[side] = facts.threadEntries;
  }
  return entries;
}

/** An analysis that failed, or files it could not analyse, one message each. */
export function analysisErrors(analysis: CopyAnalysis | undefined): string[] {
  return SIDES.flatMap((side) => {
    const result = analysis?.[side];
    if (result?.error) return [`analysis of the ${side}: ${result.error}`];
    return (result?.facts?.errors ?? []).map((e) => `analysis of the ${side}: ${e}`);
  });
}

export interface SelectionInput {
  analysis: CopyAnalysis;
  /** A rewritten loop runs in threads (a `threads` or `hybrid` plan). */
  threadedRewrite: boolean;
  /** The rewrite timed out or could not start in the normal runs: it is not run again. */
  rewriteStopped: boolean;
  candidateDirectory: boolean;
}

/** The sides to stress, or why none. */
export function selectStressSides(input: SelectionInput): { sides: Side[] } | { skipped: string } {
  const { analysis } = input;
  const sides = SIDES.filter((side) => {
    if (side === 'rewrite' && input.rewriteStopped) return false;
    return (analysis[side]?.facts?.threadEntries ?? 0) > 0 || (side === 'rewrite' && input.threadedRewrite);
  });
  if (sides.length > 0) return { sides };
  if (SIDES.some((side) => analysis[side]?.error)) return { skipped: `the analysis failed: ${analysisErrors(analysis).join('; ')}` };
  return { skipped: `no threads: concur found no thread started by the program or ${input.candidateDirectory ? 'the candidate' : 'the rewrite'}` };
}

/** A stress run longer than this is a hang: `explicit`, else 10 times the slowest normal run, at least 10 s, at most the run timeout. */
export function stressTimeout(explicit: number | undefined, slowestRunSeconds: number, runTimeoutSeconds: number): number {
  return explicit ?? Math.min(runTimeoutSeconds, Math.max(STRESS_MIN_TIMEOUT_SECONDS, STRESS_TIMEOUT_FACTOR * slowestRunSeconds));
}

export const STRESS_TIMEOUT_FACTOR = 10;
export const STRESS_MIN_TIMEOUT_SECONDS = 10;
