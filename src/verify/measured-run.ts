/**
 * Measured runs of the user's command. Node's child_process reports no CPU time or memory, so
 * the runs go through one long-lived launcher, `probe/run_measured.py --serve`: it starts each
 * command in a process group of its own (the command's pid is the group id, so that a timeout or
 * Ctrl-C kills the command and everything it started), measures it with os.wait4 and /proc, and
 * answers with JSON lines. One launcher for all the runs: no run pays for a Python start-up.
 * stdout and stderr go to files (not pipes): a process that outlives the command cannot hold
 * the run open, and reading them afterwards costs nothing while the command runs.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface RunRequest {
  command: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number;
  /** Prefix of the files that take the command's stdout and stderr (removed after reading). */
  outputPrefix: string;
  /**
   * On a timeout, send this signal to the group first and wait `graceSeconds` before the kill
   * (the stress tracer dumps every thread's stack on SIGUSR1: where a hang waits).
   */
  beforeKill?: { signal: NodeJS.Signals; graceSeconds: number };
}

export interface RunOutcome {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit status, or null when a signal ended the command or it never started. */
  exitCode: number | null;
  /** The signal that ended the command (SIGKILL after a timeout). */
  signal: string | null;
  timedOut: boolean;
  /** Set when the command could not be started at all (not found, not executable). */
  startError?: string;
  /** The command's own wall time, measured by the launcher around it. */
  wallSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  /** ru_maxrss of the command and the descendants it waited for: the largest one process. */
  maxRssBytes: number;
  /** Largest sampled sum of the resident sets of the command's process group (Linux /proc). */
  treeRssBytes: number;
  /** Whether CPU and memory were measured. */
  measured: boolean;
  /** Wall time of the run as Node saw it, request to answer (the launcher's share included). */
  launchSeconds: number;
}

/** The launcher could not be started or ended early: verify cannot measure anything. */
export class LauncherError extends Error {}

/** Process groups in progress (commands, and the launchers themselves), for an interrupt. */
const liveGroups = new Set<number>();

/** Kills every process group still running (on Ctrl-C or an error). */
export function killLiveGroups(): void {
  for (const group of liveGroups) killGroup(group);
  liveGroups.clear();
}

function killGroup(group: number): void {
  signalGroup(group, 'SIGKILL');
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

/** The launcher script; it is not compiled, so walk up from here to the project root. */
export function launcherPath(moduleUrl: string = import.meta.url): string {
  const start = path.dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'src', 'verify', 'probe', 'run_measured.py');
    if (path.dirname(dir) === dir) throw new Error(`cannot find the verify launcher: no package.json above ${start}`);
  }
}

/** The interpreter that runs the launcher: any Python 3.8+ (`CONCUR_PYTHON`, else `python3`), as for concur's other probes. */
export function launcherPython(): string {
  return process.env.CONCUR_PYTHON || 'python3';
}

const signalNames = new Map(Object.entries(osConstants.signals).map(([name, number]) => [number, name]));

interface LauncherMessage {
  pid?: number;
  wall_seconds?: number;
  user_seconds?: number;
  sys_seconds?: number;
  max_rss_bytes?: number;
  tree_rss_bytes?: number;
  exit_code?: number | null;
  signal?: number | null;
  error?: string;
}

/** One `run_measured.py --serve` process; runs go through it one at a time. */
export class Launcher {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly messages: LauncherMessage[] = [];
  private waiter: ((message: LauncherMessage | Error) => void) | undefined;
  private failure: Error | undefined;
  private stderr = '';
  private busy = false;

  constructor() {
    // -I: no user site, no PYTHON* variables, no cwd on sys.path; -S: no site import (faster
    // start). The commands get the environment of each request, untouched.
    this.child = spawn(launcherPython(), ['-I', '-S', launcherPath(), '--serve'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const pid = this.child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.child.on('error', (error) => this.fail(new LauncherError(`cannot start ${launcherPython()} for the measured runs: ${error.message} (CONCUR_PYTHON names another Python 3.8+)`)));
    this.child.on('exit', (code, signal) => {
      if (pid !== undefined) liveGroups.delete(pid);
      this.fail(new LauncherError(`the measuring launcher (${launcherPython()} ${launcherPath()}) ended (${signal ?? `status ${code}`})${this.stderr ? `:\n${this.stderr.trim()}` : ''}`));
    });
    this.child.stdin.on('error', () => {
      // Reported by 'exit'.
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let message: LauncherMessage;
      try {
        message = JSON.parse(line) as LauncherMessage;
      } catch {
        this.fail(new LauncherError(`the measuring launcher wrote something that is not JSON: ${line.slice(0, 200)}`));
        return;
      }
      if (this.waiter) {
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter(message);
      } else this.messages.push(message);
    });
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(error);
    }
  }

  private next(): Promise<LauncherMessage> {
    const queued = this.messages.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = (message) => (message instanceof Error ? reject(message) : resolve(message));
    });
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    if (this.busy) throw new Error('Launcher.run: one run at a time');
    this.busy = true;
    const stdoutFile = `${request.outputPrefix}.stdout`;
    const stderrFile = `${request.outputPrefix}.stderr`;
    const started = process.hrtime.bigint();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let group: number | undefined;
    try {
      const line = JSON.stringify({ argv: request.command, cwd: request.cwd, env: request.env, stdout: stdoutFile, stderr: stderrFile });
      this.child.stdin.write(`${line}\n`);
      const first = await this.next();
      let result = first;
      if (first.pid !== undefined) {
        group = first.pid;
        liveGroups.add(group);
        const commandGroup = group;
        timer = setTimeout(() => {
          timedOut = true;
          const warning = request.beforeKill;
          if (!warning) return killGroup(commandGroup);
          signalGroup(commandGroup, warning.signal);
          timer = setTimeout(() => killGroup(commandGroup), warning.graceSeconds * 1000);
        }, request.timeoutSeconds * 1000);
        result = await this.next();
      }
      const launchSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const output = { stdout: readAndRemove(stdoutFile), stderr: readAndRemove(stderrFile), timedOut, launchSeconds };
      if (result.error !== undefined) {
        return { ...output, exitCode: null, signal: null, startError: result.error, wallSeconds: 0, userSeconds: 0, sysSeconds: 0, maxRssBytes: 0, treeRssBytes: 0, measured: false };
      }
      return {
        ...output,
        exitCode: result.exit_code ?? null,
        signal: result.signal == null ? null : signalNames.get(result.signal) ?? `signal ${result.signal}`,
        wallSeconds: result.wall_seconds ?? launchSeconds,
        userSeconds: result.user_seconds ?? 0,
        sysSeconds: result.sys_seconds ?? 0,
        maxRssBytes: result.max_rss_bytes ?? 0,
        treeRssBytes: result.tree_rss_bytes ?? 0,
        measured: true,
      };
    } finally {
      if (timer) clearTimeout(timer);
      // Whatever the command left running in its group (daemons, orphaned workers) ends with it.
      if (group !== undefined) {
        killGroup(group);
        liveGroups.delete(group);
      }
      this.busy = false;
    }
  }

  /** Ends the launcher (at the end of its stdin it exits by itself; killed if it does not). */
  close(): void {
    const pid = this.child.pid;
    this.child.stdin.end();
    if (pid !== undefined) {
      const kill = setTimeout(() => killGroup(pid), 2000);
      kill.unref();
      this.child.once('exit', () => clearTimeout(kill));
    }
    this.child.unref();
  }
}

function readAndRemove(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  } finally {
    rmSync(file, { force: true });
  }
}
