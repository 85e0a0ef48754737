import { describe, expect, it } from 'vitest';
import { ProjectIndex } from '../../src/project/project-index.js';
import type { DirectEffect, FunctionSummary, ModuleSummary } from '../../src/project/summary.js';

function fn(qualifiedName: string, calls: string[] = [], effects: DirectEffect[] = [], extra: Partial<FunctionSummary> = {}): FunctionSummary {
  return {
    qualifiedName,
    displayName: qualifiedName.split('.').slice(1).join('.'),
    path: `${qualifiedName.split('.')[0]}.py`,
    line: 1,
    column: 1,
    isAsync: false,
    isGenerator: false,
    effects,
    calls: calls.map((callee, i) => ({ callee, line: i + 2, column: 5, awaited: false })),
    ...extra,
  };
}

const sleeps: DirectEffect = { effect: 'blocking', callee: 'time.sleep', line: 9, column: 5, blocking: 'sleep' };

function moduleOf(module: string, functions: FunctionSummary[], extra: Partial<ModuleSummary> = {}): ModuleSummary {
  return { module, path: `${module}.py`, functions, classes: [], aliases: {}, starImports: [], ...extra };
}

function chainNames(index: ProjectIndex, qualifiedName: string): string[] | undefined {
  const target = index.resolveFunction(qualifiedName);
  const chain = target && index.effectChain(target, 'blocking');
  return chain && [...chain.steps.map((s) => s.function.qualifiedName), chain.effect.callee];
}

describe('ProjectIndex', () => {
  it('finds the shortest chain to an effect across modules', () => {
    const index = new ProjectIndex();
    index.addModule(moduleOf('a', [fn('a.load', ['b.fetch', 'b.slow_path'])]));
    index.addModule(moduleOf('b', [fn('b.fetch', [], [sleeps]), fn('b.slow_path', ['b.step']), fn('b.step', ['b.fetch'])]));
    expect(chainNames(index, 'a.load')).toEqual(['a.load', 'b.fetch', 'time.sleep']);
  });

  it('terminates on recursion and reports no effect when there is none', () => {
    const index = new ProjectIndex();
    index.addModule(moduleOf('a', [fn('a.ping', ['a.pong']), fn('a.pong', ['a.ping'])]));
    expect(chainNames(index, 'a.ping')).toBeUndefined();
  });

  it('follows a chain through mutual recursion to an effect', () => {
    const index = new ProjectIndex();
    index.addModule(moduleOf('a', [fn('a.ping', ['a.pong']), fn('a.pong', ['a.ping', 'a.wait']), fn('a.wait', [], [sleeps])]));
    expect(chainNames(index, 'a.ping')).toEqual(['a.ping', 'a.pong', 'a.wait', 'time.sleep']);
  });

  it('does not pass effects through async functions or generators (calling them runs nothing)', () => {
    const index = new ProjectIndex();
    index.addModule(
      moduleOf('a', [
        fn('a.outer', ['a.coro', 'a.gen']),
        fn('a.coro', [], [sleeps], { isAsync: true }),
        fn('a.gen', [], [sleeps], { isGenerator: true }),
      ]),
    );
    expect(chainNames(index, 'a.outer')).toBeUndefined();
  });

  it('resolves re-exports, star imports, constructors and inherited methods', () => {
    const index = new ProjectIndex();
    index.addModule(moduleOf('pkg', [], { aliases: { load: 'pkg.util.load', Client: 'pkg.client.Client' } }));
    index.addModule(moduleOf('pkg.util', [fn('pkg.util.load', [], [sleeps])]));
    index.addModule(moduleOf('pkg.star', [], { starImports: ['pkg.util'] }));
    index.addModule({
      ...moduleOf('pkg.client', [fn('pkg.client.Base.__init__', [], [sleeps]), fn('pkg.client.Base.wait', [], [sleeps])]),
      classes: [
        { qualifiedName: 'pkg.client.Base', bases: [] },
        { qualifiedName: 'pkg.client.Client', bases: ['pkg.client.Base'] },
      ],
    });
    expect(index.resolveFunction('pkg.load')?.qualifiedName).toBe('pkg.util.load');
    expect(index.resolveFunction('pkg.star.load')?.qualifiedName).toBe('pkg.util.load');
    expect(index.resolveFunction('pkg.Client')?.qualifiedName).toBe('pkg.client.Base.__init__');
    expect(index.resolveFunction('pkg.client.Client.wait')?.qualifiedName).toBe('pkg.client.Base.wait');
    expect(index.resolveFunction('pkg.missing')).toBeUndefined();
  });

  it('links neither of two files that share a module name', () => {
    const index = new ProjectIndex();
    index.addModule({ ...moduleOf('main', [fn('main.load', [], [sleeps])]), path: 'a/main.py' });
    index.addModule({ ...moduleOf('main', [fn('main.load')]), path: 'b/main.py' });
    expect(index.resolveFunction('main.load')).toBeUndefined();
  });

  it('survives alias cycles', () => {
    const index = new ProjectIndex();
    index.addModule(moduleOf('a', [], { aliases: { f: 'b.f' } }));
    index.addModule(moduleOf('b', [], { aliases: { f: 'a.f' } }));
    expect(index.resolveFunction('a.f')).toBeUndefined();
  });
});
