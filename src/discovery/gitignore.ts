import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathBelow } from './display-path.js';
import { PatternSet, splitPatternLines } from './pattern-set.js';

/**
 * The `.gitignore` files (and `.git/info/exclude`) in force in a directory, shallowest
 * first. Deeper files take precedence, as in git.
 */
export type GitignoreStack = readonly PatternSet[];

/** Whether git would ignore `absolutePath`, asking the deepest ignore file first. */
export function isGitignored(stack: GitignoreStack, absolutePath: string, isDirectory: boolean): boolean {
  for (let index = stack.length - 1; index >= 0; index--) {
    const layer = stack[index]!;
    const relative = pathBelow(layer.base, absolutePath);
    if (relative === undefined) continue;
    const verdict = layer.verdict(relative, isDirectory);
    if (verdict !== undefined) return verdict === 'ignored';
  }
  return false;
}

/**
 * The stack in force in `directory` before its own `.gitignore` is read: that of the
 * repository it sits in, from the repository root down to its parent. Outside a
 * repository, ancestors' ignore files do not apply (a stray `/tmp/.gitignore` must not
 * hide a project).
 *
 * A layer that ignores `directory` itself loses the patterns that do so: the user named
 * the directory, so it is analysed (see `PatternSet.withoutPatternsExcluding`).
 */
export async function gitignoreStackAbove(directory: string): Promise<GitignoreStack> {
  const ancestors: string[] = [];
  let repositoryRoot: string | undefined;
  for (let current = path.dirname(directory); ; current = path.dirname(current)) {
    ancestors.push(current);
    if (await exists(path.join(current, '.git'))) {
      repositoryRoot = current;
      break;
    }
    if (path.dirname(current) === current) break;
  }
  if (repositoryRoot === undefined) return [];

  const layers: PatternSet[] = [];
  const infoExclude = await readIgnoreFile(path.join(repositoryRoot, '.git', 'info', 'exclude'), repositoryRoot);
  if (infoExclude) layers.push(infoExclude);
  for (const ancestor of ancestors.reverse()) {
    const gitignore = await readIgnoreFile(path.join(ancestor, '.gitignore'), ancestor);
    if (gitignore) layers.push(gitignore);
  }
  return layers.map((layer) => {
    const relative = pathBelow(layer.base, directory);
    return relative !== undefined && layer.ignores(relative, true) ? layer.withoutPatternsExcluding(relative) : layer;
  });
}

/**
 * The stack in force below `directory`, given the names it contains. A directory with a
 * `.git` entry is the root of a (possibly nested) repository: the outer repository's
 * rules stop there and its own `info/exclude` starts.
 */
export async function gitignoreStackInside(
  directory: string,
  entryNames: ReadonlySet<string>,
  inherited: GitignoreStack,
): Promise<GitignoreStack> {
  let stack = inherited;
  if (entryNames.has('.git')) {
    const infoExclude = await readIgnoreFile(path.join(directory, '.git', 'info', 'exclude'), directory);
    stack = infoExclude ? [infoExclude] : [];
  }
  if (entryNames.has('.gitignore')) {
    const gitignore = await readIgnoreFile(path.join(directory, '.gitignore'), directory);
    if (gitignore) stack = [...stack, gitignore];
  }
  return stack;
}

/** An ignore file's patterns, or undefined when it is missing or unreadable (git ignores those too). */
async function readIgnoreFile(file: string, base: string): Promise<PatternSet | undefined> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return new PatternSet(base, splitPatternLines(text));
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}
