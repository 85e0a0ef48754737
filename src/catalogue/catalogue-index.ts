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
  /** Wildcard answers (misses included) by name: lookups repeat the same names across a whole run. */
  private readonly wildcardAnswers = new Map<string, CatalogueEntry | null>();

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
    let answer = this.wildcardAnswers.get(qualifiedName);
    if (answer === undefined) {
      answer = this.longestWildcard(qualifiedName) ?? null;
      if (this.wildcardAnswers.size > 100_000) this.wildcardAnswers.clear();
      this.wildcardAnswers.set(qualifiedName, answer);
    }
    return answer ?? undefined;
  }

  /** Longest wildcard first; `p.*` covers names strictly below `p`, never `p` itself. */
  private longestWildcard(qualifiedName: string): CatalogueEntry | undefined {
    for (let dot = qualifiedName.lastIndexOf('.'); dot > 0; dot = qualifiedName.lastIndexOf('.', dot - 1)) {
      const wildcard = this.wildcards.get(qualifiedName.slice(0, dot));
      if (wildcard !== undefined) return wildcard;
    }
    return undefined;
  }

  knows(qualifiedName: string): boolean {
    return this.knownPrefixes.has(qualifiedName) || this.lookup(qualifiedName) !== undefined;
  }
}
