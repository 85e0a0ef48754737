/** The reason a loop can run concurrently, in source terms: what the map stage does and what stays in order. */
import type { Plan } from '../../diagnostics/finding.js';
import { callsWithin, doesWork } from '../../loops/work-calls.js';
import type { CommitStatement, LoopAnalysis } from '../../loops/types.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { Hoisted } from '../../rewrites/loop-parts.js';
import type { SemanticModel } from '../../semantic/model.js';

/** The source-level facts a description is made of: plain strings, so that they survive the trip from a worker. */
export interface LoopWords {
  /** The calls that do the work, as written: `fetch`, `hashlib.sha256`. */
  calls: string[];
  /** The commit operations: `` `total +=` ``, `` `print` ``. */
  commits: string[];
}

export function loopWords(model: SemanticModel, analysis: LoopAnalysis, hoisted: readonly Hoisted[]): LoopWords {
  return {
    calls: mainCalls(model, [...analysis.map, ...hoisted.map((h) => h.expression)]),
    commits: [...new Set(analysis.commit.map(describeCommit))],
  };
}

/** `handed`: for a hybrid plan, the names the waiting part hands to the computing part. */
export function describeParallelLoop(words: LoopWords, plan: Plan, blocking: readonly string[], handed: readonly string[] = []): string {
  const work =
    plan.workload === 'io'
      ? `each iteration waits on ${blocking.join(' and ') || 'I/O'}`
      : plan.workload === 'native'
        ? 'each iteration runs native code that releases the GIL'
        : plan.workload === 'cpu'
          ? 'each iteration does pure-Python CPU work'
          : plan.workload === 'mixed'
            ? 'each iteration waits on I/O and computes in pure Python'
            : 'each iteration does independent work';
  const quoted = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(', ');
  const calls = words.calls.length ? ` (${quoted(words.calls)})` : '';
  const mapPart = plan.model === 'hybrid' && handed.length ? `${calls}, the waiting part handing ${quoted(handed)} to the computing part` : calls;
  const commitPart = words.commits.length
    ? `; ${words.commits.join(', ')} ${words.commits.length === 1 ? 'is' : 'are'} kept in order in the commit stage`
    : '';
  return `${work}${mapPart}, and the map stage depends only on the item and on values the loop never changes${commitPart}`;
}

function describeCommit(commit: CommitStatement): string {
  switch (commit.kind) {
    case 'reduction':
    case 'counter':
      return `\`${commit.accumulator} ${commit.operation}\``;
    case 'ordered-output':
      return `\`${commit.operation}\``;
    case 'guarded':
      return `the guarded commit at line ${commit.line}`;
    case 'inner-loop':
      return `the inner commit loop at line ${commit.line}`;
    case 'exit-value':
      return `\`${commit.accumulator} =\``;
    case 'min-max':
      return `\`${commit.accumulator} = ${commit.operation}(...)\``;
    case 'keyed-store':
      return `\`${commit.accumulator}[...] ${commit.operation === '[]=' ? '=' : commit.operation}\``;
    default:
      return `\`${commit.accumulator}.${commit.operation}\``;
  }
}

/** The calls that do the work: project functions and catalogued calls with effects, by their source names. */
function mainCalls(model: SemanticModel, roots: readonly SyntaxNode[]): string[] {
  const names: string[] = [];
  for (const call of roots.flatMap(callsWithin)) {
    if (!doesWork(model, call)) continue;
    const written = call.childForFieldName('function')?.text ?? '';
    // `hashlib.sha256(body).hexdigest` reads worse than `hashlib.sha256`: keep plain dotted names.
    if (!/^[\w.]+$/.test(written) || names.includes(written)) continue;
    names.push(written);
  }
  return names.slice(0, 4);
}
