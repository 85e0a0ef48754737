/** Words and locations the process-safety and resource rules share. */
import type { RelatedLocation } from '../../diagnostics/finding.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { RuleContext } from '../rule.js';

/** Which start methods re-import the main module, and where they are the default. */
export const SPAWN_METHODS = 'spawn (the default on macOS and Windows) and forkserver (the default on Linux from Python 3.14)';

/** Another place in this file that explains a finding. */
export function relatedAt(context: RuleContext, node: SyntaxNode, message: string): RelatedLocation {
  return { path: context.source.path, ...context.lines.range(node.startIndex, node.endIndex), message };
}

/** 1-based line of a node in this file. */
export function lineAt(context: RuleContext, node: SyntaxNode): number {
  return context.lines.position(node.startIndex).line;
}

/** Code as written, on one line and short enough for a message. */
export function shown(node: SyntaxNode, max = 40): string {
  const flat = node.text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`;
}

/** `f(...)` for a call, as messages name it. */
export function callShown(call: SyntaxNode): string {
  const callee = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  if (!callee) return shown(call);
  return `${shown(callee)}(${args && args.namedChildren.length > 0 ? '...' : ''})`;
}
