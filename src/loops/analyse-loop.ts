/**
 * Dependence analysis of one `for` loop: split its body into a map prefix and an in-order
 * commit suffix, and say whether the map stage can run concurrently, or why not.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import { lastValueUses } from './after-loop.js';
import { CommitClassifier } from './commit-statements.js';
import { earlyExits } from './control-flow.js';
import { accumulatorsOf, carriedDependences, mapReadsOfCommitState, sharedNameWrites } from './dependences.js';
import { lineOf } from './lines.js';
import { isBoundOutsideLoop, isInside, loopContext, type LoopContext } from './loop-context.js';
import { functionEffects, functionScopeOf, merge, type FunctionEffects } from './function-effects.js';
import { mapCallFacts, speculationProblem } from './map-calls.js';
import { mutationsIn } from './mutations.js';
import { nameEvents, type NameEvent } from './name-flow.js';
import { withSeeding } from './random-seeding.js';
import { sharedHandles } from './shared-handles.js';
import type { CommitStatement, LoopAnalysis, LoopReason, ProjectCall } from './types.js';
import { estimateIterations, mayRaise, workHints } from './workload.js';

export function analyseLoop(model: SemanticModel, loop: SyntaxNode): LoopAnalysis {
  const context = loopContext(model, loop);
  const events = nameEvents(context);
  const { classified, operationNodes } = classifyStatements(context, events);
  const split = splitBody(context.statements, classified);

  const writtenInBody = new Set(events.filter((e) => e.kind === 'write' && !operationNodes.has(e.node.id)).map((e) => e.name));
  const accumulators = new Set(split.commit.flatMap(accumulatorsOf));
  // Map-stage code: the map statements and what the commits consume.
  const work = [...split.map, ...split.commit.flatMap((c) => c.inputs)];
  const handles = sharedHandles(context, work, writtenInBody);
  const calls = mapCallFacts(context, work, writtenInBody);
  const called = calledFunctions(model, calls.projectCalls);

  const exits = split.commit.flatMap(exitsOf);
  const speculation = exits.length > 0 ? speculationProblem(context, work, exits[0]!, new Set([...calls.blocking, ...called.blocking])) : undefined;
  const reasons: LoopReason[] = [
    ...earlyExits(context.statements, new Set(exits.map((exit) => exit.id))),
    ...(speculation ? [speculation] : []),
    ...sharedNameWrites(events, context),
    ...carriedDependences(events, operationNodes),
    // Statements left out of the commit suffix are map work too: a read there is the better reason.
    ...mapReadsOfCommitState(events, context.statements.filter((_, i) => !classified[i]), split.commit),
    ...split.reasons,
    ...lastValueUses(context, [...context.loopVariables, ...[...writtenInBody].filter((n) => !accumulators.has(n))]),
    ...mutationsIn(context, work),
    ...handles.reasons,
    ...calls.reasons,
    ...called.reasons.map((r) => ({ ...r, reason: `calls ${r.reason}` })),
  ];
  const first = reasons[0] && withSeeding(model, context, reasons[0]);
  return {
    loop,
    line: lineOf(loop),
    loopVariables: context.loopVariables,
    iterable: context.iterable,
    map: split.map,
    commit: split.commit,
    mapBound: [...new Set(events.filter((e) => e.kind === 'write' && split.map.some((s) => isInside(e.node, s))).map((e) => e.name))],
    accumulators: [...accumulators],
    exits,
    verdict: first ? { kind: 'rejected', reason: first.reason, line: first.line } : { kind: 'splittable' },
    reasons,
    projectCalls: called.elsewhere,
    calledFunctions: [...called.functions],
    globalsRead: [...called.globalsRead],
    sharedHandles: handles.handles,
    effects: {
      blocking: [...new Set([...calls.blocking, ...called.blocking])],
      cpu: [...new Set([...calls.cpu, ...called.cpu])],
      releasesGil: calls.releasesGil || called.releasesGil,
      mayRaise: mayRaise(work),
    },
    estimatedIterations: estimateIterations(context, context.iterable),
    workPerIteration: workHints(
      { blocking: calls.blocking.size + called.blocking.size, cpu: calls.cpu.size + called.cpu.size, projectCalls: calls.projectCalls.length, loopsInCalls: called.loops },
      split.map,
    ),
  };
}

/** The `break`/`return` statements a commit replays, nested guarded commits included. */
function exitsOf(commit: CommitStatement): SyntaxNode[] {
  return [...(commit.exits ?? []), ...(commit.parts ?? []).flatMap(exitsOf)];
}

/** Same-module functions the map stage calls, judged transitively; calls into other modules are kept for later. */
function calledFunctions(model: SemanticModel, projectCalls: readonly ProjectCall[]): FunctionEffects {
  const all: FunctionEffects = {
    reasons: [], blocking: new Set(), cpu: new Set(), releasesGil: false, loops: false, elsewhere: [], globalsRead: new Set(), functions: new Set(),
  };
  for (const call of projectCalls) {
    const scope = functionScopeOf(model, call.qualifiedName);
    if (scope) merge(all, functionEffects(model, scope));
    else all.elsewhere.push(call);
  }
  return all;
}

/**
 * Classifies every top-level statement as a commit or not. An accumulator must be written in
 * the body only by commit operations: `total = 0` inside the loop makes `total` a local, so the
 * commits on it are demoted to map work and classification runs again without it.
 */
function classifyStatements(context: LoopContext, events: readonly NameEvent[]) {
  const excluded = new Set<string>();
  for (;;) {
    const classifier = new CommitClassifier(
      context,
      (name) => !excluded.has(name) && !context.loopVariables.includes(name) && isBoundOutsideLoop(context, name),
    );
    const classified = context.statements.map((s) => classifier.classify(s));
    const operationNodes = new Set(classified.flatMap((c) => c?.accumulatorNodes ?? []).map((n) => n.id));
    const accumulators = new Set(classified.flatMap((c) => (c ? accumulatorsOf(c) : [])));
    const written = events.filter((e) => e.kind !== 'read' && accumulators.has(e.name) && !operationNodes.has(e.node.id));
    if (written.length === 0) return { classified, operationNodes };
    for (const event of written) excluded.add(event.name);
  }
}

/** The body must be a map prefix followed by a commit suffix. */
function splitBody(statements: readonly SyntaxNode[], classified: ReadonlyArray<CommitStatement | null>) {
  const firstCommit = classified.findIndex((c) => c !== null);
  if (firstCommit < 0) return { map: [...statements], commit: [] as CommitStatement[], reasons: [] as LoopReason[] };
  const reasons: LoopReason[] = [];
  const commit: CommitStatement[] = [];
  const commitLine = lineOf(statements[firstCommit]);
  for (let i = firstCommit; i < statements.length; i++) {
    const statement = statements[i];
    const classification = classified[i];
    if (classification) commit.push(classification);
    else if (statement.type !== 'pass_statement' && reasons.length === 0) {
      const line = lineOf(statement);
      reasons.push({
        reason: `\`${firstLine(statement)}\` at line ${line} runs after the commit stage begins (line ${commitLine}) but is not a commit operation, so the body does not split into map and commit stages`,
        line,
      });
    }
  }
  return { map: statements.slice(0, firstCommit), commit, reasons };
}

function firstLine(node: SyntaxNode): string {
  const text = node.text.split('\n')[0].trim();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
