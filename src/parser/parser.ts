/**
 * The Python parser: tree-sitter's Python grammar, loaded from the `.wasm` file that the
 * `tree-sitter-python` package ships, so nothing is compiled at install time. The tree is
 * copied into concur's own `SyntaxNode`s and freed at once.
 *
 * Offsets are UTF-16 code units of the parsed JS string: edit that string, never encoded bytes.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import { copyTree, SyntaxNode } from './syntax-node.js';

export { SyntaxNode } from './syntax-node.js';
export type { Parser } from 'web-tree-sitter';

let parserPromise: Promise<Parser> | undefined;

/** One parser per thread; tree-sitter parsers are not shared across worker threads. */
export function getParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve('tree-sitter-python/tree-sitter-python.wasm');
    const language = await Language.load(wasmPath);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export interface ParsedModule {
  root: SyntaxNode;
  /** Offset of the first ERROR or MISSING node, if the grammar could not parse everything. */
  syntaxErrorAt?: number;
}

export function parse(parser: Parser, text: string): ParsedModule {
  const tree: Tree | null = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const error = firstSyntaxError(tree.rootNode);
    return { root: copyTree(tree, text), syntaxErrorAt: error?.startIndex };
  } finally {
    // Trees live in wasm memory that the JS garbage collector does not see.
    tree.delete();
  }
}

/** First node that is an ERROR or MISSING node, in source order. */
function firstSyntaxError(root: Node): Node | undefined {
  if (!root.hasError) return undefined;
  const cursor = root.walk();
  try {
    for (;;) {
      const node = cursor.currentNode;
      if (node.isError || node.isMissing) return node;
      if (node.hasError && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return undefined;
      }
    }
  } finally {
    cursor.delete();
  }
}
