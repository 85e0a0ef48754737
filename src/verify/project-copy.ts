/**
 * The isolated copies `concur verify` runs: which directory is the project, and copying it
 * without what does not belong to the program's source (version control, caches, bytecode).
 * Virtual environments and `node_modules` are not copied either: the copy gets a symbolic link
 * to them instead, so that a command such as `.venv/bin/python main.py` still works.
 */
import { constants, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../cli/usage-error.js';

/** Directory names never copied: version control, tool caches, bytecode. */
const SKIPPED = new Set(['.git', '.hg', '.svn', '.bzr', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.pytype', '.tox', '.nox', '.ipynb_checkpoints']);
/** Directory names linked, not copied. */
const LINKED = new Set(['node_modules']);
const ENVIRONMENT_NAMES = new Set(['.venv', 'venv', 'env']);

export interface ProjectLocation {
  /** Absolute path of the directory copied. */
  root: string;
  /** PATH relative to `root` (`.` when PATH is the root), `/`-separated. */
  target: string;
}

/**
 * The directory to copy: `root` when given (it must contain PATH), else the directory containing
 * PATH when PATH is a file, else PATH itself.
 */
export function locateProject(pathArgument: string, cwd: string, root?: string): ProjectLocation {
  const target = path.resolve(cwd, pathArgument);
  let stats;
  try {
    stats = statSync(target);
  } catch {
    throw new UsageError(`${pathArgument}: no such file or directory`);
  }
  let directory = stats.isDirectory() ? target : path.dirname(target);
  if (root !== undefined) {
    directory = path.resolve(cwd, root);
    if (!existsSync(directory) || !statSync(directory).isDirectory()) throw new UsageError(`--root ${root}: not a directory`);
    const inside = path.relative(directory, target);
    if (inside.startsWith('..') || path.isAbsolute(inside)) throw new UsageError(`--root ${root} does not contain ${pathArgument}`);
  }
  const relative = path.relative(directory, target).split(path.sep).join('/');
  return { root: directory, target: relative === '' ? '.' : relative };
}

export interface CopyStats {
  files: number;
  bytes: number;
  /** Directories linked instead of copied (relative to the project). */
  linked: string[];
}

/** Copies the project at `from` to the new directory `to` (which must not exist). */
export function copyProject(from: string, to: string, options: { exclude?: readonly string[] } = {}): CopyStats {
  const stats: CopyStats = { files: 0, bytes: 0, linked: [] };
  const excluded = new Set((options.exclude ?? []).map((p) => path.resolve(p)));
  mkdirSync(to, { recursive: true });
  const walk = (source: string, destination: string, relative: string) => {
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      const sourcePath = path.join(source, entry.name);
      const destinationPath = path.join(destination, entry.name);
      const relativePath = relative ? `${relative}/${entry.name}` : entry.name;
      if (excluded.has(sourcePath)) continue;
      if (entry.isSymbolicLink()) {
        symlinkSync(readlinkSync(sourcePath), destinationPath);
      } else if (entry.isDirectory()) {
        if (SKIPPED.has(entry.name)) continue;
        if (LINKED.has(entry.name) || isEnvironment(sourcePath, entry.name)) {
          symlinkSync(sourcePath, destinationPath, 'dir');
          stats.linked.push(relativePath);
          continue;
        }
        mkdirSync(destinationPath);
        walk(sourcePath, destinationPath, relativePath);
      } else if (entry.isFile()) {
        // A reflink where the file system has them, a plain copy elsewhere; never a hard link
        // (a program that rewrote the file would change the user's).
        copyFileSync(sourcePath, destinationPath, constants.COPYFILE_FICLONE);
        stats.files++;
        stats.bytes += lstatSync(sourcePath).size;
      }
      // Sockets, FIFOs and devices are not copied.
    }
  };
  walk(from, to, '');
  return stats;
}

/** A virtual environment or conda environment (the same test as the file discovery's). */
function isEnvironment(directory: string, name: string): boolean {
  if (existsSync(path.join(directory, 'pyvenv.cfg')) || existsSync(path.join(directory, 'conda-meta'))) return true;
  if (!ENVIRONMENT_NAMES.has(name)) return false;
  return existsSync(path.join(directory, 'bin', 'python')) || existsSync(path.join(directory, 'Scripts', 'python.exe'));
}

/**
 * Puts `relative` (the declared output directory) of the copy at `root` back to how it was in
 * the project (`seed`): removed, then copied from the seed when it existed there. Every run
 * starts from the same state, so files a run leaves behind never reach the next run's comparison.
 */
export function resetOutputDirectory(root: string, relative: string, seed: string): void {
  const directory = path.join(root, relative);
  rmSync(directory, { recursive: true, force: true });
  if (existsSync(seed)) {
    mkdirSync(path.dirname(directory), { recursive: true });
    copyProject(seed, directory);
  }
}
