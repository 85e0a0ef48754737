import path from 'node:path';

/**
 * The path shown to the user: relative to `cwd` with forward slashes when the file is
 * inside it, otherwise absolute (as ruff prints them). Both paths must be absolute and
 * normalised (as `path.resolve` and `path.join` return them).
 */
export function displayPath(absolutePath: string, cwd: string): string {
  if (absolutePath === cwd) return '.';
  return pathBelow(cwd, absolutePath) ?? absolutePath;
}

/**
 * `absolutePath` relative to `base` with forward slashes, or undefined when it is not
 * strictly below `base`. A string prefix test rather than `path.relative`, which
 * re-resolves both paths and dominated the time of a large directory walk.
 */
export function pathBelow(base: string, absolutePath: string): string | undefined {
  const prefix = base.endsWith(path.sep) ? base : base + path.sep;
  if (absolutePath.length <= prefix.length || !absolutePath.startsWith(prefix)) return undefined;
  const relative = absolutePath.slice(prefix.length);
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

/** `path.join` for a name read from a directory listing, without re-normalising. */
export function childPath(directory: string, name: string): string {
  return directory.endsWith(path.sep) ? directory + name : directory + path.sep + name;
}
