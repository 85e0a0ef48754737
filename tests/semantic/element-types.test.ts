import { describe, expect, it } from 'vitest';
import { calleeOf, modelOf } from '../helpers/parse.js';

/** Loop variables typed by the items of their iterable, so their method calls resolve. */
describe('loop variable types', () => {
  it('follows sorted() over a glob of a pathlib.Path', async () => {
    const model = await modelOf('from pathlib import Path\nd = Path("data")\nfor p in sorted(d.glob("*.csv")):\n    p.stat()\n');
    expect(calleeOf(model, 'p.stat()')).toBe('pathlib.Path.stat');
  });

  it('types `path / name` and the items of a comprehension built from it', async () => {
    const code = [
      'import pathlib',
      'def sizes(names):',
      '    directory = pathlib.Path("out")',
      '    paths = [directory / name for name in names]',
      '    for path in paths:',
      '        path.read_bytes()',
    ].join('\n');
    expect(calleeOf(await modelOf(code), 'path.read_bytes()')).toBe('pathlib.Path.read_bytes');
  });

  it('types a list built by appends and returned by a function, with the arguments of the call (call-site inference)', async () => {
    const code = [
      'from pathlib import Path',
      'def make(directory, count=3):',
      '    paths = []',
      '    for index in range(count):',
      '        path = directory / f"{index}.dat"',
      '        paths.append(path)',
      '    return paths',
      'def main(tmp):',
      '    for path in make(Path(tmp)):',
      '        path.stat()',
      '    for other in make(tmp):',
      '        other.stat()',
    ].join('\n');
    const model = await modelOf(code);
    expect(calleeOf(model, 'path.stat()')).toBe('pathlib.Path.stat');
    // The second call passes something of unknown type: nothing carries over from the first.
    expect(calleeOf(model, 'other.stat()')).toBeUndefined();
    // Inside `make`, `directory` has no type of its own: the call's types were not kept.
    expect(calleeOf(model, 'paths.append(path)')).toBeUndefined();
    const make = model.scopes.find((s) => s.name === 'make')!;
    expect(model.typeOf(make.bindings.get('path')![0].node, make)).toBeUndefined();
    expect(model.typeOf(make.bindings.get('index')![0].node, make)).toBe('builtins.int');
  });

  it('gives up when the list may get items of another type', async () => {
    const base = ['from pathlib import Path', 'def f(d, fill, names):', '    paths = [Path(d)]'];
    const loop = ['    for p in paths:', '        p.stat()'];
    const cases = [
      ['    fill(paths)'], // any function may append anything
      ['    more = paths', '    more.append("x")'], // an alias
      ['    paths.append(names[0])'], // an item of unknown type
      ['    paths += names'],
      ['    paths[0] = names[0]'],
    ];
    for (const lines of cases) {
      const model = await modelOf([...base, ...lines, ...loop].join('\n'));
      expect(calleeOf(model, 'p.stat()'), lines.join('; ')).toBeUndefined();
    }
    // Reading the list, or appending paths, keeps the type.
    const model = await modelOf([...base, '    print(len(paths), paths[0])', '    paths.append(Path(d) / "x")', ...loop].join('\n'));
    expect(calleeOf(model, 'p.stat()')).toBe('pathlib.Path.stat');
  });

  it('requires every binding of the loop variable to agree', async () => {
    const code = ['from pathlib import Path', 'def f(d, names):', '    for p in Path(d).iterdir():', '        p.stat()', '    for p in names:', '        print(p)'].join('\n');
    expect(calleeOf(await modelOf(code), 'p.stat()')).toBeUndefined();
  });

  it('destructures enumerate, zip and dict.items()', async () => {
    const code = [
      'import os',
      'from pathlib import Path',
      'def f(d):',
      '    paths = sorted(Path(d).iterdir())',
      '    for i, p in enumerate(paths):',
      '        i.bit_length()',
      '        p.exists()',
      '    for entry, q in zip(os.scandir(d), paths):',
      '        entry.is_file()',
      '        q.is_dir()',
      '    outputs = {"a": Path(d) / "a", "b": Path(d) / "b"}',
      '    for name, target in outputs.items():',
      '        target.unlink()',
      '    for k in {name: Path(name) for name in os.listdir(d)}.values():',
      '        k.touch()',
      '    with os.scandir(d) as listing:',
      '        for item in listing:',
      '            item.stat()',
    ].join('\n');
    const model = await modelOf(code);
    expect(calleeOf(model, 'i.bit_length()')).toBe('builtins.int.bit_length');
    expect(calleeOf(model, 'p.exists()')).toBe('pathlib.Path.exists');
    expect(calleeOf(model, 'entry.is_file()')).toBe('os.DirEntry.is_file');
    expect(calleeOf(model, 'q.is_dir()')).toBe('pathlib.Path.is_dir');
    expect(calleeOf(model, 'target.unlink()')).toBe('pathlib.Path.unlink');
    expect(calleeOf(model, 'k.touch()')).toBe('pathlib.Path.touch');
    expect(calleeOf(model, 'item.stat()')).toBe('os.DirEntry.stat');
  });

  it('does not type a dict whose values may be of another type', async () => {
    const code = ['from pathlib import Path', 'def f(d, other):', '    m = {"a": Path(d)}', '    m["b"] = other', '    for k, v in m.items():', '        v.stat()'].join('\n');
    expect(calleeOf(await modelOf(code), 'v.stat()')).toBeUndefined();
  });

  it('reads annotations of parameters', async () => {
    const code = [
      'import typing',
      'from pathlib import Path',
      'def f(paths: list[Path], more: typing.Iterable[Path], named: dict[str, Path]):',
      '    for p in paths:',
      '        p.read_text()',
      '    for m in more:',
      '        m.read_bytes()',
      '    for key, value in named.items():',
      '        value.stat()',
    ].join('\n');
    const model = await modelOf(code);
    expect(calleeOf(model, 'p.read_text()')).toBe('pathlib.Path.read_text');
    expect(calleeOf(model, 'm.read_bytes()')).toBe('pathlib.Path.read_bytes');
    expect(calleeOf(model, 'value.stat()')).toBe('pathlib.Path.stat');
  });

  it('types comprehension variables and catalogued iterables (csv rows, ranges)', async () => {
    const code = [
      'import csv',
      'from pathlib import Path',
      'def f(d, stream):',
      '    sizes = [p.stat() for p in Path(d).rglob("*")]',
      '    for row in csv.DictReader(stream):',
      '        row.get("x")',
      '    for n in range(3):',
      '        n.to_bytes(2, "big")',
    ].join('\n');
    const model = await modelOf(code);
    expect(calleeOf(model, 'p.stat()')).toBe('pathlib.Path.stat');
    expect(calleeOf(model, 'row.get("x")')).toBe('builtins.dict.get');
    expect(calleeOf(model, 'n.to_bytes(2, "big")')).toBe('builtins.int.to_bytes');
  });

  it('leaves recursion and methods alone', async () => {
    const code = [
      'from pathlib import Path',
      'def walk(d):',
      '    return [Path(d)] + walk(d)',
      'class C:',
      '    def items(self, d):',
      '        return [Path(d)]',
      'def main(d, c: C):',
      '    for p in walk(d):',
      '        p.stat()',
      '    for q in c.items(d):',
      '        q.stat()',
    ].join('\n');
    const model = await modelOf(code);
    expect(calleeOf(model, 'p.stat()')).toBeUndefined();
    expect(calleeOf(model, 'q.stat()')).toBeUndefined();
  });
});
