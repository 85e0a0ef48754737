/** Jupyter notebooks through the CLI: findings carry the cell (numbered among all cells) and a line within it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sarifValidator } from '../helpers/sarif-schema.js';
import { checkJson, project, removeTemporaryDirectories, runConcur } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

/** A markdown cell, then two code cells; `time.sleep` is on line 2, column 5, of the third cell. */
const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
    language_info: { name: 'python' },
  },
  cells: [
    { cell_type: 'markdown', id: 'intro', metadata: {}, source: ['# Fetching\n', '\n', 'Some *markdown* text.'] },
    {
      cell_type: 'code',
      id: 'imports',
      metadata: {},
      execution_count: 1,
      outputs: [],
      source: ['import asyncio\n', 'import time'],
    },
    {
      cell_type: 'code',
      id: 'work',
      metadata: {},
      execution_count: null,
      outputs: [],
      source: ['async def main():\n', '    time.sleep(1)\n', '    await asyncio.sleep(0)'],
    },
  ],
};

let root: string;
beforeAll(() => {
  root = project({ 'nb.ipynb': `${JSON.stringify(NOTEBOOK, null, 1)}\n`, 'notes/empty.ipynb': '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n' });
});

describe.concurrent('notebooks', () => {
  it('reports the cell and the line within it in text', async () => {
    const result = await runConcur(['check', 'nb.ipynb'], { cwd: root });
    expect(result.status).toBe(1);
    // `[*]` marks a safe fix; whether this one is safe is the rule's business.
    const safe = (await checkJson(['nb.ipynb'], { cwd: root })).json.findings[0]!.fix?.applicability === 'safe';
    expect(result.stdout).toMatch(new RegExp(`^nb\\.ipynb:cell 3:2:5: AS101 ${safe ? '\\[\\*\\] ' : ''}Blocking call \`time\\.sleep\``, 'm'));
    // The code frame numbers the lines of the cell.
    expect(result.stdout).toContain('1 | async def main():\n2 |     time.sleep(1)\n  |     ^^^^^^^^^^^^^ AS101\n');
  });

  it('reports cell, line and column in JSON', async () => {
    const { json, status } = await checkJson(['nb.ipynb'], { cwd: root });
    expect(status).toBe(1);
    expect(json.errors).toEqual([]);
    expect(json.findings).toHaveLength(1);
    expect(json.findings[0]).toMatchObject({ rule: 'AS101', path: 'nb.ipynb', cell: 3, line: 2, column: 5, endLine: 2, endColumn: 18 });
  });

  it('is found when walking a directory, and an empty notebook is analysed without findings', async () => {
    const { json, status } = await checkJson(['.'], { cwd: root });
    expect(status).toBe(1);
    expect(json.errors).toEqual([]);
    expect(json.findings.map((f) => `${f.path}:cell ${f.cell}:${f.line}`)).toEqual(['nb.ipynb:cell 3:2']);
  });

  it('records the cell in SARIF, which stays valid', async () => {
    const log = JSON.parse((await runConcur(['check', '--format', 'sarif', 'nb.ipynb'], { cwd: root })).stdout);
    const validate = sarifValidator();
    expect(validate(log)).toBe(true);
    const [result] = log.runs[0].results;
    expect(result.properties).toMatchObject({ cell: 3 });
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe('nb.ipynb');
  });

  it('is fixed in place: only the source line of the fixed cell changes in the JSON', async () => {
    const original = `${JSON.stringify(NOTEBOOK, null, 1)}\n`;
    const directory = project({ 'nb.ipynb': original });
    const result = await runConcur(['fix', '--unsafe-fixes', 'nb.ipynb'], { cwd: directory });
    expect(result.status).toBe(0);
    const written = readFileSync(path.join(directory, 'nb.ipynb'), 'utf8');
    expect(written).toBe(original.replace('"    time.sleep(1)\\n"', '"    await asyncio.sleep(1)\\n"'));
    expect(written).not.toBe(original);
  });

  it('reports a notebook that is not JSON as an error', async () => {
    const broken = project({ 'bad.ipynb': '{"cells": [', 'ok.py': 'x = 1\n' });
    const { json, status } = await checkJson(['.'], { cwd: broken });
    expect(status).toBe(0);
    expect(json.errors).toHaveLength(1);
    expect(json.errors[0]!.path).toBe('bad.ipynb');
    expect(json.errors[0]!.message).toMatch(/notebook|JSON/i);
  });
});
