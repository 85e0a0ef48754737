/**
 * Recognises commit statements: operations on loop-carried state that a rewrite can replay in
 * the original order in the caller (appends, keyed stores, reductions, counters, min/max,
 * ordered output), and `if`s and inner loops made only of them.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { callArguments, type CallArguments } from '../semantic/call-arguments.js';
import { lineOf } from './lines.js';
import { isAsyncFor } from './find-loops.js';
import type { LoopContext } from './loop-context.js';
import { ACCUMULATE_METHODS, REDUCTION_OPERATORS } from './pure-names.js';
import type { CommitStatement } from './types.js';

/** Ordered effects that are output a commit stage can replay; database and network sends are not. */
const OUTPUT_EFFECTS = new Set(['stdout', 'stderr', 'log', 'write']);
const SELF_REDUCTION_OPERATORS = new Set(['+', '-', '*', '|', '&', '^']);

export class CommitClassifier {
  constructor(
    private readonly context: LoopContext,
    /** Whether a name can be an accumulator: bound before the loop and written in it only by commits. */
    private readonly isAccumulator: (name: string) => boolean,
  ) {}

  classify(statement: SyntaxNode): CommitStatement | null {
    switch (statement.type) {
      case 'expression_statement': {
        const [expression, ...rest] = statement.namedChildren;
        if (!expression || rest.length > 0) return null;
        if (expression.type === 'call') return this.call(statement, expression);
        if (expression.type === 'augmented_assignment') return this.augmented(statement, expression);
        if (expression.type === 'assignment') return this.assignment(statement, expression);
        return null;
      }
      case 'delete_statement':
        return this.deletion(statement);
      case 'if_statement':
        return this.guarded(statement);
      case 'for_statement':
        return this.innerLoop(statement);
      default:
        return null;
    }
  }

  private commit(node: SyntaxNode, fields: Omit<CommitStatement, 'node' | 'line'>): CommitStatement {
    return { node, line: lineOf(node), ...fields };
  }

  private call(statement: SyntaxNode, call: SyntaxNode): CommitStatement | null {
    const callee = call.childForFieldName('function');
    const args = callArguments(call);
    if (!callee) return null;
    if (callee.type === 'attribute') {
      const method = callee.childForFieldName('attribute')?.text ?? '';
      const receiver = callee.childForFieldName('object');
      if (receiver && ACCUMULATE_METHODS.has(method)) {
        const keyed = this.keyedAccumulator(receiver);
        if (keyed) {
          return this.commit(statement, {
            kind: 'accumulate',
            accumulator: keyed.root.text,
            operation: method,
            inputs: [...keyed.keys, ...args.inputs],
            accumulatorNodes: [keyed.root],
          });
        }
      }
    }
    return this.output(statement, call, callee, args);
  }

  /**
   * `acc`, `acc[k]`, `acc.setdefault(k, [])`: the accumulator a method is called on, with the
   * key expressions the map stage computes.
   */
  private keyedAccumulator(receiver: SyntaxNode): { root: SyntaxNode; keys: SyntaxNode[] } | null {
    if (receiver.type === 'identifier') return this.isAccumulator(receiver.text) ? { root: receiver, keys: [] } : null;
    if (receiver.type === 'subscript') return this.subscriptRoot(receiver);
    if (receiver.type === 'call') {
      const callee = receiver.childForFieldName('function');
      const object = callee?.childForFieldName('object');
      if (callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'setdefault' && object?.type === 'identifier') {
        if (this.isAccumulator(object.text)) return { root: object, keys: callArguments(receiver).inputs };
      }
    }
    return null;
  }

  /** `acc[k]`, `acc[i][j]`: the accumulator and the index expressions. */
  private subscriptRoot(target: SyntaxNode): { root: SyntaxNode; keys: SyntaxNode[] } | null {
    const keys: SyntaxNode[] = [];
    let node = target;
    while (node.type === 'subscript') {
      keys.unshift(...node.namedChildren.filter((c) => c.field === 'subscript'));
      node = node.childForFieldName('value')!;
      if (!node) return null;
    }
    return node.type === 'identifier' && this.isAccumulator(node.text) ? { root: node, keys } : null;
  }

  /** `print(...)`, `logger.info(...)`, `out.write(...)`, `sys.stdout.write(...)` on an output that outlives the loop. */
  private output(statement: SyntaxNode, call: SyntaxNode, callee: SyntaxNode, args: CallArguments): CommitStatement | null {
    const site = this.context.callsByNode.get(call.id);
    const name = site ? this.context.model.calleeName(site) : undefined;
    const effect = name ? this.context.model.catalogue.lookup(name)?.orderedEffect : undefined;
    if (!name || !effect || !OUTPUT_EFFECTS.has(effect)) return null;
    // The stream itself must exist before the loop: a file opened per item is map work.
    const root = rootIdentifier(callee.type === 'attribute' ? callee.childForFieldName('object') : null);
    if (root && !this.isAccumulator(root.text)) return null;
    const file = args.keywords.get('file');
    if (file && !(file.type === 'identifier' ? this.isAccumulator(file.text) : rootIdentifier(file) && this.isAccumulator(rootIdentifier(file)!.text))) return null;
    return this.commit(statement, {
      kind: 'ordered-output',
      operation: name.replace(/^builtins\./, ''),
      inputs: args.inputs.filter((input) => input !== file),
      accumulatorNodes: [root, file && rootIdentifier(file)].filter((n): n is SyntaxNode => !!n),
    });
  }

  private augmented(statement: SyntaxNode, node: SyntaxNode): CommitStatement | null {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const operator = node.child(1)?.type ?? '';
    if (!left || !right) return null;
    if (left.type === 'identifier' && REDUCTION_OPERATORS.has(operator) && this.isAccumulator(left.text)) {
      const isCounter = operator === '+=' && right.type === 'integer' && right.text === '1';
      return this.commit(statement, {
        kind: isCounter ? 'counter' : 'reduction',
        accumulator: left.text,
        operation: operator,
        inputs: [right],
        accumulatorNodes: [left],
      });
    }
    if (left.type === 'subscript') {
      const keyed = this.subscriptRoot(left);
      if (keyed) {
        return this.commit(statement, {
          kind: 'keyed-store',
          accumulator: keyed.root.text,
          operation: `[]${operator}`,
          inputs: [...keyed.keys, right],
          accumulatorNodes: [keyed.root],
        });
      }
    }
    return null;
  }

  private assignment(statement: SyntaxNode, node: SyntaxNode): CommitStatement | null {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right || right.type === 'assignment') return null;
    if (left.type === 'subscript') {
      const keyed = this.subscriptRoot(left);
      if (!keyed) return null;
      return this.commit(statement, {
        kind: 'keyed-store',
        accumulator: keyed.root.text,
        operation: '[]=',
        inputs: [...keyed.keys, right],
        accumulatorNodes: [keyed.root],
      });
    }
    if (left.type !== 'identifier' || !this.isAccumulator(left.text)) return null;
    const name = left.text;
    if (right.type === 'call') {
      // `best = max(best, v)`
      const site = this.context.callsByNode.get(right.id);
      const callee = site ? this.context.model.calleeName(site) : undefined;
      const args = callArguments(right);
      const self = args.inputs.find((a) => a.type === 'identifier' && a.text === name);
      if ((callee === 'builtins.max' || callee === 'builtins.min') && self && args.keywords.size === 0 && args.inputs.length === 2) {
        return this.commit(statement, {
          kind: 'min-max',
          accumulator: name,
          operation: callee.slice('builtins.'.length),
          inputs: args.inputs.filter((a) => a !== self),
          accumulatorNodes: [left, self],
        });
      }
    }
    if (right.type === 'binary_operator') {
      // `total = total + v`
      const operand = right.childForFieldName('left');
      const other = right.childForFieldName('right');
      const operator = right.child(1)?.type ?? '';
      if (operand?.type === 'identifier' && operand.text === name && other && SELF_REDUCTION_OPERATORS.has(operator)) {
        return this.commit(statement, {
          kind: 'reduction',
          accumulator: name,
          operation: `${operator}=`,
          inputs: [other],
          accumulatorNodes: [left, operand],
        });
      }
    }
    return null;
  }

  private deletion(statement: SyntaxNode): CommitStatement | null {
    const targets = statement.namedChildren.flatMap((t) => (t.type === 'expression_list' ? t.namedChildren : [t]));
    const keyed = targets.map((t) => (t.type === 'subscript' ? this.subscriptRoot(t) : null));
    if (keyed.length === 0 || keyed.some((k) => !k)) return null;
    const roots = keyed.map((k) => k!.root);
    return this.commit(statement, {
      kind: 'keyed-store',
      accumulator: roots[0].text,
      operation: 'del',
      inputs: keyed.flatMap((k) => k!.keys),
      accumulatorNodes: roots,
    });
  }

  /**
   * `if cond: <commits> [elif ...: <commits>] [else: <commits>]`. A branch may end in
   * `continue` (`if reply is None: failures += 1; continue`): replayed in the commit stage's
   * own loop over the results, it skips the rest of that item's commits, as in the original.
   * It may also end the loop with `break` or `return [value]` (`if ok: found = x; break`):
   * replayed there, it ends the loop over the results at the same item.
   */
  private guarded(statement: SyntaxNode): CommitStatement | null {
    const conditions: SyntaxNode[] = [];
    const parts: CommitStatement[] = [];
    const exits: SyntaxNode[] = [];
    const condition = statement.childForFieldName('condition');
    if (condition) conditions.push(condition);
    const blocks = [statement.childForFieldName('consequence')];
    for (const clause of statement.namedChildren) {
      if (clause.type === 'elif_clause') {
        const elifCondition = clause.childForFieldName('condition');
        if (elifCondition) conditions.push(elifCondition);
        blocks.push(clause.childForFieldName('consequence'));
      } else if (clause.type === 'else_clause') blocks.push(clause.childForFieldName('body'));
    }
    for (const block of blocks) {
      const branch = this.branchCommits(block);
      if (!branch) return null;
      parts.push(...branch.commits);
      if (branch.exit) exits.push(branch.exit);
    }
    if (parts.length === 0 && exits.length === 0) return null;
    const returned = exits.flatMap((exit) => (exit.type === 'return_statement' ? exit.namedChildren.filter((c) => c.type !== 'comment') : []));
    return this.commit(statement, {
      kind: 'guarded',
      operation: 'if',
      inputs: [...conditions, ...parts.flatMap((p) => p.inputs), ...returned],
      parts,
      accumulatorNodes: parts.flatMap((p) => p.accumulatorNodes),
      ...(exits.length > 0 ? { exits } : {}),
    });
  }

  /**
   * A branch of a guarded commit: commit statements, optionally ending in `continue`, or in
   * `break`/`return` after which `name = value` statements (the value the loop stops at) are
   * commits too.
   */
  private branchCommits(block: SyntaxNode | null): { commits: CommitStatement[]; exit?: SyntaxNode } | null {
    const statements = block?.namedChildren.filter((s) => s.type !== 'comment') ?? [];
    const last = statements[statements.length - 1];
    if (!last) return null;
    if (last.type !== 'break_statement' && last.type !== 'return_statement') {
      const commits = this.allCommits(block, true);
      return commits ? { commits } : null;
    }
    const commits: CommitStatement[] = [];
    for (const statement of statements.slice(0, -1)) {
      const commit = this.classify(statement) ?? this.exitValue(statement);
      if (!commit) return null;
      commits.push(commit);
    }
    return { commits, exit: last };
  }

  /** `found = candidate` just before the loop ends: a loop-carried name set once, in order. */
  private exitValue(statement: SyntaxNode): CommitStatement | null {
    const assignment = statement.type === 'expression_statement' && statement.namedChildren.length === 1 ? statement.namedChildren[0]! : null;
    if (assignment?.type !== 'assignment') return null;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type !== 'identifier' || !right || right.type === 'assignment' || !this.isAccumulator(left.text)) return null;
    if (assignment.childForFieldName('type')) return null;
    return this.commit(statement, { kind: 'exit-value', accumulator: left.text, operation: '=', inputs: [right], accumulatorNodes: [left] });
  }

  /** `for w in words: counts[w] += 1`: an inner loop that only commits. */
  private innerLoop(statement: SyntaxNode): CommitStatement | null {
    if (isAsyncFor(statement) || statement.childForFieldName('alternative')) return null;
    const commits = this.allCommits(statement.childForFieldName('body'));
    const iterable = statement.childForFieldName('right');
    if (!commits || !iterable) return null;
    return this.commit(statement, {
      kind: 'inner-loop',
      operation: 'for',
      inputs: [iterable, ...commits.flatMap((p) => p.inputs)],
      parts: commits,
      accumulatorNodes: commits.flatMap((p) => p.accumulatorNodes),
    });
  }

  /** The commits of a block, or null if anything else is in it; `continue` may end it when `endsInContinue`. */
  private allCommits(block: SyntaxNode | null, endsInContinue = false): CommitStatement[] | null {
    const statements = block?.namedChildren.filter((s) => s.type !== 'comment') ?? [];
    if (statements.length === 0) return null;
    if (endsInContinue && statements[statements.length - 1].type === 'continue_statement') statements.pop();
    const commits: CommitStatement[] = [];
    for (const statement of statements) {
      const commit = this.classify(statement);
      if (!commit) return null;
      commits.push(commit);
    }
    return commits;
  }
}

/** `sys` in `sys.stdout`, `self` in `self.log.info`; null for calls and other expressions. */
export function rootIdentifier(node: SyntaxNode | null): SyntaxNode | null {
  let current = node;
  while (current && (current.type === 'attribute' || current.type === 'subscript')) {
    current = current.type === 'attribute' ? current.childForFieldName('object') : current.childForFieldName('value');
  }
  return current?.type === 'identifier' ? current : null;
}
