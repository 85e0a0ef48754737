/**
 * Runs a small Python project twice: as written, and instrumented for `concur profile` (the
 * same steps as the command, without the pool measurement and the planning), and returns both
 * runs and what the probe measured per loop, keyed `file:line` (`file:line:column` when
 * several loops share the line).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultSettings } from '../../src/config/settings.js';
import { profiledLoop } from '../../src/profile/build-document.js';
import { PROBE_MODULE } from '../../src/profile/instrument.js';
import { instrumentProject, type SiteRecord } from '../../src/profile/instrument-project.js';
import { mergeSites, readProbeFiles, rootProcess, type ProbeProcess } from '../../src/profile/probe-data.js';
import type { ProfiledLoop } from '../../src/profile/profile-file.js';
import { launcherPath } from '../../src/verify/measured-run.js';
import { copyProject } from '../../src/verify/project-copy.js';
import { temporaryDirectory } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';

export interface Run {
  stdout: string;
  stderr: string;
  status: number | null;
}

export interface ProbedProgram {
  original: Run;
  probed: Run;
  /** The instrumented copy (paths in its tracebacks start here). */
  copy: string;
  project: string;
  sites: SiteRecord[];
  instrumented: Record<string, string>;
  processes: ProbeProcess[];
  loops: Map<string, ProfiledLoop>;
}

export async function probeProgram(files: Record<string, string>, main: string, options: { python?: string; args?: string[] } = {}): Promise<ProbedProgram> {
  const project = temporaryDirectory('concur-probe-project-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(project, name)), { recursive: true });
    writeFileSync(path.join(project, name), text);
  }
  const work = temporaryDirectory('concur-probe-work-');
  const copy = path.join(work, 'project');
  copyProject(project, copy);
  const { sites } = await instrumentProject({ root: project, copyRoot: copy, targets: [project], settings: defaultSettings(), patternBase: project, cwd: project });
  const probe = path.join(work, 'probe');
  const data = path.join(work, 'data');
  mkdirSync(probe);
  mkdirSync(data);
  copyFileSync(path.join(path.dirname(launcherPath()), `${PROBE_MODULE}.py`), path.join(probe, `${PROBE_MODULE}.py`));
  writeFileSync(path.join(probe, 'sites.json'), JSON.stringify(sites.map((s) => ({ kind: s.kind, names: s.names, generator: s.generator }))));

  const python = options.python ?? PYTHON;
  const run = (cwd: string, extra: Record<string, string>): Run => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONHASHSEED: '0', PYTHONIOENCODING: 'utf-8', ...extra };
    delete env.PYTHONPATH;
    if (extra.PYTHONPATH) env.PYTHONPATH = extra.PYTHONPATH;
    const result = spawnSync(python, [main, ...(options.args ?? [])], { cwd, env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    if (result.error) throw result.error;
    return { stdout: result.stdout, stderr: result.stderr, status: result.status };
  };
  const original = run(project, {});
  const probed = run(copy, { PYTHONPATH: probe, CONCUR_PROFILE_DIR: data, CONCUR_PROFILE_SITES: path.join(probe, 'sites.json') });
  const processes = readProbeFiles(data);
  const merged = mergeSites(processes, rootProcess(processes));
  const loops = new Map<string, ProfiledLoop>();
  sites.forEach((site, id) => {
    const figures = merged.get(id);
    if (!figures) return;
    const loop = profiledLoop(site, figures);
    const shared = sites.filter((s) => s.file === site.file && s.line === site.line).length > 1;
    loops.set(shared ? `${site.file}:${site.line}:${site.column}` : `${site.file}:${site.line}`, loop);
  });
  const instrumented = Object.fromEntries(Object.keys(files).map((name) => [name, readFileSync(path.join(copy, name), 'utf8')]));
  return { original, probed, copy, project, sites, instrumented, processes, loops };
}

/** The line of `needle` in `text`, 1-based. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`no line with ${needle}`);
  return index + 1;
}
