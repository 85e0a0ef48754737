import { describe, expect, it } from 'vitest';
import { builtinDataDirectory } from '../../src/catalogue/data-dir.js';
import { readCatalogueDirectory } from '../../src/catalogue/data-files.js';
import { loadCatalogue } from '../../src/catalogue/load.js';

// Cross-entry checks that catch typos and contradictions the schema cannot express.
const entries = [...readCatalogueDirectory(builtinDataDirectory())];
const catalogue = loadCatalogue();

function problems(check: (key: string, entry: (typeof entries)[number][1]) => string | undefined): string[] {
  return entries.flatMap(([key, entry]) => {
    const problem = check(key, entry);
    return problem === undefined ? [] : [`${key}: ${problem}`];
  });
}

describe('catalogue consistency', () => {
  it('every returned or entered type is a type the catalogue knows (or a builtin)', () => {
    expect(problems((_, entry) => {
      for (const type of [entry.returns, entry.enterReturns, entry.yields]) {
        if (type !== undefined && !type.startsWith('builtins.') && !catalogue.knows(type)) return `unknown type ${type}`;
      }
      return undefined;
    })).toEqual([]);
  });

  it('every async alternative is itself in the catalogue and does not block', () => {
    expect(problems((_, entry) => {
      const alternative = entry.asyncAlternative;
      if (alternative === undefined) return undefined;
      const target = catalogue.lookup(alternative);
      if (target === undefined) return `unknown async alternative ${alternative}`;
      if (target.blocking !== undefined) return `async alternative ${alternative} blocks`;
      return undefined;
    })).toEqual([]);
  });

  it('only native CPU work claims to release the GIL', () => {
    expect(problems((_, entry) => (entry.releasesGil === true && entry.cpu !== 'native' ? 'releases_gil without cpu = "native"' : undefined))).toEqual([]);
  });

  it('coroutines do not block and are not offered an async alternative', () => {
    expect(problems((_, entry) => {
      if (entry.coroutine !== true) return undefined;
      if (entry.blocking !== undefined) return 'a coroutine cannot block the thread';
      if (entry.asyncAlternative !== undefined) return 'a coroutine needs no async alternative';
      return undefined;
    })).toEqual([]);
  });

  it('methods are keyed below a type', () => {
    expect(problems((key, entry) => (entry.kind === 'method' && key.split('.').length < 3 ? 'method key without a type' : undefined))).toEqual([]);
  });

  it('argument positions are only on callables, and receivers are only changed by methods', () => {
    expect(problems((key, entry) => {
      if (entry.mutatesArguments && entry.kind !== 'function' && entry.kind !== 'method') return 'mutates_arguments on something that is not called';
      if (entry.mutatesReceiver && entry.kind !== 'method') return 'mutates_receiver on something that is not a method';
      return undefined;
    })).toEqual([]);
  });

  it('the standard mutators are catalogued as such', () => {
    for (const name of ['heapq.heappush', 'heapq.heappop', 'heapq.heapify', 'bisect.insort', 'random.shuffle', 'operator.setitem', 'builtins.setattr']) {
      expect(catalogue.lookup(name)?.mutatesArguments, name).toEqual([0]);
    }
    expect(catalogue.lookup('struct.pack_into')?.mutatesArguments).toEqual([1]);
    expect(catalogue.lookup('random.Random.randrange')?.mutatesReceiver).toBe(true);
    expect(catalogue.lookup('builtins.list.append')?.mutatesReceiver).toBe(true);
    expect(catalogue.lookup('builtins.list.index')?.mutatesReceiver).toBeUndefined();
    expect(catalogue.lookup('heapq.nlargest')?.mutatesArguments).toBeUndefined();
  });

  it('every entry says something', () => {
    expect(problems((_, entry) => (Object.keys(entry).length === 0 ? 'empty entry' : undefined))).toEqual([]);
  });
});
