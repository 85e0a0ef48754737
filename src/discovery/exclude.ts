import path from 'node:path';
import { pathBelow } from './display-path.js';
import { PatternSet } from './pattern-set.js';

/**
 * The user's `exclude`/`extend-exclude` patterns: gitignore syntax, relative to `base`
 * (the working directory, or the configuration file's directory).
 */
export class ExcludeMatcher {
  private constructor(private readonly patterns: PatternSet) {}

  static create(patterns: readonly string[], base: string): ExcludeMatcher | undefined {
    const meaningful = patterns.filter((pattern) => pattern.trim() !== '');
    return meaningful.length === 0 ? undefined : new ExcludeMatcher(new PatternSet(base, meaningful));
  }

  /** Whether `absolutePath`, or a directory above it, is excluded. */
  excludes(absolutePath: string, isDirectory: boolean): boolean {
    const relative = this.relative(absolutePath);
    return relative !== '' && this.patterns.ignores(relative, isDirectory);
  }

  /**
   * The matcher to use below a directory the user named explicitly: without the patterns
   * that exclude that directory itself, so that naming it analyses it (like ruff without
   * `--force-exclude`).
   */
  forExplicitDirectory(absoluteDirectory: string): ExcludeMatcher {
    const relative = this.relative(absoluteDirectory);
    if (relative === '' || !this.patterns.ignores(relative, true)) return this;
    return new ExcludeMatcher(this.patterns.withoutPatternsExcluding(relative));
  }

  /**
   * Paths outside `base` are matched from the file-system root, so that unanchored
   * patterns (`tests/`, `*_pb2.py`) still apply to them.
   */
  private relative(absolutePath: string): string {
    const below = pathBelow(this.patterns.base, absolutePath);
    if (below !== undefined) return below;
    if (path.resolve(absolutePath) === path.resolve(this.patterns.base)) return '';
    return path.resolve(absolutePath).split(path.sep).filter(Boolean).join('/');
  }
}
