/**
 * The worker-count knobs of a rewrite: concur's rewrites read their worker count from the
 * environment through a generated constant,
 *
 *     # Worker threads for the loop at line 12; set WORK_WORKERS in the environment to tune.
 *     WORK_WORKERS = int(os.environ.get("WORK_WORKERS", "16"))
 *
 * (`<NAME>_CONCURRENCY` for asyncio, `... or os.cpu_count()` variants for CPU work). Found by
 * reading the rewritten files, so that an already-rewritten candidate works as well as concur's
 * own rewrite; the comment above the constant (or the pool that uses it) gives the model.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type WorkerModel = 'threads' | 'processes' | 'asyncio' | 'unknown';

export interface WorkerVariable {
  name: string;
  model: WorkerModel;
  /** The file that defines it, relative to the copy, `/`-separated. */
  file: string;
}

const CONSTANT = /^[ \t]*([A-Za-z_]\w*(?:_WORKERS|_CONCURRENCY))[ \t]*=[ \t]*int\([ \t]*(?:[A-Za-z_][\w.]*\.environ\.get|[A-Za-z_][\w.]*\.getenv|getenv)\([ \t]*["']([A-Za-z_]\w*)["']/gm;
const SKIPPED_DIRECTORIES = new Set(['.git', '__pycache__', 'node_modules', '.venv', 'venv', '.tox', '.nox']);

/** The knobs defined in `text` (a Python file). */
export function workerVariablesIn(text: string, file: string): WorkerVariable[] {
  const found: WorkerVariable[] = [];
  for (const match of text.matchAll(CONSTANT)) {
    const [, constant, variable] = match;
    if (constant !== variable) continue;
    const before = text.slice(0, match.index).replace(/\s+$/, '');
    const comment = before.slice(before.lastIndexOf('\n') + 1).trim();
    found.push({ name: variable!, model: modelFromComment(comment) ?? modelFromUse(text, variable!), file });
  }
  return found;
}

function modelFromComment(comment: string): WorkerModel | undefined {
  if (!comment.startsWith('#')) return undefined;
  if (/\bWorker threads\b/.test(comment)) return 'threads';
  if (/\bWorker processes\b/.test(comment)) return 'processes';
  if (/\bAwaits in flight\b/.test(comment)) return 'asyncio';
  return undefined;
}

function modelFromUse(text: string, name: string): WorkerModel {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`ProcessPoolExecutor\\([^)]*\\b${escaped}\\b`).test(text) || new RegExp(`\\bPool\\([^)]*\\b${escaped}\\b`).test(text)) return 'processes';
  if (new RegExp(`Semaphore\\([^)]*\\b${escaped}\\b`).test(text)) return 'asyncio';
  if (new RegExp(`ThreadPoolExecutor\\([^)]*\\b${escaped}\\b`).test(text)) return 'threads';
  return 'unknown';
}

/** Every `.py` file below `root` (not through symbolic links), relative and sorted. */
export function pythonFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (directory: string, relative: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const key = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(path.join(directory, entry.name), key);
      } else if (entry.isFile() && entry.name.endsWith('.py')) out.push(key);
    }
  };
  walk(root, '');
  return out.sort();
}

/**
 * The knobs of the rewrite at `candidateRoot`: those in files that differ from `originalRoot`
 * (what the rewrite changed), or, when none of those has one, every file's.
 */
export function findWorkerVariables(candidateRoot: string, originalRoot: string): WorkerVariable[] {
  const changed: WorkerVariable[] = [];
  const all: WorkerVariable[] = [];
  for (const file of pythonFiles(candidateRoot)) {
    const text = readFileSync(path.join(candidateRoot, file), 'utf8');
    const found = workerVariablesIn(text, file);
    if (found.length === 0) continue;
    all.push(...found);
    let original: string | undefined;
    try {
      original = readFileSync(path.join(originalRoot, file), 'utf8');
    } catch {
      original = undefined;
    }
    if (original !== text) changed.push(...found);
  }
  const chosen = changed.length ? changed : all;
  // One entry per variable: a name defined in two files is one environment variable.
  return [...new Map(chosen.map((v) => [v.name, v])).values()];
}
