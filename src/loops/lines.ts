/** 1-based line numbers of nodes, for reasons that point at the source. */
import type { SyntaxNode } from '../parser/parser.js';
import { LineIndex } from '../parser/line-index.js';

const indexes = new WeakMap<SyntaxNode, LineIndex>();

function rootOf(node: SyntaxNode): SyntaxNode {
  let root = node;
  while (root.parent) root = root.parent;
  return root;
}

export function lineOf(node: SyntaxNode): number {
  const root = rootOf(node);
  let index = indexes.get(root);
  if (!index) {
    index = new LineIndex(root.text);
    indexes.set(root, index);
  }
  return index.lineOf(node.startIndex - root.startIndex) + 1;
}
