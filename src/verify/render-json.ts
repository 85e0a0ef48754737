/**
 * `concur verify --format json`: one object. The fields named in the README keep their meaning;
 * fields may be added. Figures that could not be measured are null, never left out.
 */
import type { CaseSideResult } from './edge-cases.js';
import type { SideFigures, StressOutcome, VerifyReport } from './verify.js';

export const VERIFY_JSON_VERSION = 1;

export function renderVerifyJson(report: VerifyReport): string {
  const side = (figures: SideFigures | undefined) =>
    figures
      ? {
          seconds: figures.seconds,
          cpu_utilization: figures.cpuUtilization,
          peak_rss_bytes: figures.peakRssBytes,
          exit_code: figures.exitCode,
          signal: figures.signal,
        }
      : null;
  const json = {
    version: VERIFY_JSON_VERSION,
    equal: report.equal,
    status: report.status,
    failure: report.failure ?? null,
    nondeterministic: report.nondeterministic,
    runs: report.runs,
    warmup: report.warmup,
    timeout_seconds: report.timeoutSeconds,
    project: report.project,
    command: report.command,
    candidate: { kind: report.candidate, directory: report.candidateDirectory ?? null },
    rewrites: report.rewrites
      ? {
          applied: report.rewrites.applied,
          loops: report.rewrites.rewrites.map((r) => ({
            rule: r.rule,
            path: r.path,
            line: r.line,
            model: r.model ?? null,
            workload: r.workload ?? null,
            workers_variable: r.workersVariable ?? null,
            message: r.message,
          })),
          errors: report.rewrites.errors,
        }
      : null,
    compared: {
      exit_status: true,
      stdout: true,
      stderr: report.compared.stderr,
      output_dir: report.compared.outputDirectory ?? null,
      files: report.compared.files,
    },
    baseline_seconds: report.baseline?.seconds.median ?? null,
    candidate_seconds: report.candidateFigures?.seconds.median ?? null,
    speedup: report.speedup?.speedup ?? null,
    speedup_ci: report.speedup
      ? {
          low: report.speedup.interval.low,
          high: report.speedup.interval.high,
          level: report.speedup.level,
          method: 'percentile bootstrap over the paired runs, speedup of medians',
          resamples: report.speedup.resamples,
        }
      : null,
    speedup_paired_range: report.speedup ? report.speedup.pairedRange : null,
    cpu_utilization: report.candidateFigures?.cpuUtilization ?? null,
    baseline_cpu_utilization: report.baseline?.cpuUtilization ?? null,
    peak_rss_bytes: report.candidateFigures?.peakRssBytes ?? null,
    baseline_peak_rss_bytes: report.baseline?.peakRssBytes ?? null,
    baseline: side(report.baseline),
    candidate_figures: side(report.candidateFigures),
    scaling: report.scaling.map((p) => ({
      workers: p.workers,
      seconds: p.seconds,
      speedup: p.speedup,
      efficiency: p.efficiency,
      cpu_utilization: p.cpuUtilization,
      peak_rss_bytes: p.peakRssBytes,
      runs: p.runs,
    })),
    sweep: report.sweep
      ? {
          variables: report.sweep.variables,
          workers: report.sweep.workers,
          runs_per_point: report.sweep.runsPerPoint,
          cpus: report.sweep.cpus,
          skipped: report.sweep.skipped ?? null,
        }
      : null,
    serial_fraction: report.amdahl?.serialFraction ?? null,
    amdahl: report.amdahl
      ? { serial_fraction: report.amdahl.serialFraction, t1_seconds: report.amdahl.t1Seconds, r_squared: report.amdahl.rSquared, clamped: report.amdahl.clamped }
      : null,
    differences: report.differences.map((d) => ({
      kind: d.kind,
      file: d.file ?? null,
      description: d.description,
      excerpt: d.excerpt ?? null,
      runs: d.runs,
      of: d.of,
      workers: d.workers ?? null,
    })),
    cases: report.cases.map((c) => ({
      name: c.name,
      command: c.command,
      equal: c.equal,
      differences: c.differences.map((d) => ({ kind: d.kind, file: d.file ?? null, description: d.description, excerpt: d.excerpt ?? null })),
      original: caseSide(c.original),
      rewrite: caseSide(c.rewrite),
    })),
    stress: stressJson(report.stress),
    nondeterminism: report.nondeterminism.map((n) => ({ side: n.side, variants: n.variants, description: n.description, excerpt: n.excerpt ?? null })),
    notes: report.notes,
    run_log: report.records.map((r) => ({
      side: r.side,
      phase: r.phase,
      workers: r.workers ?? null,
      seconds: r.seconds,
      user_seconds: r.userSeconds,
      sys_seconds: r.sysSeconds,
      cpu_utilization: r.cpuUtilization,
      peak_rss_bytes: r.peakRssBytes,
      max_rss_bytes: r.maxRssBytes,
      tree_rss_bytes: r.treeRssBytes,
      exit_code: r.exitCode,
      signal: r.signal,
      timed_out: r.timedOut,
      start_error: r.startError ?? null,
      equal: r.equal ?? null,
      case: r.case ?? null,
      stress_run: r.stressRun ?? null,
      launch_seconds: r.launchSeconds,
    })),
    overhead: {
      total_seconds: report.overhead.totalSeconds,
      program_seconds: report.overhead.programSeconds,
      fraction: report.overhead.fraction,
    },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function caseSide(side: CaseSideResult) {
  return { exit_code: side.exitCode, signal: side.signal, timed_out: side.timedOut, start_error: side.startError ?? null, seconds: side.seconds };
}

function perSide<T>(values: Partial<Record<'original' | 'rewrite', T>>) {
  return { original: values.original ?? null, rewrite: values.rewrite ?? null };
}

function stressJson(stress: StressOutcome) {
  return {
    runs: stress.runs,
    skipped: stress.skipped ?? null,
    sides: stress.sides,
    switch_interval_seconds: stress.skipped ? null : stress.switchIntervalSeconds,
    timeout_seconds: perSide(stress.timeoutSeconds),
    thread_entries: perSide(stress.threadEntries),
    tracer_active: perSide(stress.tracerActive),
    pythons: stress.pythons,
    instrumented_sites: stress.sites.map((s) => ({
      side: s.side,
      rule: s.rule,
      kind: s.kind,
      path: s.path,
      line: s.line,
      end_line: s.endLine,
      switch_line: s.switchLine,
      switch: s.switch,
      code: s.code,
      fired_runs: s.firedRuns,
      of_runs: s.ofRuns,
      pauses: s.pauses,
    })),
    hangs: stress.hangs.map((h) => ({ side: h.side, run: h.run, timeout_seconds: h.timeoutSeconds, waiting: h.waiting, fired: h.fired, excerpt: h.excerpt ?? null })),
    distinct_outputs: perSide(stress.distinctOutputs),
    differences: stress.differences.map((d) => ({
      side: d.side,
      kind: d.kind,
      file: d.file ?? null,
      description: d.description,
      excerpt: d.excerpt ?? null,
      runs: d.runs,
      of: d.of,
      fired: d.fired,
    })),
    nondeterministic: stress.nondeterministic,
    introduced_by_rewrite: stress.introducedByRewrite,
    advice: stress.advice,
    errors: stress.errors,
  };
}
