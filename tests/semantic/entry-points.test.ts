import { describe, expect, it } from 'vitest';
import { findEntryPoints, type EntryPoint } from '../../src/concurrency/entry-points.js';
import { modelOf } from '../helpers/parse.js';

const lines = (...parts: string[]) => `${parts.join('\n')}\n`;

/** The entry points as [kind, via, what runs, many, why, joined]. */
async function entries(code: string, projectModules?: string[]) {
  const model = await modelOf(code, { projectModules });
  return findEntryPoints(model).map((e: EntryPoint) => [
    e.kind,
    e.via,
    e.targetScope?.qualifiedName ?? e.targetName ?? `${e.targetClass}.${e.targetMethod}`,
    e.many,
    e.why,
    e.joined,
  ]);
}

describe('concurrency entry points', () => {
  it('threads, timers and their multiplicity', async () => {
    const code = lines(
      'import threading',
      'def work(): pass',
      'def tick(): pass',
      't = threading.Thread(target=work)',
      't.start()',
      't.join()',
      'for _ in range(3):',
      '    threading.Thread(target=work, daemon=True).start()',
      'for _ in range(3):',
      '    u = threading.Thread(None, work)',
      '    u.start()',
      '    u.join()',
      'threading.Timer(1.0, tick).start()',
    );
    expect(await entries(code)).toEqual([
      ['thread', 'threading.Thread', 'app.work', false, 'started once', true],
      ['thread', 'threading.Thread', 'app.work', true, 'started in a loop', false],
      ['thread', 'threading.Thread', 'app.work', false, 'started once', true],
      ['thread', 'threading.Timer', 'app.tick', false, 'started once', false],
    ]);
  });

  it('executors and pools: threads or processes, one per item for map', async () => {
    const code = lines(
      'import asyncio, multiprocessing',
      'from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor',
      'def f(x): return x',
      'with ThreadPoolExecutor() as ex:',
      '    ex.submit(f, 1)',
      '    list(ex.map(f, range(3)))',
      'with ProcessPoolExecutor() as px:',
      '    px.submit(f, 1)',
      'with multiprocessing.Pool() as pool:',
      '    pool.map(f, range(3))',
      '    pool.apply_async(f, (1,))',
      'async def main():',
      '    loop = asyncio.get_running_loop()',
      '    await asyncio.to_thread(f, 1)',
      '    await loop.run_in_executor(None, f, 2)',
    );
    expect(await entries(code)).toEqual([
      ['thread', 'ThreadPoolExecutor.submit', 'app.f', false, 'started once', true],
      ['thread', 'ThreadPoolExecutor.map', 'app.f', true, 'one per item', true],
      ['process', 'ProcessPoolExecutor.submit', 'app.f', false, 'started once', true],
      ['process', 'Pool.map', 'app.f', true, 'one per item', true],
      ['process', 'Pool.apply_async', 'app.f', false, 'started once', true],
      ['thread', 'asyncio.to_thread', 'app.f', false, 'started once', true],
      ['thread', 'AbstractEventLoop.run_in_executor', 'app.f', false, 'started once', true],
    ]);
  });

  it('asyncio tasks: create_task, gather, TaskGroup', async () => {
    const code = lines(
      'import asyncio',
      'async def job(i): pass',
      'async def main(items):',
      '    task = asyncio.create_task(job(0))',
      '    await asyncio.gather(*(job(i) for i in items))',
      '    async with asyncio.TaskGroup() as tg:',
      '        for i in items:',
      '            tg.create_task(job(i))',
      '    await task',
    );
    expect(await entries(code)).toEqual([
      ['task', 'asyncio.create_task', 'app.job', false, 'started once', false],
      ['task', 'asyncio.gather', 'app.job', true, 'one per item', true],
      ['task', 'TaskGroup.create_task', 'app.job', true, 'started in a loop', true],
    ]);
  });

  it('methods, lambdas, functools.partial and functions of other modules', async () => {
    const code = lines(
      'import functools, threading',
      'from jobs import run_job',
      'class Crawler:',
      '    def fetch(self, url): pass',
      '    def crawl(self):',
      '        threading.Thread(target=self.fetch, args=("a",)).start()',
      'def add(a, b): pass',
      'threading.Thread(target=lambda: add(1, 2)).start()',
      'threading.Thread(target=functools.partial(add, 1), args=(2,)).start()',
      'threading.Thread(target=run_job).start()',
    );
    const model = await modelOf(code, { projectModules: ['app', 'jobs'] });
    const found = findEntryPoints(model);
    expect(found.map((e) => e.targetScope?.qualifiedName ?? e.targetName)).toEqual(['app.Crawler.fetch', 'app.<lambda>', 'app.add', 'jobs.run_job']);
    expect(found[0].receiver?.text).toBe('self');
    expect(found[0].args.map((a) => a?.text)).toEqual(['"a"']);
    expect(found[2].args.map((a) => a?.text)).toEqual(['1', '2']);
  });

  it('.start() on a project class: a Thread subclass candidate, checked when linked', async () => {
    const code = lines(
      'import threading',
      'class Worker(threading.Thread):',
      '    def run(self): pass',
      'workers = [Worker() for _ in range(4)]',
      'for w in workers:',
      '    w.start()',
    );
    const [entry] = findEntryPoints(await modelOf(code));
    expect([entry.kind, entry.targetClass, entry.targetMethod, entry.needsThreadBase, entry.many, entry.receiverPerInstance]).toEqual([
      'thread',
      'app.Worker',
      'run',
      true,
      true,
      true,
    ]);
  });

  it('framework callbacks the catalogue marks: a threading server handler, a Flask view', async () => {
    const code = lines(
      'import socketserver',
      'from flask import Flask',
      'class Handler(socketserver.BaseRequestHandler):',
      '    def handle(self): pass',
      'server = socketserver.ThreadingTCPServer(("", 0), Handler)',
      'app = Flask(__name__)',
      '@app.route("/")',
      'def index(): return "hi"',
    );
    expect(await entries(code)).toEqual([
      ['thread', 'socketserver.ThreadingTCPServer', 'app.Handler.handle', true, 'one per request', false],
      ['thread', 'Flask.route', 'app.index', true, 'one per request', false],
    ]);
  });
});
