/**
 * Making sure a module is imported before an edit uses it: find the name a module is bound to,
 * or add `import module` at the top of the file, after the docstring and `__future__` imports.
 */
import type { Edit } from '../diagnostics/finding.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import type { Scope } from '../semantic/scope.js';

export interface ModuleReference {
  /** The expression to write for the module, e.g. `asyncio` or `aio`. */
  name: string;
  /** An edit that adds the import, when the module is not imported yet. */
  importEdit?: Edit;
}

/**
 * How code in `scope` can refer to `module`, or undefined when it cannot safely: the module's
 * plain name is bound to something else there.
 */
export function referenceModule(model: SemanticModel, scope: Scope, module: string): ModuleReference | undefined {
  for (const [name, bindings] of model.root.bindings) {
    if (bindings.length === 1 && bindings[0].kind === 'import' && bindings[0].target === module) {
      if (model.qualifiedNameOf(bindings[0].node, scope) === module || visibleAs(model, scope, name, module)) return { name };
    }
  }
  if (model.bindingsOf(module, scope).length > 0) return undefined;
  // Any binding of the name anywhere would make a new module-level import ambiguous.
  if (model.scopes.some((s) => s.bindings.has(module))) return undefined;
  return { name: module, importEdit: importEdit(model.root.node, `import ${module}`) };
}

function visibleAs(model: SemanticModel, scope: Scope, name: string, module: string): boolean {
  const bindings = model.bindingsOf(name, scope);
  return bindings.length === 1 && bindings[0].kind === 'import' && bindings[0].target === module;
}

/** Inserts `statement` on its own line before the first statement that is not a docstring or `__future__` import. */
export function importEdit(module: SyntaxNode, statement: string): Edit {
  let insertAt = 0;
  for (const child of module.namedChildren) {
    if (!child) continue;
    if (child.type === 'comment') continue;
    const isDocstring =
      child.type === 'expression_statement' && child.namedChildren.length === 1 && child.namedChildren[0]!.type === 'string' && insertAt === 0;
    if (isDocstring || child.type === 'future_import_statement') {
      insertAt = lineEndAfter(module.text, child.endIndex);
      continue;
    }
    return { start: lineStartOf(module.text, child.startIndex, insertAt), end: lineStartOf(module.text, child.startIndex, insertAt), text: `${statement}\n` };
  }
  const text = module.text;
  const prefix = insertAt === 0 || text.length === 0 || text.endsWith('\n') ? '' : '\n';
  const at = insertAt === 0 ? 0 : insertAt;
  return { start: at, end: at, text: `${prefix}${statement}\n` };
}

function lineEndAfter(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

function lineStartOf(text: string, offset: number, floor: number): number {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return Math.max(start, floor);
}
