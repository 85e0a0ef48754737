/**
 * PS101 missing-main-guard: worker processes started by code that runs when the module is
 * imported. Under spawn and forkserver every worker imports the main module again, runs that
 * code again and starts processes of its own: multiprocessing stops it with a RuntimeError
 * ("An attempt has been made to start a new process before the current process has finished
 * its bootstrapping phase") and the pool hangs or fails. The fix moves the code run at import
 * under `if __name__ == "__main__":`.
 */
import type { Fix, RelatedLocation } from '../../diagnostics/finding.js';
import type { SyntaxNode } from '../../parser/parser.js';
import { chainLocations, type ProjectIndex } from '../../project/project-index.js';
import type { CallSite } from '../../semantic/model.js';
import {
  callsIn,
  creationBehind,
  functionNamed,
  functionsRunAtImport,
  functionsRunInWorkers,
  runsAtImport,
  startMethodOf,
  startMethodOfPool,
  startsProcesses,
} from '../../concurrency/pools.js';
import { functionEffects } from '../../loops/function-effects.js';
import { guardedText, importTimeCode } from '../../fixes/main-guard.js';
import { multilineStrings, newlineOf } from '../../rewrites/source-text.js';
import type { PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt, SPAWN_METHODS } from './shared.js';

interface GuardFix {
  fix: Fix;
  module: string;
  /** Module-level names the fix moves under the guard: importers of these break. */
  hidden: string[];
}

const WHAT_TO_DO = 'put the code the module runs at import under `if __name__ == "__main__":`';

export const missingMainGuard: Rule = {
  meta: {
    code: 'PS101',
    name: 'missing-main-guard',
    category: 'process-safety',
    summary: 'Worker processes started at import, without the `if __name__ == "__main__":` guard',
    fix: 'sometimes',
    docs: {
      what:
        'Code that runs when the module is imported (module-level statements outside `if __name__ == "__main__":`, ' +
        'and the functions they call, across files) and starts worker processes: creating a `multiprocessing.Pool` ' +
        '(also `get_context(...).Pool`), `start()` on a `multiprocessing.Process`, or `submit`/`map` on a ' +
        '`ProcessPoolExecutor` (whose workers start on first use, so creating one at import is not flagged). ' +
        'Not flagged when the code asks for the `fork` start method (`get_context("fork")`, ' +
        '`set_start_method("fork")`), under which workers do not import the module again, nor in a package\'s ' +
        '`__main__.py` (run with `python -m`, which multiprocessing does not re-run in workers). Calls of functions ' +
        'whose decorators may not run the body on the call (anything but `staticmethod`, `classmethod`, ' +
        '`functools.cache`/`lru_cache`) are not followed.',
      why:
        `Under ${SPAWN_METHODS}, every worker process starts a fresh interpreter that imports the main module ` +
        'to find the worker function. Without the guard the import runs the pool-creating code again inside the worker, ' +
        'which multiprocessing refuses ("An attempt has been made to start a new process before the current process ' +
        'has finished its bootstrapping phase"): the program fails with a screen of errors or hangs. It works on Linux ' +
        'before 3.14 only because fork does not re-import the module. Even under fork, a module that starts a pool at ' +
        'import deadlocks when another module imports it and the workers need a function from it (tested: the forked ' +
        'workers wait for the module the parent is still importing, and the program hangs).',
      example: [
        'import multiprocessing',
        '',
        'def square(x):',
        '    return x * x',
        '',
        'pool = multiprocessing.Pool(2)',
        'print(pool.map(square, range(10)))',
        'pool.close()',
        'pool.join()',
      ].join('\n'),
      fixed: [
        'import multiprocessing',
        '',
        'def square(x):',
        '    return x * x',
        '',
        'if __name__ == "__main__":',
        '    pool = multiprocessing.Pool(2)',
        '    print(pool.map(square, range(10)))',
        '    pool.close()',
        '    pool.join()',
      ].join('\n'),
      fixSafety:
        'The fix moves every module-level statement from the first one that runs code (not an import, a definition ' +
        'or a constant) to the end of the file under `if __name__ == "__main__":`, indented one level; run as a ' +
        'script, the program does what it did. It is safe when no other module of the project imports the names ' +
        'the move hides (or the whole module); otherwise it is offered as unsafe, since an importer would no longer ' +
        'get those names (nor run that code). No fix when definitions or imports follow the code that runs at import ' +
        '(moving them would hide them from the workers), when a function run in the workers reads a module-level ' +
        'value assigned in the code that would move (it would not exist in the workers under spawn), or in notebooks.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    // A package's `__main__.py` runs with `python -m package`, and multiprocessing never re-runs it in workers.
    if (model.moduleName === '__main__' || model.moduleName.endsWith('.__main__')) return;
    const runAtImport = functionsRunAtImport(model);
    // One finding per import-time call, listing every start it leads to.
    const byEntry = new Map<number, { entry: CallSite; chain: CallSite[]; starts: CallSite[] }>();
    const seenPools = new Set<string>();
    for (const call of model.calls) {
      const started = startsProcesses(model, call);
      if (!started || startMethod(context, call) === 'fork') continue;
      const owner = call.scope.executionScope;
      let chain: CallSite[];
      if (owner === model.root && runsAtImport(model, call)) chain = [];
      else if (runAtImport.has(owner)) chain = runAtImport.get(owner)!;
      else continue;
      // `pool.submit` after `pool.map` on the same executor starts nothing new.
      const pool = poolKey(context, call);
      if (seenPools.has(pool)) continue;
      seenPools.add(pool);
      const entry = chain[0] ?? call;
      const known = byEntry.get(entry.node.id);
      if (known) known.starts.push(call);
      else byEntry.set(entry.node.id, { entry, chain, starts: [call] });
    }

    let computed = false;
    let fix: GuardFix | undefined;
    const guardFix = (): GuardFix | undefined => {
      if (!computed) fix = fixFor(context);
      computed = true;
      return fix;
    };
    for (const { entry, chain, starts } of byEntry.values()) {
      const first = starts[0]!;
      const startLines = starts.map((s) => `\`${callShown(s.node)}\` at line ${lineAt(context, s.node)}`).join(', ');
      const message =
        chain.length === 0
          ? `\`${callShown(first.node)}\` starts worker processes when the module is imported: under ${SPAWN_METHODS}, each worker imports this module again and runs this line again, so the program fails or hangs; ${WHAT_TO_DO}`
          : `\`${callShown(entry.node)}\` runs when the module is imported and starts worker processes (${startLines}, through ${chainText(context, chain)}): under ${SPAWN_METHODS}, each worker imports this module again and runs it again, so the program fails or hangs; ${WHAT_TO_DO}`;
      const related: RelatedLocation[] = chain.length === 0 ? [] : starts.map((s) => relatedAt(context, s.node, 'worker processes start here'));
      const guard = guardFix();
      context.defer(entry.node, { kind: 'local', message, guard: guard && isMoved(guard, entry.node) ? guard : undefined }, { related });
    }

    // Import-time calls of functions in other modules of the project: the project index decides.
    const reported = new Set(byEntry.keys());
    const importTime: Array<{ call: CallSite; chain: CallSite[] }> = [];
    for (const call of callsIn(model, model.root)) if (runsAtImport(model, call)) importTime.push({ call, chain: [] });
    for (const [scope, chain] of runAtImport) for (const call of callsIn(model, scope)) importTime.push({ call, chain });
    for (const { call, chain } of importTime) {
      const callee = model.calleeName(call);
      if (!callee || functionNamed(model, callee) || !model.isProjectName(callee) || callee.startsWith(`${model.moduleName}.`)) continue;
      const entry = chain[0] ?? call;
      if (reported.has(entry.node.id)) continue;
      reported.add(entry.node.id);
      const via = [...chain, call];
      const guard = guardFix();
      context.defer(entry.node, { kind: 'remote', callee, entry: callShown(entry.node), via: chainText(context, via), guard: guard && isMoved(guard, entry.node) ? guard : undefined });
    }
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const data = pending.data as { kind: string; message?: string; callee?: string; entry?: string; via?: string; guard?: GuardFix };
    const fix = data.guard ? fixWithSafety(data.guard, project) : undefined;
    if (data.kind === 'local') return { message: data.message, fix };
    const target = project.resolveFunction(String(data.callee));
    if (!target || target.isAsync || target.isGenerator || target.opaqueDecorator) return undefined;
    const chain = project.effectChain(target, 'process-start');
    if (!chain) return undefined;
    const last = chain.steps.at(-1)!;
    const names = chain.steps.map((step) => `\`${step.function.displayName}()\``);
    return {
      message: `\`${data.entry}\` runs when the module is imported and starts worker processes (\`${chain.effect.callee}\` at ${last.function.path}:${chain.effect.line}, through ${data.via} -> ${names.join(' -> ')}): under ${SPAWN_METHODS}, each worker imports the main module again and runs it again, so the program fails or hangs; ${WHAT_TO_DO}`,
      related: chainLocations(chain, (step, next) =>
        next ? `\`${step.function.displayName}()\` calls \`${next.function.displayName}()\`` : `\`${step.function.displayName}()\` starts worker processes with \`${step.call.callee}\``,
      ),
      fix,
    };
  },
};

function startMethod(context: RuleContext, call: CallSite) {
  const { model } = context;
  if (call.callee.type === 'attribute') {
    const receiver = call.callee.childForFieldName('object');
    const method = call.callee.childForFieldName('attribute')?.text;
    if (receiver && method && method !== 'Pool' && method !== 'Process') return startMethodOfPool(model, receiver, call.scope);
  }
  return startMethodOf(model, call);
}

/** The pool a start belongs to: its creating call, or the receiver as written. */
function poolKey(context: RuleContext, call: CallSite): string {
  if (call.callee.type !== 'attribute') return `call:${call.node.id}`;
  const method = call.callee.childForFieldName('attribute')?.text;
  const receiver = call.callee.childForFieldName('object');
  if (!receiver || method === 'Pool' || method === 'Process') return `call:${call.node.id}`;
  const creation = creationBehind(context.model, receiver, call.scope);
  return creation ? `call:${creation.node.id}` : `receiver:${call.scope.qualifiedName}:${receiver.text}`;
}

function chainText(context: RuleContext, chain: readonly CallSite[]): string {
  return chain.map((call) => `\`${callShown(call.node)}\` (line ${lineAt(context, call.node)})`).join(' -> ');
}

/** The guard edit for the whole module, or undefined when it cannot be made safely. */
function fixFor(context: RuleContext): GuardFix | undefined {
  const { model, source } = context;
  if (!context.fixesAllowed || source.notebook) return undefined;
  const text = source.text;
  const found = importTimeCode(model, text);
  if ('refused' in found || !found.guard) return undefined;
  const guard = found.guard;
  const moved = (node: SyntaxNode) => node.startIndex >= guard.first.startIndex;
  // A worker must still find, under spawn, every module-level value it reads.
  for (const scope of functionsRunInWorkers(model).keys()) {
    for (const name of functionEffects(model, scope).globalsRead) {
      const bindings = model.root.bindings.get(name) ?? [];
      if (bindings.length > 0 && bindings.every((b) => moved(b.node))) return undefined;
    }
  }
  const hidden = new Set<string>();
  for (const [name, bindings] of model.root.bindings) if (bindings.some((b) => moved(b.node))) hidden.add(name);
  const edit = { start: guard.start, end: text.length, text: guardedText(text, guard.start, [], indentUnit(text), multilineStrings(model.root.node), newlineOf(text)) };
  return {
    module: model.moduleName,
    hidden: [...hidden].sort(),
    fix: {
      applicability: 'safe',
      message: 'Move the code run at import under `if __name__ == "__main__":`',
      edits: [{ ...edit, range: context.lines.range(edit.start, edit.end) }],
    },
  };
}

function isMoved(guard: GuardFix, node: SyntaxNode): boolean {
  return node.startIndex >= guard.fix.edits[0]!.start;
}

/** Safe unless another module imports the whole module or a name the move hides. */
function fixWithSafety(guard: GuardFix, project: ProjectIndex): Fix {
  const conflicts = project
    .importersOf(guard.module)
    .map((importer) => ({ path: importer.path, names: importer.names.filter((n) => n === '*' || guard.hidden.includes(n)) }))
    .filter((importer) => importer.names.length > 0);
  if (conflicts.length === 0) return guard.fix;
  const [first] = conflicts;
  const what = first!.names.includes('*') ? 'imports this module' : `imports \`${first!.names.join('`, `')}\` from this module`;
  return { ...guard.fix, applicability: 'unsafe', message: `${guard.fix.message} (unsafe: ${first!.path} ${what}, which the move hides from it)` };
}

/** The indentation unit the file uses (four spaces when it has no indented block). */
function indentUnit(source: string): string {
  const match = /:[ \t]*(?:#[^\n]*)?\r?\n(?:[ \t]*\r?\n)*([ \t]+)\S/.exec(source);
  return match ? match[1]! : '    ';
}

