/**
 * PA102 parallelizable-comprehension: which comprehensions it flags, the verdict every
 * comprehension it considers gets, the exact text of its rewrites, and round trips that run
 * the original and the fixed program under real Python (with several items, none and one)
 * and compare their output and exit status.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src/config/settings.js';
import { runCheck } from '../../src/engine/check.js';
import { parallelizableComprehension } from '../../src/rules/parallel/parallelizable-comprehension.js';
import { expectSameBehaviour, roundTrip, summarize } from '../fixes/round-trip.js';
import { assertBuilt } from '../helpers/cli-sync.js';
import { removeProjects, runPython } from '../helpers/python.js';
import { ruleTester } from '../helpers/rule-tester.js';

const py = (...lines: string[]) => `${lines.join('\n')}\n`;

/** A function that blocks on a sleep: heavy enough, and deterministic. */
const FETCH = ['import time', '', '', 'def fetch(url):', '    time.sleep(0.01)', '    return url.upper()', '', ''];

ruleTester(parallelizableComprehension, {
  valid: [
    { name: 'cheap element', code: py('def double(xs):', '    return [x * 2 for x in xs]') },
    { name: 'pure builtin passed to map', code: py('def labels(xs):', '    return ", ".join(map(str, xs))') },
    {
      name: 'an inner for clause whose iterable prints: reading it ahead of the work would move the lines',
      code: py(
        'import time',
        '',
        '',
        'def log_lines(path):',
        '    print("opening", path)',
        '    return [path + ":1", path + ":2"]',
        '',
        '',
        'def fetch(line):',
        '    time.sleep(0.01)',
        '    return line.upper()',
        '',
        '',
        'def run(paths):',
        '    return [fetch(line) for path in paths for line in log_lines(path)]',
      ),
    },
    {
      name: 'in a function an earlier rewrite hands to a process pool: pools must not nest',
      code: py(
        'import functools',
        'from concurrent.futures import ProcessPoolExecutor',
        '',
        '',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def block_total(start, *, size):',
        '    return sum(fib(n) for n in range(start, start + size))',
        '',
        '',
        'def main(starts, size):',
        '    pool = ProcessPoolExecutor(max_workers=2)',
        '    with pool:',
        '        return list(pool.map(functools.partial(block_total, size=size), starts))',
      ),
    },
    { name: 'a function of the module that does cheap work', code: py('def label(x):', '    return f"<{x}>"', '', '', 'def run(xs):', '    return [label(x) for x in xs]') },
    { name: 'asynchronous for clause', code: py(...FETCH, 'async def run(stream):', '    return [fetch(x) async for x in stream]') },
    { name: 'print in the element', code: py(...FETCH, 'def show(xs):', '    return [print(fetch(x)) for x in xs]') },
    { name: 'shared random generator', code: py('import random', ...FETCH, 'def roll(xs):', '    return [fetch(x) * random.randint(1, 3) for x in xs]') },
    { name: 'mutates the item', code: py(...FETCH, 'def tag(rows):', '    return [row.append(fetch(row[0])) for row in rows]') },
    { name: 'walrus binds in the enclosing scope', code: py(...FETCH, 'def last(xs):', '    return [(y := fetch(x)) for x in xs]') },
    { name: 'one item', code: py(...FETCH, 'def one():', '    return [fetch(x) for x in ["a"]]') },
    { name: 'inside async def', code: py(...FETCH, 'async def main(xs):', '    return [fetch(x) for x in xs]') },
    { name: 'in a class body', code: py(...FETCH, 'class Pages:', '    upper = [fetch(x) for x in "abc"]') },
    { name: 'inside a for loop', code: py(...FETCH, 'def rows(groups):', '    for group in groups:', '        print([fetch(x) for x in group])') },
    { name: 'inside a lambda', code: py(...FETCH, 'def later(xs):', '    return lambda: [fetch(x) for x in xs]') },
    { name: 'in an if condition', code: py(...FETCH, 'def check(xs):', '    if any(fetch(x) == "A" for x in xs):', '        return 1') },
    { name: 'generator expression not handed to a consumer', code: py(...FETCH, 'def lazy(xs):', '    return (fetch(x) for x in xs)') },
    {
      name: 'a function of another module',
      files: { 'main.py': py('from helper import remote', '', '', 'def run(xs):', '    return [remote(x) for x in xs]'), 'helper.py': py('def remote(x):', '    return x') },
    },
  ],
  invalid: [
    {
      name: 'list comprehension of a module-level function: pool.map(f, xs), no task',
      code: py(...FETCH, 'def pages(urls):', '    return [fetch(u) for u in urls]'),
      errors: [{ line: 10, message: 'Items of the list comprehension `[fetch(u) for u in urls]` can run concurrently with threads', fix: 'safe' }],
      output: py(
        'import time',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for comprehensions calling `fetch`; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def pages(urls):',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        return list(pool.map(fetch, urls))',
      ),
    },
    {
      name: 'dict comprehension with an if clause: the task returns (keep, key, value)',
      code: py(...FETCH, 'def pages(urls):', '    return {u: fetch(u) for u in urls if u}'),
      errors: [{ line: 10, message: 'the dict comprehension', fix: 'safe' }],
      output: py(
        'import time',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for comprehensions calling `fetch`; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def pages(urls):',
        '    def fetch_task(u):',
        '        """The element of the comprehension below, for one item; runs in worker threads."""',
        '        if not u:',
        '            return False, None, None',
        '        return True, u, fetch(u)',
        '',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        return {key: value for keep, key, value in pool.map(fetch_task, urls) if keep}',
      ),
    },
    {
      name: 'tuple target, Python 3.11: the task unpacks its item and notes it on errors',
      code: py(...FETCH, 'def pairs(rows):', '    return [fetch(name) * count for name, count in rows]'),
      settings: { targetVersion: [3, 11] },
      errors: [{ line: 10, fix: 'safe' }],
      output: py(
        'import time',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for comprehensions calling `fetch`; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def pairs(rows):',
        '    def fetch_task(item):',
        '        """The element of the comprehension below, for one item; runs in worker threads."""',
        '        try:',
        '            name, count = item',
        '            return fetch(name) * count',
        '        except Exception as error:',
        '            error.add_note(f"raised while processing item {item!r}")',
        '            raise',
        '',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        return list(pool.map(fetch_task, rows))',
      ),
    },
    {
      name: 'processes: map(f, xs) at module level moves the module code under the __main__ guard',
      code: py('import json', '', '', 'def fib(n):', '    return n if n < 2 else fib(n - 1) + fib(n - 2)', '', '', 'numbers = list(json.loads("[20, 21, 22]"))', 'print(sum(map(fib, numbers)))'),
      errors: [{ line: 9, message: 'Items of `map(fib, numbers)` can run concurrently with processes', fix: 'safe' }],
      output: py(
        'import json',
        'from concurrent.futures import ProcessPoolExecutor',
        'from concurrent.futures import ThreadPoolExecutor',
        'import warnings',
        'import os',
        '',
        '# Worker processes for comprehensions calling `fib`; set FIB_WORKERS in the environment to tune.',
        'FIB_WORKERS = int(os.environ.get("FIB_WORKERS", "0")) or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)',
        '',
        '',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'if __name__ == "__main__":',
        '    numbers = list(json.loads("[20, 21, 22]"))',
        '    try:',
        '        pool = ProcessPoolExecutor(max_workers=FIB_WORKERS)',
        '    except (OSError, NotImplementedError) as error:',
        '        # No process support here (no /dev/shm, or fork not permitted): one worker thread, in order.',
        '        warnings.warn(f"running sequentially: cannot start worker processes ({error})", RuntimeWarning)',
        '        pool = ThreadPoolExecutor(max_workers=1)',
        '    with pool:',
        '        print(sum(pool.map(fib, numbers, chunksize=max(1, len(numbers) // (4 * FIB_WORKERS)))))',
      ),
    },
    {
      name: 'processes, an element that is not a plain call: a module-level worker holds it',
      code: py('def fib(n):', '    return n if n < 2 else fib(n - 1) + fib(n - 2)', '', '', 'def top(numbers):', '    return max(fib(n) + 1 for n in numbers)'),
      errors: [{ line: 6, message: /^Items of the generator expression `\(fib\(n\) \+ 1 for n in numbers\)` can run concurrently with processes: [^(]*\(`fib`\)[^(]*$/, fix: 'safe' }],
    },
    {
      name: 'processes: map over a lambda cannot be sent to worker processes',
      code: py('def fib(n):', '    return n if n < 2 else fib(n - 1) + fib(n - 2)', '', '', 'def total(numbers):', '    return sum(map(lambda n: fib(n) + 1, numbers))'),
      errors: [{ line: 6, message: 'no automatic rewrite: a process pool needs a function defined at module top level, which it sends to the workers by name, and a lambda cannot be sent', fix: 'none' }],
    },
    {
      name: 'processes: the element calls a function defined inside the caller',
      code: py(
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def run(numbers):',
        '    def label(v):',
        '        return f"#{v}"',
        '',
        '    return [label(fib(n)) for n in numbers]',
      ),
      errors: [{ line: 9, message: 'no automatic rewrite: `run.label` is defined inside a function: worker processes can only use module-level functions', fix: 'none' }],
    },
    {
      name: 'processes: the element reads a value that does not pickle',
      code: py(
        'import threading',
        '',
        '',
        'def crunch(n, stop):',
        '    total = 0',
        '    for i in range(n):',
        '        total += i % 7',
        '    return total',
        '',
        '',
        'def run(numbers):',
        '    stop = threading.Event()',
        '    return [crunch(n, stop) for n in numbers]',
      ),
      errors: [{ line: 13, message: 'no automatic rewrite: a process pool would have to pickle `stop` (threading.Event), which cannot be pickled', fix: 'none' }],
    },
    {
      name: 'processes with a decorated function: no fix, it may not pickle',
      code: py(
        'def trace(fn):',
        '    def wrapper(n):',
        '        return fn(n)',
        '    return wrapper',
        '',
        '',
        '@trace',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def run(numbers):',
        '    return [fib(n) for n in numbers]',
      ),
      errors: [{ line: 13, message: '`fib` is decorated', fix: 'none' }],
    },
    {
      name: 'two for clauses over a value of unknown type: a worker taking the pair, the clauses as a generator',
      code: py(
        'import time',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def grid(xs):',
        '    return [fetch(a + b) for a in xs for b in xs]',
      ),
      errors: [{ line: 10, message: 'each combination waits on sleep (`fetch`), the element depends only on `a`, `b`', fix: 'safe' }],
      output: py(
        'import time',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for comprehensions calling `fetch`; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def grid(xs):',
        '    def fetch_task(pair):',
        '        """The element of the comprehension below, for one combination; runs in worker threads."""',
        '        a, b = pair',
        '        return fetch(a + b)',
        '',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        return list(pool.map(fetch_task, ((a, b) for a in xs for b in xs)))',
      ),
    },
    {
      name: 'two dependent for clauses and a cheap condition: the generator lists the items, the function is mapped directly',
      code: py(
        'import time',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def cells(rows):',
        '    return [fetch(p) for row in rows for p in row if p]',
      ),
      errors: [{ line: 10, message: 'the list comprehension `[fetch(p) for row in rows for p in row if p]`', fix: 'safe' }],
      output: py(
        'import time',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for comprehensions calling `fetch`; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def cells(rows):',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        return list(pool.map(fetch, (p for row in rows for p in row if p)))',
      ),
    },
    {
      name: 'independent for clauses over lists: itertools.product',
      code: py(
        'import time',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def pairs():',
        '    hosts = ["a", "b", "c"]',
        '    ports = [80, 443]',
        '    return [fetch(f"{host}:{port}") for host in hosts for port in ports]',
      ),
      errors: [{ line: 12, fix: 'safe' }],
      output: py(
        'import time',
        'import itertools',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for comprehensions calling `fetch`; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "6"))',
        '',
        '',
        'def fetch(url):',
        '    time.sleep(0.01)',
        '    return url.upper()',
        '',
        '',
        'def pairs():',
        '    hosts = ["a", "b", "c"]',
        '    ports = [80, 443]',
        '',
        '    def fetch_task(pair):',
        '        """The element of the comprehension below, for one combination; runs in worker threads."""',
        '        host, port = pair',
        '        return fetch(f"{host}:{port}")',
        '',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        return list(pool.map(fetch_task, itertools.product(hosts, ports)))',
      ),
    },
    {
      name: 'processes: a value of the caller is sent to a module-level worker with functools.partial',
      code: py(
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def shifted(numbers, offset):',
        '    return [fib(n) + offset for n in numbers]',
      ),
      errors: [{ line: 6, message: 'can run concurrently with processes', fix: 'safe' }],
      output: py(
        'from concurrent.futures import ProcessPoolExecutor',
        'from concurrent.futures import ThreadPoolExecutor',
        'import warnings',
        'import os',
        'import functools',
        '',
        '# Worker processes for comprehensions calling `fib`; set FIB_WORKERS in the environment to tune.',
        'FIB_WORKERS = int(os.environ.get("FIB_WORKERS", "0")) or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)',
        '',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def fib_task(n, *, offset):',
        '    """The element of the comprehension in `shifted`, for one item; runs in worker processes."""',
        '    return fib(n) + offset',
        '',
        '',
        'def shifted(numbers, offset):',
        '    try:',
        '        pool = ProcessPoolExecutor(max_workers=FIB_WORKERS)',
        '    except (OSError, NotImplementedError) as error:',
        '        # No process support here (no /dev/shm, or fork not permitted): one worker thread, in order.',
        '        warnings.warn(f"running sequentially: cannot start worker processes ({error})", RuntimeWarning)',
        '        pool = ThreadPoolExecutor(max_workers=1)',
        '    with pool:',
        '        return list(pool.map(functools.partial(fib_task, offset=offset), numbers))',
      ),
    },
    {
      name: 'processes: a dict comprehension over items() unpacks each pair in the worker',
      code: py(
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def table(sizes):',
        '    return {name: fib(size) for name, size in sizes.items()}',
      ),
      errors: [{ line: 6, message: 'the dict comprehension', fix: 'safe' }],
      output: py(
        'from concurrent.futures import ProcessPoolExecutor',
        'from concurrent.futures import ThreadPoolExecutor',
        'import warnings',
        'import os',
        '',
        '# Worker processes for comprehensions calling `fib`; set FIB_WORKERS in the environment to tune.',
        'FIB_WORKERS = int(os.environ.get("FIB_WORKERS", "0")) or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)',
        '',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def fib_task(item):',
        '    """The element of the comprehension in `table`, for one item; runs in worker processes."""',
        '    name, size = item',
        '    return name, fib(size)',
        '',
        '',
        'def table(sizes):',
        '    try:',
        '        pool = ProcessPoolExecutor(max_workers=FIB_WORKERS)',
        '    except (OSError, NotImplementedError) as error:',
        '        # No process support here (no /dev/shm, or fork not permitted): one worker thread, in order.',
        '        warnings.warn(f"running sequentially: cannot start worker processes ({error})", RuntimeWarning)',
        '        pool = ThreadPoolExecutor(max_workers=1)',
        '    with pool:',
        '        return dict(pool.map(fib_task, sizes.items(), chunksize=max(1, len(sizes) // (4 * FIB_WORKERS))))',
      ),
    },
    {
      name: 'processes: two for clauses at module level; the module code moves under the __main__ guard',
      code: py(
        'import json',
        '',
        '',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'sizes = json.loads("[20, 21]")',
        'limits = json.loads("[3, 4]")',
        'grid = [fib(a) % b for a in sizes for b in limits if b > 1]',
        'print(grid)',
      ),
      errors: [{ line: 10, message: 'each combination does pure-Python CPU work (`fib`)', fix: 'safe' }],
      output: py(
        'import json',
        'from concurrent.futures import ProcessPoolExecutor',
        'from concurrent.futures import ThreadPoolExecutor',
        'import warnings',
        'import os',
        '',
        '# Worker processes for comprehensions calling `fib`; set FIB_WORKERS in the environment to tune.',
        'FIB_WORKERS = int(os.environ.get("FIB_WORKERS", "0")) or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)',
        '',
        '',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def fib_task(pair):',
        '    """The element of the comprehension at module level, for one combination; runs in worker processes."""',
        '    a, b = pair',
        '    return fib(a) % b',
        '',
        '',
        'if __name__ == "__main__":',
        '    sizes = json.loads("[20, 21]")',
        '    limits = json.loads("[3, 4]")',
        '    try:',
        '        pool = ProcessPoolExecutor(max_workers=FIB_WORKERS)',
        '    except (OSError, NotImplementedError) as error:',
        '        # No process support here (no /dev/shm, or fork not permitted): one worker thread, in order.',
        '        warnings.warn(f"running sequentially: cannot start worker processes ({error})", RuntimeWarning)',
        '        pool = ThreadPoolExecutor(max_workers=1)',
        '    with pool:',
        '        grid = list(pool.map(fib_task, ((a, b) for a in sizes for b in limits if b > 1)))',
        '    print(grid)',
      ),
    },
    {
      name: 'network calls that can raise: the fix is unsafe',
      code: py('import urllib.request', '', '', 'def sizes(urls):', '    return [len(urllib.request.urlopen(u).read()) for u in urls]'),
      errors: [{ line: 5, message: 'waits on network', fix: 'unsafe' }],
    },
    {
      name: 'any() evaluates items ahead of the deciding one: unsafe with external effects',
      code: py('import urllib.request', '', '', 'def missing(addresses):', '    urls = list(addresses)', '    return any(urllib.request.urlopen(u).status == 404 for u in urls)'),
      errors: [{ line: 6, message: 'the generator expression', fix: 'unsafe' }],
    },
    {
      name: 'generator handed to sum, join and sorted; map handed to max',
      code: py(
        ...FETCH,
        'def report(urls):',
        '    total = sum(len(fetch(u)) for u in urls)',
        '    joined = ", ".join(fetch(u) for u in urls)',
        '    ordered = sorted((fetch(u) for u in urls), key=len)',
        '    best = max(map(fetch, urls), default="")',
        '    return total, joined, ordered, best',
      ),
      errors: [{ line: 10 }, { line: 11 }, { line: 12 }, { line: 13 }],
    },
    {
      name: 'layout that does not allow a rewrite',
      code: py(...FETCH, 'def one(urls): return [fetch(u) for u in urls]', '', '', 'def two(urls):', '    x = [fetch(u) for u in urls]; return x'),
      errors: [
        { line: 9, message: 'no automatic rewrite: the statement does not start its own line', fix: 'none' },
        { line: 13, message: 'no automatic rewrite: another statement shares its line', fix: 'none' },
      ],
    },
    {
      name: 'two comprehensions in one statement: only the first is rewritten',
      code: py(...FETCH, 'def both(urls):', '    return [fetch(u) for u in urls] + [fetch(u) for u in urls]'),
      errors: [
        { line: 10, fix: 'safe' },
        { line: 10, message: 'another comprehension of the same statement, at line 10, is rewritten instead', fix: 'none' },
      ],
    },
  ],
});

/** The report's `loops` for one program. */
async function verdicts(code: string): Promise<Array<{ line: number; verdict: string; reason: string }>> {
  const root = mkdtempSync(join(tmpdir(), 'concur-pa102-'));
  try {
    mkdirSync(dirname(join(root, 'main.py')), { recursive: true });
    writeFileSync(join(root, 'main.py'), code);
    const settings = { ...defaultSettings(), select: ['PA102'] };
    const result = await runCheck({ paths: [root], cwd: root, settings, snippets: false, maxWorkers: 1 });
    return result.report.loops.map(({ line, verdict, reason }) => ({ line, verdict, reason }));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('PA102 verdicts in the report', () => {
  it('gives every comprehension it considers a verdict with its reason', async () => {
    const loops = await verdicts(
      py(
        ...FETCH,
        'def run(xs):',
        '    fast = [x * 2 for x in xs]',
        '    grid = [fetch(a + b) for a in xs for b in xs]',
        '    slow = [fetch(x) for x in xs]',
        '    for x in xs:',
        '        print([fetch(y) for y in x])',
        '    return fast, grid, slow',
      ),
    );
    expect(loops).toEqual([
      { line: 10, verdict: 'rejected', reason: expect.stringMatching(/^not worth it: cheap work/) },
      { line: 11, verdict: 'parallel', reason: expect.stringContaining('each combination waits on sleep (`fetch`), the element depends only on `a`, `b`') },
      { line: 12, verdict: 'parallel', reason: expect.stringContaining('each item waits on sleep (`fetch`)') },
      { line: 14, verdict: 'rejected', reason: expect.stringContaining('runs inside a `for` block (line 13)') },
    ]);
  });

  it('plans with the loop planner: a cheap function is not worth a pool, reading a file then parsing it in Python is for processes', async () => {
    const loops = await verdicts(
      py(
        'def label(x):',
        '    return f"<{x}>"',
        '',
        '',
        'def parse(path):',
        '    with open(path) as handle:',
        '        text = handle.read()',
        '    total = 0',
        '    for ch in text:',
        '        total += ord(ch)',
        '    return total',
        '',
        '',
        'def fib(n):',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        '',
        '',
        'def run(xs, paths, numbers):',
        '    labels = [label(x) for x in xs]',
        '    sums = [parse(p) for p in paths]',
        '    sizes = [fib(n) for n in numbers]',
        '    return labels, sums, sizes',
      ),
    );
    expect(loops).toEqual([
      { line: 19, verdict: 'rejected', reason: 'not worth it: cheap work (the functions it calls neither wait, loop nor call heavy code) cannot pay for starting workers and handing them items' },
      { line: 20, verdict: 'parallel', reason: expect.stringMatching(/^each item waits on I\/O and computes in pure Python \(`parse`\)/) },
      { line: 21, verdict: 'parallel', reason: expect.stringMatching(/^each item does pure-Python CPU work \(`fib`\)/) },
    ]);
  });

  it('names the inner for clause whose reading would run ahead of the work', async () => {
    const loops = await verdicts(
      py(
        ...FETCH,
        'def log_lines(path):',
        '    print("opening", path)',
        '    return [path]',
        '',
        '',
        'def run(paths):',
        '    return [fetch(line) for path in paths for line in log_lines(path)]',
      ),
    );
    expect(loops).toEqual([
      {
        line: 15,
        verdict: 'rejected',
        reason: 'the inner `for` clause over `log_lines(path)` (line 15) depends on `path`, so it is read again for every outer item, ahead of the work on earlier items, and it calls `log_lines` (line 9): order-sensitive effect of `print` (line 10)',
      },
    ]);
  });

  it('names the effect that keeps a comprehension sequential', async () => {
    const loops = await verdicts(py(...FETCH, 'def run(xs):', '    return [print(fetch(x)) for x in xs]'));
    expect(loops).toEqual([{ line: 10, verdict: 'rejected', reason: 'order-sensitive effect of `print` (line 10) in the element' }]);
  });

  it('does not let `any`/`all` read ahead of an iterator that code after them reads on', async () => {
    const loops = await verdicts(
      py(...FETCH, 'def run(xs):', '    items = iter(xs)', '    found = any(fetch(x) == "B" for x in items)', '    return found, list(items)', '', 'def total(xs):', '    items = iter(xs)', '    return sum(len(fetch(x)) for x in items)'),
    );
    expect(loops).toEqual([
      {
        line: 11,
        verdict: 'rejected',
        reason: '`any` can stop early, and `items` may be an iterator that the code after it (or a caller) reads on: running ahead would consume its next items',
      },
      // `sum` reads every item either way.
      { line: 16, verdict: 'parallel', reason: expect.stringContaining('each item waits on sleep (`fetch`)') },
    ]);
  });

  it('does not run child processes ahead of the item that decides `all`', async () => {
    const loops = await verdicts(py('import subprocess', '', 'def run(names):', '    paths = list(names)', '    return all(subprocess.run(["test", "-f", p]).returncode == 0 for p in paths)'));
    expect(loops).toEqual([
      {
        line: 5,
        verdict: 'rejected',
        reason: '`all` stops at the item that decides, and the element runs child processes, whose effects concur cannot see: run ahead concurrently, the items after it would already have run them',
      },
    ]);
  });
});

/**
 * Round trips: each program reads its items from data.json, so that the fix does not depend
 * on the data; the fixed program must print the same and exit the same with several items,
 * with none and with one.
 */
interface Program {
  name: string;
  main: string;
  /** The data sets: several items first (the one the fix is computed with), then none, then one. */
  data: [unknown[], unknown[], unknown[]];
  /** Text the fixed program must contain. */
  fixed: string[];
  model: 'threads' | 'processes';
}

const LOAD = ['import json', 'import time', '', '', 'def load():', '    with open("data.json") as handle:', '        return json.load(handle)', '', ''];
const SLOW = ['def fetch(url):', '    time.sleep(0.005)', '    return url.upper()', '', ''];

const PROGRAMS: Program[] = [
  {
    name: 'list comprehension with a task function',
    main: py(...LOAD, ...SLOW, 'def main():', '    urls = list(load())', '    sizes = [len(fetch(u)) + 1 for u in urls]', '    print(sizes)', '', '', 'main()'),
    data: [['a', 'bb', 'ccc', 'dddd'], [], ['solo']],
    fixed: ['sizes = list(pool.map(fetch_task, urls))'],
    model: 'threads',
  },
  {
    name: 'set comprehension of a module-level function',
    main: py(...LOAD, ...SLOW, 'def main():', '    urls = list(load())', '    upper = {fetch(u) for u in urls}', '    print(sorted(upper), type(upper).__name__)', '', '', 'main()'),
    data: [['a', 'b', 'a', 'c'], [], ['a']],
    fixed: ['upper = set(pool.map(fetch, urls))'],
    model: 'threads',
  },
  {
    name: 'dict comprehension keeps keys, values and insertion order',
    main: py(...LOAD, ...SLOW, 'def main():', '    urls = list(load())', '    table = {u: fetch(u) * 2 for u in urls}', '    print(table, type(table).__name__)', '', '', 'main()'),
    data: [['b', 'a', 'c', 'a'], [], ['z']],
    fixed: ['table = dict(pool.map(fetch_task, urls))'],
    model: 'threads',
  },
  {
    name: 'sum over a generator of a lazy input',
    main: py(...LOAD, ...SLOW, 'def main():', '    total = sum(len(fetch(u)) for u in load())', '    print(total)', '', '', 'main()'),
    data: [['a', 'bb', 'ccc'], [], ['four']],
    fixed: ['total = sum(map_in_order(pool, fetch_task, load(), 2 * FETCH_WORKERS))'],
    model: 'threads',
  },
  {
    name: 'join over map(f, xs)',
    main: py(...LOAD, ...SLOW, 'def main():', '    urls = list(load())', '    print("[" + ", ".join(map(fetch, urls)) + "]")', '', '', 'main()'),
    data: [['x', 'y', 'z'], [], ['only']],
    fixed: ['", ".join(pool.map(fetch, urls))'],
    model: 'threads',
  },
  {
    name: 'if clauses and a tuple target at module level, under the __main__ guard',
    main: py(
      ...LOAD,
      ...SLOW,
      'if __name__ == "__main__":',
      '    pairs = list(load())',
      '    kept = [',
      '        fetch(name) * count  # the slow part',
      '        for name, count in pairs',
      '        if count > 0',
      '        if name != "skip"',
      '    ]',
      '    print(kept)',
    ),
    data: [[['a', 2], ['skip', 3], ['b', 0], ['c', 1]], [], [['d', 3]]],
    fixed: ['kept = [value for keep, value in pool.map(fetch_task, pairs) if keep]', '    # the slow part'],
    model: 'threads',
  },
  {
    name: 'any() stops early; max() with a default over map',
    main: py(
      ...LOAD,
      ...SLOW,
      'def main():',
      '    urls = list(load())',
      '    found = any(fetch(u) == "B" for u in urls)',
      '    best = max(map(fetch, urls), default="none")',
      '    print(found, best)',
      '',
      '',
      'main()',
    ),
    data: [['a', 'b', 'c', 'd'], [], ['b']],
    fixed: ['found = any(map_in_order(pool, fetch_task, urls, 2 * FETCH_WORKERS))', 'best = max(pool_2.map(fetch, urls), default="none")'],
    model: 'threads',
  },
  {
    name: 'an item that fails raises the same exception at the same item',
    main: py(
      ...LOAD,
      'def parse(text):',
      '    time.sleep(0.005)',
      '    return int(text)',
      '',
      '',
      'def parse_all(texts):',
      '    return [parse(t) for t in texts]',
      '',
      '',
      'def main():',
      '    texts = list(load())',
      '    print("parsing", len(texts))',
      '    try:',
      '        numbers = parse_all(texts)',
      '    except ValueError as error:',
      '        print("failed:", error)',
      '        raise SystemExit(3)',
      '    print(numbers)',
      '',
      '',
      'main()',
    ),
    data: [['1', '2', 'x', '4'], [], ['7']],
    fixed: ['return list(pool.map(parse, texts))'],
    model: 'threads',
  },
  {
    name: 'processes: module-level code moves under the __main__ guard',
    main: py(
      'import json',
      '',
      '',
      'def fib(n):',
      '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
      '',
      '',
      'with open("data.json") as handle:',
      '    numbers = list(json.load(handle))',
      'results = [fib(n) for n in numbers]',
      'print(results)',
    ),
    data: [[18, 19, 5, 20, 1], [], [15]],
    fixed: ['if __name__ == "__main__":', 'results = list(pool.map(fib, numbers, chunksize=max(1, len(numbers) // (4 * FIB_WORKERS))))'],
    model: 'processes',
  },
  {
    name: 'processes: sum over map(f, xs) of a function that loops, called from module level',
    main: py(
      ...LOAD,
      'def weight(n):',
      '    total = 0',
      '    for i in range(n):',
      '        total += i * i % 7',
      '    return total',
      '',
      '',
      'def main():',
      '    numbers = list(load())',
      '    print(sum(map(weight, numbers)))',
      '',
      '',
      'main()',
    ),
    data: [[20000, 3000, 10, 40000], [], [500]],
    fixed: ['if __name__ == "__main__":', 'print(sum(pool.map(weight, numbers, chunksize=max(1, len(numbers) // (4 * WEIGHT_WORKERS)))))'],
    model: 'processes',
  },
];

describe('PA102 round trips under real Python', () => {
  beforeAll(assertBuilt);
  afterAll(removeProjects);

  for (const program of PROGRAMS) {
    it(program.name, () => {
      const [several, none, one] = program.data;
      const files = { 'main.py': program.main, 'data.json': JSON.stringify(several) };
      const trip = roundTrip(files, { unsafe: true });
      const before = trip.before.findings.filter((f) => f.rule === 'PA102');
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((f) => f.fixable && (f.plan as { model: string }).model === program.model)).toBe(true);
      const text = trip.fixed.read('main.py');
      for (const snippet of program.fixed) expect(text).toContain(snippet);
      expect(summarize(trip.after, 'PA102')).toEqual([]);
      expect(trip.originalRun.timedOut).toBe(false);
      expect(trip.originalRun.stdout).not.toBe('');
      expectSameBehaviour(trip);
      expect(trip.rewrittenRun.stderr.includes('Traceback')).toBe(trip.originalRun.stderr.includes('Traceback'));

      for (const data of [none, one]) {
        trip.original.write('data.json', JSON.stringify(data));
        trip.fixed.write('data.json', JSON.stringify(data));
        const original = runPython('main.py', { cwd: trip.original.dir });
        const rewritten = runPython('main.py', { cwd: trip.fixed.dir });
        expect(rewritten.timedOut).toBe(false);
        expect({ stdout: rewritten.stdout, status: rewritten.status }, `stderr:\n${rewritten.stderr}`).toEqual({ stdout: original.stdout, status: original.status });
      }
    });
  }
});
