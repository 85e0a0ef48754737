/**
 * PS105 inherited-random-seed: a random generator seeded in the parent whose state the worker
 * processes inherit or recreate, so that every worker draws the same numbers.
 *
 * What Python does (checked on CPython 3.11): `random`'s global generator is reseeded from the
 * OS in every forked child (`os.register_at_fork`), so a `random.seed(...)` in the parent does
 * not repeat under fork; but a `random.seed(...)` that runs at import runs again in every worker
 * started with spawn or forkserver, which then all start from that seed. NumPy's legacy global
 * generator is not reseeded on fork: after `numpy.random.seed(...)` every forked worker repeats
 * the parent's stream. A generator object made at import with a fixed seed
 * (`random.Random(42)`, `numpy.random.default_rng(42)`) is the same in every worker whatever the
 * start method; without a seed, it is the same in forked workers.
 */
import { functionsRunAtImport, functionsRunInWorkers, runsAtImport, startMethodOf, startMethodOfPool, type ProcessWorker, type StartMethod } from '../../concurrency/pools.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { CallSite, Scope } from '../../semantic/model.js';
import type { Rule, RuleContext } from '../rule.js';
import { callShown, lineAt, relatedAt, SPAWN_METHODS } from './shared.js';

const NOT_DRAWS = new Set(['seed', 'getstate', 'setstate', 'get_state', 'set_state', 'default_rng', 'RandomState', 'Generator', 'SeedSequence', 'BitGenerator', 'PCG64', 'PCG64DXSM', 'MT19937', 'Philox', 'SFC64', 'Random', 'SystemRandom', 'get_bit_generator', 'set_bit_generator']);
const GENERATOR_FACTORIES = new Set(['random.Random', 'numpy.random.default_rng', 'numpy.random.RandomState', 'numpy.random.Generator']);

type Source = { kind: 'random' } | { kind: 'numpy' } | { kind: 'instance'; name: string; creation: SyntaxNode; seeded: boolean };

interface Draw {
  call: CallSite;
  fn: Scope;
  worker: ProcessWorker;
  method: StartMethod | undefined;
}

export const inheritedRandomSeed: Rule = {
  meta: {
    code: 'PS105',
    name: 'inherited-random-seed',
    category: 'process-safety',
    summary: 'Worker processes inherit one seeded random generator and draw identical numbers',
    fix: 'none',
    docs: {
      what:
        'Functions run in worker processes that draw from a random generator the workers all start in the same state: ' +
        'NumPy\'s global generator after `numpy.random.seed(...)` in the parent (identical in forked workers, and in ' +
        `every worker when the seed runs at import); \`random\`'s global generator after a \`random.seed(...)\` that runs ` +
        `at import (every worker started with ${SPAWN_METHODS} runs it again); a generator object made at import ` +
        '(`random.Random(42)`, `numpy.random.default_rng(42)`, identical everywhere; without a seed, identical in ' +
        'forked workers). Not flagged when the workers reseed themselves (a `seed` call in the worker or its ' +
        'initializer). A `random.seed(...)` under the main guard with fork is not flagged: CPython reseeds ' +
        '`random` in every forked child.',
      why:
        'Simulations, bootstraps and randomized searches split over processes then repeat the same samples in each ' +
        'worker instead of independent ones: the results look plausible and are statistically wrong.',
      example: [
        'import numpy as np',
        'from multiprocessing import Pool',
        '',
        'def simulate(i):',
        '    return np.random.normal(size=3).sum()',
        '',
        'if __name__ == "__main__":',
        '    np.random.seed(0)',
        '    with Pool(4) as pool:',
        '        print(pool.map(simulate, range(8)))',
      ].join('\n'),
      fixed: [
        'import numpy as np',
        'from multiprocessing import Pool',
        '',
        'def simulate(seed):',
        '    rng = np.random.default_rng(seed)',
        '    return rng.normal(size=3).sum()',
        '',
        'if __name__ == "__main__":',
        '    seeds = np.random.SeedSequence(0).spawn(8)',
        '    with Pool(4) as pool:',
        '        print(pool.map(simulate, seeds))',
      ].join('\n'),
      fixSafety:
        'No automatic fix: independent, reproducible streams need one seed per task (`SeedSequence.spawn`, or a ' +
        'seed derived from the task), which changes the numbers the program draws.',
    },
  },

  check(context: RuleContext): void {
    const { model } = context;
    const workers = functionsRunInWorkers(model);
    const draws = new Map<string, Draw>();
    const reseeded = new Set<string>();
    for (const [fn, { worker }] of workers) {
      const method = startMethodFor(context, worker);
      for (const call of model.calls) {
        if (call.scope.executionScope !== fn) continue;
        const callee = model.calleeName(call) ?? '';
        if (callee === 'random.seed') reseeded.add('random');
        if (callee === 'numpy.random.seed') reseeded.add('numpy');
        const source = sourceOf(context, call, callee);
        if (!source) continue;
        const key = source.kind === 'instance' ? `instance:${source.name}` : source.kind;
        if (!draws.has(key)) draws.set(key, { call, fn, worker, method });
      }
    }
    if (draws.size === 0) return;

    const runAtImport = functionsRunAtImport(model);
    const atImport = (call: CallSite) => runsAtImport(model, call) || runAtImport.has(call.scope.executionScope);
    for (const [key, draw] of draws) {
      if (key === 'random' || key === 'numpy') {
        if (reseeded.has(key)) continue;
        const seed = model.calls.find(
          (call) => model.calleeName(call) === `${key === 'numpy' ? 'numpy.random' : 'random'}.seed` && !workers.has(call.scope.executionScope) && argumentCount(call.node) > 0,
        );
        if (!seed) continue;
        const importTime = atImport(seed);
        if (key === 'random' && (!importTime || draw.method === 'fork')) continue;
        if (key === 'numpy' && !importTime && draw.method !== undefined && draw.method !== 'fork') continue;
        const how =
          key === 'random'
            ? `runs when the module is imported, so every worker process started with ${SPAWN_METHODS} runs it again and starts from the same state`
            : importTime
              ? 'seeds NumPy\'s global generator when the module is imported: forked workers inherit that state and workers started with spawn or forkserver seed it again'
              : 'seeds NumPy\'s global generator in the parent, and forked worker processes (fork is the default on Linux before Python 3.14) inherit that state, which NumPy does not reseed';
        report(context, seed.node, `\`${callShown(seed.node)}\` (line ${lineAt(context, seed.node)}) ${how}`, draw);
      } else {
        const source = sourceOf(context, draw.call, model.calleeName(draw.call) ?? '') as Extract<Source, { kind: 'instance' }>;
        if (!source.seeded && draw.method !== 'fork' && draw.method !== undefined) continue;
        const how = source.seeded
          ? 'is made at import with a fixed seed: every worker process has it in the same state (forked workers copy it, spawned ones make it again from the same seed)'
          : 'is made at import, and forked worker processes (fork is the default on Linux before Python 3.14) each get a copy in the same state';
        report(context, source.creation, `\`${source.name}\` (line ${lineAt(context, source.creation)}) ${how}`, draw);
      }
    }
  },
};

function startMethodFor(context: RuleContext, worker: ProcessWorker): StartMethod | undefined {
  const { submission } = worker;
  return submission.atStart ? startMethodOf(context.model, submission.call) : startMethodOfPool(context.model, submission.receiver, submission.call.scope);
}

/** Which generator a call draws from, if it draws. */
function sourceOf(context: RuleContext, call: CallSite, callee: string): Source | undefined {
  const { model } = context;
  const last = callee.slice(callee.lastIndexOf('.') + 1);
  if (callee.startsWith('random.') && callee.split('.').length === 2 && !NOT_DRAWS.has(last)) {
    return model.catalogue.lookup(callee)?.sharedState === 'random' ? { kind: 'random' } : undefined;
  }
  if (callee.startsWith('numpy.random.') && callee.split('.').length === 3 && !NOT_DRAWS.has(last)) return { kind: 'numpy' };
  // `RNG.random()` on a generator object bound at module level.
  if (call.callee.type !== 'attribute') return undefined;
  const receiver = call.callee.childForFieldName('object');
  if (receiver?.type !== 'identifier') return undefined;
  const bindings = model.bindingsOf(receiver.text, call.scope);
  if (bindings.length !== 1 || bindings[0]!.scope !== model.root || bindings[0]!.kind !== 'assignment') return undefined;
  const value = bindings[0]!.value;
  if (value?.type !== 'call' || model.isUnderMainGuard(value)) return undefined;
  const factory = value.childForFieldName('function');
  const name = factory ? model.qualifiedNameOf(factory, model.root) : undefined;
  if (!name || !GENERATOR_FACTORIES.has(name)) return undefined;
  const seeded = argumentCount(value) > 0 && !/^\(\s*None\s*\)$/.test(value.childForFieldName('arguments')?.text ?? '');
  return { kind: 'instance', name: receiver.text, creation: value.parent?.type === 'assignment' ? value.parent : value, seeded };
}

function argumentCount(call: SyntaxNode): number {
  return call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment').length ?? 0;
}

function report(context: RuleContext, node: SyntaxNode, what: string, draw: Draw): void {
  const { submission } = draw.worker;
  const message =
    `${what}: \`${draw.fn.displayName}\` draws from it in the worker processes (\`${callShown(draw.call.node)}\` at line ${lineAt(context, draw.call.node)}, ` +
    `run by \`${callShown(submission.call.node)}\` at line ${lineAt(context, submission.call.node)}), so the workers draw identical numbers; ` +
    'give each task its own generator, e.g. `numpy.random.default_rng(seed)` with seeds from `numpy.random.SeedSequence(...).spawn(n)`, or `random.Random(seed)` with a seed per task';
  context.report(node, message, {
    related: [relatedAt(context, draw.call.node, 'the workers draw here'), relatedAt(context, submission.call.node, 'handed to worker processes here')],
  });
}
