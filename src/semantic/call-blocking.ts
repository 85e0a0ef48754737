/**
 * Calls the effect catalogue lists as blocking that do not wait, given their arguments:
 * `q.get(block=False)`, `lock.acquire(blocking=False)`, `timeout=0`, and address lookups that
 * cannot reach a name server. The AS101 rule and the function summaries that carry blocking
 * effects across files both ask here, so that a helper doing `getaddrinfo("1.2.3.4", 0)` is no
 * more blocking than the same call written inline.
 */
import { isIP as isIpAddress } from 'node:net';
import type { SyntaxNode } from '../parser/parser.js';
import type { CallSite, SemanticModel } from './model.js';

/** Whether a call of `callee`, which the catalogue says blocks, waits with these arguments. */
export function blocksAtCall(model: SemanticModel, call: CallSite, callee: string): boolean {
  return !isNonBlockingCall(call) && !isNumericLookup(model, call, callee);
}

/** `q.get(block=False)`, `lock.acquire(blocking=False)`, `timeout=0` do not wait. */
function isNonBlockingCall(call: CallSite): boolean {
  const args = call.node.childForFieldName('arguments');
  if (!args) return false;
  for (const argument of args.namedChildren) {
    if (argument?.type !== 'keyword_argument') continue;
    const name = argument.childForFieldName('name')?.text;
    const value = argument.childForFieldName('value')?.text;
    if ((name === 'block' || name === 'blocking') && value === 'False') return true;
    if (name === 'timeout' && (value === '0' || value === '0.0')) return true;
  }
  return false;
}

const ADDRESS_LOOKUPS = new Set(['socket.getaddrinfo', 'socket.gethostbyname', 'socket.gethostbyname_ex']);

/**
 * An address lookup that cannot reach a name server: the host is a literal IP address
 * (`getaddrinfo("1.2.3.4", 0)`), or `AI_NUMERICHOST` is among the flags, directly or through a
 * name bound once to an expression that has it (`_NUMERIC_ONLY = AI_NUMERICHOST | AI_NUMERICSERV`).
 */
function isNumericLookup(model: SemanticModel, call: CallSite, callee: string): boolean {
  if (!ADDRESS_LOOKUPS.has(callee)) return false;
  const args = call.node.childForFieldName('arguments')?.namedChildren.filter((arg): arg is SyntaxNode => !!arg) ?? [];
  const host = args[0];
  if (host?.type === 'string' && isIpAddress(host.text.replace(/^[rRbBuU]*(['"])(.*)\1$/s, '$2'))) return true;
  if (callee !== 'socket.getaddrinfo') return false;
  return args.slice(1).some((arg) => mentionsNumericHost(model, call, arg));
}

function mentionsNumericHost(model: SemanticModel, call: CallSite, node: SyntaxNode): boolean {
  if (/\bAI_NUMERICHOST\b/.test(node.text)) return true;
  return node.descendantsOfType('identifier').some((identifier) => {
    if (!identifier) return false;
    const bindings = model.bindingsOf(identifier.text, call.scope);
    return bindings.length === 1 && !!bindings[0]!.value && /\bAI_NUMERICHOST\b/.test(bindings[0]!.value.text);
  });
}

