import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../src/config/settings.js';
import { runCheck } from '../../src/engine/check.js';
import { parallelizableLoop } from '../../src/rules/parallel/parallelizable-loop.js';
import { ruleTester } from '../helpers/rule-tester.js';

const sleepyFetch = ['import time', '', 'def fetch(name):', '    time.sleep(0.01)', '    return name.upper()', ''].join('\n');

ruleTester(parallelizableLoop, {
  valid: [
    {
      name: 'loop-carried dependence',
      code: 'import hashlib\ndef chain(entries):\n    digest = b""\n    for e in entries:\n        digest = hashlib.sha256(digest + e).digest()\n    return digest\n',
    },
    { name: 'cheap arithmetic is not worth it', code: 'def f(xs):\n    total = 0\n    for x in xs:\n        total += x * 2\n    return total\n' },
    {
      name: 'a loop in a function already handed to a pool (an earlier rewrite): pools must not nest',
      code: `${sleepyFetch}\nfrom concurrent.futures import ThreadPoolExecutor\n\n\ndef pages(names):\n    found = []\n    for name in names:\n        found.append(fetch(name))\n    return found\n\n\ndef main(groups):\n    with ThreadPoolExecutor(max_workers=4) as pool:\n        return list(pool.map(pages, groups))\n`,
    },
    { name: 'a single iteration', code: `${sleepyFetch}\nfor name in ["a"]:\n    print(fetch(name))\n` },
    {
      name: 'helper in another file prints: order-sensitive',
      files: {
        'util.py': 'def noisy(x):\n    print("working on", x)\n    return x\n',
        'main.py': 'from util import noisy\n\ndef run(xs):\n    out = []\n    for x in xs:\n        out.append(noisy(x))\n    return out\n',
      },
    },
    {
      name: 'a deliberate delay (polling with time.sleep) is not sped up',
      code: 'import time\n\ndef wait_for(path, attempts=3):\n    for _ in range(attempts):\n        time.sleep(0.1)\n    return path\n',
    },
    {
      name: 'map stage awaits nothing inside async def',
      code: `${sleepyFetch}\nasync def main(names):\n    for name in names:\n        print(fetch(name))\n`,
    },
  ],
  invalid: [
    {
      name: 'blocking call with ordered output: threads',
      code: `${sleepyFetch}\ndef main(names):\n    for name in names:\n        body = fetch(name)\n        print(name, body)\n`,
      errors: [{ line: 8, message: /can run concurrently with threads: each iteration waits on sleep \(`fetch`\).*`print` is kept in order/, fix: 'safe' }],
    },
    {
      name: 'results = [] then append(f(x)) becomes list(pool.map(f, xs))',
      code: `${sleepyFetch}\ndef main(names: list[str]):\n    results = []\n    for name in names:\n        results.append(fetch(name))\n    return results\n`,
      errors: [{ line: 9, message: 'with threads', fix: 'safe' }],
      output: [
        'import time',
        'from concurrent.futures import ThreadPoolExecutor',
        'import os',
        '',
        '# Worker threads for the loop at line 9; set FETCH_WORKERS in the environment to tune.',
        'FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))',
        '',
        'def fetch(name):',
        '    time.sleep(0.01)',
        '    return name.upper()',
        '',
        'def main(names: list[str]):',
        '    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:',
        '        results = list(pool.map(fetch, names))',
        '    return results',
        '',
      ].join('\n'),
    },
    {
      name: 'pure-Python CPU work in a helper: processes',
      code: 'def work(n):\n    return sum(i * i for i in range(n))\n\ndef main(ns):\n    total = 0\n    for n in ns:\n        total += work(n)\n    return total\n',
      errors: [{ line: 6, message: 'with processes' }],
    },
    {
      name: 'sequential awaits: asyncio',
      code: 'import asyncio\n\nasync def get(x):\n    await asyncio.sleep(0.01)\n    return x\n\nasync def main(xs):\n    out = []\n    for x in xs:\n        v = await get(x)\n        out.append(v)\n    return out\n',
      errors: [{ line: 9, message: 'with asyncio' }],
    },
    {
      name: 'the map stage calls a function of another file (decided after linking)',
      files: {
        'net.py': sleepyFetch,
        'main.py': 'from net import fetch\n\ndef run(names):\n    sizes = {}\n    for name in names:\n        sizes[name] = len(fetch(name))\n    return sizes\n',
      },
      errors: [{ line: 5, message: /with threads: each iteration waits on sleep/, fix: 'safe' }],
    },
    {
      name: 'a project exception with its own __init__ may not unpickle from a worker process: no fix',
      code: [
        'class Bad(Exception):',
        '    def __init__(self, why):',
        '        pass',
        '',
        'def work(n):',
        '    total = sum(i * i for i in range(n))',
        '    if total == 5:',
        '        raise Bad("five")',
        '    return total',
        '',
        'def main(ns):',
        '    out = 0',
        '    for n in ns:',
        '        out += work(n)',
        '    return out',
        '',
      ].join('\n'),
      errors: [{ line: 13, message: /with processes.*no automatic rewrite: `Bad` defines its own `__init__`.*BrokenProcessPool/, fix: 'none' }],
    },
    {
      name: 'a search over the network that stops early: the requests run ahead reach the server, so the fix is unsafe',
      code: 'import urllib.request\n\ndef fetch(url):\n    with urllib.request.urlopen(url) as response:\n        return response.read()\n\ndef first_big(urls: list):\n    found = None\n    for url in urls:\n        if len(fetch(url)) > 1000:\n            found = url\n            break\n    return found\n',
      errors: [{ line: 9, message: 'with threads', fix: 'unsafe' }],
    },
    {
      name: 'a search that stops early with no effects outside the program: the fix is safe',
      code: 'import hashlib\n\ndef first_match(words: list, key):\n    found = None\n    for word in words:\n        if hashlib.pbkdf2_hmac("sha256", word.encode(), b"s", 10_000) == key:\n            found = word\n            break\n    return found\n',
      errors: [{ line: 5, message: 'with threads', fix: 'safe' }],
    },
    {
      name: 'disk writes per item that can raise: the fix is unsafe',
      code: 'def main(names):\n    for name in names:\n        with open(name + ".txt", "w") as f:\n            f.write(name)\n        print(name)\n',
      errors: [{ line: 2, message: 'with threads', fix: 'unsafe' }],
    },
  ],
});

describe('PA101 loop verdicts', () => {
  async function loopsOf(files: Record<string, string>) {
    const root = mkdtempSync(join(tmpdir(), 'concur-loops-'));
    try {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      const settings = { ...defaultSettings(), select: ['PA101'] };
      const result = await runCheck({ paths: [root], cwd: root, settings, snippets: false, maxWorkers: 1 });
      return result.report.loops;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it('lists every loop, parallel or rejected with its reason, including ones decided across files', async () => {
    const loops = await loopsOf({
      'util.py': 'def noisy(x):\n    print("working on", x)\n    return x\n',
      'main.py': [
        'from util import noisy',
        '',
        'def run(xs):',
        '    out = []',
        '    for x in xs:',
        '        out.append(noisy(x))',
        '    last = 0',
        '    for x in xs:',
        '        last = last + x',
        '    return out, last',
        '',
      ].join('\n'),
    });
    const main = loops.filter((l) => l.path === 'main.py').sort((a, b) => a.line - b.line);
    expect(main.map((l) => [l.line, l.verdict])).toEqual([
      [5, 'rejected'],
      [8, 'rejected'],
    ]);
    expect(main[0].reason).toContain('calls `noisy` (line 6)');
    expect(main[0].reason).toContain('util.py');
    expect(main[0].reason).toContain('`print` (line 2)');
    expect(main[1].reason).toMatch(/not worth it|loop-carried/);
  });

  it('an inner loop of a parallel loop is rejected in favour of the outer one', async () => {
    const loops = await loopsOf({
      'main.py': `${sleepyFetch}\ndef main(groups):\n    for group in groups:\n        total = 0\n        for name in group:\n            total += len(fetch(name))\n        print(total)\n`,
    });
    const inner = loops.find((l) => l.line === 10);
    expect(loops.find((l) => l.line === 8)?.verdict).toBe('parallel');
    expect(inner?.verdict).toBe('rejected');
    expect(inner?.reason).toBe('the enclosing loop at line 8 runs concurrently instead');
  });

  it('an inner loop waits for an enclosing loop decided across files: pools never nest', async () => {
    const loops = await loopsOf({
      'net.py': sleepyFetch,
      'main.py': 'from net import fetch\n\ndef run(groups):\n    for group in groups:\n        total = 0\n        for name in group:\n            total += len(fetch(name))\n        print(total)\n',
    });
    const main = loops.filter((l) => l.path === 'main.py').sort((a, b) => a.line - b.line);
    expect(main.map((l) => [l.line, l.verdict])).toEqual([
      [4, 'parallel'],
      [6, 'rejected'],
    ]);
    expect(main[1].reason).toContain('the enclosing loop at line 4 may run concurrently');
  });

  it('names the environment variable the rewritten code reads its worker count from', async () => {
    const root = mkdtempSync(join(tmpdir(), 'concur-plan-'));
    try {
      writeFileSync(join(root, 'main.py'), `${sleepyFetch}\ndef main(names):\n    for name in names:\n        print(fetch(name))\n`);
      const settings = { ...defaultSettings(), select: ['PA101'] };
      const result = await runCheck({ paths: [root], cwd: root, settings, snippets: false, maxWorkers: 1 });
      const [finding] = result.report.findings;
      expect(finding.plan?.workersVariable).toBe('FETCH_WORKERS');
      const added = finding.fix!.edits.map((e) => e.text).join('');
      expect(added).toContain('FETCH_WORKERS = int(os.environ.get("FETCH_WORKERS", "16"))');
      expect(added).toContain('ThreadPoolExecutor(max_workers=FETCH_WORKERS)');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
