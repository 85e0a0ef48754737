/**
 * Runs the real, built `concur` command (`node bin/concur.js`, which loads `dist/`) in a child
 * process, in temporary directories the tests create. `npm test` builds before running tests.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CONCUR_BIN = path.join(REPO_ROOT, 'bin', 'concur.js');

/** Matches any ANSI escape sequence. */
export const ANSI = /\x1b\[/;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  /** Environment variables to set (a value of undefined removes the variable). */
  env?: Record<string, string | undefined>;
}

/**
 * `concur ARGS...` in `cwd`. Colour-related variables of the environment the tests run in are
 * removed so that every test says what it wants; stdout and stderr are pipes, never a terminal.
 * Asynchronous, so that the tests of a file (`describe.concurrent`) run the CLI in parallel.
 */
export function runConcur(args: readonly string[], options: RunOptions): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'CLICOLOR', 'CLICOLOR_FORCE', 'TERM']) delete env[name];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONCUR_BIN, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`concur ${args.join(' ')} was killed by ${signal}`));
      else resolve({ status, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** The `--format json` document of the contract in DESIGN.md. */
export interface JsonDocument {
  version: number;
  findings: Array<{
    rule: string;
    name: string;
    category: string;
    path: string;
    cell?: number;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    message: string;
    fixable: boolean;
    fix?: { applicability: string; message: string; edits: unknown[] };
    [key: string]: unknown;
  }>;
  loops: Array<{ path: string; line: number; verdict: string; reason: string }>;
  errors: Array<{ path: string; message: string; line?: number; column?: number }>;
}

/** `concur check --format json ARGS...`, parsed; the exit status and stderr come along. */
export async function checkJson(args: readonly string[], options: RunOptions): Promise<CliResult & { json: JsonDocument }> {
  const result = await runConcur(['check', '--format', 'json', ...args], options);
  let json: JsonDocument;
  try {
    json = JSON.parse(result.stdout) as JsonDocument;
  } catch (error) {
    throw new Error(`stdout is not JSON (status ${result.status}):\n${result.stdout}\nstderr:\n${result.stderr}`, { cause: error });
  }
  return { ...result, json };
}

/** `[rule, path, line, column]` of each finding, in report order: compact for assertions. */
export function findingKeys(json: JsonDocument): Array<[string, string, number, number]> {
  return json.findings.map((f) => [f.rule, f.path, f.line, f.column]);
}

/** The paths that have findings, sorted and without duplicates. */
export function pathsWithFindings(json: JsonDocument): string[] {
  return [...new Set(json.findings.map((f) => f.path))].sort();
}

const temporaryDirectories: string[] = [];

/** A fresh temporary directory (its real path, so that paths compare like with like). */
export function temporaryDirectory(prefix = 'concur-cli-'): string {
  const directory = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  temporaryDirectories.push(directory);
  return directory;
}

/** Removes every directory `temporaryDirectory` made; call it from `afterAll`. */
export function removeTemporaryDirectories(): void {
  for (const directory of temporaryDirectories.splice(0)) {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** Writes files (string or bytes) under `root`; keys ending in `/` make empty directories. */
export function writeTree(root: string, tree: Record<string, string | Uint8Array>): string {
  for (const [relative, content] of Object.entries(tree)) {
    const target = path.join(root, relative);
    if (relative.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
  return root;
}

/** A temporary directory holding `tree`. */
export function project(tree: Record<string, string | Uint8Array>): string {
  return writeTree(temporaryDirectory(), tree);
}

/** Every file below `root` (relative, `/`-separated, sorted), to see what a command wrote. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (directory: string) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** Python lines joined with newlines, with a final newline. */
export function py(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** An async function that calls `time.sleep` on line 5, column 5 (AS101, safe fix). */
export const BLOCKING_SLEEP = py('import time', '', '', 'async def main():', '    time.sleep(1)');

/** A module with nothing to report. */
export const CLEAN = py('import asyncio', '', '', 'async def main():', '    await asyncio.sleep(1)');

/** A `fix.edits[]` entry of the JSON contract: 1-based, end exclusive, columns in code points. */
export interface JsonEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  content: string;
}

/**
 * `text` with the JSON report's edits applied, computed here independently of concur's own fixer:
 * what `concur fix` should write for those findings.
 */
export function applyJsonEdits(text: string, edits: readonly JsonEdit[]): string {
  const lineStarts = [0];
  const points = Array.from(text);
  points.forEach((character, index) => {
    if (character === '\n') lineStarts.push(index + 1);
  });
  const offset = (line: number, column: number) => lineStarts[line - 1]! + column - 1;
  // Two fixes may both add the same import: the same edit is made once.
  const unique = [...new Map(edits.map((edit) => [JSON.stringify(edit), edit])).values()];
  const sorted = unique.sort((a, b) => offset(b.line, b.column) - offset(a.line, a.column));
  for (const edit of sorted) {
    const start = offset(edit.line, edit.column);
    points.splice(start, offset(edit.endLine, edit.endColumn) - start, ...Array.from(edit.content));
  }
  return points.join('');
}

/** The edits of the findings whose fix `applies` accepts, for `applyJsonEdits`. */
export function editsOf(json: JsonDocument, applies: (applicability: string) => boolean): JsonEdit[] {
  return json.findings.flatMap((f) => (f.fix && applies(f.fix.applicability) ? (f.fix.edits as JsonEdit[]) : []));
}
