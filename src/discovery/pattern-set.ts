import ignore, { type Ignore } from 'ignore';

export type PatternVerdict = 'ignored' | 'unignored' | undefined;

/**
 * Gitignore-syntax patterns that apply to the paths below one directory: a `.gitignore`
 * file, `.git/info/exclude`, or the `--exclude` patterns (relative to the working directory).
 */
export class PatternSet {
  private readonly matcher: Ignore;

  constructor(
    /** Absolute directory the patterns are relative to. */
    readonly base: string,
    readonly patterns: readonly string[],
  ) {
    // git is case-sensitive on the file systems we run on; `ignore` defaults to the opposite.
    this.matcher = ignore({ ignorecase: false }).add([...patterns]);
  }

  /**
   * What the patterns say about `relative` (a path below `base`, forward slashes):
   * `ignored`, `unignored` (a `!pattern` matched it last) or undefined (no pattern applies).
   * A path inside an ignored directory is ignored, as in git.
   */
  verdict(relative: string, isDirectory: boolean): PatternVerdict {
    const result = this.matcher.test(isDirectory ? `${relative}/` : relative);
    if (result.ignored) return 'ignored';
    if (result.unignored) return 'unignored';
    return undefined;
  }

  ignores(relative: string, isDirectory: boolean): boolean {
    return this.verdict(relative, isDirectory) === 'ignored';
  }

  /**
   * A copy without the patterns that on their own exclude `relativeDirectory` or one of
   * its ancestors. Used when the user names an ignored directory explicitly: like ruff
   * (and git's own path-by-path matching), its contents are then analysed, but the
   * remaining patterns (`*_pb2.py`, ...) still apply inside it.
   */
  withoutPatternsExcluding(relativeDirectory: string): PatternSet {
    const kept = this.patterns.filter(
      (pattern) => !ignore({ ignorecase: false }).add(pattern).ignores(`${relativeDirectory}/`),
    );
    return new PatternSet(this.base, kept);
  }
}

/** The lines of an ignore file; `ignore` skips blank lines and comments itself. */
export function splitPatternLines(text: string): string[] {
  return text.split(/\r?\n/);
}
