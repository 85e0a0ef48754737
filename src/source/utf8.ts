/**
 * Where UTF-8 validation fails: the offset of the first byte of the first ill-formed
 * sequence (overlong forms, surrogates and code points above U+10FFFF included, as
 * Python's strict `utf-8` codec rejects them), or -1 when the bytes are valid.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const length = bytes.length;
  let index = 0;
  while (index < length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }
    const size = sequenceSize(bytes, index);
    if (size === 0) return index;
    index += size;
  }
  return -1;
}

/** Length of the well-formed sequence starting at `index`, or 0 (Unicode Table 3-7). */
function sequenceSize(bytes: Uint8Array, index: number): number {
  const lead = bytes[index]!;
  const continuation = (offset: number, low = 0x80, high = 0xbf): boolean => {
    const byte = bytes[index + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead === 0xe0) return continuation(1, 0xa0) && continuation(2) ? 3 : 0;
  if ((lead >= 0xe1 && lead <= 0xec) || lead === 0xee || lead === 0xef) {
    return continuation(1) && continuation(2) ? 3 : 0;
  }
  if (lead === 0xed) return continuation(1, 0x80, 0x9f) && continuation(2) ? 3 : 0;
  if (lead === 0xf0) return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead >= 0xf1 && lead <= 0xf3) return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead === 0xf4) return continuation(1, 0x80, 0x8f) && continuation(2) && continuation(3) ? 4 : 0;
  return 0;
}

/** 1-based line of a byte offset. */
export function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = bytes.indexOf(0x0a); index !== -1 && index < offset; index = bytes.indexOf(0x0a, index + 1)) {
    line++;
  }
  return line;
}
