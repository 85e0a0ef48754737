import { describe, expect, it } from 'vitest';
import { findLoops } from '../../src/loops/index.js';
import { modelOf } from '../helpers/parse.js';
import { analyse } from './helpers.js';

describe('findLoops', () => {
  it('lists every for loop, inner ones included, in source order, and leaves out async for', async () => {
    const model = await modelOf(`async def pump(stream, rows):
    async for chunk in stream:
        print(chunk)
    for row in rows:
        for cell in row:
            print(cell)
`);
    expect(findLoops(model).map((l) => l.text.split('\n')[0].trim())).toEqual(['for row in rows:', 'for cell in row:']);
  });

  it('analyses an inner loop on its own', async () => {
    const code = `def flatten(grid):
    flat = []
    for row in grid:
        for cell in row:
            flat.append(cell * 2)
    return flat
`;
    const outer = await analyse(code, 0);
    const inner = await analyse(code, 1);
    expect(outer.verdict.kind).toBe('splittable');
    expect(outer.commit.map((c) => c.kind)).toEqual(['inner-loop']);
    expect(inner.verdict.kind).toBe('splittable');
    expect(inner.loopVariables).toEqual(['cell']);
  });
});
