/**
 * What the calls of map-stage code do: effects from the catalogue (for the plan), reasons to
 * reject (shared random generator, process-wide state, order-sensitive output, non-thread-safe
 * calls, unknown effects) and calls into the analysed project (decided later, across files).
 */
import type { BlockingKind, CatalogueEntry, CpuKind } from '../catalogue/schema.js';
import type { SyntaxNode } from '../parser/parser.js';
import { argumentsOf, rootIdentifier } from './commit-statements.js';
import { lineOf } from './lines.js';
import { isBoundOutsideLoop, isInside, type LoopContext } from './loop-context.js';
import { HIGHER_ORDER_BUILTINS, MUTATING_METHODS, PURE_BUILTINS, PURE_MODULES, READING_METHODS } from './pure-names.js';
import type { LoopReason, ProjectCall } from './types.js';

export interface MapCallFacts {
  reasons: LoopReason[];
  projectCalls: ProjectCall[];
  blocking: Set<BlockingKind>;
  cpu: Set<CpuKind>;
  releasesGil: boolean;
  callCount: number;
}

export function mapCallFacts(context: LoopContext, work: readonly SyntaxNode[], writtenInBody: ReadonlySet<string>): MapCallFacts {
  const facts: MapCallFacts = { reasons: [], projectCalls: [], blocking: new Set(), cpu: new Set(), releasesGil: false, callCount: 0 };
  const judge = new CallJudge(context, facts, writtenInBody);
  for (const root of work) {
    for (const call of root.type === 'call' ? [root, ...root.descendantsOfType('call')] : root.descendantsOfType('call')) {
      facts.callCount++;
      judge.call(call);
    }
  }
  return facts;
}

class CallJudge {
  constructor(
    private readonly context: LoopContext,
    private readonly facts: MapCallFacts,
    private readonly writtenInBody: ReadonlySet<string>,
  ) {}

  call(call: SyntaxNode): void {
    const callee = call.childForFieldName('function');
    if (!callee) return;
    const site = this.context.callsByNode.get(call.id);
    const name = site ? this.context.model.calleeName(site) : undefined;
    const line = lineOf(call);
    if (name) {
      this.named(name, callee, call, line);
      return;
    }
    if (callee.type === 'attribute') return this.method(callee, line);
    if (this.isLambdaDefinedInLoop(callee)) return; // its body is map-stage code, judged with the rest
    this.reject(`calls \`${callee.text}\` (line ${line}), whose effects are unknown`, line);
  }

  private named(name: string, callee: SyntaxNode, call: SyntaxNode, line: number): void {
    const entry = this.context.model.catalogue.lookup(name);
    if (entry) return this.catalogued(name, entry, callee, line);
    if (this.isProject(name)) {
      this.facts.projectCalls.push({ qualifiedName: name, node: call, line });
      return;
    }
    if (name.startsWith('builtins.')) {
      const builtin = name.slice('builtins.'.length);
      if (!PURE_BUILTINS.has(builtin)) return this.reject(`calls \`${builtin}\` (line ${line}), whose effects are unknown`, line);
      if (HIGHER_ORDER_BUILTINS.has(builtin)) this.functionArguments(builtin, call, line);
      return;
    }
    if (PURE_MODULES.has(name.split('.')[0])) return;
    // A method on an object of a known but uncatalogued type: judge it by its name, as for unknown types.
    const receiver = callee.type === 'attribute' ? callee.childForFieldName('object') : null;
    if (receiver && this.context.model.valueOf(receiver, this.context.scope).kind === 'instance') return this.method(callee, line);
    this.reject(`calls \`${name}\` (line ${line}), whose effects are unknown`, line);
  }

  private catalogued(name: string, entry: CatalogueEntry, callee: SyntaxNode, line: number): void {
    const shown = name.replace(/^builtins\./, '');
    if (entry.sharedState === 'random') return this.reject(`uses the shared random generator (\`${shown}\`, line ${line})`, line);
    if (entry.sharedState) return this.reject(`uses process-wide state (${entry.sharedState}) through \`${shown}\` (line ${line})`, line);
    if (entry.orderedEffect && entry.orderedEffect !== 'network-send' && !this.onIterationObject(callee)) {
      return this.reject(`order-sensitive effect of \`${shown}\` (line ${line}) outside the commit stage`, line);
    }
    if (entry.threadSafe === false && !this.onIterationObject(callee)) {
      return this.reject(`calls \`${shown}\` (line ${line}), which is not thread-safe, on an object shared by every iteration`, line);
    }
    if (entry.blocking) this.facts.blocking.add(entry.blocking);
    if (entry.cpu) this.facts.cpu.add(entry.cpu);
    if (entry.releasesGil) this.facts.releasesGil = true;
  }

  /** A method whose receiver was made or bound in this iteration (`f.write` on a file opened for this item). */
  private onIterationObject(callee: SyntaxNode): boolean {
    if (callee.type !== 'attribute') return false;
    const root = rootIdentifier(callee.childForFieldName('object'));
    return !!root && (this.writtenInBody.has(root.text) || !isBoundOutsideLoop(this.context, root.text)) && !this.context.loopVariables.includes(root.text);
  }

  /** A method of an object of unknown type, judged by its name; mutators are the mutation check's. */
  private method(callee: SyntaxNode, line: number): void {
    const method = callee.childForFieldName('attribute')?.text ?? '';
    if (READING_METHODS.has(method) || MUTATING_METHODS.has(method)) return;
    this.reject(`calls \`${callee.text}\` (line ${line}), whose effects are unknown`, line);
  }

  /** `map(f, xs)`, `sorted(xs, key=f)`: the function passed is called too. */
  private functionArguments(builtin: string, call: SyntaxNode, line: number): void {
    const args = argumentsOf(call);
    const passed = builtin === 'map' || builtin === 'filter' ? args.inputs[0] : args.keywords.get('key');
    if (!passed || passed.type === 'lambda' || passed.type === 'none' || this.isLambdaDefinedInLoop(passed)) return;
    const name = this.context.model.qualifiedNameOf(passed, this.context.scope);
    if (!name) return this.reject(`passes \`${passed.text}\` to \`${builtin}\` (line ${line}), whose effects are unknown`, line);
    if (name.startsWith('builtins.') && PURE_BUILTINS.has(name.slice('builtins.'.length))) return;
    if (this.isProject(name)) {
      this.facts.projectCalls.push({ qualifiedName: name, node: passed, line });
      return;
    }
    const entry = this.context.model.catalogue.lookup(name);
    if (entry) return this.catalogued(name, entry, passed, line);
    if (PURE_MODULES.has(name.split('.')[0])) return;
    this.reject(`passes \`${name}\` to \`${builtin}\` (line ${line}), whose effects are unknown`, line);
  }

  private isLambdaDefinedInLoop(callee: SyntaxNode): boolean {
    if (callee.type !== 'identifier') return false;
    const bindings = this.context.model.bindingsOf(callee.text, this.context.scope);
    return bindings.length > 0 && bindings.every((b) => b.kind === 'assignment' && b.value?.type === 'lambda' && isInside(b.node, this.context.loop));
  }

  private isProject(name: string): boolean {
    return this.context.model.isProjectName(name) || name.startsWith(`${this.context.model.moduleName}.`);
  }

  private reject(reason: string, line: number): void {
    this.facts.reasons.push({ reason, line });
  }
}
