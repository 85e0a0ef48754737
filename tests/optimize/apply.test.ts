import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyRewrite, snapshot } from '../../src/optimize/apply.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

function setUp(text: string) {
  const projectRoot = temporaryDirectory();
  const copyRoot = temporaryDirectory();
  mkdirSync(path.join(projectRoot, 'pkg'));
  mkdirSync(path.join(copyRoot, 'pkg'));
  const file = path.join(projectRoot, 'pkg', 'main.py');
  writeFileSync(file, text);
  writeFileSync(path.join(copyRoot, 'pkg', 'main.py'), 'rewritten\n');
  return { projectRoot, copyRoot, file };
}

describe('applying a verified rewrite', () => {
  it('writes the rewritten file over the unchanged original', () => {
    const { projectRoot, copyRoot, file } = setUp('original\n');
    const applied = applyRewrite(['pkg/main.py'], copyRoot, projectRoot, [snapshot(file)]);
    expect(applied).toEqual({ written: [file], skipped: [] });
    expect(readFileSync(file, 'utf8')).toBe('rewritten\n');
  });

  it('writes nothing when the file changed after its snapshot', () => {
    const { projectRoot, copyRoot, file } = setUp('original\n');
    const before = snapshot(file);
    writeFileSync(file, 'edited meanwhile\n');
    const applied = applyRewrite(['pkg/main.py'], copyRoot, projectRoot, [before]);
    expect(applied.written).toEqual([]);
    expect(applied.skipped).toEqual([{ file, reason: 'pkg/main.py changed while it was being verified' }]);
    expect(readFileSync(file, 'utf8')).toBe('edited meanwhile\n');
  });

  it('writes nothing when a rewritten file has no snapshot (not the file being optimized)', () => {
    const { projectRoot, copyRoot, file } = setUp('original\n');
    writeFileSync(path.join(projectRoot, 'other.py'), 'other\n');
    writeFileSync(path.join(copyRoot, 'other.py'), 'other rewritten\n');
    const applied = applyRewrite(['other.py', 'pkg/main.py'], copyRoot, projectRoot, [snapshot(file)]);
    expect(applied.written).toEqual([]);
    expect(applied.skipped.map((s) => s.reason)).toEqual(['other.py was rewritten but is not the file being optimized', 'other.py was rewritten but is not the file being optimized']);
    expect(readFileSync(file, 'utf8')).toBe('original\n');
  });
});
