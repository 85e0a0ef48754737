/** The candidate closest to a misspelt name, if one is close enough to be what was meant. */
export function closestMatch(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(normalise(name), normalise(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the name may be wrong: `selct`, `exlude`, `respect_gitignore`; `foo` is not `ignore`.
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** `extend_exclude`, `extendExclude` and `Extend-Exclude` all mean `extend-exclude`. */
function normalise(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
