/**
 * Concur's own syntax tree: plain JavaScript objects copied from tree-sitter's tree in one
 * cursor walk. Every later layer reads these instead of tree-sitter's nodes, because each
 * access to a tree-sitter node crosses into WebAssembly and allocates, which made walking the
 * tree cost twice as much as parsing it. Offsets are UTF-16 code units of the parsed string.
 */
import { createRequire } from 'node:module';
import type { Language, Tree } from 'web-tree-sitter';

export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  parent: SyntaxNode | null = null;
  /** The grammar field this node fills in its parent (`name`, `body`, `left`...), if any. */
  field: string | null = null;
  private named: SyntaxNode[] | undefined;

  constructor(
    /** Unique within one tree. */
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    /** -1 for punctuation and keywords that nothing needs the position of (see `copyTree`). */
    public startIndex: number,
    /** Set once the node's children are copied (see `copyTree`). */
    public endIndex: number,
    private readonly source: string,
  ) {}

  get text(): string {
    return this.source.slice(this.startIndex, this.endIndex);
  }

  /** Children that are named grammar nodes (comments included), not punctuation or keywords. */
  get namedChildren(): SyntaxNode[] {
    this.named ??= this.children.filter((c) => c.isNamed);
    return this.named;
  }

  child(index: number): SyntaxNode | null {
    return this.children[index] ?? null;
  }

  childForFieldName(field: string): SyntaxNode | null {
    for (const child of this.children) if (child.field === field) return child;
    return null;
  }

  /** Descendants of the given types, in source order (this node excluded). */
  descendantsOfType(types: string | readonly string[]): SyntaxNode[] {
    const wanted = typeof types === 'string' ? [types] : types;
    const out: SyntaxNode[] = [];
    const stack = [...this.children].reverse();
    while (stack.length) {
      const node = stack.pop()!;
      if (wanted.includes(node.type)) out.push(node);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    }
    return out;
  }

  /** The smallest descendant (or this node) that spans [start, end). */
  descendantForIndex(start: number, end: number = start): SyntaxNode {
    let node: SyntaxNode = this;
    for (;;) {
      const inner = node.children.find((c) => c.startIndex <= start && end <= c.endIndex && (c.startIndex < c.endIndex || start === end));
      if (!inner) return node;
      node = inner;
    }
  }

  toString(): string {
    const named = this.namedChildren;
    if (named.length === 0) return `(${this.type})`;
    return `(${this.type} ${named.map((c) => (c.field ? `${c.field}: ` : '') + c.toString()).join(' ')})`;
  }
}

/** Node types whose end is not their last child's end (trailing whitespace, string pieces). */
const END_NOT_FROM_CHILDREN = new Set(['module', 'string_content', 'format_specifier', 'ERROR']);
const IDENTIFIER = /[\p{ID_Start}_][\p{ID_Continue}]*/uy;

interface TypeTables {
  types: string[];
  named: boolean[];
  fields: (string | null)[];
  /** Node types that have fields, by type id: only their named children need a field look-up. */
  hasFields: boolean[];
  /** Node types that never have children (identifier, integer, comment...): no need to try. */
  leaf: boolean[];
}

const tablesByLanguage = new WeakMap<Language, TypeTables>();

function typeTables(language: Language): TypeTables {
  let tables = tablesByLanguage.get(language);
  if (tables) return tables;
  const require = createRequire(import.meta.url);
  const nodeTypes = require('tree-sitter-python/src/node-types.json') as Array<{
    type: string;
    named: boolean;
    fields?: object;
    children?: object;
    subtypes?: object;
  }>;
  const withFields = new Set(nodeTypes.filter((t) => t.named && t.fields && Object.keys(t.fields).length > 0).map((t) => t.type));
  const leaves = new Set(nodeTypes.filter((t) => t.named && !t.fields && !t.children && !t.subtypes).map((t) => t.type));
  const types: string[] = [];
  const named: boolean[] = [];
  const hasFields: boolean[] = [];
  const leaf: boolean[] = [];
  for (let id = 0; id < language.nodeTypeCount; id++) {
    const type = language.nodeTypeForId(id) ?? 'ERROR';
    const isNamed = language.nodeTypeIsNamed(id);
    types.push(type);
    named.push(isNamed);
    hasFields.push(withFields.has(type));
    leaf.push(!isNamed || leaves.has(type));
  }
  const fields: (string | null)[] = [null];
  for (let id = 1; id <= language.fieldCount; id++) fields.push(language.fieldNameForId(id));
  tables = { types, named, fields, hasFields, leaf };
  tablesByLanguage.set(language, tables);
  return tables;
}

/**
 * Copies tree-sitter's tree into `SyntaxNode`s; the tree-sitter tree can be deleted afterwards.
 *
 * Each cursor call crosses into WebAssembly, so the walk asks as little as it can:
 * - a node's type always, its field only where the parent type has fields;
 * - leaves (identifiers, numbers, keywords, punctuation) are not asked for children;
 * - keywords and punctuation get no position unless they end their parent (whose end is then
 *   theirs): rules read their type (`async`), never where they are;
 * - a named node's start always; its end only where it cannot be derived: an identifier ends
 *   after its identifier characters, an inner node where its last child ends (except the
 *   types in END_NOT_FROM_CHILDREN);
 * - plain string literals are not entered: only f-strings have parts (interpolations) to see.
 */
export function copyTree(tree: Tree, source: string): SyntaxNode {
  const { types, named, fields, hasFields, leaf } = typeTables(tree.language);
  const cursor = tree.walk();
  try {
    let id = 0;
    const rootType = cursor.nodeTypeId;
    const root = new SyntaxNode(id++, types[rootType], true, cursor.startIndex, cursor.endIndex, source);
    if (!cursor.gotoFirstChild()) return root;
    let parent: SyntaxNode = root;
    // Whether each ancestor's type has fields, innermost last.
    const fieldStack: boolean[] = [hasFields[rootType]];
    let parentHasFields = fieldStack[0];
    for (;;) {
      const typeId = cursor.nodeTypeId;
      const type = types[typeId] ?? 'ERROR';
      const isNamed = named[typeId] ?? true;
      const node = new SyntaxNode(id++, type, isNamed, isNamed ? cursor.startIndex : -1, -1, source);
      if (isNamed && parentHasFields) node.field = fields[cursor.currentFieldId] ?? null;
      node.parent = parent;
      parent.children.push(node);
      if (isNamed && END_NOT_FROM_CHILDREN.has(type)) node.endIndex = cursor.endIndex;
      const enter = !(leaf[typeId] ?? false) && (type !== 'string' || isFormattedString(source, node.startIndex));
      if (enter && cursor.gotoFirstChild()) {
        parent = node;
        parentHasFields = hasFields[typeId] ?? false;
        fieldStack.push(parentHasFields);
        continue;
      }
      if (node.endIndex < 0) node.endIndex = isNamed ? leafEnd(node, source, cursor) : -1;
      let last = node;
      while (!cursor.gotoNextSibling()) {
        // `last` ends its parent: the cursor is still on it, so its position can be read now.
        if (last.startIndex < 0) {
          last.startIndex = cursor.startIndex;
          last.endIndex = last.startIndex + last.type.length;
        }
        if (!cursor.gotoParent()) return root;
        if (parent.endIndex < 0) parent.endIndex = last.endIndex;
        last = parent;
        parent = parent.parent!;
        fieldStack.pop();
        parentHasFields = fieldStack[fieldStack.length - 1];
      }
    }
  } finally {
    cursor.delete();
  }
}

/** Whether the string literal starting at `start` has an `f` in its prefix (`f"..."`, `rf'...'`). */
function isFormattedString(source: string, start: number): boolean {
  for (let i = start; i < start + 3; i++) {
    const c = source.charCodeAt(i);
    if (c === 102 || c === 70) return true; // f, F
    if (c === 34 || c === 39) return false; // a quote: the prefix is over
  }
  return false;
}

function leafEnd(node: SyntaxNode, source: string, cursor: { endIndex: number }): number {
  if (node.type === 'identifier') {
    IDENTIFIER.lastIndex = node.startIndex;
    const match = IDENTIFIER.exec(source);
    if (match) return node.startIndex + match[0].length;
  }
  return cursor.endIndex;
}
