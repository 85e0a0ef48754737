/**
 * Resolves the module named by a relative import, from the importing module's name.
 * `from ..x import y` in `pkg.sub.mod` names `pkg.x`; in `pkg/sub/__init__.py` (`pkg.sub`,
 * a package) it names `pkg.x` as well, because a package's `.` is the package itself.
 */
export function resolveRelativeModule(
  currentModule: string,
  isPackage: boolean,
  dots: number,
  rest: string | undefined,
): string | undefined {
  const parts = currentModule ? currentModule.split('.') : [];
  if (!isPackage) parts.pop();
  for (let i = 1; i < dots; i++) {
    if (parts.length === 0) return undefined;
    parts.pop();
  }
  if (rest) parts.push(rest);
  return parts.length ? parts.join('.') : undefined;
}

/** `a.b.c` -> [`a`, `a.b`, `a.b.c`]. */
export function dottedPrefixes(name: string): string[] {
  const out: string[] = [];
  let index = name.indexOf('.');
  while (index !== -1) {
    out.push(name.slice(0, index));
    index = name.indexOf('.', index + 1);
  }
  out.push(name);
  return out;
}
