/**
 * The instrumentation of a module: the probe's import goes where no line moves (after the
 * docstring and `from __future__` imports, on a blank or comment line, before a simple first
 * statement, or else into each call), and every kind of loop and `yield` is wrapped so that the
 * program still compiles and prints the same.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineIndex } from '../../src/parser/line-index.js';
import { instrumentModule } from '../../src/profile/instrument.js';
import { findSites } from '../../src/profile/sites.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../helpers/cli.js';
import { modelOf } from '../helpers/parse.js';
import { PYTHON } from '../helpers/python.js';
import { probeProgram } from './helpers.js';

afterAll(removeTemporaryDirectories);

async function instrument(source: string) {
  const model = await modelOf(source);
  const sites = findSites(model, new LineIndex(source));
  return instrumentModule(model, source, sites, sites.map((_, i) => i));
}

/** Whether Python compiles `source` (the probe need not exist for that). */
function compiles(source: string): string {
  const file = path.join(temporaryDirectory('concur-instrument-'), 'module.py');
  fs.writeFileSync(file, source);
  const result = spawnSync(PYTHON, ['-c', 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")', file], { encoding: 'utf8' });
  return result.status === 0 ? 'ok' : result.stderr;
}

describe('where the probe is imported', () => {
  const cases: Array<[string, string, string]> = [
    ['after the docstring', '"""Tool."""\nimport os\nfor x in [1]:\n    print(x)\n', '"""Tool."""; import _concur_profile_probe as _concur_probe_\n'],
    ['after the future imports', '"""Tool."""\nfrom __future__ import annotations\nfor x in [1]:\n    print(x)\n', '"""Tool."""\nfrom __future__ import annotations; import _concur_profile_probe as _concur_probe_\n'],
    ['on a blank line, not the shebang or the encoding line', '#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\nimport os\nfor x in [1]:\n    print(x)\n', '#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport _concur_profile_probe as _concur_probe_\nimport os\n'],
    ['in front of a comment line', '# Copyright\nimport os\nfor x in [1]:\n    print(x)\n', 'import _concur_profile_probe as _concur_probe_  # Copyright\n'],
    ['in front of a simple first statement', 'import os\nfor x in [1]:\n    print(x)\n', 'import _concur_profile_probe as _concur_probe_; import os\n'],
  ];
  it.each(cases)('%s', async (_, source, start) => {
    const result = await instrument(source);
    expect(result.importedBy).toBe('statement');
    expect(result.text.startsWith(start)).toBe(true);
    expect(result.text.split('\n').length).toBe(source.split('\n').length);
    expect(result.text).toContain('for x in _concur_probe_.loop(0, ([1])):');
    expect(compiles(result.text)).toBe('ok');
  });

  it('in each call when the file starts with a compound statement', async () => {
    const source = 'def main():\n    for x in [1]:\n        print(x)\n';
    const result = await instrument(source);
    expect(result.importedBy).toBe('each-call');
    expect(result.text).toBe('def main():\n    for x in __import__("_concur_profile_probe").loop(0, ([1])):\n        print(x)\n');
  });
});

describe('what is wrapped', () => {
  it('iterables, elements and yields, nested, keep the program compiling and printing the same', async () => {
    const program = [
      '"""Shapes of loops."""',
      'from __future__ import annotations',
      '',
      '',
      'def pairs(limit):',
      '    for a in range(limit):',
      '        for b in range(a):',
      '            received = yield a, b',
      '            if received:',
      '                yield',
      '',
      '',
      'def delegate():',
      '    for part in ([1, 2], [3]):',
      '        yield from part',
      '',
      '',
      'first, second = [1, 2], (3, 4)',
      'for x in *first, *second:',
      '    print("splat", x)',
      'for x in 5, 6:',
      '    print("tuple", x)',
      'print("pairs", list(pairs(4)))',
      'generator = pairs(3)',
      'print(next(generator), generator.send(True), next(generator))',
      'print("delegate", list(delegate()))',
      'print("nested", [[y * x for y in range(x)] for x in range(4)])',
      'print("dict", {k: v for k, v in zip("ab", [[w for w in range(2)], 3])})',
      'print("set", sorted({c for c in "hello"}))',
      'print("generator", sum(n for n in range(10) if n % 2), any(n > 3 for n in range(10)))',
      'print("map", list(map(str, range(3))), sorted(map(abs, [-2, 1])))',
      'print("doc", __doc__)',
      'print("clauses", [(a, b) for a in range(3) for b in range(a) if b])',
      '',
    ].join('\n');
    const run = await probeProgram({ 'main.py': program }, 'main.py');
    expect(run.probed.stderr).toBe('');
    expect(run.probed.stdout).toBe(run.original.stdout);
    expect(run.original.stdout).toContain('doc Shapes of loops.');
    expect(run.instrumented['main.py'].split('\n').length).toBe(program.split('\n').length);
    expect(run.instrumented['main.py']).toContain('_concur_probe_.resumed((0, 1,), (yield _concur_probe_.pausing((0, 1,), (a, b))))');
    expect(run.instrumented['main.py']).toContain('_concur_probe_.resumed((0, 1,), (yield _concur_probe_.pausing((0, 1,), None)))');
    expect(run.instrumented['main.py']).toContain('yield from _concur_probe_.pausing(');
    // `any` stops at the first item over 3: the generator expression ended early.
    const any = [...run.loops.entries()].find(([key]) => key.startsWith('main.py:30:') && run.loops.get(key)!.ended_early === 1);
    expect(any?.[1].iterations).toBe(5);
  });
});
