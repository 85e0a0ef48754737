/**
 * Finds the measured loops of a profile in the file being analysed: the loop at the measured
 * line and column whose source still hashes the same. A loop whose text changed since it was
 * measured is stale: ignored, with a warning. A loop that only moved (lines added above it) is
 * found by its hash alone when exactly one loop of the file has it.
 */
import type { LineIndex } from '../parser/line-index.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { FileMeasurements, LoopMeasurement } from './profile-file.js';
import { loopSourceHash, type SiteKind } from './sites.js';

const NODE_TYPES: Record<SiteKind, string> = {
  for: 'for_statement',
  list: 'list_comprehension',
  set: 'set_comprehension',
  dict: 'dictionary_comprehension',
  generator: 'generator_expression',
  map: 'call',
};

export interface MatchedMeasurements {
  /** By the start offset of the loop's node. */
  byStart: Map<number, LoopMeasurement>;
  warnings: string[];
}

export function matchMeasurements(root: SyntaxNode, lines: LineIndex, measured: FileMeasurements): MatchedMeasurements {
  const byStart = new Map<number, LoopMeasurement>();
  const warnings: string[] = [];
  const wanted = new Set(measured.loops.map((loop) => NODE_TYPES[loop.kind]).filter(Boolean));
  const nodes = root.descendantsOfType([...wanted]);
  const hashes = new Map<SyntaxNode, string>();
  const hashOf = (node: SyntaxNode) => {
    let hash = hashes.get(node);
    if (hash === undefined) hashes.set(node, (hash = loopSourceHash(node.text)));
    return hash;
  };
  for (const loop of measured.loops) {
    const type = NODE_TYPES[loop.kind];
    const here = nodes.filter((node) => {
      if (node.type !== type) return false;
      const position = lines.position(node.startIndex);
      return position.line === loop.line && position.column === loop.column;
    });
    const same = here.find((node) => hashOf(node) === loop.hash);
    if (same) {
      byStart.set(same.startIndex, loop);
      continue;
    }
    const moved = nodes.filter((node) => node.type === type && hashOf(node) === loop.hash);
    if (moved.length === 1) {
      byStart.set(moved[0].startIndex, loop);
      continue;
    }
    warnings.push(
      here.length > 0
        ? `the loop at ${loop.where}:${loop.column} changed since it was measured: its measurement is ignored (run \`concur profile\` again)`
        : `no loop at ${loop.where}:${loop.column} any more: its measurement is ignored (run \`concur profile\` again)`,
    );
  }
  return { byStart, warnings };
}
