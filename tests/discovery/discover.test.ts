import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverFiles, type DiscoverOptions } from '../../src/discovery/discover.js';
import { temporaryDirectory, writeTree } from './helpers.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) {
    fs.chmodSync(root, 0o755);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

function project(tree: Record<string, string>): string {
  const root = temporaryDirectory();
  roots.push(root);
  writeTree(root, tree);
  return root;
}

async function discover(root: string, paths: string[] = ['.'], options: Partial<DiscoverOptions> = {}) {
  return discoverFiles(paths, { cwd: root, exclude: [], extendExclude: [], respectGitignore: true, ...options });
}

async function paths(root: string, given: string[] = ['.'], options: Partial<DiscoverOptions> = {}) {
  const result = await discover(root, given, options);
  return result.files.map((file) => file.path);
}

describe('discoverFiles', () => {
  it('collects .py and .ipynb files, skips stubs and other files, sorted by path', async () => {
    const root = project({
      'b.py': '',
      'a/z.py': '',
      'a/notes.ipynb': '{}',
      'a/types.pyi': '',
      'README.md': '',
      'setup.cfg': '',
    });
    const result = await discover(root);
    expect(result.errors).toEqual([]);
    expect(result.files).toEqual([
      { absolutePath: path.join(root, 'a/notes.ipynb'), path: 'a/notes.ipynb', kind: 'notebook' },
      { absolutePath: path.join(root, 'a/z.py'), path: 'a/z.py', kind: 'python' },
      { absolutePath: path.join(root, 'b.py'), path: 'b.py', kind: 'python' },
    ]);
  });

  it('shows paths outside the working directory as absolute', async () => {
    const root = project({ 'inside/a.py': '', 'outside/b.py': '' });
    const result = await discoverFiles(['../outside'], {
      cwd: path.join(root, 'inside'),
      exclude: [],
      extendExclude: [],
      respectGitignore: true,
    });
    expect(result.files.map((file) => file.path)).toEqual([path.join(root, 'outside/b.py')]);
  });

  it('an empty directory gives no files and no errors', async () => {
    const root = project({ 'empty/': '' });
    expect(await discover(root, ['empty'])).toEqual({ files: [], errors: [] });
  });

  it('reports a nonexistent path without failing the others', async () => {
    const root = project({ 'a.py': '' });
    const result = await discover(root, ['missing.py', 'a.py', 'gone/']);
    expect(result.files.map((file) => file.path)).toEqual(['a.py']);
    expect(result.errors).toEqual([
      { path: 'gone', message: 'No such file or directory' },
      { path: 'missing.py', message: 'No such file or directory' },
    ]);
  });

  it('lists a file once when it is named and also inside a named directory', async () => {
    const root = project({ 'pkg/a.py': '' });
    expect(await paths(root, ['pkg', 'pkg/a.py', './pkg/a.py'])).toEqual(['pkg/a.py']);
  });
});

describe('.gitignore', () => {
  it('applies nested .gitignore files, deeper files and negations winning', async () => {
    const root = project({
      '.gitignore': '*.gen.py\nignored_dir/\n',
      'ignored_dir/a.py': '',
      'top.gen.py': '',
      'kept.py': '',
      'pkg/.gitignore': 'local.py\n!keep.gen.py\n',
      'pkg/local.py': '',
      'pkg/keep.gen.py': '',
      'pkg/other.gen.py': '',
      'pkg/mod.py': '',
      'other/local.py': '',
    });
    expect(await paths(root)).toEqual(['kept.py', 'other/local.py', 'pkg/keep.gen.py', 'pkg/mod.py']);
  });

  it('is not consulted when respectGitignore is off', async () => {
    const root = project({ '.gitignore': '*.py\n', 'a.py': '' });
    expect(await paths(root, ['.'], { respectGitignore: false })).toEqual(['a.py']);
  });

  it('reads the ancestors’ .gitignore and .git/info/exclude when the walk starts below the repository root', async () => {
    const root = project({
      '.git/info/exclude': 'scratch_*.py\n',
      '.gitignore': 'secret/\n',
      'src/.gitignore': '*_pb2.py\n',
      'src/app/main.py': '',
      'src/app/scratch_1.py': '',
      'src/app/api_pb2.py': '',
      'src/app/secret/key.py': '',
    });
    expect(await paths(root, ['src/app'])).toEqual(['src/app/main.py']);
  });

  it('ignores ancestors’ .gitignore files outside a repository', async () => {
    const root = project({ '.gitignore': '*.py\n', 'sub/a.py': '' });
    expect(await paths(root, ['sub'])).toEqual(['sub/a.py']);
  });

  it('analyses a gitignored directory named explicitly, keeping the other patterns', async () => {
    const root = project({
      '.git/': '',
      '.gitignore': 'generated/\n*_pb2.py\n',
      'generated/a.py': '',
      'generated/b_pb2.py': '',
    });
    expect(await paths(root)).toEqual([]);
    expect(await paths(root, ['generated'])).toEqual(['generated/a.py']);
  });

  it('starts afresh in a nested repository', async () => {
    const root = project({
      '.git/': '',
      '.gitignore': 'vendored.py\n',
      'vendor/lib/.git/': '',
      'vendor/lib/vendored.py': '',
      'vendored.py': '',
    });
    expect(await paths(root)).toEqual(['vendor/lib/vendored.py']);
  });
});

describe('default excludes', () => {
  it('skips tool, cache and build directories', async () => {
    const root = project({
      '.git/hooks/pre-commit.py': '',
      'node_modules/pkg/x.py': '',
      '__pycache__/a.py': '',
      '.tox/py311/a.py': '',
      '.nox/a.py': '',
      '.mypy_cache/a.py': '',
      '.pytest_cache/a.py': '',
      '.ruff_cache/a.py': '',
      '.eggs/a.py': '',
      'pkg.egg-info/a.py': '',
      'build/lib/pkg/a.py': '',
      'dist/a.py': '',
      'main.py': '',
    });
    expect(await paths(root)).toEqual(['main.py']);
  });

  it('keeps build/ and dist/ directories that are Python packages', async () => {
    const root = project({ 'pip/operations/build/__init__.py': '', 'pip/operations/build/wheel.py': '' });
    expect(await paths(root)).toEqual(['pip/operations/build/__init__.py', 'pip/operations/build/wheel.py']);
  });

  it('skips virtual environments, including their site-packages, but not a directory merely named like one', async () => {
    const root = project({
      '.venv/pyvenv.cfg': 'home = /usr/bin\n',
      '.venv/lib/python3.11/site-packages/requests/api.py': '',
      'custom-env/pyvenv.cfg': '',
      'custom-env/lib/a.py': '',
      'env/bin/python': '',
      'env/lib/a.py': '',
      'conda/conda-meta/history': '',
      'conda/lib/a.py': '',
      'venv/models.py': '',
      'vendor/site-packages/lib.py': '',
      'app.py': '',
    });
    expect(await paths(root)).toEqual(['app.py', 'vendor/site-packages/lib.py', 'venv/models.py']);
  });

  it('analyses a site-packages or virtual environment named explicitly', async () => {
    const root = project({ '.venv/pyvenv.cfg': '', '.venv/lib/site-packages/m.py': '' });
    expect(await paths(root, ['.venv/lib/site-packages'])).toEqual(['.venv/lib/site-packages/m.py']);
    expect(await paths(root, ['.venv'])).toEqual(['.venv/lib/site-packages/m.py']);
  });
});

describe('explicit paths and --exclude', () => {
  it('always analyses a file named explicitly, whatever its extension or location', async () => {
    const root = project({ 'node_modules/tool.py': '', 'script': '#!/usr/bin/env python3\n', 'ignored.py': '', '.gitignore': 'ignored.py\n' });
    const result = await discover(root, ['node_modules/tool.py', 'script', 'ignored.py'], { exclude: ['script'] });
    expect(result.files).toEqual([
      { absolutePath: path.join(root, 'ignored.py'), path: 'ignored.py', kind: 'python' },
      { absolutePath: path.join(root, 'node_modules/tool.py'), path: 'node_modules/tool.py', kind: 'python' },
      { absolutePath: path.join(root, 'script'), path: 'script', kind: 'python' },
    ]);
  });

  it('drops excluded explicit paths with forceExclude', async () => {
    const root = project({ 'node_modules/tool.py': '', 'gen/a.py': '', 'main.py': '' });
    const options = { exclude: ['gen/'], forceExclude: true };
    expect(await paths(root, ['node_modules/tool.py', 'gen/a.py', 'gen', 'main.py'], options)).toEqual(['main.py']);
  });

  it('applies exclude and extendExclude patterns relative to the working directory', async () => {
    const root = project({
      'tests/test_a.py': '',
      'src/tests/test_b.py': '',
      'src/app_test.py': '',
      'scripts/run.py': '',
      'src/scripts/tool.py': '',
      'src/app.py': '',
    });
    const options = { exclude: ['tests/', '*_test.py'], extendExclude: ['/scripts'] };
    expect(await paths(root, ['.'], options)).toEqual(['src/app.py', 'src/scripts/tool.py']);
  });

  it('walks an excluded directory named explicitly, still applying the other patterns', async () => {
    const root = project({ 'tests/test_a.py': '', 'tests/conftest_gen.py': '' });
    expect(await paths(root, ['tests'], { exclude: ['tests', '*_gen.py'] })).toEqual(['tests/test_a.py']);
  });

  it('reads patterns relative to excludeBase when given', async () => {
    const root = project({ 'pkg/fixtures/a.py': '', 'pkg/b.py': '' });
    const result = await discoverFiles(['.'], {
      cwd: path.join(root, 'pkg'),
      exclude: ['/pkg/fixtures'],
      extendExclude: [],
      respectGitignore: true,
      excludeBase: root,
    });
    expect(result.files.map((file) => file.path)).toEqual(['b.py']);
  });
});

describe('symlinks', () => {
  it('follows links to files and directories', async () => {
    const root = project({ 'real/a.py': '', 'lib/b.py': '' });
    fs.symlinkSync(path.join(root, 'lib'), path.join(root, 'real/linked'));
    fs.symlinkSync(path.join(root, 'lib/b.py'), path.join(root, 'real/alias.py'));
    expect(await paths(root, ['real'])).toEqual(['real/a.py', 'real/alias.py', 'real/linked/b.py']);
  });

  it('reports a symlink loop once instead of recursing', async () => {
    const root = project({ 'pkg/a.py': '', 'pkg/sub/b.py': '' });
    fs.symlinkSync('..', path.join(root, 'pkg/sub/up'));
    const result = await discover(root, ['pkg']);
    expect(result.files.map((file) => file.path)).toEqual(['pkg/a.py', 'pkg/sub/b.py']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.path).toBe('pkg/sub/up');
    expect(result.errors[0]!.message).toMatch(/^symlink loop: pkg\/sub\/up -> pkg/);
  });

  it('reports a loop made of two links once', async () => {
    const root = project({ 'a/x.py': '', 'b/y.py': '' });
    fs.symlinkSync('../b', path.join(root, 'a/to_b'));
    fs.symlinkSync('../a', path.join(root, 'b/to_a'));
    const result = await discover(root);
    expect(result.errors.filter((error) => error.message.startsWith('symlink loop'))).toHaveLength(1);
  });

  it('reports a dangling link to a Python file', async () => {
    const root = project({ 'a.py': '' });
    fs.symlinkSync(path.join(root, 'missing.py'), path.join(root, 'broken.py'));
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'broken-dir'));
    const result = await discover(root);
    expect(result.files.map((file) => file.path)).toEqual(['a.py']);
    expect(result.errors).toEqual([{ path: 'broken.py', message: 'No such file or directory (broken symbolic link)' }]);
  });
});

describe('unreadable directories', () => {
  // chmod does not stop root from reading, so the walk cannot be made to fail that way.
  const runningAsRoot = process.getuid?.() === 0;

  it.skipIf(runningAsRoot)('reports an unreadable directory and analyses the rest', async () => {
    const root = project({ 'ok.py': '', 'locked/a.py': '' });
    fs.chmodSync(path.join(root, 'locked'), 0o000);
    try {
      const result = await discover(root);
      expect(result.files.map((file) => file.path)).toEqual(['ok.py']);
      expect(result.errors).toEqual([{ path: 'locked', message: 'Permission denied' }]);
    } finally {
      fs.chmodSync(path.join(root, 'locked'), 0o755);
    }
  });

  it.runIf(runningAsRoot)('(running as root: chmod 000 does not deny reads, so the directory is read)', async () => {
    const root = project({ 'locked/a.py': '' });
    fs.chmodSync(path.join(root, 'locked'), 0o000);
    try {
      expect(await paths(root)).toEqual(['locked/a.py']);
    } finally {
      fs.chmodSync(path.join(root, 'locked'), 0o755);
    }
  });
});
