/**
 * The Python parser: tree-sitter's Python grammar, loaded from the `.wasm` file that the
 * `tree-sitter-python` package ships, so nothing is compiled at install time.
 *
 * Node offsets and columns are UTF-16 code units of the parsed JS string: edit that string,
 * never the encoded bytes.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree as SyntaxTree } from 'web-tree-sitter';

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

/**
 * Parses `text`. The caller owns the tree and must `delete()` it when done: trees live in
 * wasm memory that the JS garbage collector does not see.
 */
export function parse(parser: Parser, text: string): Tree {
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** First node that is an ERROR or MISSING node, in source order. */
export function firstSyntaxError(root: Node): Node | undefined {
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

/** Whether the tree holds Python 2 statements (`print "x"`, `exec code`), which the grammar accepts. */
export function hasPython2Statements(root: Node): boolean {
  return root.descendantsOfType(['print_statement', 'exec_statement']).length > 0;
}
