/**
 * `concur verify --case NAME=CMD`: edge-case commands (an empty input, a single item, a large
 * input from a pipe, absolute paths into the project) run once on each side and compared like
 * the main command; a candidate that differs only on the empty input is caught there, and only
 * there, and makes the whole verdict unequal.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, project, py, removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { verifyJson } from '../helpers/verify-json.js';

afterAll(removeTemporaryDirectories);

/** Sums the numbers of a file (`-`: stdin); says where it runs, to show the copy is used. */
function summer(emptyMessage: string): string {
  return py(
    'import os, sys',
    '',
    'source = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])',
    'numbers = [int(line) for line in source if line.strip()]',
    'print("in copy:", os.path.dirname(os.path.abspath(__file__)) == os.getcwd())',
    'if not numbers:',
    `    print(${JSON.stringify(emptyMessage)})`,
    'else:',
    '    print(len(numbers), "numbers, sum", sum(numbers))',
  );
}

const FILES = { 'data.txt': '1\n2\n3\n', 'empty.txt': '', 'one.txt': '7\n' };

function cases(root: string): string[] {
  return [
    '--case',
    `empty=${PYTHON} main.py empty.txt`,
    '--case',
    `one=${PYTHON} ${path.join(root, 'main.py')} ${path.join(root, 'one.txt')}`,
    '--case',
    `large=seq 1 100000 | ${PYTHON} main.py -`,
    '--case',
    `abs-empty=${PYTHON} ${path.join(root, 'main.py')} ${path.join(root, 'empty.txt')}`,
  ];
}

function snapshot(root: string): Record<string, string> {
  return Object.fromEntries(listFiles(root).map((file) => [file, readFileSync(path.join(root, file)).toString('base64')]));
}

describe.concurrent('concur verify --case', () => {
  it('runs each case on both sides and finds them equal', async () => {
    const root = project({ 'main.py': summer('no numbers'), ...FILES });
    const candidate = project({ 'main.py': summer('no numbers'), ...FILES });
    const before = snapshot(root);
    const { status, json } = await verifyJson(['--runs', '1', ...cases(root), '--candidate', candidate, 'main.py', '--', PYTHON, 'main.py', 'data.txt'], root);
    expect(status).toBe(0);
    expect(json).toMatchObject({ equal: true, status: 'equal', differences: [] });
    expect(json.cases.map((c) => [c.name, c.equal, c.differences, c.original.exit_code, c.rewrite.exit_code])).toEqual([
      ['empty', true, [], 0, 0],
      ['one', true, [], 0, 0],
      ['large', true, [], 0, 0],
      ['abs-empty', true, [], 0, 0],
    ]);
    expect(json.cases[1]!.command).toBe(`${PYTHON} ${path.join(root, 'main.py')} ${path.join(root, 'one.txt')}`);
    // One run per side and case, after the main runs, in the order given.
    expect(json.run_log.filter((r) => r.phase === 'case').map((r) => `${r.case}:${r.side}`)).toEqual(['empty:original', 'empty:rewrite', 'one:original', 'one:rewrite', 'large:original', 'large:rewrite', 'abs-empty:original', 'abs-empty:rewrite']);
    expect(snapshot(root)).toEqual(before);
  });

  it('catches a candidate that differs only on the empty input: that case differs, the verdict is unequal', async () => {
    const root = project({ 'main.py': summer('no numbers'), ...FILES });
    const candidate = project({ 'main.py': summer('nothing to sum'), ...FILES });
    const { status, json } = await verifyJson(['--runs', '1', ...cases(root), '--candidate', candidate, 'main.py', '--', PYTHON, 'main.py', 'data.txt'], root);
    expect(status).toBe(1);
    expect(json.equal).toBe(false);
    expect(json.status).toBe('different');
    // The main command agrees on both sides; only the empty case does not.
    expect(json.differences).toEqual([]);
    expect(json.run_log.filter((r) => r.phase === 'case' && r.side === 'rewrite').map((r) => [r.case, r.equal])).toEqual([
      ['empty', false],
      ['one', true],
      ['large', true],
      ['abs-empty', false],
    ]);
    expect(json.cases.map((c) => [c.name, c.equal])).toEqual([
      ['empty', false],
      ['one', true],
      ['large', true],
      // Absolute paths into the project point into each copy: the rewrite side ran the candidate.
      ['abs-empty', false],
    ]);
    for (const emptyCase of [json.cases[0]!, json.cases[3]!]) {
      expect(emptyCase.differences).toEqual([expect.objectContaining({ kind: 'stdout', description: 'stdout differs (2 lines in the original, 2 lines in the rewrite)' })]);
      expect(emptyCase.differences[0]!.excerpt!.split('\n')).toEqual(expect.arrayContaining(['-no numbers', '+nothing to sum', ' in copy: True']));
    }

    const text = await runConcur(['verify', '--runs', '1', ...cases(root), '--candidate', candidate, 'main.py', '--', PYTHON, 'main.py', 'data.txt'], { cwd: root, env: { TMPDIR: temporaryDirectory() } });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^concur verify: outputs differ /m);
    expect(text.stdout).toContain('edge cases: 2 of 4 equal');
    expect(text.stdout).toContain(`- empty (\`${PYTHON} main.py empty.txt\`): differs`);
    expect(text.stdout).toContain('      +nothing to sum');
  });

  it('notes a case whose original fails, and rejects a case that is not NAME=COMMAND', async () => {
    const root = project({ 'main.py': summer('no numbers'), ...FILES });
    const { status, json } = await verifyJson(['--runs', '1', '--case', `missing=${PYTHON} main.py no-such-file.txt`, '--candidate', root, 'main.py', '--', PYTHON, 'main.py', 'data.txt'], root);
    // Both sides fail the same way: compared as they are, and equal.
    expect(status).toBe(0);
    expect(json.cases).toEqual([expect.objectContaining({ name: 'missing', equal: true, original: expect.objectContaining({ exit_code: 1 }) })]);
    expect(json.notes).toContain('case missing: the original exits with status 1: compared as it is');

    for (const [args, message] of [
      [['--case', 'no-command'], /--case no-command: expected NAME=COMMAND/],
      [['--case', '=python3 main.py'], /expected NAME=COMMAND/],
      [['--case', 'a b=python3 main.py'], /expected NAME=COMMAND/],
      [['--case', 'x=true', '--case', 'x=false'], /--case x: the name is used twice/],
    ] as Array<[string[], RegExp]>) {
      const result = await runConcur(['verify', ...args, 'main.py', '--', PYTHON, 'main.py', 'data.txt'], { cwd: root });
      expect({ args, status: result.status }).toEqual({ args, status: 2 });
      expect(result.stderr).toMatch(message);
    }
  });
});
