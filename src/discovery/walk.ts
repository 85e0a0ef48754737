import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import type { FileError } from '../diagnostics/finding.js';
import { isBuildOutput, isExcludedDirectoryName, isVirtualEnvironment } from './default-excludes.js';
import { type DiscoveredFile, fileKind, isAnalysableName } from './discovered-file.js';
import { childPath, displayPath } from './display-path.js';
import type { ExcludeMatcher } from './exclude.js';
import { describeFsError, errorCode } from './fs-error.js';
import { type GitignoreStack, gitignoreStackInside, isGitignored } from './gitignore.js';

/** Shared state of one discovery run. */
export interface WalkRun {
  cwd: string;
  respectGitignore: boolean;
  files: DiscoveredFile[];
  errors: FileError[];
  /** Symlink cycles already reported, so that each is reported once. */
  reportedLoops: Set<string>;
}

/** One directory to walk, and what is in force there. */
export interface DirectoryVisit {
  absolutePath: string;
  /** Real path (symlinks resolved) of this directory and of each directory above it in this walk. */
  realChain: readonly string[];
  gitignore: GitignoreStack;
  exclude: ExcludeMatcher | undefined;
  /** Named on the command line: never skipped as an environment. */
  explicit: boolean;
}

/**
 * Collects the analysable files below a directory. Sibling directories are read
 * concurrently: the walk is bound by `readdir` latency, not CPU.
 */
export async function walkDirectory(run: WalkRun, visit: DirectoryVisit): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(visit.absolutePath, { withFileTypes: true });
  } catch (error) {
    run.errors.push({ path: displayPath(visit.absolutePath, run.cwd), message: describeFsError(error) });
    return;
  }
  const names = new Set(entries.map((entry) => entry.name));
  if (!visit.explicit && (await isSkippedByContents(visit.absolutePath, names))) return;
  const gitignore = run.respectGitignore
    ? await gitignoreStackInside(visit.absolutePath, names, visit.gitignore)
    : visit.gitignore;
  const inside: DirectoryVisit = { ...visit, gitignore };

  const pending: Promise<void>[] = [];
  for (const entry of entries) {
    const child = childPath(visit.absolutePath, entry.name);
    if (entry.isDirectory()) {
      if (wantsDirectory(run, inside, child, entry.name)) {
        pending.push(walkDirectory(run, childVisit(inside, child, childPath(lastOf(visit.realChain), entry.name))));
      }
    } else if (entry.isFile()) {
      if (wantsFile(run, inside, child, entry.name)) addFile(run, child);
    } else if (entry.isSymbolicLink()) {
      pending.push(followSymlink(run, inside, child, entry.name));
    }
  }
  await Promise.all(pending);
}

/** Default excludes that depend on what a directory contains, not only on its name. */
async function isSkippedByContents(directory: string, names: ReadonlySet<string>): Promise<boolean> {
  return isBuildOutput(path.basename(directory), names) || (await isVirtualEnvironment(directory, names));
}

export function addFile(run: WalkRun, absolutePath: string): void {
  run.files.push({
    absolutePath,
    path: displayPath(absolutePath, run.cwd),
    kind: fileKind(path.basename(absolutePath)),
  });
}

function wantsDirectory(run: WalkRun, visit: DirectoryVisit, child: string, name: string): boolean {
  if (isExcludedDirectoryName(name)) return false;
  if (visit.exclude?.excludes(child, true)) return false;
  return !(run.respectGitignore && isGitignored(visit.gitignore, child, true));
}

function wantsFile(run: WalkRun, visit: DirectoryVisit, child: string, name: string): boolean {
  if (!isAnalysableName(name)) return false;
  if (visit.exclude?.excludes(child, false)) return false;
  return !(run.respectGitignore && isGitignored(visit.gitignore, child, false));
}

function childVisit(parent: DirectoryVisit, absolutePath: string, realPath: string): DirectoryVisit {
  return {
    absolutePath,
    realChain: [...parent.realChain, realPath],
    gitignore: parent.gitignore,
    exclude: parent.exclude,
    explicit: false,
  };
}

/** Symlinks are followed: to files always, to directories unless that would loop. */
async function followSymlink(run: WalkRun, visit: DirectoryVisit, link: string, name: string): Promise<void> {
  let target: Stats;
  try {
    target = await fs.stat(link);
  } catch (error) {
    // A dangling link is only worth a word if it was meant to be Python source.
    if (errorCode(error) === 'ELOOP') reportLoop(run, link, [link]);
    else if (isAnalysableName(name)) {
      run.errors.push({ path: displayPath(link, run.cwd), message: `${describeFsError(error)} (broken symbolic link)` });
    }
    return;
  }
  if (target.isFile()) {
    if (wantsFile(run, visit, link, name)) addFile(run, link);
    return;
  }
  if (!target.isDirectory() || !wantsDirectory(run, visit, link, name)) return;

  let realTarget: string;
  try {
    realTarget = await fs.realpath(link);
  } catch (error) {
    run.errors.push({ path: displayPath(link, run.cwd), message: describeFsError(error) });
    return;
  }
  // Following a link to a directory that contains the current one walks in circles.
  const cycleStart = visit.realChain.findIndex((real) => isSameOrInside(real, realTarget));
  if (cycleStart !== -1) {
    reportLoop(run, link, visit.realChain.slice(cycleStart), realTarget);
    return;
  }
  await walkDirectory(run, childVisit(visit, link, realTarget));
}

/**
 * Reports a cycle once, however many of its links the walk runs into: the key is the
 * set of real directories that form it.
 */
function reportLoop(run: WalkRun, link: string, cycle: readonly string[], realTarget?: string): void {
  const key = [...cycle].sort().join('\0');
  if (run.reportedLoops.has(key)) return;
  run.reportedLoops.add(key);
  const shown = displayPath(link, run.cwd);
  const message =
    realTarget === undefined
      ? `symlink loop: ${shown} (too many levels of symbolic links)`
      : `symlink loop: ${shown} -> ${displayPath(realTarget, run.cwd)}, a directory that contains it`;
  run.errors.push({ path: shown, message });
}

function isSameOrInside(candidate: string, directory: string): boolean {
  return candidate === directory || candidate.startsWith(directory.endsWith(path.sep) ? directory : directory + path.sep);
}

function lastOf(chain: readonly string[]): string {
  return chain[chain.length - 1]!;
}
