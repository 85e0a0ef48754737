/**
 * Making text safe and measurable on a terminal: source lines and paths can hold control characters
 * (an ESC would inject colour codes) and wide characters (CJK, emoji) that occupy two cells.
 */

const C0_CONTROL_PICTURES_START = 0x2400;
const SYMBOL_FOR_DELETE = '\u2421';
const REPLACEMENT_CHARACTER = '\ufffd';

/**
 * Replaces control characters other than tab by a visible symbol of width one, one code point
 * for one code point, so that columns counted in the original text still apply.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(C0_CONTROL_PICTURES_START + code);
    if (code === 0x7f) return SYMBOL_FOR_DELETE;
    return REPLACEMENT_CHARACTER; // C1 controls: 0x9b is an 8-bit escape on some terminals
  });
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}$/u;

/** East Asian Wide and Fullwidth blocks (the common subset of wcwidth's table). */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** Terminal cells taken by one code point (tab excluded: callers keep tabs as they are). */
export function codePointWidth(codePoint: string): number {
  if (ZERO_WIDTH.test(codePoint)) return 0;
  if (EMOJI_PRESENTATION.test(codePoint)) return 2;
  const code = codePoint.codePointAt(0) ?? 0;
  return WIDE_RANGES.some(([low, high]) => code >= low && code <= high) ? 2 : 1;
}

export function textWidth(text: string): number {
  let width = 0;
  for (const codePoint of text) width += codePointWidth(codePoint);
  return width;
}
