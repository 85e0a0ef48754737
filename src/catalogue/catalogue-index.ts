import type { Catalogue, CatalogueEntry } from './schema.js';

const WILDCARD_SUFFIX = '.*';

/** Every dotted prefix of a name, the name included: `a.b.c` -> `a`, `a.b`, `a.b.c`. */
function dottedPrefixes(name: string): string[] {
  const parts = name.split('.');
  return parts.map((_, index) => parts.slice(0, index + 1).join('.'));
}

/** Answers lookups over a fixed set of entries; wildcard keys (`prefix.*`) are kept apart by prefix. */
export class CatalogueIndex implements Catalogue {
  private readonly exact = new Map<string, CatalogueEntry>();
  private readonly wildcards = new Map<string, CatalogueEntry>();
  /** Every dotted prefix of every key, so `knows("requests")` is one set lookup. */
  private readonly knownPrefixes = new Set<string>();

  constructor(entries: Iterable<[string, CatalogueEntry]>) {
    for (const [key, entry] of entries) {
      const frozen = Object.freeze({ ...entry });
      const isWildcard = key.endsWith(WILDCARD_SUFFIX);
      const name = isWildcard ? key.slice(0, -WILDCARD_SUFFIX.length) : key;
      (isWildcard ? this.wildcards : this.exact).set(name, frozen);
      for (const prefix of dottedPrefixes(name)) this.knownPrefixes.add(prefix);
    }
  }

  get size(): number {
    return this.exact.size + this.wildcards.size;
  }

  lookup(qualifiedName: string): CatalogueEntry | undefined {
    const exact = this.exact.get(qualifiedName);
    if (exact !== undefined) return exact;
    // Longest wildcard first; `p.*` covers names strictly below `p`, never `p` itself.
    const parts = qualifiedName.split('.');
    for (let length = parts.length - 1; length > 0; length--) {
      const wildcard = this.wildcards.get(parts.slice(0, length).join('.'));
      if (wildcard !== undefined) return wildcard;
    }
    return undefined;
  }

  knows(qualifiedName: string): boolean {
    return this.knownPrefixes.has(qualifiedName) || this.lookup(qualifiedName) !== undefined;
  }
}
