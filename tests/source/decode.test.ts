import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodePythonSource, encodePythonSource } from '../../src/source/read.js';
import { firstInvalidUtf8Offset } from '../../src/source/utf8.js';

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

function decodeOk(input: Buffer) {
  const result = decodePythonSource(input, 'x.py');
  if ('error' in result) throw new Error(`unexpected error: ${result.error}`);
  return result;
}

describe('decodePythonSource', () => {
  it('decodes UTF-8 by default', () => {
    const result = decodeOk(Buffer.from('name = "café ☕"\n', 'utf8'));
    expect(result).toEqual({ text: 'name = "café ☕"\n', encoding: 'utf-8', bom: false });
  });

  it('strips a UTF-8 BOM, remembers it and writes it back', () => {
    const input = Buffer.from('\uFEFFx = "é"\n', 'utf8');
    const result = decodeOk(input);
    expect(result).toEqual({ text: 'x = "é"\n', encoding: 'utf-8', bom: true });
    expect(encodePythonSource(result.text, result.encoding, result.bom).equals(input)).toBe(true);
  });

  it('follows a latin-1 coding cookie and round-trips the bytes exactly', () => {
    const input = bytes('# -*- coding: latin-1 -*-\r\n', 'name = "Jos', [0xe9], '"\r\n');
    const result = decodeOk(input);
    expect(result.text).toBe('# -*- coding: latin-1 -*-\r\nname = "José"\r\n');
    expect(result.encoding).toBe('iso8859-1');
    expect(encodePythonSource(result.text, result.encoding, result.bom).equals(input)).toBe(true);
  });

  it('follows a koi8-r cookie', () => {
    const input = bytes('# coding: koi8-r\n', 's = "', [0xd0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4], '"\n');
    const result = decodeOk(input);
    expect(result.text).toBe('# coding: koi8-r\ns = "привет"\n');
    expect(result.encoding).toBe('koi8-r');
    expect(encodePythonSource(result.text, result.encoding, false).equals(input)).toBe(true);
  });

  it('decodes multi-byte Japanese codecs', () => {
    const eucJp = bytes('# coding: euc-jp\ns = "', [198, 252, 203, 220, 184, 236], '"\n');
    const shiftJis = bytes('# coding: shift_jis\ns = "', [147, 250, 150, 123, 140, 234], '"\n');
    for (const input of [eucJp, shiftJis]) {
      const result = decodeOk(input);
      expect(result.text).toContain('s = "日本語"');
      expect(encodePythonSource(result.text, result.encoding, false).equals(input)).toBe(true);
    }
  });

  it.each([
    ['# vim: set fileencoding=latin1 :', 'iso8859-1'],
    ['# -*- coding: utf-8-unix -*-', 'utf-8'],
    ['# coding=cp1252', 'cp1252'],
    ['# coding: Latin_1', 'iso8859-1'],
    ['# coding: euc_jp', 'euc_jp'],
    ['# coding: shift_jis', 'shift_jis'],
    ['# coding: utf8', 'utf-8'],
    ['# coding: utf-8-sig', 'utf-8'],
    ['# coding: l1', 'iso8859-1'],
  ])('normalises the codec name in %j', (cookie, encoding) => {
    expect(decodeOk(bytes(cookie, '\nx = 1\n')).encoding).toBe(encoding);
  });

  it('reads the cookie on line 2 only after a blank or comment line 1', () => {
    expect(decodeOk(bytes('#!/usr/bin/env python\n# coding: latin-1\nx = "', [0xe9], '"\n')).text).toContain('x = "é"');
    expect(decodeOk(bytes('\n# coding: latin-1\n')).encoding).toBe('iso8859-1');
    expect(decodeOk(bytes('import os\n# coding: latin-1\n')).encoding).toBe('utf-8');
    expect(decodeOk(bytes('x = 1\n\n# coding: latin-1\n')).encoding).toBe('utf-8');
  });

  it('reports invalid UTF-8 with the byte and its line', () => {
    expect(decodePythonSource(bytes('a = 1\nb = 2\nc = "', [0xe9], '"\n'), 'x.py')).toEqual({
      error: 'cannot decode as UTF-8: invalid byte 0xE9 at line 3',
      line: 3,
    });
  });

  it('rejects overlong forms and encoded surrogates, as Python does', () => {
    expect(decodePythonSource(bytes('x = "', [0xc0, 0x80], '"'), 'x.py')).toMatchObject({ error: expect.stringContaining('0xC0') });
    expect(decodePythonSource(bytes('x = "', [0xed, 0xa0, 0x80], '"'), 'x.py')).toMatchObject({ error: expect.stringContaining('0xED') });
  });

  it('calls a file with a NUL byte near the start binary', () => {
    expect(decodePythonSource(bytes('\x7fELF', [0, 0, 1]), 'x.py')).toEqual({ error: 'binary file (contains NUL bytes)' });
  });

  it('reports a NUL byte further in with its line', () => {
    const input = bytes('#'.repeat(9000), '\nx = 1\n', [0]);
    expect(decodePythonSource(input, 'x.py')).toEqual({ error: 'source contains a NUL byte at line 3', line: 3 });
  });

  it('refuses files over 10 MB', () => {
    const input = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
    expect(decodePythonSource(input, 'x.py')).toEqual({ error: 'file is larger than 10 MB' });
  });

  it('names an unknown codec', () => {
    expect(decodePythonSource(bytes('# coding: klingon\n'), 'x.py')).toEqual({
      error: 'unknown encoding "klingon" in the coding declaration on line 1',
      line: 1,
    });
  });

  it('rejects a BOM with a cookie naming another codec, as CPython does', () => {
    expect(decodePythonSource(bytes([0xef, 0xbb, 0xbf], '# coding: latin-1\n'), 'x.py')).toEqual({
      error: 'encoding problem: latin-1 with BOM',
      line: 1,
    });
    expect(decodeOk(bytes([0xef, 0xbb, 0xbf], '# coding: utf-8\n')).bom).toBe(true);
    // CPython compares the spelling: `utf8` with a BOM is refused (test/tokenizedata/bad_coding2.py).
    expect(decodePythonSource(bytes([0xef, 0xbb, 0xbf], '# coding: utf8\n'), 'x.py')).toMatchObject({
      error: 'encoding problem: utf8 with BOM',
    });
  });

  it('reports bytes a legacy codec does not define', () => {
    expect(decodePythonSource(bytes('# coding: cp1252\n\nx = "', [0x81], '"\n'), 'x.py')).toEqual({
      error: 'cannot decode as cp1252: invalid byte 0x81 at line 3',
      line: 3,
    });
    expect(decodePythonSource(bytes('# coding: ascii\nx = "', [0xe9], '"\n'), 'x.py')).toEqual({
      error: 'cannot decode as ascii: invalid byte 0xE9 at line 2',
      line: 2,
    });
  });
});

describe('encodePythonSource', () => {
  it('refuses text the codec cannot represent instead of writing "?"', () => {
    expect(() => encodePythonSource('# coding: latin-1\nx = "€→"\n', 'iso8859-1', false)).toThrow(
      /cannot encode character U\+20AC .* as iso8859-1/,
    );
  });

  it('encodes edited text in the original codec', () => {
    expect(encodePythonSource('s = "привет"\n', 'koi8-r', false)).toEqual(bytes('s = "', [0xd0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4], '"\n'));
  });
});

describe('firstInvalidUtf8Offset', () => {
  it('agrees with Node’s validator on random byte strings', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let round = 0; round < 2000; round++) {
      const sample = Buffer.from(Array.from({ length: 1 + (round % 12) }, () => (round % 3 === 0 ? random() : 0x80 + (random() % 0x80))));
      const offset = firstInvalidUtf8Offset(sample);
      expect(offset === -1).toBe(isUtf8(sample));
      if (offset !== -1) expect(isUtf8(sample.subarray(0, offset))).toBe(true);
    }
  });
});
