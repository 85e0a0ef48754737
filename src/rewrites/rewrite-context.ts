/** Everything a rewrite template works from, gathered once per loop. */
import type { LoopAnalysis } from '../loops/types.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { Plan } from '../diagnostics/finding.js';
import type { WorkersDefault } from '../plans/plan-loop.js';
import type { Scope } from '../semantic/model.js';
import type { CodeWriter } from './code-writer.js';
import { itemTimeoutConstant } from './item-timeout.js';
import type { LoopParts } from './loop-parts.js';
import { constantsOffset, workersValue } from './module-setup.js';
import { callsWithin, doesWork } from '../loops/work-calls.js';
import { block } from './source-text.js';

export interface RewriteContext extends CodeWriter {
  analysis: LoopAnalysis;
  parts: LoopParts;
  plan: Plan;
  defaultWorkers: WorkersDefault;
  /** Hybrid plans: the threads that wait, beside the worker processes of `defaultWorkers`. */
  ioThreads?: number;
  scope: Scope;
  strings: SyntaxNode[];
  /** Set by `addWorkersConstant`: the constant (and environment variable) holding the worker count. */
  workersVariable?: string;
}

/** The worker count constant: `FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))`. */
export function addWorkersConstant(context: RewriteContext, base: string, what: string): string {
  return addWorkersConstants(context, [{ base, what, defaults: context.defaultWorkers, reported: true, timeout: true }])[0];
}

export interface WorkersConstant {
  base: string;
  /** What the count is of: `Worker threads`. */
  what: string;
  defaults: WorkersDefault;
  /** The plan's worker count: its name becomes the plan's `workersVariable`. */
  reported: boolean;
  /** With an item timeout, the timeout constant follows this one and is named after it. */
  timeout?: boolean;
}

/** Worker count constants, one block of them after the imports; their names, in order. */
export function addWorkersConstants(context: RewriteContext, constants: readonly WorkersConstant[]): string[] {
  const os = context.imports.module('os');
  const at = constantsOffset(context.model, context.source);
  const line = context.source.slice(0, context.parts.loop.startIndex).split('\n').length;
  const followedByBlank = /^[ \t]*\r?\n/.test(context.source.slice(at));
  const lines = [''];
  const names = constants.map((constant) => {
    const name = context.names.fresh(constant.base);
    if (constant.reported) context.workersVariable = name;
    lines.push(
      `# ${constant.what} for the loop at line ${line}; set ${name} in the environment to tune.`,
      `${name} = ${workersValue(os, name, constant.defaults, context.targetVersion)}`,
    );
    if (constant.timeout && context.itemTimeout !== undefined) lines.push(...itemTimeoutConstant(context, constant.base, os, `in the loop at line ${line}`));
    return name;
  });
  if (!followedByBlank) lines.push('');
  context.moduleEdits.push({ start: at, end: at, text: block('', lines, context.newline) });
  return names;
}

/** A base for generated names, from the main call of the map stage (or of `roots`, a part of it) or the loop variable. */
export function nameBase(context: RewriteContext, roots?: readonly SyntaxNode[]): string {
  const { analysis, model } = context;
  const calls = (roots ?? [...analysis.map, ...context.parts.hoisted.map((h) => h.expression)]).flatMap(callsWithin);
  // The call that does the work names it best: a project function, or a catalogued call with effects.
  const heavy = calls.find((call) => doesWork(model, call));
  const callee = heavy?.childForFieldName('function');
  const last = callee?.type === 'attribute' ? callee.childForFieldName('attribute') : callee;
  const base = last?.type === 'identifier' ? last.text : (analysis.loopVariables[0] ?? 'item');
  return base.replace(/^_+/, '') || 'item';
}

/** A worker that runs one part of the map stage: which part, what it starts from, and a sentence on how it fits. */
export interface WorkerPart {
  /** `Waiting part`, `Computing part`. */
  title: string;
  roots: readonly SyntaxNode[];
  /** Names bound before it runs (its parameters): not "outer" names. */
  local: readonly string[];
  /** What it is given: `its item`, `` `page` ``. */
  given: string;
  note: string;
}

/** The docstring of a worker: what it is, and the assumptions that make it safe to run concurrently. */
export function workerDocstring(context: RewriteContext, runsIn: string, part?: WorkerPart): string[] {
  const { analysis, parts } = context;
  const line = context.source.slice(0, parts.loop.startIndex).split('\n').length;
  const outer = outerNamesRead(context, part);
  const given = part?.given ?? 'its item';
  const reads = outer.length ? `reads only ${given} and ${outer.map((n) => `\`${n}\``).join(', ')}, which the loop never changes` : `reads only ${given}`;
  const iterable = parts.iterable.text.split('\n')[0];
  const ordered = analysis.commit.length ? ' The caller applies the results in the original order.' : '';
  return [
    `${part ? `${part.title} of the map` : 'Map'} stage of the loop over \`${iterable.length > 40 ? `${iterable.slice(0, 37)}...` : iterable}\` (line ${line}), run in ${runsIn}.`,
    '',
    ...wrap(`Safe to run concurrently: it ${reads}, and changes nothing another item sees.${part ? ` ${part.note}` : ordered}`, 72),
    '',
  ];
}

/** Names the map stage (or a part of it) reads that are bound outside the loop (values, not functions or modules). */
export function outerNamesRead(context: RewriteContext, part?: Pick<WorkerPart, 'roots' | 'local'>): string[] {
  const { analysis, model, scope } = context;
  const local = new Set(part?.local ?? [...analysis.mapBound, ...analysis.loopVariables]);
  const names: string[] = [];
  for (const statement of part?.roots ?? [...analysis.map, ...context.parts.hoisted.map((h) => h.expression)]) {
    for (const id of statement.type === 'identifier' ? [statement] : statement.descendantsOfType('identifier')) {
      if (local.has(id.text) || names.includes(id.text)) continue;
      const parent = id.parent;
      if (parent?.type === 'attribute' && id.field === 'attribute') continue;
      if (parent?.type === 'keyword_argument' && id.field === 'name') continue;
      const bindings = model.bindingsOf(id.text, scope);
      if (bindings.length === 0) continue;
      if (bindings.every((b) => ['function', 'class', 'import', 'from-import'].includes(b.kind))) continue;
      names.push(id.text);
    }
  }
  return names;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + word.length + 1 > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}
