/**
 * Edits that move blocking work off the event loop: `await asyncio.to_thread(f, args)` and
 * `await asyncio.sleep(args)`, written from the original text so comments inside the call stay.
 */
import type { Edit } from '../diagnostics/finding.js';
import type { SyntaxNode } from '../parser/parser.js';

/** Whether `await <call>` needs parentheses where the call stands, because it is a primary of a larger primary. */
export function needsParentheses(call: SyntaxNode): boolean {
  const parent = call.parent;
  if (!parent) return false;
  switch (parent.type) {
    case 'attribute':
      return parent.childForFieldName('object')?.id === call.id;
    case 'subscript':
      return parent.childForFieldName('value')?.id === call.id;
    case 'call':
      return parent.childForFieldName('function')?.id === call.id;
    default:
      return false;
  }
}

/** The text between a call's parentheses, or the generator expression it takes bare. */
export function argumentsText(call: SyntaxNode): string | undefined {
  const args = call.childForFieldName('arguments');
  if (!args) return undefined;
  if (args.type === 'generator_expression') return args.text;
  const text = args.text;
  if (!text.startsWith('(') || !text.endsWith(')')) return undefined;
  return text.slice(1, -1);
}

/** Replaces `call` with `await <asyncio>.to_thread(<callee>, <args>)`. */
export function toThreadEdit(call: SyntaxNode, asyncioName: string): Edit | undefined {
  const callee = call.childForFieldName('function');
  const inner = argumentsText(call);
  if (!callee || inner === undefined) return undefined;
  const args = inner.trim() ? `${callee.text}, ${inner.replace(/^\s+/, '')}` : callee.text;
  return wrapAwait(call, `${asyncioName}.to_thread(${args})`);
}

/**
 * Python 3.8 has no `asyncio.to_thread`: `await loop.run_in_executor(None, f, *args)`, which
 * takes positional arguments only; calls with keyword arguments get no edit.
 */
export function runInExecutorEdit(call: SyntaxNode, asyncioName: string): Edit | undefined {
  const callee = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  const inner = argumentsText(call);
  if (!callee || !args || inner === undefined) return undefined;
  if (args.namedChildren.some((a) => a && a.type !== 'comment' && !isPlainPositional(a))) return undefined;
  const rest = inner.trim() ? `, ${inner.replace(/^\s+/, '')}` : '';
  return wrapAwait(call, `${asyncioName}.get_running_loop().run_in_executor(None, ${callee.text}${rest})`);
}

function isPlainPositional(argument: SyntaxNode): boolean {
  return argument.type !== 'keyword_argument' && argument.type !== 'dictionary_splat' && argument.type !== 'list_splat';
}

/** Replaces `time.sleep(args)` with `await asyncio.sleep(args)`. */
export function asyncSleepEdit(call: SyntaxNode, asyncioName: string): Edit | undefined {
  const inner = argumentsText(call);
  if (inner === undefined) return undefined;
  return wrapAwait(call, `${asyncioName}.sleep(${inner})`);
}

/** Inserts `await ` before a call (parenthesised where precedence needs it): insertions only, small to carry. */
export function awaitEdits(call: SyntaxNode): Edit[] {
  if (!needsParentheses(call)) return [{ start: call.startIndex, end: call.startIndex, text: 'await ' }];
  return [
    { start: call.startIndex, end: call.startIndex, text: '(await ' },
    { start: call.endIndex, end: call.endIndex, text: ')' },
  ];
}

function wrapAwait(call: SyntaxNode, expression: string): Edit {
  const text = needsParentheses(call) ? `(await ${expression})` : `await ${expression}`;
  return { start: call.startIndex, end: call.endIndex, text };
}
