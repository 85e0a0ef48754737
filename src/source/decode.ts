import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { findCodingCookie } from './coding-cookie.js';
import { isUtf8CookieName, type PythonCodec, resolvePythonCodec } from './python-codecs.js';
import { firstInvalidUtf8Offset, lineOfOffset } from './utf8.js';

/** Larger files are generated data, not code worth analysing, and would stall the parser. */
export const MAX_SOURCE_BYTES = 10 * 1024 * 1024;
/** How far to look for NUL bytes to call a file binary (git and grep look at 8 KB too). */
const BINARY_SNIFF_BYTES = 8 * 1024;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const UTF8: PythonCodec = { name: 'utf-8', iconvName: undefined };

export interface DecodedSource {
  text: string;
  /** Canonical Python codec name: `utf-8`, `iso8859-1`, `koi8-r`, ... */
  encoding: string;
  bom: boolean;
}

export interface DecodeFailure {
  error: string;
  /** 1-based line the problem is on, when it is on one. */
  line?: number;
}

/**
 * Decodes a Python file's bytes as CPython would: UTF-8 unless a PEP 263 coding
 * declaration says otherwise, a UTF-8 BOM stripped (and remembered, so that writing back
 * restores it). Anything CPython would refuse to read is an error, never mojibake.
 * `path` is not used in messages: the caller's FileError carries it.
 */
export function decodePythonSource(bytes: Uint8Array, _path?: string): DecodedSource | DecodeFailure {
  if (bytes.length > MAX_SOURCE_BYTES) return { error: 'file is larger than 10 MB' };
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    if (nul < BINARY_SNIFF_BYTES) return { error: 'binary file (contains NUL bytes)' };
    const line = lineOfOffset(bytes, nul);
    return { error: `source contains a NUL byte at line ${line}`, line };
  }

  const bom = UTF8_BOM.every((byte, index) => bytes[index] === byte);
  const body = bom ? bytes.subarray(UTF8_BOM.length) : bytes;
  const cookie = findCodingCookie(body);
  const codec = cookie ? resolvePythonCodec(cookie.codec) : UTF8;
  if (cookie && !codec) {
    return { error: `unknown encoding "${cookie.codec}" in the coding declaration on line ${cookie.line}`, line: cookie.line };
  }
  if (cookie && bom && !isUtf8CookieName(cookie.codec)) {
    // CPython refuses this combination rather than guess which of the two is right.
    return { error: `encoding problem: ${cookie.codec} with BOM`, line: cookie.line };
  }
  const decoded = decodeWith(codec!, body);
  if (typeof decoded !== 'string') return decoded;
  return { text: decoded, encoding: codec!.name, bom };
}

function decodeWith(codec: PythonCodec, bytes: Uint8Array): string | DecodeFailure {
  if (codec.iconvName === undefined) {
    if (isUtf8(bytes)) return asBuffer(bytes).toString('utf8');
    return invalidByte('UTF-8', bytes, firstInvalidUtf8Offset(bytes));
  }
  if (codec.name === 'ascii') {
    const offset = bytes.findIndex((byte) => byte >= 0x80);
    return offset === -1 ? asBuffer(bytes).toString('latin1') : invalidByte('ascii', bytes, offset);
  }
  const text = iconv.decode(asBuffer(bytes), codec.iconvName, { stripBOM: false });
  // iconv-lite substitutes U+FFFD for what it cannot decode; a real U+FFFD round-trips.
  const replacement = text.indexOf('\uFFFD');
  if (replacement !== -1 && !iconv.encode(text, codec.iconvName).equals(asBuffer(bytes))) {
    const offset = iconv.encode(text.slice(0, replacement), codec.iconvName).length;
    return invalidByte(codec.name, bytes, offset);
  }
  return text;
}

function invalidByte(codecName: string, bytes: Uint8Array, offset: number): DecodeFailure {
  const line = lineOfOffset(bytes, offset);
  const byte = bytes[offset]!.toString(16).toUpperCase().padStart(2, '0');
  return { error: `cannot decode as ${codecName}: invalid byte 0x${byte} at line ${line}`, line };
}

/**
 * The bytes to write for `text`, in the file's original codec and with its BOM: for text
 * `decodePythonSource` produced and nobody changed, exactly the bytes it was read from.
 * Throws when `text` holds a character the codec cannot represent, rather than write `?`.
 */
export function encodePythonSource(text: string, encoding: string, bom: boolean): Buffer {
  const codec = resolvePythonCodec(encoding);
  if (!codec) throw new Error(`unknown encoding "${encoding}"`);
  if (codec.iconvName === undefined) {
    const body = Buffer.from(text, 'utf8');
    return bom ? Buffer.concat([Buffer.from(UTF8_BOM), body]) : body;
  }
  const bytes = iconv.encode(text, codec.iconvName);
  if (iconv.decode(bytes, codec.iconvName, { stripBOM: false }) !== text) {
    throw new Error(`cannot encode ${describeUnencodable(text, codec.iconvName)} as ${codec.name}`);
  }
  return bytes;
}

function describeUnencodable(text: string, iconvName: string): string {
  for (const character of text) {
    if (iconv.decode(iconv.encode(character, iconvName), iconvName) !== character) {
      const codePoint = character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      return `character U+${codePoint} (${JSON.stringify(character)})`;
    }
  }
  return 'the text';
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
