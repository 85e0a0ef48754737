/** What the deadlock rules share: finding the nodes of lock facts, and the words for locks, paths and threads. */
import type { RelatedLocation } from '../../diagnostics/finding.js';
import type { AcquisitionFact, CallFact, FunctionFacts } from '../../concurrency/facts.js';
import type { CallStep, LockContext, TakenLock } from '../../concurrency/lock-order.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { CallSite, SemanticModel } from '../../semantic/model.js';

export function where(path: string, line: number): string {
  return `${path}:${line}`;
}

/** The node an acquisition stands for: the `with` item's expression, or the `acquire()` call. */
export function acquisitionNode(model: SemanticModel, fact: AcquisitionFact): SyntaxNode | undefined {
  let node: SyntaxNode | null = model.root.node.descendantForIndex(fact.offset);
  for (; node && node.startIndex === fact.offset; node = node.parent) {
    if (fact.via === 'with' && (node.parent?.type === 'with_item' || (node.parent?.type === 'as_pattern' && node.parent.parent?.type === 'with_item'))) return node;
    if (fact.via === 'acquire' && node.type === 'call') {
      const callee = node.childForFieldName('function');
      if (callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'acquire') return node;
    }
  }
  return undefined;
}

const callsAt = new WeakMap<SemanticModel, Map<number, CallSite[]>>();

/** The call node of a call fact (calls starting at one offset, `a.b().c()`, are told apart by callee). */
export function callNode(model: SemanticModel, call: CallFact | { offset: number }, calleeName?: string): SyntaxNode | undefined {
  let byOffset = callsAt.get(model);
  if (!byOffset) {
    byOffset = new Map();
    for (const site of model.calls) {
      const list = byOffset.get(site.node.startIndex);
      if (list) list.push(site);
      else byOffset.set(site.node.startIndex, [site]);
    }
    callsAt.set(model, byOffset);
  }
  const matches = byOffset.get(call.offset) ?? [];
  if (matches.length <= 1 || !calleeName) return matches[0]?.node;
  return (matches.find((c) => model.calleeName(c) === calleeName) ?? matches[0]).node;
}

/** "`with self._lock:`", "`self._lock.acquire()`". */
export function takeWords(fact: AcquisitionFact): string {
  if (fact.via === 'with') return `\`${fact.async ? 'async with' : 'with'} ${fact.display}:\``;
  return `\`${fact.async ? 'await ' : ''}${fact.display}.acquire()\``;
}

/** "a `threading.Lock`, not re-entrant". */
export function lockKindWords(fact: AcquisitionFact): string {
  if (!fact.type) return 'a lock';
  const type = fact.type.replace(/^multiprocessing\.synchronize\./, 'multiprocessing.');
  return `a \`${type}\`${fact.reentrant === false ? ', not re-entrant' : ''}`;
}

/** A lock as written, quoted: `self._lock`. */
export function lockName(fact: AcquisitionFact): string {
  return `\`${fact.display}\``;
}

/** "`with a:` (main.py:12) -> `helper()` (main.py:14) -> `with b:` (util.py:5)". */
export function pathWords(from: TakenLock, steps: CallStep[], to: TakenLock): string {
  const parts = [`${takeWords(from.fact)} (${where(from.fn.path, from.fact.line)})`];
  for (const step of steps) parts.push(`\`${step.callee}()\` (${where(step.path, step.line)})`);
  parts.push(`${takeWords(to.fact)} (${where(to.fn.path, to.fact.line)})`);
  return parts.join(' -> ');
}

/** Where code runs, for messages. */
export function contextWords(context: LockContext): string {
  const { entry } = context;
  const fact = entry.fact;
  const kind = entry.kind === 'task' ? 'task' : 'thread';
  const started = `${fact.many ? `${fact.why} ` : 'started '}by \`${fact.via}\` at ${where(entry.path, fact.line)}`;
  const runs = fact.many ? `several ${kind}s running \`${fact.display}\` (${started})` : `${kind} \`${fact.display}\` (${started})`;
  switch (context.side) {
    case 'main': {
      const starter = entry.spawner?.display === '<module>' || !entry.spawner ? 'module-level code' : `\`${entry.spawner.display}\``;
      return `${starter}, while ${kind} \`${fact.display}\` (started at ${where(entry.path, fact.line)}) runs`;
    }
    case 'owner':
      return `\`${context.method}\`, which other threads may call while ${kind} \`${fact.display}\` (started at ${where(entry.path, fact.line)}) runs on the same object`;
    default:
      return runs;
  }
}

/** The acquisitions and calls of a path, as related locations. */
export function pathLocations(from: TakenLock, steps: CallStep[], to: TakenLock, held: string): RelatedLocation[] {
  const locations: RelatedLocation[] = [
    { path: from.fn.path, ...span(from.fact), message: `${lockName(from.fact)} taken here, in \`${from.fn.display}\`` },
  ];
  for (const step of steps) {
    locations.push({
      path: step.path,
      line: step.line,
      column: step.column,
      endLine: step.line,
      endColumn: step.column,
      message: `\`${step.caller}\` calls \`${step.callee}()\` with ${held} held`,
    });
  }
  locations.push({ path: to.fn.path, ...span(to.fact), message: `${lockName(to.fact)} taken here, in \`${to.fn.display}\`, while ${held} is held` });
  return locations;
}

export function span(fact: { line: number; column: number; endLine: number; endColumn: number }) {
  return { line: fact.line, column: fact.column, endLine: fact.endLine, endColumn: fact.endColumn };
}

/** Where an entry point starts, as a related location. */
export function entryLocation(context: LockContext): RelatedLocation {
  const { entry } = context;
  const fact = entry.fact;
  return {
    path: entry.path,
    line: fact.line,
    column: fact.column,
    endLine: fact.line,
    endColumn: fact.column,
    message: `\`${fact.display}\` starts here as a ${entry.kind === 'task' ? 'task' : 'thread'} (${fact.via}${fact.many ? `, several at once: ${fact.why}` : ''})`,
  };
}

/** Related locations without repeats. */
export function dedupe(locations: RelatedLocation[]): RelatedLocation[] {
  const seen = new Set<string>();
  return locations.filter((l) => {
    const key = `${l.path}:${l.line}:${l.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every function of the file's facts with each acquisition, for deferring. */
export function* acquisitionsOf(functions: readonly FunctionFacts[]): Generator<[FunctionFacts, AcquisitionFact]> {
  for (const fn of functions) for (const acquisition of fn.acquisitions ?? []) yield [fn, acquisition];
}
