import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Directories never worth analysing: version control, caches and tool state. This is
 * ruff's default `exclude` list plus `__pycache__` and `*.egg-info`, minus
 * `site-packages`, `venv` and `.venv` (only skipped when they really are part of a
 * virtual environment, see `isVirtualEnvironment`) and minus `build` and `dist` (only
 * skipped when they are not Python packages, see `isBuildOutput`).
 */
const EXCLUDED_DIRECTORY_NAMES = new Set([
  '.bzr',
  '.direnv',
  '.eggs',
  '.git',
  '.git-rewrite',
  '.hg',
  '.ipynb_checkpoints',
  '.mypy_cache',
  '.nox',
  '.pants.d',
  '.pyenv',
  '.pytest_cache',
  '.pytype',
  '.ruff_cache',
  '.svn',
  '.tox',
  '.vscode',
  '__pycache__',
  '__pypackages__',
  '_build',
  'buck-out',
  'node_modules',
]);

export function isExcludedDirectoryName(name: string): boolean {
  return EXCLUDED_DIRECTORY_NAMES.has(name) || name.endsWith('.egg-info');
}

const BUILD_OUTPUT_NAMES = new Set(['build', 'dist']);

/**
 * `build/` and `dist/` hold copies of the sources and packaged artefacts, except when
 * they are packages themselves (pip has `pip/_internal/operations/build/__init__.py`).
 */
export function isBuildOutput(name: string, entryNames: ReadonlySet<string>): boolean {
  return BUILD_OUTPUT_NAMES.has(name) && !entryNames.has('__init__.py');
}

/** For paths named on the command line with `--force-exclude`, where contents are not listed. */
export function isExcludedDirectoryNameOrBuildOutput(name: string): boolean {
  return isExcludedDirectoryName(name) || BUILD_OUTPUT_NAMES.has(name);
}

/** Names under which people create environments without `python -m venv` writing `pyvenv.cfg`. */
const ENVIRONMENT_DIRECTORY_NAMES = new Set(['.venv', 'venv', 'env']);

/**
 * Whether a directory, given the names it contains, is a Python environment: a venv
 * (`pyvenv.cfg`), a conda environment (`conda-meta`), or a directory named like one
 * that holds an interpreter. Everything below it, `site-packages` included, is
 * third-party code.
 */
export async function isVirtualEnvironment(
  directory: string,
  entryNames: ReadonlySet<string>,
): Promise<boolean> {
  if (entryNames.has('pyvenv.cfg') || entryNames.has('conda-meta')) return true;
  if (!ENVIRONMENT_DIRECTORY_NAMES.has(path.basename(directory))) return false;
  if (entryNames.has('bin') && (await exists(path.join(directory, 'bin', 'python')))) return true;
  if (entryNames.has('Scripts') && (await exists(path.join(directory, 'Scripts', 'python.exe')))) return true;
  return false;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}
