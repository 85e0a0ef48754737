/**
 * What the race rules share: deferring each compound access of a file until the project is
 * linked, and the words for both sides of a conflict (which code, in which thread or task,
 * started where, holding which locks).
 */
import type { RelatedLocation } from '../../diagnostics/finding.js';
import type { AccessFact, CompoundPattern, FunctionFacts } from '../../concurrency/facts.js';
import type { Conflict, Context, ReachedAccess } from '../../concurrency/races.js';
import { accessNodes, concurrencyFacts } from '../../concurrency/summary.js';
import type { FixDraft, RuleContext } from '../rule.js';

/** Defers every compound access of the file with one of `patterns`, with `data(access, fn)` attached. */
export function deferSites(
  context: RuleContext,
  patterns: ReadonlySet<CompoundPattern>,
  data: (access: AccessFact, fn: FunctionFacts) => Record<string, unknown> = () => ({}),
  fix: (access: AccessFact) => FixDraft | undefined = () => undefined,
): void {
  const { model, source, lines } = context;
  const facts = concurrencyFacts(model, source.path, lines);
  const nodes = accessNodes(model);
  for (const fn of facts.functions) {
    for (const access of fn.accesses) {
      if (access.kind !== 'compound' || !access.pattern || !patterns.has(access.pattern)) continue;
      const node = nodes.get(access.offset);
      if (!node) continue;
      context.defer(node.node, { siteId: access.siteId, ...data(access, fn) }, { fix: context.fixesAllowed ? fix(access) : undefined });
    }
  }
}

/** `global `counter``, `class attribute `Stats.hits``, `closure variable `n``, `` `self.count` ``. */
export function stateWords(access: AccessFact): string {
  const { state, display } = access;
  if (state.root === 'filesystem') return `path \`${display}\``;
  if (state.root === 'param') return `\`${display}\` (an object passed in)`;
  if (state.root === 'self') return `\`${display}\``;
  switch (state.scope) {
    case 'module':
      return state.path.length === 0 ? `global \`${display}\`` : `\`${display}\``;
    case 'class':
      return `class attribute \`${display}\``;
    case 'enclosing':
      return state.path.length === 0 ? `closure variable \`${display}\`` : `\`${display}\``;
    default:
      return `\`${display}\``;
  }
}

function where(path: string, line: number): string {
  return `${path}:${line}`;
}

/** "thread `worker` (`Thread`, main.py:12)", "several threads at once: `worker` (`Thread`, started in a loop, main.py:12)". */
function entryWords(context: Context): string {
  const { entry } = context;
  const fact = entry.fact;
  const kind = entry.kind;
  const started = `${fact.many ? `${fact.why} ` : 'started '}by \`${fact.via}\` at ${where(entry.path, fact.line)}`;
  return fact.many ? `several ${kind === 'process' ? 'processes' : `${kind}s`} at once (\`${fact.display}\`, ${started})` : `${kind} \`${fact.display}\` (${started})`;
}

function chainWords(access: ReachedAccess): string {
  return access.chain.length > 1 ? `, through ${access.chain.map((name, i) => (i === 0 ? `\`${name}\`` : `\`${name}()\``)).join(' -> ')}` : '';
}

/** Where the racing access runs, e.g. "it runs in several threads at once: `worker` (...)". */
export function siteContextWords(site: ReachedAccess): string {
  if (site.context.side === 'main') {
    const fact = site.context.entry.fact;
    const starter = site.chain[0] === '<module>' ? 'code at module level' : `\`${site.chain[0]}\``;
    return `${starter} runs it${chainWords(site)} while ${site.context.entry.kind} \`${fact.display}\` (started at ${where(site.context.entry.path, fact.line)}) is running`;
  }
  return `it runs in ${entryWords(site.context)}${chainWords(site)}`;
}

/** The other side of a conflict. */
export function otherWords(conflict: Conflict): string {
  const { site, other } = conflict;
  if (sameAccess(site, other) && site.context.entry === other.context.entry) return 'another instance runs the same code at the same time';
  const place = `\`${other.access.code}\` (${where(other.fn.path, other.access.line)}) in \`${other.fn.display}\``;
  if (other.context.side === 'main') return `${place} writes it from the code that started the thread, while the thread runs`;
  return `${place} writes it in ${entryWords(other.context)}`;
}

/** Which locks each side holds, when one of them holds any. */
export function lockWords(conflict: Conflict): string {
  const name = (identity: string) => identity.slice(identity.lastIndexOf('.') + 1);
  const { site, other } = conflict;
  if (site.locks.length > 0 && other.locks.length === 0) return ` (\`${name(site.locks[0])}\` is held here, but not there)`;
  if (other.locks.length > 0 && site.locks.length === 0) return ` (\`${name(other.locks[0])}\` is held there, but not here)`;
  if (other.locks.length > 0) return ` (they hold different locks: \`${name(site.locks[0])}\` and \`${name(other.locks[0])}\`)`;
  return '';
}

/** `b` is `a` itself, or the act of the check-then-act `a`. */
export function sameAccess(a: ReachedAccess, b: ReachedAccess): boolean {
  if (a.fn.path !== b.fn.path || a.fn.key !== b.fn.key) return false;
  if (a.access.offset === b.access.offset) return true;
  return !!a.access.actLine && b.access.line >= a.access.line && b.access.line <= a.access.actLine && b.access.offset > a.access.offset;
}

/** The other access sites and the places the entry points start, as related locations. */
export function relatedLocations(conflicts: Conflict[]): RelatedLocation[] {
  const related: RelatedLocation[] = [];
  const seen = new Set<string>();
  const add = (location: RelatedLocation) => {
    const key = `${location.path}:${location.line}:${location.column}`;
    if (seen.has(key)) return;
    seen.add(key);
    related.push(location);
  };
  for (const { site, other } of conflicts) {
    if (!sameAccess(site, other)) {
      const a = other.access;
      add({
        path: other.fn.path,
        line: a.line,
        column: a.column,
        endLine: a.endLine,
        endColumn: a.endColumn,
        message: `conflicting write \`${a.code}\` in \`${other.fn.display}\`${other.locks.length ? '' : ' (no lock held)'}`,
      });
    }
  }
  for (const { site, other } of conflicts) {
    for (const context of [site.context, other.context]) {
      const { entry } = context;
      const fact = entry.fact;
      const kind = entry.kind;
      add({
        path: entry.path,
        line: fact.line,
        column: fact.column,
        endLine: fact.line,
        endColumn: fact.column,
        message: `\`${fact.display}\` starts here as a ${kind} (${fact.via}${fact.many ? `, several at once: ${fact.why}` : ''})`,
      });
    }
  }
  return related;
}
