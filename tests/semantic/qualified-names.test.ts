import { describe, expect, it } from 'vitest';
import { calleeOf, modelOf } from '../helpers/parse.js';

describe('qualified-name resolution', () => {
  it('resolves import aliases', async () => {
    const model = await modelOf('import requests as r\nimport os.path\nr.get(u)\nos.path.join(a, b)\n');
    expect(calleeOf(model, 'r.get(u)')).toBe('requests.get');
    expect(calleeOf(model, 'os.path.join(a, b)')).toBe('os.path.join');
  });

  it('resolves from-imports with and without aliases', async () => {
    const model = await modelOf('from time import sleep\nfrom subprocess import run as sh\nsleep(1)\nsh(["ls"])\n');
    expect(calleeOf(model, 'sleep(1)')).toBe('time.sleep');
    expect(calleeOf(model, 'sh(["ls"])')).toBe('subprocess.run');
  });

  it('resolves `import a.b.c as d` to the full module', async () => {
    const model = await modelOf('import urllib.request as ur\nur.urlopen(u)\n');
    expect(calleeOf(model, 'ur.urlopen(u)')).toBe('urllib.request.urlopen');
  });

  it('resolves builtins when nothing shadows them', async () => {
    const model = await modelOf('open(p)\ndef f(open):\n    open(q)\n');
    expect(calleeOf(model, 'open(p)')).toBe('builtins.open');
    expect(calleeOf(model, 'open(q)')).toBeUndefined();
  });

  it('lets a local binding shadow an import', async () => {
    const model = await modelOf('import time\ndef f():\n    time = Clock()\n    time.sleep(1)\ntime.sleep(2)\n');
    expect(calleeOf(model, 'time.sleep(1)')).not.toBe('time.sleep');
    expect(calleeOf(model, 'time.sleep(2)')).toBe('time.sleep');
  });

  it('does not let class-body names leak into methods', async () => {
    const code = 'import time\nclass C:\n    time = None\n    def m(self):\n        time.sleep(1)\n';
    const model = await modelOf(code);
    expect(calleeOf(model, 'time.sleep(1)')).toBe('time.sleep');
  });

  it('follows global and nonlocal declarations', async () => {
    const code = [
      'import time',
      'def setup():',
      '    global clock',
      '    clock = time',
      'def outer():',
      '    sleeper = None',
      '    def inner():',
      '        nonlocal sleeper',
      '        sleeper = 1',
      '    return inner',
    ].join('\n');
    const model = await modelOf(code);
    expect(model.root.bindings.get('clock')?.length).toBe(1);
    const outer = model.scopes.find((s) => s.name === 'outer')!;
    expect(outer.bindings.get('sleeper')?.length).toBe(2);
    const inner = model.scopes.find((s) => s.name === 'inner')!;
    expect(inner.bindings.has('sleeper')).toBe(false);
  });

  it('resolves star imports from catalogued modules', async () => {
    const model = await modelOf('from time import *\nsleep(1)\n');
    expect(calleeOf(model, 'sleep(1)')).toBe('time.sleep');
  });

  it('resolves star imports from project modules', async () => {
    const model = await modelOf('from .helpers import *\nload(p)\n', { moduleName: 'pkg.main', projectModules: ['pkg.main', 'pkg.helpers'] });
    expect(calleeOf(model, 'load(p)')).toBe('pkg.helpers.load');
  });

  it('resolves relative imports in modules and packages', async () => {
    const code = 'from . import util\nfrom ..core import engine\nfrom .util import load\nutil.go()\nengine.run()\nload()\n';
    const inModule = await modelOf(code, { moduleName: 'pkg.sub.mod' });
    expect(calleeOf(inModule, 'util.go()')).toBe('pkg.sub.util.go');
    expect(calleeOf(inModule, 'engine.run()')).toBe('pkg.core.engine.run');
    expect(calleeOf(inModule, 'load()')).toBe('pkg.sub.util.load');
    const inPackage = await modelOf(code, { moduleName: 'pkg.sub', isPackage: true });
    expect(calleeOf(inPackage, 'util.go()')).toBe('pkg.sub.util.go');
    expect(calleeOf(inPackage, 'engine.run()')).toBe('pkg.core.engine.run');
  });

  it('names functions and methods defined in the module', async () => {
    const code = 'class Client:\n    def fetch(self):\n        self.parse()\n    def parse(self): ...\ndef main():\n    helper()\ndef helper(): ...\n';
    const model = await modelOf(code, { moduleName: 'app.api' });
    expect(calleeOf(model, 'self.parse()')).toBe('app.api.Client.parse');
    expect(calleeOf(model, 'helper()')).toBe('app.api.helper');
  });
});

describe('receiver types', () => {
  it('types names bound to constructors and catalogued returns', async () => {
    const code = [
      'import requests, sqlite3',
      's = requests.Session()',
      's.get(u)',
      'conn = sqlite3.connect(p)',
      'conn.execute(q)',
      'f = open(p)',
      'f.read()',
    ].join('\n');
    const model = await modelOf(code);
    expect(calleeOf(model, 's.get(u)')).toBe('requests.Session.get');
    expect(calleeOf(model, 'conn.execute(q)')).toBe('sqlite3.Connection.execute');
    expect(calleeOf(model, 'f.read()')).toMatch(/^io\.\w+\.read$/);
  });

  it('types self attributes assigned in any method', async () => {
    const code = [
      'import threading, requests',
      'class Cache:',
      '    def __init__(self):',
      '        self.lock = threading.Lock()',
      '        self.session = requests.Session()',
      '    def get(self, url):',
      '        with self.lock:',
      '            return self.session.get(url)',
    ].join('\n');
    const model = await modelOf(code, { moduleName: 'app' });
    const call = model.calls.find((c) => c.node.text === 'self.session.get(url)')!;
    expect(model.calleeName(call)).toBe('requests.Session.get');
    expect(model.heldLocks(call).map((l) => [l.identity, l.type])).toEqual([['app.Cache.lock', 'threading.Lock']]);
  });

  it('types with-targets and annotated parameters', async () => {
    const code = [
      'from concurrent.futures import ThreadPoolExecutor',
      'import requests',
      'def run(session: requests.Session):',
      '    with ThreadPoolExecutor() as pool:',
      '        pool.submit(work)',
      '    session.get(u)',
    ].join('\n');
    const model = await modelOf(code);
    expect(calleeOf(model, 'pool.submit(work)')).toBe('concurrent.futures.ThreadPoolExecutor.submit');
    expect(calleeOf(model, 'session.get(u)')).toBe('requests.Session.get');
  });

  it('gives up on a name bound to different types', async () => {
    const code = 'import requests, httpx\nc = requests.Session()\nc = httpx.Client()\nc.get(u)\n';
    const model = await modelOf(code);
    expect(calleeOf(model, 'c.get(u)')).toBeUndefined();
  });

  it('ignores None placeholders', async () => {
    const code = 'import sqlite3\nconn = None\nconn = sqlite3.connect(p)\nconn.commit()\n';
    const model = await modelOf(code);
    expect(calleeOf(model, 'conn.commit()')).toBe('sqlite3.Connection.commit');
  });
});

describe('scopes and context', () => {
  it('knows async functions, lambdas and comprehensions', async () => {
    const code = 'async def main():\n    xs = [f(x) for x in ys]\n    g = lambda: h()\n    await k()\n';
    const model = await modelOf(code);
    const kinds = model.scopes.map((s) => `${s.kind}:${s.name}`);
    expect(kinds).toEqual(['module:app', 'function:main', 'comprehension:<listcomp>', 'lambda:<lambda>']);
    const main = model.scopes[1];
    expect(main.isAsync).toBe(true);
    expect(model.calls.find((c) => c.node.text === 'f(x)')!.scope.executionScope).toBe(main);
    expect(model.calls.find((c) => c.node.text === 'h()')!.scope.executionScope.kind).toBe('lambda');
    expect(model.calls.find((c) => c.node.text === 'k()')!.awaited).toBe(true);
  });

  it('finds code under the main guard', async () => {
    const code = 'def f(): g()\nif __name__ == "__main__":\n    f()\n';
    const model = await modelOf(code);
    expect(model.isUnderMainGuard(model.calls.find((c) => c.node.text === 'f()')!.node)).toBe(true);
    expect(model.isUnderMainGuard(model.calls.find((c) => c.node.text === 'g()')!.node)).toBe(false);
  });

  it('records bindings and their uses', async () => {
    const model = await modelOf('total = 0\nfor x in xs:\n    total += x\nprint(total)\n');
    const bindings = model.root.bindings.get('total')!;
    expect(bindings.map((b) => b.kind)).toEqual(['assignment', 'augmented-assignment']);
    expect(bindings[0].uses.length).toBe(2);
  });

  it('binds match captures, walrus targets and except aliases', async () => {
    const code = 'match p:\n    case Point(x=a) | [a, *rest]:\n        pass\nif (n := 3):\n    pass\ntry:\n    pass\nexcept E as err:\n    pass\n';
    const model = await modelOf(code);
    for (const name of ['a', 'rest', 'n', 'err']) expect(model.root.bindings.has(name), name).toBe(true);
    expect(model.root.bindings.has('x')).toBe(false);
  });
});
