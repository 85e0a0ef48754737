import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  adjustNotebookLayout,
  mapNotebookPosition,
  readNotebook,
  writeNotebookSource,
} from '../../src/source/notebook.js';

type Cell = { cell_type: string; source: string | string[]; [key: string]: unknown };

/** A notebook as nbformat writes it: 1-space indentation, sorted keys, final newline. */
function notebookJson(cells: Cell[], indent: number | string = 1, metadata: object = { language_info: { name: 'python' } }): string {
  const full = cells.map((cell) =>
    cell.cell_type === 'code'
      ? { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], ...cell }
      : { metadata: {}, ...cell },
  );
  return `${JSON.stringify({ cells: full, metadata, nbformat: 4, nbformat_minor: 5 }, null, indent)}\n`;
}

function read(json: string) {
  const result = readNotebook(json, 'nb.ipynb');
  if ('error' in result) throw new Error(result.error);
  return result;
}

/** The text must be Python that CPython parses. */
function expectValidPython(text: string): void {
  const check = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: text });
  expect(check.stderr.toString()).toBe('');
  expect(check.status).toBe(0);
}

const code = (source: string | string[]): Cell => ({ cell_type: 'code', source });
const markdown = (source: string): Cell => ({ cell_type: 'markdown', source });

describe('readNotebook', () => {
  it('concatenates code cells, numbering cells among all cells', () => {
    const json = notebookJson([
      code(['import os\n', 'x = 1']),
      markdown('# Title\nsome text'),
      code('for i in range(3):\n    print(i)\n'),
      { cell_type: 'raw', source: 'raw text' },
      code([]),
    ]);
    const { text, notebook } = read(json);
    expect(text).toBe('import os\nx = 1\nfor i in range(3):\n    print(i)\n\n');
    expect(notebook.cells).toEqual([
      { cell: 1, firstLine: 0, lineCount: 2 },
      { cell: 3, firstLine: 2, lineCount: 2 },
      { cell: 5, firstLine: 4, lineCount: 1 },
    ]);
    expect(mapNotebookPosition(notebook, 1)).toEqual({ cell: 1, line: 1 });
    expect(mapNotebookPosition(notebook, 2)).toEqual({ cell: 1, line: 2 });
    expect(mapNotebookPosition(notebook, 3)).toEqual({ cell: 3, line: 1 });
    expect(mapNotebookPosition(notebook, 4)).toEqual({ cell: 3, line: 2 });
    expect(mapNotebookPosition(notebook, 5)).toEqual({ cell: 5, line: 1 });
  });

  it('neutralises IPython syntax with same-length inert lines', () => {
    const source = [
      '%matplotlib inline',
      '!pip install requests',
      'files = !ls',
      'os.path?',
      '??os',
      'for url in urls:',
      '    %time fetch(url)',
      '    !ls',
      'if True:',
      '    !x',
      'template = """',
      '%d items',
      '"""',
      'total = (1',
      '         % 2)',
    ].join('\n');
    const { text } = read(notebookJson([code(source)]));
    const lines = text.split('\n');
    expect(lines.slice(0, 15)).toEqual([
      '#'.padEnd(18),
      '#'.padEnd(21),
      '#'.padEnd(11),
      '#'.padEnd(8),
      '#'.padEnd(4),
      'for url in urls:',
      '    pass'.padEnd(20),
      '    ...',
      'if True:',
      '    0 ',
      'template = """',
      '%d items',
      '"""',
      'total = (1',
      '         % 2)',
    ]);
    source.split('\n').forEach((line, index) => expect(lines[index]!.length).toBe(line.length));
    expectValidPython(text);
  });

  it('analyses cells under Python cell magics and leaves out the others, still counting them', () => {
    const json = notebookJson([
      code('%%time\nx = slow()'),
      code('%%bash\necho hi'),
      code('%%writefile out.txt\nnot python'),
      code('y = 2'),
    ]);
    const { text, notebook } = read(json);
    expect(text).toBe('#     \nx = slow()\ny = 2\n');
    expect(notebook.cells.map((cell) => cell.cell)).toEqual([1, 4]);
    expectValidPython(text);
  });

  it('rejects invalid JSON and non-Python notebooks', () => {
    expect(readNotebook('{"cells": [', 'nb.ipynb')).toMatchObject({ error: expect.stringMatching(/^invalid notebook: /) });
    const r = notebookJson([code('x <- 1')], 1, { kernelspec: { language: 'R', name: 'ir' } });
    expect(readNotebook(r, 'nb.ipynb')).toEqual({ error: 'not a Python notebook (language: R)' });
    expect(readNotebook('{"nbformat": 3, "worksheets": []}', 'nb.ipynb')).toMatchObject({
      error: expect.stringContaining('unsupported notebook format 3'),
    });
  });
});

describe('writeNotebookSource', () => {
  const cells = [
    code(['%matplotlib inline\n', 'import requests\n', 'for u in urls:\n', '    !echo $u\n', '    r = requests.get(u)']),
    markdown('## Results'),
    code('print(r)\n'),
    code('%%bash\necho untouched'),
    code(['x = 1']),
  ];

  it('returns the notebook byte for byte when the text is unchanged', () => {
    for (const indent of [1, 2, '\t']) {
      const json = notebookJson(cells, indent);
      const { text, notebook } = read(json);
      expect(writeNotebookSource(json, notebook, text)).toBe(json);
    }
  });

  it('writes an edited cell back, restoring magics and keeping everything else', () => {
    const json = notebookJson(cells, 2);
    const { text, notebook } = read(json);
    const edited = text.replace('r = requests.get(u)', 'r = fetch(u)');
    expect(edited.split('\n').length).toBe(text.split('\n').length);
    const written = writeNotebookSource(json, notebook, edited);

    const original = JSON.parse(json);
    const result = JSON.parse(written);
    expect(result.cells[0].source).toEqual(['%matplotlib inline\n', 'import requests\n', 'for u in urls:\n', '    !echo $u\n', '    r = fetch(u)']);
    result.cells[0].source = original.cells[0].source;
    expect(result).toEqual(original);
    // Layout of the file: 2-space indentation, final newline, other cells' bytes as they were.
    expect(written).toBe(json.replace('"    r = requests.get(u)"', '"    r = fetch(u)"'));
  });

  it('puts inserted lines in the right cell using the adjusted layout', () => {
    const json = notebookJson(cells);
    const { text, notebook } = read(json);
    const printLine = text.indexOf('print(r)');
    const edits = [
      { start: 0, end: 0, text: 'import concurrent.futures\n' },
      { start: printLine, end: printLine, text: '# results\n' },
    ];
    const edited = edits
      .slice()
      .sort((a, b) => b.start - a.start)
      .reduce((current, edit) => current.slice(0, edit.start) + edit.text + current.slice(edit.end), text);
    const layout = adjustNotebookLayout(notebook, text, edits);
    expect(layout.cells).toEqual([
      { cell: 1, firstLine: 0, lineCount: 6 },
      { cell: 3, firstLine: 6, lineCount: 2 },
      { cell: 5, firstLine: 8, lineCount: 1 },
    ]);
    const result = JSON.parse(writeNotebookSource(json, layout, edited));
    expect(result.cells[0].source[0]).toBe('import concurrent.futures\n');
    expect(result.cells[0].source[1]).toBe('%matplotlib inline\n');
    expect(result.cells[0].source[4]).toBe('    !echo $u\n');
    expect(result.cells[2].source).toBe('# results\nprint(r)\n');
    expect(result.cells[3].source).toBe('%%bash\necho untouched');
    expect(result.cells[4].source).toEqual(['x = 1']);
  });

  it('refuses a layout that does not describe the text', () => {
    const json = notebookJson(cells);
    const { text, notebook } = read(json);
    expect(() => writeNotebookSource(json, notebook, `${text}extra\n`)).toThrow(/layout/);
  });

  it('refuses an edit that spans two cells', () => {
    const json = notebookJson(cells);
    const { text, notebook } = read(json);
    const boundary = text.indexOf('print(r)');
    expect(() => adjustNotebookLayout(notebook, text, [{ start: boundary - 3, end: boundary + 3, text: '' }])).toThrow(
      /spans notebook cells 1 and 3/,
    );
  });

  it('keeps a compact one-line notebook compact', () => {
    const json = JSON.stringify({ cells: [{ cell_type: 'code', source: ['a = 1\n', 'b = 2'], metadata: {}, outputs: [] }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
    const { text, notebook } = read(json);
    expect(writeNotebookSource(json, notebook, text.replace('b = 2', 'b = 3'))).toBe(json.replace('b = 2', 'b = 3'));
  });
});
