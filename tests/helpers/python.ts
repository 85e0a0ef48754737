/**
 * Test helpers that run real Python: small temporary projects on disk, and a runner that
 * captures a program's stdout, stderr and exit status under a timeout (a hang is a result:
 * the process is killed and `timedOut` says so). Nothing here measures time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The interpreter the tests use unless a case names another. */
export const PYTHON = process.env.CONCUR_TEST_PYTHON ?? 'python3';

export interface PythonRun {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the process was killed (timeout or signal). */
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export interface RunPythonOptions {
  cwd: string;
  /** Interpreter path or command; `python3` by default. */
  python?: string;
  /** Kill the program after this long; the default leaves room for a loaded machine. */
  timeoutMs?: number;
  args?: string[];
}

/** Runs `python file` in `cwd` with a deterministic, isolated environment. */
export function runPython(file: string, options: RunPythonOptions): PythonRun {
  const { cwd, python = PYTHON, timeoutMs = 20_000, args = [] } = options;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    PYTHONIOENCODING: 'utf-8',
    PYTHONUTF8: '1',
  };
  // The program's own directory is on sys.path; nothing else from the caller's environment.
  delete env.PYTHONPATH;
  delete env.PYTHONSTARTUP;
  delete env.PYTHONWARNINGS;
  const result = spawnSync(python, [file, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw result.error;
  return {
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    status: result.status,
    signal: result.signal,
    timedOut: (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  };
}

/** Whether an interpreter can be started (an absolute path that exists, or a command on PATH). */
export function pythonAvailable(python: string): boolean {
  if (python.includes('/')) return existsSync(python);
  const probe = spawnSync(python, ['-c', 'pass'], { encoding: 'utf8', timeout: 20_000 });
  return !probe.error && probe.status === 0;
}

export interface TempProject {
  /** Absolute path of the project directory. */
  dir: string;
  /** Absolute path of a file of the project. */
  path(relative: string): string;
  read(relative: string): string;
  readBytes(relative: string): Buffer;
  write(relative: string, text: string | Uint8Array): void;
  /** A fresh project with a copy of these files (the same relative paths). */
  copy(): TempProject;
  remove(): void;
}

const projects: TempProject[] = [];

/** Writes `files` (relative path -> text) into a new temporary directory. */
export function makeProject(files: Record<string, string | Uint8Array>, prefix = 'concur-fix-'): TempProject {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const names = Object.keys(files);
  const project: TempProject = {
    dir,
    path: (relative) => join(dir, relative),
    read: (relative) => readFileSync(join(dir, relative), 'utf8'),
    readBytes: (relative) => readFileSync(join(dir, relative)),
    write: (relative, text) => {
      mkdirSync(dirname(join(dir, relative)), { recursive: true });
      writeFileSync(join(dir, relative), text);
    },
    copy: () => makeProject(Object.fromEntries(names.map((name) => [name, readFileSync(join(dir, name))])), prefix),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const [name, text] of Object.entries(files)) project.write(name, text);
  projects.push(project);
  return project;
}

/** Removes every project made so far (call from `afterAll`). */
export function removeProjects(): void {
  for (const project of projects.splice(0)) project.remove();
}

export interface SpawnPythonOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the program (its whole process group) after this long: a hang is a result. */
  timeoutMs: number;
}

/**
 * `python args...` without blocking the test runner, in its own process group: a timeout kills
 * its children too, and so does its end (workers that closed their pipes but linger).
 */
export function spawnPython(python: string, args: string[], options: SpawnPythonOptions): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      killGroup(child.pid);
      resolve({ status, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
