/**
 * What `concur check --profile` concludes about each profiled loop, written into the profile
 * for reading (check recomputes it): the verdict, the reason, and the refined plan with its
 * estimated speedup.
 */
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { runCheck } from '../engine/check.js';
import { indexProfile, type ProfileDocument } from './profile-file.js';

export async function attachVerdicts(
  document: ProfileDocument,
  options: { targets: string[]; cwd: string; settings: Settings; patternBase: string; maxWorkers?: number },
): Promise<string[]> {
  const result = await runCheck({
    paths: options.targets,
    cwd: options.cwd,
    settings: { ...options.settings, select: ['PA101', 'PA102'], ignore: [], perFileIgnores: {} },
    snippets: false,
    patternBase: options.patternBase,
    maxWorkers: options.maxWorkers,
    measurements: indexProfile(document),
  });
  const { findings, loops } = result.report;
  const absolute = (shown: string) => path.resolve(options.cwd, shown);
  for (const loop of document.loops) {
    const file = path.resolve(document.root, loop.file);
    const at = (candidate: { path: string; line: number; column?: number; loopColumn?: number }) =>
      absolute(candidate.path) === file && candidate.line === loop.line && (candidate.loopColumn ?? candidate.column) === loop.column;
    const verdict = loops.find(at);
    if (!verdict) continue;
    loop.verdict = verdict.verdict;
    loop.reason = verdict.reason;
    const plan = findings.find((finding) => finding.plan && at(finding))?.plan;
    if (plan) {
      loop.plan = {
        model: plan.model,
        workload: plan.workload,
        workers: plan.workers,
        ...(plan.chunksize !== undefined ? { chunksize: plan.chunksize } : {}),
        ...(plan.estimatedSpeedup !== undefined ? { estimated_speedup: plan.estimatedSpeedup } : {}),
      };
    }
  }
  return [...(result.profile?.warnings ?? []), ...result.report.errors.map((error) => `${error.path}: ${error.message}`)];
}
