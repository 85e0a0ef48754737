import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../src/parser/line-index.js';

describe('LineIndex', () => {
  it('counts columns in code points, not UTF-16 units', () => {
    const text = 'a = "🎉é"\nb = 1\n';
    const index = new LineIndex(text);
    expect(index.position(text.indexOf('é'))).toEqual({ line: 1, column: 7 });
    expect(index.position(text.indexOf('"', 5))).toEqual({ line: 1, column: 8 });
    expect(index.position(text.indexOf('b'))).toEqual({ line: 2, column: 1 });
  });

  it('treats \\n, \\r\\n and a lone \\r as line breaks', () => {
    const text = 'x\r\ny\rz\nw';
    const index = new LineIndex(text);
    expect(['x', 'y', 'z', 'w'].map((ch) => index.position(text.indexOf(ch)).line)).toEqual([1, 2, 3, 4]);
  });

  it('gives the end of a range as the exclusive position and clamps out-of-range offsets', () => {
    const index = new LineIndex('abc\n');
    expect(index.range(0, 3)).toEqual({ line: 1, column: 1, endLine: 1, endColumn: 4 });
    expect(index.range(0, 4)).toEqual({ line: 1, column: 1, endLine: 2, endColumn: 1 });
    expect(index.position(99)).toEqual({ line: 2, column: 1 });
  });
});
