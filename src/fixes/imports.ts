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
    const [binding] = bindings;
    if (bindings.length === 1 && binding.kind === 'import' && binding.target === module && isUnconditional(binding.node) && visibleAs(model, scope, name, module)) {
      return { name };
    }
  }
  // Any binding of the name anywhere would make a new module-level import ambiguous.
  if (model.scopes.some((s) => s.bindings.has(module))) return undefined;
  return { name: module, importEdit: importEdit(model.root.node, `import ${module}`) };
}

/** An import statement directly in the module body: not under `if`, `try` or `with`, so always bound. */
function isUnconditional(bindingNode: SyntaxNode): boolean {
  let node: SyntaxNode | null = bindingNode;
  while (node && node.type !== 'import_statement') node = node.parent;
  return node?.parent?.type === 'module';
}

function visibleAs(model: SemanticModel, scope: Scope, name: string, module: string): boolean {
  const bindings = model.bindingsOf(name, scope);
  return bindings.length === 1 && bindings[0].kind === 'import' && bindings[0].target === module;
}

/**
 * Inserts `statement` on its own line before the first statement that is not the module
 * docstring or a `__future__` import (which must stay first), with the file's line ending.
 */
export function importEdit(module: SyntaxNode, statement: string): Edit {
  const text = module.text;
  const newline = /\r\n/.test(text.slice(0, text.indexOf('\n') + 1)) ? '\r\n' : '\n';
  let after = 0;
  let first = true;
  for (const child of module.namedChildren) {
    if (child.type === 'comment') continue;
    if ((first && isDocstring(child)) || child.type === 'future_import_statement') {
      after = lineEndAfter(text, child.endIndex);
      first = false;
      continue;
    }
    const at = Math.max(lineStartOf(text, child.startIndex), after);
    return { start: at, end: at, text: `${statement}${newline}` };
  }
  // Nothing but a docstring, `__future__` imports and comments: add at the end.
  const needsBreak = text.length > 0 && !text.endsWith('\n');
  return { start: text.length, end: text.length, text: `${needsBreak ? newline : ''}${statement}${newline}` };
}

/** A statement that is only a string literal: `"""Doc."""`, `"a" "b"`, `("""Doc.""")`. */
function isDocstring(statement: SyntaxNode): boolean {
  if (statement.type !== 'expression_statement' || statement.namedChildren.length !== 1) return false;
  let expression = statement.namedChildren[0];
  while (expression.type === 'parenthesized_expression' && expression.namedChildren.length === 1) expression = expression.namedChildren[0];
  return expression.type === 'string' || expression.type === 'concatenated_string';
}

function lineEndAfter(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}
