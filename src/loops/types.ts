/** The facts `analyseLoop` finds about one `for` loop, for the plans and rewrites built on them. */
import type { BlockingKind, CpuKind } from '../catalogue/schema.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { Scope } from '../semantic/model.js';

/** How a commit statement changes loop-carried state; each is replayed in order by a rewrite. */
export type CommitKind =
  /** `results.append(v)`, `.extend`, `.add`, `.update`, `.appendleft`, `groups.setdefault(k, []).append(v)`. */
  | 'accumulate'
  /** `d[k] = v`, `d[k] += v`, `del d[k]`. */
  | 'keyed-store'
  /** `total += x` (and `-=`, `*=`, `|=`, `&=`, `^=`), `total = total + x`. */
  | 'reduction'
  /** `count += 1`. */
  | 'counter'
  /** `best = max(best, v)`, `low = min(low, v)`. */
  | 'min-max'
  /** `print(...)`, `logger.info(...)`, `out.write(...)` on a file opened outside the loop, `sys.stdout.write(...)`. */
  | 'ordered-output'
  /** `if cond:` whose branches hold only commit statements. */
  | 'guarded'
  /** An inner `for` whose body holds only commit statements (`for w in words: counts[w] += 1`). */
  | 'inner-loop'
  /** `found = item` in a branch that then leaves the loop: the value the search stops at. */
  | 'exit-value';

export interface CommitStatement {
  node: SyntaxNode;
  line: number;
  kind: CommitKind;
  /** The loop-carried name the statement writes (`results`, `total`), absent for output. */
  accumulator?: string;
  /** `append`, `+=`, `max`, `[]=`, `print`, `if`, `for`... */
  operation: string;
  /**
   * Expressions the commit consumes (arguments, keys, values, guard conditions): computed by
   * the map stage, so they may only read the item and map values.
   */
  inputs: SyntaxNode[];
  /** Guarded commits and inner loops: the commit statements they hold. */
  parts?: CommitStatement[];
  /** Guarded commits: the `break` or `return` statements that end the loop from its branches. */
  exits?: SyntaxNode[];
  /** Identifiers of the accumulator that belong to the operation itself (`total` in `total += x`, both in `best = max(best, v)`). */
  accumulatorNodes: SyntaxNode[];
}

export interface ProjectCall {
  /** As resolved in this module: `app.fetch`, `pkg.util.parse`. */
  qualifiedName: string;
  node: SyntaxNode;
  line: number;
}

/** A handle bound outside the loop that the map stage uses: the plan needs to know about it. */
export interface SharedHandle {
  name: string;
  type: string;
  line: number;
  threadSafe: boolean | undefined;
  unpicklable: boolean;
}

/** What the map stage does, as the catalogue tells: inputs for choosing threads or processes. */
export interface MapEffects {
  blocking: BlockingKind[];
  cpu: CpuKind[];
  /** Some catalogued native work in the map stage releases the GIL. */
  releasesGil: boolean;
  /** A map statement can raise (any call can): a rewrite must re-raise it for the same item, in order. */
  mayRaise: boolean;
}

export type WorkHint = 'blocking-call' | 'nested-loop' | 'heavy-call' | 'project-call';

export type LoopVerdict =
  | { kind: 'splittable' }
  | { kind: 'rejected'; reason: string; line: number };

export interface LoopReason {
  reason: string;
  line: number;
  /** The reason is the shared random generator: the loop's report adds where it is seeded. */
  sharedRandom?: boolean;
}

export interface LoopAnalysis {
  loop: SyntaxNode;
  line: number;
  /** Names the `for` target binds, in source order. */
  loopVariables: string[];
  iterable: SyntaxNode | null;
  /** Top-level body statements of the map stage (a prefix of the body). */
  map: SyntaxNode[];
  /** Top-level body statements of the in-order commit stage (the suffix after the map). */
  commit: CommitStatement[];
  /** Names the map stage binds, in order of their first binding. */
  mapBound: string[];
  /** Loop-carried names the commit stage writes. */
  accumulators: string[];
  /**
   * `break`/`return` statements the commit stage replays in order: the map stage runs ahead of
   * them speculatively, which the analysis allows only when it has no effects anyone sees.
   */
  exits: SyntaxNode[];
  verdict: LoopVerdict;
  /** Every reason found, the verdict's first; empty when splittable. */
  reasons: LoopReason[];
  /** Calls in the map stage to functions of other modules of the project: decided across files later. */
  projectCalls: ProjectCall[];
  /** Functions of this module the map stage calls, directly or not (judged with it). */
  calledFunctions: Scope[];
  /** Module-level value names those functions read: a process pool must see the same values. */
  globalsRead: string[];
  sharedHandles: SharedHandle[];
  effects: MapEffects;
  /** Iteration count when the code shows it: a literal sequence, `range` with literal bounds. */
  estimatedIterations?: number;
  workPerIteration: WorkHint[];
}
