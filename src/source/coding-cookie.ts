/**
 * PEP 263 coding declarations: `# -*- coding: latin-1 -*-` on line 1, or on line 2 when
 * line 1 is blank or a comment (a shebang), with CPython's own regular expressions.
 */

/** CPython's `cookie_re`, with `[^\n]` for its `.` (which, unlike JavaScript's, matches `\r`). */
const COOKIE = /^[ \t\f]*#[^\n]*?coding[:=][ \t]*([-\w.]+)/;
/** CPython's `blank_re`: a line that lets the cookie sit on line 2. */
const BLANK_OR_COMMENT = /^[ \t\f]*(?:[#\r\n]|$)/;

export interface CodingCookie {
  /** The codec name exactly as written. */
  codec: string;
  line: 1 | 2;
}

/** The coding declaration of a source file's bytes (after any BOM), if it has one. */
export function findCodingCookie(bytes: Uint8Array): CodingCookie | undefined {
  const firstEnd = lineEnd(bytes, 0);
  const first = latin1(bytes, 0, firstEnd);
  const onFirst = COOKIE.exec(first);
  if (onFirst) return { codec: onFirst[1]!, line: 1 };
  if (!BLANK_OR_COMMENT.test(first) || firstEnd >= bytes.length) return undefined;
  const secondStart = firstEnd + 1;
  const onSecond = COOKIE.exec(latin1(bytes, secondStart, lineEnd(bytes, secondStart)));
  return onSecond ? { codec: onSecond[1]!, line: 2 } : undefined;
}

function lineEnd(bytes: Uint8Array, start: number): number {
  const newline = bytes.indexOf(0x0a, start);
  return newline === -1 ? bytes.length : newline;
}

/** Byte-for-character view of a line: the cookie is ASCII whatever the file's codec. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
