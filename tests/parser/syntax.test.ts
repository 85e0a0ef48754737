import { describe, expect, it } from 'vitest';
import { getParser, parse } from '../../src/parser/parser.js';
import { modelOf, calleeOf } from '../helpers/parse.js';

/** Python 3.8 to 3.14 syntax the parser must take without error nodes. */
const MODERN_SYNTAX: Record<string, string> = {
  'walrus (3.8)': 'if (n := len(xs)) > 3:\n    pass\n',
  'positional-only parameters (3.8)': 'def f(a, /, b, *, c):\n    return a\n',
  'parenthesised context managers (3.10)': 'with (open(a) as f, open(b) as g):\n    pass\n',
  'match statement (3.10)':
    'match command:\n    case ["go", direction]:\n        pass\n    case {"x": x, **rest}:\n        pass\n    case Point(x=0) | None:\n        pass\n    case _:\n        pass\n',
  'except* (3.11)': 'try:\n    pass\nexcept* (ValueError, TypeError) as group:\n    pass\n',
  'PEP 695 type parameters and aliases (3.12)': 'type Pair[T] = tuple[T, T]\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\nclass Box[T]:\n    pass\n',
  'PEP 701 f-strings (3.12)': 'print(f"{x!r:>{width}} {"nested"} {\'a\' + "b"}")\n',
  'async comprehensions and async with/for': 'async def f():\n    async with lock:\n        async for x in aiter():\n            ys = [await g(y) async for y in x]\n',
  'decorators with any expression (3.9)': '@buttons[0].clicked.connect\ndef on_click():\n    pass\n',
};

describe('parser: Python 3.8 to 3.14 syntax', () => {
  for (const [name, code] of Object.entries(MODERN_SYNTAX)) {
    it(`parses ${name} without errors`, async () => {
      const { syntaxErrorAt } = parse(await getParser(), code);
      expect(syntaxErrorAt).toBeUndefined();
    });
  }

  it('reports where invalid syntax starts', async () => {
    const { syntaxErrorAt } = parse(await getParser(), 'x = 1\ndef broken(:\n    pass\n');
    expect(syntaxErrorAt).toBeGreaterThanOrEqual('x = 1\n'.length);
  });

  it('keeps UTF-16 offsets of the JS string on non-ASCII source', async () => {
    const code = 'name = "héllo 😀"; import time\ntime.sleep(1)\n';
    const { root } = parse(await getParser(), code);
    const call = root.descendantsOfType('call')[0];
    expect(code.slice(call.startIndex, call.endIndex)).toBe('time.sleep(1)');
    expect(call.text).toBe('time.sleep(1)');
  });

  it('sees calls inside f-string interpolations but not inside plain strings', async () => {
    const model = await modelOf('import time\nx = f"{time.sleep(1)}"\ny = "time.sleep(2)"\n');
    expect(calleeOf(model, 'time.sleep(1)')).toBe('time.sleep');
    expect(model.calls.map((c) => c.node.text)).toEqual(['time.sleep(1)']);
  });
});
