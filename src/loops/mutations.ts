/**
 * Writes through attributes and subscripts, mutating method calls, and calls the catalogue says
 * change an argument (`heapq.heappush(heap, x)`) or their receiver (`rng.random()`), in
 * map-stage code: on the item they change the caller's object, on anything bound outside the
 * iteration they race.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { rootIdentifier } from './commit-statements.js';
import { isIterationLocalObject, makesFreshObject } from './freshness.js';
import { lineOf } from './lines.js';
import type { LoopContext } from './loop-context.js';
import { MUTATING_METHODS } from './pure-names.js';
import type { LoopReason } from './types.js';

interface MutatedTarget {
  target: SyntaxNode;
  described: string;
  /** A call the catalogue describes as mutating: its callee as written (`heapq.heappush`). */
  call?: string;
  /** The call changes its receiver's hidden state (a generator's), not what its name says. */
  state?: boolean;
}

export function mutationsIn(context: LoopContext, work: readonly SyntaxNode[]): LoopReason[] {
  const reasons: LoopReason[] = [];
  for (const root of work) {
    for (const node of [root, ...root.descendantsOfType(['assignment', 'augmented_assignment', 'delete_statement', 'call'])]) {
      for (const mutated of mutatedTargets(context, node)) {
        const reason = judge(context, mutated);
        if (reason) reasons.push(reason);
      }
    }
  }
  return reasons;
}

function mutatedTargets(context: LoopContext, node: SyntaxNode): MutatedTarget[] {
  switch (node.type) {
    case 'assignment':
    case 'augmented_assignment': {
      const left = node.childForFieldName('left');
      return left ? storeTargets(left).map((t) => ({ target: t, described: t.text })) : [];
    }
    case 'delete_statement':
      return node.namedChildren
        .flatMap((t) => (t.type === 'expression_list' ? t.namedChildren : [t]))
        .filter((t) => t.type === 'attribute' || t.type === 'subscript')
        .map((t) => ({ target: t, described: t.text }));
    case 'call':
      return mutatedByCall(context, node);
    default:
      return [];
  }
}

/** A mutating method by its name (on any object), or what the catalogue says the call changes. */
function mutatedByCall(context: LoopContext, call: SyntaxNode): MutatedTarget[] {
  const callee = call.childForFieldName('function');
  const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
  const receiver = callee?.type === 'attribute' ? callee.childForFieldName('object') : null;
  // Called through the class (`list.append(xs, x)`), the receiver is the first argument.
  const throughClass = !!receiver && isClassReference(context, receiver);
  if (method && receiver && !throughClass && MUTATING_METHODS.has(method)) return [{ target: receiver, described: `${receiver.text}.${method}()` }];
  const site = context.callsByNode.get(call.id);
  const name = site ? context.model.calleeName(site) : undefined;
  const entry = name ? context.model.catalogue.lookup(name) : undefined;
  if (!callee || (!entry?.mutatesReceiver && !entry?.mutatesArguments && !(throughClass && method && MUTATING_METHODS.has(method)))) return [];
  const shown = callee.text.replace(/\s+/g, '');
  const positional: Array<SyntaxNode | 'splat'> = [];
  for (const argument of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (argument.type === 'comment' || argument.type === 'keyword_argument') continue;
    positional.push(argument.type === 'list_splat' || argument.type === 'dictionary_splat' ? 'splat' : argument);
  }
  const targets: MutatedTarget[] = [];
  const argument = (position: number, state: boolean): void => {
    const splat = positional.findIndex((a) => a === 'splat');
    if (splat >= 0 && splat <= position) {
      targets.push({ target: call, described: call.text, call: shown });
      return;
    }
    const node = positional[position];
    if (node && node !== 'splat') targets.push({ target: node, described: node.text, call: shown, state });
  };
  const byName = !!method && (MUTATING_METHODS.has(method) || /^__\w+__$/.test(method));
  if (entry?.mutatesReceiver || (throughClass && byName)) {
    // A receiver changed by a method whose name does not say so: its hidden state (a generator's).
    if (receiver && !throughClass) targets.push({ target: receiver, described: receiver.text, call: shown, state: !byName });
    else argument(0, !byName);
  }
  for (const position of entry?.mutatesArguments ?? []) argument(throughClass ? position + 1 : position, false);
  return targets;
}

function isClassReference(context: LoopContext, node: SyntaxNode): boolean {
  const value = context.model.valueOf(node, context.scope);
  return value.kind === 'ref' && context.model.isClassName(value.qualifiedName);
}

/** Attribute and subscript targets of an assignment (inside tuples too). */
function storeTargets(target: SyntaxNode): SyntaxNode[] {
  if (target.type === 'attribute' || target.type === 'subscript') return [target];
  if (target.type === 'identifier') return [];
  return target.namedChildren.flatMap(storeTargets);
}

function judge(context: LoopContext, { target, described, call, state }: MutatedTarget): LoopReason | undefined {
  const line = lineOf(target);
  // `heapq.heapify([3, 1, 2])`, `random.Random(seed).random()`: an object made right there.
  if (call && makesFreshObject(context, target)) return undefined;
  const root = rootIdentifier(target);
  if (!root) {
    if (call) return { reason: `\`${call}\` (line ${line}) changes \`${described}\` in place, an object the analysis cannot trace`, line };
    return { reason: `mutates \`${described}\` (line ${line}), an object the analysis cannot trace`, line };
  }
  if (context.loopVariables.includes(root.text)) {
    if (call) return { reason: `\`${call}\` (line ${line}) changes the item \`${described}\` in place: the item object is shared with the caller`, line };
    return { reason: `mutates \`${described}\` (line ${line}): the item object is shared with the caller`, line };
  }
  if (isIterationLocalObject(context, root.text)) return undefined;
  if (call && state) {
    return {
      reason: `\`${call}\` (line ${line}) changes the state of \`${root.text}\`, which every iteration shares, so each iteration depends on the calls the ones before it made`,
      line,
    };
  }
  if (call) return { reason: `\`${call}\` (line ${line}) changes the shared object \`${root.text}\` in place`, line };
  return { reason: `mutates the shared object \`${root.text}\` (line ${line})`, line };
}
