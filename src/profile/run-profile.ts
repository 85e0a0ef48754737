/**
 * `concur profile`'s procedure: copy the project, instrument the copy's loops, run the command
 * there once (own process group, timeout), read what the probe wrote, measure what pools cost on
 * this machine with the program's own interpreter, and assemble the profile. The user's files
 * are never written.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Settings } from '../config/settings.js';
import { Launcher, launcherPath, launcherPython, type RunOutcome } from '../verify/measured-run.js';
import { copyProject, type ProjectLocation } from '../verify/project-copy.js';
import { mapCommand } from '../verify/verify.js';
import { VERSION } from '../cli/version.js';
import { completeLoop, profiledLoop } from './build-document.js';
import { PROBE_MODULE } from './instrument.js';
import { instrumentProject } from './instrument-project.js';
import { mergeSites, readProbeFiles, rootProcess } from './probe-data.js';
import { PROFILE_VERSION, type JsonMachine, type ProfileDocument } from './profile-file.js';

export interface ProfileOptions {
  location: ProjectLocation;
  cwd: string;
  command: string[];
  settings: Settings;
  patternBase: string;
  timeoutSeconds: number;
  /** An empty directory the caller owns and removes. */
  workDirectory: string;
  /** Path from the settings' pattern base down to the project root ('' when not below it). */
  copySuffix?: string;
  env?: NodeJS.ProcessEnv;
  onPhase?(label: string): void;
}

export interface ProfileRun {
  document: ProfileDocument;
  /** The program's own run. */
  outcome: RunOutcome;
}

/** Nothing could be measured: no loop to instrument, or the command did not start. */
export class ProfileStop extends Error {}

/** Measuring the pools must not hold the profile up for long. */
const POOL_TIMEOUT_SECONDS = 120;

export async function runProfile(options: ProfileOptions): Promise<ProfileRun> {
  const { location } = options;
  const env = options.env ?? process.env;
  options.onPhase?.('copying the project');
  const copyRoot = path.join(options.workDirectory, 'project', options.copySuffix ?? '');
  copyProject(location.root, copyRoot, { exclude: [options.workDirectory] });

  options.onPhase?.('instrumenting the loops');
  const target = path.resolve(location.root, location.target);
  const instrumented = await instrumentProject({
    root: location.root,
    copyRoot,
    targets: [target],
    settings: options.settings,
    patternBase: options.patternBase,
    cwd: options.cwd,
  });
  if (instrumented.sites.length === 0) {
    const why = instrumented.skipped.length ? ` (${instrumented.skipped[0]})` : '';
    throw new ProfileStop(`no loop to measure in ${location.target === '.' ? 'the project' : location.target}${why}`);
  }

  const probeDirectory = path.join(options.workDirectory, 'probe');
  const dataDirectory = path.join(options.workDirectory, 'data');
  mkdirSync(probeDirectory, { recursive: true });
  mkdirSync(dataDirectory, { recursive: true });
  const probeScript = path.join(probeDirectory, `${PROBE_MODULE}.py`);
  copyFileSync(path.join(path.dirname(launcherPath()), `${PROBE_MODULE}.py`), probeScript);
  const sitesFile = path.join(probeDirectory, 'sites.json');
  writeFileSync(sitesFile, JSON.stringify(instrumented.sites.map((site) => ({ kind: site.kind, names: site.names, generator: site.generator }))));

  const launcher = new Launcher();
  try {
    options.onPhase?.(`running ${options.command.join(' ')}`);
    const outcome = await launcher.run({
      command: mapCommand(options.command, location.root, copyRoot, options.cwd),
      cwd: copyRoot,
      env: {
        ...env,
        PYTHONPATH: env.PYTHONPATH ? `${probeDirectory}${path.delimiter}${env.PYTHONPATH}` : probeDirectory,
        CONCUR_PROFILE_DIR: dataDirectory,
        CONCUR_PROFILE_SITES: sitesFile,
      },
      timeoutSeconds: options.timeoutSeconds,
      outputPrefix: path.join(options.workDirectory, 'program'),
    });
    if (outcome.startError) throw new ProfileStop(`the command could not be started: ${outcome.startError}`);
    const processes = readProbeFiles(dataDirectory);
    const root = rootProcess(processes);

    options.onPhase?.('measuring pool start-up on this machine');
    const python = root?.executable || launcherPython();
    const machine = await measurePools(launcher, python, probeScript, options.workDirectory, env);

    const notes: string[] = [];
    if (outcome.timedOut) notes.push(`the program was stopped after ${options.timeoutSeconds} s (--timeout): figures up to its last flush (every second)`);
    if (processes.length === 0) notes.push(probeMissing(outcome));
    if (machine.error) notes.push(`pool start-up could not be measured (${machine.error}): the estimates use typical figures`);
    notes.push(...instrumented.skipped.map((why) => `not instrumented: ${why}`));

    const gil = root?.gil ?? true;
    const document: ProfileDocument = {
      version: PROFILE_VERSION,
      tool: `concur ${VERSION}`,
      created: new Date().toISOString(),
      root: location.root,
      command: options.command,
      python: { executable: root?.executable ?? null, version: root?.version ?? null, gil },
      program: {
        wall_seconds: outcome.wallSeconds,
        cpu_seconds: outcome.measured ? outcome.userSeconds + outcome.sysSeconds : null,
        peak_rss_bytes: outcome.measured ? Math.max(outcome.maxRssBytes, outcome.treeRssBytes) : null,
        exit_code: outcome.exitCode,
        signal: outcome.signal,
        timed_out: outcome.timedOut,
        processes: processes.length,
        cpu_wait_seconds: root?.run_delay_seconds ?? null,
      },
      machine,
      loops: [],
      notes,
    };
    const merged = mergeSites(processes, root);
    instrumented.sites.forEach((site, id) => {
      const figures = merged.get(id);
      if (!figures || figures.site.entries === 0) return;
      const loop = profiledLoop(site, figures);
      completeLoop(document, loop, site);
      document.loops.push(loop);
    });
    return { document, outcome };
  } finally {
    launcher.close();
  }
}

function probeMissing(outcome: RunOutcome): string {
  const stderr = outcome.stderr.toString('utf8');
  if (stderr.includes(`No module named '${PROBE_MODULE}'`)) {
    return 'the program could not import the probe: does the command ignore PYTHONPATH (python -I or -E)?';
  }
  return 'no Python process of the command reported: did it run the instrumented files of the project?';
}

/** `_concur_profile_probe.py --measure-pools` with the program's interpreter, or typical figures if that fails. */
async function measurePools(launcher: Launcher, python: string, probeScript: string, workDirectory: string, env: NodeJS.ProcessEnv): Promise<JsonMachine> {
  const outcome = await launcher.run({
    command: [python, '-I', probeScript, '--measure-pools'],
    cwd: workDirectory,
    env,
    timeoutSeconds: POOL_TIMEOUT_SECONDS,
    outputPrefix: path.join(workDirectory, 'pools'),
  });
  const fallback = (error: string): JsonMachine => {
    const cpus = availableParallelism();
    return {
      cpus,
      python_scaling: cpus,
      native_scaling: cpus,
      threads: { workers: cpus, startup_seconds: 0.001, per_item_seconds: 50e-6 },
      processes: { workers: cpus, start_method: 'fork', startup_seconds: 0.05, per_item_seconds: 200e-6, per_byte_seconds: 2e-9 },
      spawn: { workers: cpus, startup_seconds: 0.3 },
      error,
    };
  };
  if (outcome.startError) return fallback(outcome.startError);
  if (outcome.timedOut) return fallback(`no answer within ${POOL_TIMEOUT_SECONDS} s`);
  let result: Record<string, any>;
  try {
    result = JSON.parse(outcome.stdout.toString('utf8'));
  } catch {
    const tail = outcome.stderr.toString('utf8').trim().split('\n').at(-1) ?? '';
    return fallback(`status ${outcome.exitCode}${tail ? `: ${tail}` : ''}`);
  }
  const cpus = Number(result.cpus) || availableParallelism();
  const processes = result.processes && result.processes.startup_seconds !== undefined ? result.processes : null;
  return {
    cpus,
    python_scaling: Number(result.python_scaling ?? cpus),
    native_scaling: Number(result.native_scaling ?? cpus),
    threads: result.threads,
    processes: processes
      ? {
          workers: processes.workers,
          start_method: processes.start_method,
          startup_seconds: processes.startup_seconds,
          per_item_seconds: processes.per_item_seconds,
          per_byte_seconds: processes.per_byte_seconds,
        }
      : null,
    spawn: result.spawn ?? null,
    ...(result.processes?.error ? { error: `process pools: ${result.processes.error}` } : {}),
  };
}
