/** The `for` loops of a module that loop analysis considers. */
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';

/** Every `for` statement, inner ones included, in source order; `async for` is left to the async rules. */
export function findLoops(model: SemanticModel): SyntaxNode[] {
  return model.root.node.descendantsOfType('for_statement').filter((loop) => !isAsyncFor(loop));
}

export function isAsyncFor(loop: SyntaxNode): boolean {
  return loop.child(0)?.type === 'async';
}
