import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import type { FileError } from '../diagnostics/finding.js';
import { isExcludedDirectoryNameOrBuildOutput } from './default-excludes.js';
import type { DiscoveredFile } from './discovered-file.js';
import { displayPath, pathBelow } from './display-path.js';
import { ExcludeMatcher } from './exclude.js';
import { describeFsError } from './fs-error.js';
import { gitignoreStackAbove } from './gitignore.js';
import { addFile, walkDirectory, type WalkRun } from './walk.js';

export type { DiscoveredFile } from './discovered-file.js';

export interface DiscoverOptions {
  /** Working directory: relative paths are resolved and displayed against it. */
  cwd: string;
  /** Gitignore-syntax patterns of paths to leave out, on top of the default excludes. */
  exclude: string[];
  extendExclude: string[];
  respectGitignore: boolean;
  /** Apply the excludes to paths named on the command line too (ruff's `--force-exclude`). */
  forceExclude?: boolean;
  /**
   * Directory the `exclude`/`extendExclude` patterns are relative to; defaults to `cwd`.
   * Pass the configuration file's directory when the patterns came from it.
   */
  excludeBase?: string;
}

export interface Discovery {
  /** Sorted by display path, without duplicates. */
  files: DiscoveredFile[];
  /** Paths that could not be read, sorted by path. */
  errors: FileError[];
}

/**
 * The Python files and notebooks to analyse under `paths`. Directories are walked
 * (skipping default excludes, virtual environments, `exclude` patterns and, if asked,
 * gitignored paths); a file named explicitly is always analysed, whatever its extension,
 * unless `forceExclude` is set and it is excluded. Never throws for file-system problems:
 * they come back as `errors`.
 */
export async function discoverFiles(paths: string[], options: DiscoverOptions): Promise<Discovery> {
  const cwd = path.resolve(options.cwd);
  const exclude = ExcludeMatcher.create(
    [...options.exclude, ...options.extendExclude],
    path.resolve(cwd, options.excludeBase ?? cwd),
  );
  const run: WalkRun = {
    cwd,
    respectGitignore: options.respectGitignore,
    files: [],
    errors: [],
    reportedLoops: new Set(),
  };

  await Promise.all(
    paths.map(async (given) => {
      const absolutePath = path.resolve(cwd, given);
      let stats: Stats;
      try {
        stats = await fs.stat(absolutePath);
      } catch (error) {
        run.errors.push({ path: displayPath(absolutePath, cwd), message: describeFsError(error) });
        return;
      }
      const isDirectory = stats.isDirectory();
      if (options.forceExclude && isForceExcluded(absolutePath, isDirectory, cwd, exclude)) return;
      if (!isDirectory) {
        addFile(run, absolutePath);
        return;
      }
      await walkExplicitDirectory(run, absolutePath, exclude);
    }),
  );

  return { files: sortedUnique(run.files), errors: sortedErrors(run.errors) };
}

async function walkExplicitDirectory(
  run: WalkRun,
  absolutePath: string,
  exclude: ExcludeMatcher | undefined,
): Promise<void> {
  let realPath: string;
  try {
    realPath = await fs.realpath(absolutePath);
  } catch (error) {
    run.errors.push({ path: displayPath(absolutePath, run.cwd), message: describeFsError(error) });
    return;
  }
  await walkDirectory(run, {
    absolutePath,
    realChain: [realPath],
    gitignore: run.respectGitignore ? await gitignoreStackAbove(absolutePath) : [],
    exclude: exclude?.forExplicitDirectory(absolutePath),
    explicit: true,
  });
}

/**
 * With `--force-exclude`, a path named on the command line is dropped when the exclude
 * patterns match it or a directory above it, or when it lies in a default-excluded
 * directory (below the working directory).
 */
function isForceExcluded(
  absolutePath: string,
  isDirectory: boolean,
  cwd: string,
  exclude: ExcludeMatcher | undefined,
): boolean {
  if (exclude?.excludes(absolutePath, isDirectory)) return true;
  const relative = pathBelow(cwd, absolutePath);
  if (relative === undefined) return false;
  const parts = relative.split('/');
  const directories = isDirectory ? parts : parts.slice(0, -1);
  return directories.some(isExcludedDirectoryNameOrBuildOutput);
}

function sortedUnique(files: DiscoveredFile[]): DiscoveredFile[] {
  const seen = new Set<string>();
  const unique = files.filter((file) => !seen.has(file.absolutePath) && seen.add(file.absolutePath));
  return unique.sort((a, b) => compareStrings(a.path, b.path));
}

function sortedErrors(errors: FileError[]): FileError[] {
  const seen = new Set<string>();
  const unique = errors.filter((error) => {
    const key = `${error.path}\0${error.message}`;
    return !seen.has(key) && seen.add(key);
  });
  return unique.sort((a, b) => compareStrings(a.path, b.path) || compareStrings(a.message, b.message));
}

/** Code-unit order, independent of the locale, so output is the same everywhere. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
