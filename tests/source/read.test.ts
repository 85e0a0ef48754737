import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DiscoveredFile } from '../../src/discovery/discover.js';
import { isFileError, readSource } from '../../src/source/read.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-read-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

function file(name: string, content?: string | Buffer): DiscoveredFile {
  const absolutePath = path.join(directory, name);
  if (content !== undefined) fs.writeFileSync(absolutePath, content);
  return { absolutePath, path: name, kind: name.endsWith('.ipynb') ? 'notebook' : 'python' };
}

describe('readSource', () => {
  it('reads and decodes a Python file', async () => {
    const result = await readSource(file('a.py', '# coding: latin-1\nx = "\xe9"\n'.replace('\xe9', 'é')));
    // Written as UTF-8 but declared latin-1: decoded as Python would, byte by byte.
    expect(result).toMatchObject({ path: 'a.py', encoding: 'iso8859-1', bom: false, text: '# coding: latin-1\nx = "Ã©"\n' });
  });

  it('reads a notebook into its Python text and layout', async () => {
    const json = JSON.stringify({ cells: [{ cell_type: 'code', source: ['%time f()\n', 'g()'] }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
    const result = await readSource(file('n.ipynb', json));
    expect(result).toMatchObject({ path: 'n.ipynb', text: '#        \ng()\n', notebook: { cells: [{ cell: 1, firstLine: 0, lineCount: 2 }] } });
  });

  it('turns problems into FileErrors for the file', async () => {
    expect(await readSource(file('missing.py'))).toEqual({ path: 'missing.py', message: 'No such file or directory' });
    expect(await readSource(file('bad.py', Buffer.from([0x78, 0x3d, 0x22, 0xff, 0x22, 0x0a])))).toEqual({
      path: 'bad.py',
      message: 'cannot decode as UTF-8: invalid byte 0xFF at line 1',
      line: 1,
    });
    expect(await readSource(file('bad.ipynb', '{not json'))).toMatchObject({ path: 'bad.ipynb', message: expect.stringMatching(/^invalid notebook/) });
    const result = await readSource(file('dir.py', undefined));
    expect(isFileError(result)).toBe(true);
  });

  it('refuses a file over 10 MB without reading it', async () => {
    const big = file('big.py');
    fs.writeFileSync(big.absolutePath, '');
    fs.truncateSync(big.absolutePath, 10 * 1024 * 1024 + 1);
    expect(await readSource(big)).toEqual({ path: 'big.py', message: 'file is larger than 10 MB' });
  });
});
