/**
 * The loops `concur profile` measures in one file: every `for` loop and comprehension that the
 * loop rules consider (PA101's `for` statements, PA102's comprehensions and `map(f, xs)`),
 * whatever their verdict, with what the probe needs to know about each.
 */
import { createHash } from 'node:crypto';
import { analyseLoop, findLoops } from '../loops/index.js';
import { mapsOf, scopeAround, targetIdentifiers } from '../loops/loop-context.js';
import type { LineIndex } from '../parser/line-index.js';
import type { SyntaxNode } from '../parser/parser.js';
import { findCandidates } from '../rules/parallel/comprehensions.js';
import type { SemanticModel } from '../semantic/model.js';

export type SiteKind = 'for' | 'list' | 'set' | 'dict' | 'generator' | 'map';

export interface Site {
  kind: SiteKind;
  /** The `for` statement, the comprehension, or the `map(...)` call. */
  node: SyntaxNode;
  line: number;
  column: number;
  /** Identifies the loop's text: a profile whose hash differs from the file's is stale. */
  hash: string;
  /** The first line of the loop, shortened, for tables. */
  header: string;
  /** The iterable the probe wraps (the first `for` clause's, for comprehensions). */
  iterable: SyntaxNode;
  /** The element a comprehension builds (a dict comprehension's value), reported to the probe. */
  element?: SyntaxNode;
  /** Values the map stage hands to the commit stage (a `for` loop's), sampled for their size. */
  names: string[];
  /** Its iterations can be suspended: a generator expression, or `yield` in the body. */
  generator: boolean;
  /** A `for` loop in an `async def` (a concurrent version would gather its awaits). */
  inAsyncFunction: boolean;
}

/** The loops of a module the probe measures, in source order. */
export function findSites(model: SemanticModel, lines: LineIndex): Site[] {
  const sites: Site[] = [];
  const { scopesByNode } = mapsOf(model);
  for (const loop of findLoops(model)) {
    const iterable = loop.childForFieldName('right');
    if (!iterable) continue;
    const scope = scopeAround(loop, scopesByNode, model.root);
    sites.push({
      kind: 'for',
      node: loop,
      ...lines.position(loop.startIndex),
      hash: loopSourceHash(loop.text),
      header: headerOf(loop),
      iterable,
      names: handedNames(model, loop),
      generator: yieldsOf(loop).length > 0,
      inAsyncFunction: scope.kind === 'function' && scope.isAsync,
    });
  }
  for (const candidate of findCandidates(model)) {
    if (candidate.isAsync || !candidate.iterable) continue;
    const element = candidate.element?.type === 'pair' ? candidate.element.childForFieldName('value') : candidate.element;
    sites.push({
      kind: candidate.shape,
      node: candidate.node,
      ...lines.position(candidate.node.startIndex),
      hash: loopSourceHash(candidate.node.text),
      header: headerOf(candidate.node),
      iterable: candidate.iterable,
      element: element ?? undefined,
      names: [],
      generator: candidate.shape === 'generator' || candidate.shape === 'map',
      inAsyncFunction: false,
    });
  }
  return sites.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** The hash a profile keys a loop's text by (see docs/profile.md). */
export function loopSourceHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 12);
}

function headerOf(node: SyntaxNode): string {
  const text = node.type === 'for_statement' ? node.text.slice(0, (node.childForFieldName('right')?.endIndex ?? node.startIndex) - node.startIndex) : node.text;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

const NESTED_SCOPES = new Set(['function_definition', 'class_definition', 'lambda']);

/** `yield` expressions in the loop's body that suspend the loop's own function. */
export function yieldsOf(loop: SyntaxNode): SyntaxNode[] {
  const body = loop.childForFieldName('body');
  const found: SyntaxNode[] = [];
  const visit = (node: SyntaxNode): void => {
    if (NESTED_SCOPES.has(node.type)) return;
    if (node.type === 'yield') found.push(node);
    for (const child of node.namedChildren) visit(child);
  };
  if (body) visit(body);
  return found;
}

/**
 * The names a rewrite would hand from the map stage to the commit stage: what the map binds (and
 * the loop variables) that the commit statements read. Empty when the body does not split.
 */
function handedNames(model: SemanticModel, loop: SyntaxNode): string[] {
  let analysis;
  try {
    analysis = analyseLoop(model, loop);
  } catch {
    return [];
  }
  if (analysis.commit.length === 0) return [];
  const produced = new Set([...analysis.mapBound, ...analysis.loopVariables]);
  const target = loop.childForFieldName('left');
  const targetIds = new Set((target ? targetIdentifiers(target) : []).map((n) => n.id));
  const read = new Set<string>();
  for (const commit of analysis.commit) {
    for (const identifier of [commit.node, ...commit.node.descendantsOfType('identifier')]) {
      if (identifier.type === 'identifier' && produced.has(identifier.text) && !targetIds.has(identifier.id)) read.add(identifier.text);
    }
  }
  return [...produced].filter((name) => read.has(name));
}
