/**
 * Pairs the lines of `before` with equal lines of `after` along a longest common
 * subsequence: which old lines survive unchanged in the new text. Common prefix and
 * suffix are matched directly, so the quadratic part only covers the edited region;
 * past `MAX_CELLS` it falls back to matching in order.
 */
const MAX_CELLS = 4_000_000;

export function alignEqualLines(before: readonly string[], after: readonly string[]): Map<number, number> {
  const pairs = new Map<number, number>();
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) {
    pairs.set(prefix, prefix);
    prefix++;
  }
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    pairs.set(before.length - 1 - suffix, after.length - 1 - suffix);
    suffix++;
  }
  const middleBefore = before.slice(prefix, before.length - suffix);
  const middleAfter = after.slice(prefix, after.length - suffix);
  const middle =
    middleBefore.length * middleAfter.length <= MAX_CELLS
      ? longestCommonSubsequence(middleBefore, middleAfter)
      : inOrderMatches(middleBefore, middleAfter);
  for (const [from, to] of middle) pairs.set(prefix + from, prefix + to);
  return pairs;
}

function longestCommonSubsequence(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      pairs.push([i++, j++]);
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

function inOrderMatches(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const found = b.indexOf(a[i]!, j);
    if (found !== -1) {
      pairs.push([i, found]);
      j = found + 1;
    }
  }
  return pairs;
}
