/** File discovery through the CLI: .gitignore, virtual environments, --exclude, explicitly named files. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKING_SLEEP, checkJson, pathsWithFindings, project, removeTemporaryDirectories } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

let root: string;
beforeAll(() => {
  // Every file holds the same finding, so the paths with findings are the files analysed.
  root = project({
    '.gitignore': 'ignored.py\nbuild_out/\n*.gen.py\n',
    'src/app.py': BLOCKING_SLEEP,
    'src/ignored.py': BLOCKING_SLEEP,
    'src/models.gen.py': BLOCKING_SLEEP,
    'src/.gitignore': 'local_only.py\n',
    'src/local_only.py': BLOCKING_SLEEP,
    'build_out/copy.py': BLOCKING_SLEEP,
    'vendor/lib.py': BLOCKING_SLEEP,
    'scripts/tool.py': BLOCKING_SLEEP,
    // A virtual environment as `python -m venv` leaves it.
    '.venv/pyvenv.cfg': 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n',
    '.venv/lib/python3.11/site-packages/requests_like/__init__.py': BLOCKING_SLEEP,
    // Tool caches and version control are never looked into.
    '.tox/py311/lib/x.py': BLOCKING_SLEEP,
    'node_modules/pkg/x.py': BLOCKING_SLEEP,
    '__pycache__/x.py': BLOCKING_SLEEP,
  });
  const git = spawnSync('git', ['init', '-q', root], { encoding: 'utf8' });
  if (git.status !== 0) throw new Error(`git init failed: ${git.stderr}`);
});

const analysed = async (args: string[]) => {
  const result = await checkJson(args, { cwd: root });
  expect(result.json.errors).toEqual([]);
  return pathsWithFindings(result.json);
};

describe.concurrent('discovery through the CLI', () => {
  it('skips gitignored files (nested .gitignore files too), virtual environments and tool directories', async () => {
    expect(await analysed(['.'])).toEqual(['scripts/tool.py', 'src/app.py', 'vendor/lib.py']);
  });

  it('analyses gitignored files with --no-respect-gitignore, but still never the virtual environment', async () => {
    expect(await analysed(['--no-respect-gitignore', '.'])).toEqual([
      'build_out/copy.py',
      'scripts/tool.py',
      'src/app.py',
      'src/ignored.py',
      'src/local_only.py',
      'src/models.gen.py',
      'vendor/lib.py',
    ]);
  });

  it('leaves out what --exclude and --extend-exclude match', async () => {
    expect(await analysed(['--exclude', 'vendor', '.'])).toEqual(['scripts/tool.py', 'src/app.py']);
    expect(await analysed(['--exclude', 'vendor/,scripts/*.py', '.'])).toEqual(['src/app.py']);
    expect(await analysed(['--extend-exclude', 'src', '.'])).toEqual(['scripts/tool.py', 'vendor/lib.py']);
  });

  it('still analyses a file named on the command line that is excluded or gitignored, unless --force-exclude', async () => {
    expect(await analysed(['--exclude', 'vendor', 'vendor/lib.py', 'src/ignored.py'])).toEqual(['src/ignored.py', 'vendor/lib.py']);
    expect(await analysed(['--force-exclude', '--exclude', 'vendor', 'vendor/lib.py', 'src/app.py'])).toEqual(['src/app.py']);
  });
});
