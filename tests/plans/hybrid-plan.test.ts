/**
 * The hybrid plan (threads that wait, feeding a process pool that computes): when the planner
 * chooses it, when it falls back to what it chose before, and what the plan and the rewrite
 * say. Runs of the rewritten programs are the round-trip suite's (tests/rewrites).
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { analyseLoop, findLoops } from '../../src/loops/index.js';
import { hybridSplit } from '../../src/plans/hybrid-split.js';
import { planLoop, type PlanFacts, type PlanOptions } from '../../src/plans/plan-loop.js';
import { hoistedInputs } from '../../src/rewrites/loop-parts.js';
import { parallelizableLoop } from '../../src/rules/parallel/parallelizable-loop.js';
import { modelOf } from '../helpers/parse.js';
import { findingsFor, ruleTester } from '../helpers/rule-tester.js';

const options: PlanOptions = { targetVersion: [3, 12], inAsyncFunction: false, mapAwaits: false, notebook: false, hoistedWork: false };

function facts(overrides: Partial<PlanFacts> = {}): PlanFacts {
  return {
    mapStatements: 2,
    effects: { blocking: ['network'], cpu: ['python'], releasesGil: false, mayRaise: true },
    workPerIteration: ['blocking-call', 'project-call'],
    heavyLoop: true,
    hybrid: { kind: 'split', split: { at: 1, blocking: ['network'], handed: ['page'], waits: ['fetch'], computes: ['parse'] } },
    ...overrides,
  };
}

describe('planLoop: hybrid', () => {
  it('waits on the network, then computes: threads feeding a process pool, one process per CPU', () => {
    const decision = planLoop(facts(), options);
    expect(decision.kind).toBe('plan');
    if (decision.kind !== 'plan') return;
    expect(decision.plan).toMatchObject({ model: 'hybrid', workload: 'mixed', workers: availableParallelism() });
    expect(decision.defaultWorkers).toEqual({ kind: 'cpu-count' });
    expect(decision.ioThreads).toBe(16);
    const rationale = decision.plan.rationale;
    for (const words of ['`fetch`', '`parse`', '`page`', '16 I/O threads', `(${availableParallelism()} here)`, 'pickled', 'spawn', 'bounded', 'assumes the handed values pickle']) {
      expect(rationale).toContain(words);
    }
  });

  it('caps the I/O threads by the item count', () => {
    const decision = planLoop(facts({ estimatedIterations: 6 }), options);
    expect(decision.kind === 'plan' && decision.ioThreads).toBe(6);
  });

  it('local files only: processes, as before, and says why not hybrid', () => {
    const split = { at: 1, blocking: ['disk' as const], handed: ['text'], waits: ['read'], computes: ['parse'] };
    const decision = planLoop(facts({ effects: { blocking: ['disk'], cpu: ['python'], releasesGil: false, mayRaise: true }, hybrid: { kind: 'split', split } }), options);
    expect(decision.kind === 'plan' && decision.plan.model).toBe('processes');
    expect(decision.kind === 'plan' && decision.plan.rationale).toContain('threads feeding the processes would not pay here');
  });

  it('fewer than 4 items: threads, and the rationale says why', () => {
    const decision = planLoop(facts({ estimatedIterations: 3 }), options);
    expect(decision.kind === 'plan' && decision.plan.model).toBe('threads');
    expect(decision.kind === 'plan' && decision.plan.rationale).toContain('does not pay for 3 items');
  });

  it('no split: the plan it had (threads), with the reason there is no hybrid', () => {
    const decision = planLoop(facts({ hybrid: { kind: 'none', reason: '`score` is defined inside a function' } }), options);
    expect(decision.kind === 'plan' && decision.plan.model).toBe('threads');
    expect(decision.kind === 'plan' && decision.plan.rationale).toContain('a hybrid plan (threads feeding a process pool) would run the computing in parallel too, but `score` is defined inside a function');
  });

  it('a loop that stops early: threads, and the rationale says why not hybrid', () => {
    const decision = planLoop(facts({ earlyExit: true }), options);
    expect(decision.kind === 'plan' && decision.plan.model).toBe('threads');
    const rationale = decision.kind === 'plan' ? decision.plan.rationale : '';
    expect(rationale).toContain('would run the computing in parallel too, but the loop can stop early');
    expect(rationale).toContain('the commit stage still stops at the same item');
  });

  it('on a free-threaded build: plain threads, which run the computing in parallel too', () => {
    const decision = planLoop(facts(), { ...options, targetVersion: [3, 13], freeThreaded: true });
    expect(decision.kind === 'plan' && decision.plan).toMatchObject({ model: 'threads', workload: 'mixed', workers: 16 });
    const rationale = decision.kind === 'plan' ? decision.plan.rationale : '';
    expect(rationale).toContain('which these threads run in parallel on a free-threaded build');
    expect(rationale).not.toContain('threads do not speed up');
    expect(rationale).not.toContain('a hybrid plan');
  });

  it('in a notebook: threads (a process pool cannot import the worker)', () => {
    const decision = planLoop(facts(), { ...options, notebook: true });
    expect(decision.kind === 'plan' && decision.plan.model).toBe('threads');
    expect(decision.kind === 'plan' && decision.plan.rationale).toContain('notebook');
  });
});

const fetch = [
  'import time',
  '',
  'def fetch(url):',
  '    time.sleep(0.01)',
  '    return f"<p>{url}</p>" * 50',
  '',
  'def parse(page):',
  '    counts = {}',
  '    for word in page.split():',
  '        counts[word] = counts.get(word, 0) + 1',
  '    return sorted(counts.items())',
  '',
].join('\n');

async function splitOf(code: string) {
  const model = await modelOf(code);
  const loop = findLoops(model).at(-1)!;
  const analysis = analyseLoop(model, loop);
  return hybridSplit(model, analysis, hoistedInputs(model, analysis).map((h) => h.expression));
}

describe('hybridSplit', () => {
  it('cuts after the last statement that waits and hands over what the computing reads', async () => {
    const split = await splitOf(`${fetch}\ndef main(urls):\n    out = []\n    for url in urls:\n        page = fetch(url)\n        stats = parse(page)\n        out.append((url, stats))\n    return out\n`);
    expect(split).toEqual({ kind: 'split', split: { at: 1, blocking: ['sleep'], handed: ['page'], waits: ['fetch'], computes: ['parse'] } });
  });

  it('keeps cheap statements with the waiting when that hands over plain data', async () => {
    const split = await splitOf(`${fetch}\ndef main(urls):\n    for url in urls:\n        page = fetch(url)\n        text = page.lower()\n        print(url, parse(text))\n`);
    expect(split).toMatchObject({ kind: 'split', split: { at: 1, handed: ['page'] } });
  });

  it('says nothing when the map stage does not both wait and compute', async () => {
    expect(await splitOf(`${fetch}\ndef main(urls):\n    for url in urls:\n        print(fetch(url))\n`)).toBeUndefined();
  });
});

const cpus = availableParallelism();

ruleTester(parallelizableLoop, {
  valid: [
    {
      name: 'waits and computes, but each iteration reads the previous result: no plan at all',
      code: `${fetch}\ndef main(urls):\n    previous = ""\n    for url in urls:\n        page = fetch(url + previous)\n        previous = str(parse(page))\n    return previous\n`,
    },
  ],
  invalid: [
    {
      name: 'fetch, then parse in pure Python: hybrid',
      code: `${fetch}\ndef main(urls):\n    out = []\n    for url in urls:\n        page = fetch(url)\n        stats = parse(page)\n        out.append(stats)\n    return out\n`,
      errors: [{ line: 15, message: /can run concurrently with hybrid: each iteration waits on I\/O and computes in pure Python/, fix: 'safe' }],
    },
    {
      name: 'the computing is the input of the commit: hoisted into the process worker',
      code: `${fetch}\ndef main(urls):\n    out = {}\n    for url in urls:\n        page = fetch(url)\n        out[url] = parse(page)\n    return out\n`,
      errors: [{ line: 15, message: 'with hybrid' }],
    },
    {
      name: 'the output of a child process, then counting: hybrid',
      code: [
        'import subprocess',
        'import sys',
        '',
        'def tally(text):',
        '    counts = {}',
        '    for word in text.split():',
        '        counts[word] = counts.get(word, 0) + 1',
        '    return counts',
        '',
        'def main(names):',
        '    for name in names:',
        '        output = subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, text=True).stdout',
        '        print(name, tally(output))',
        '',
      ].join('\n'),
      errors: [{ line: 11, message: 'with hybrid' }],
    },
    {
      name: 'urllib body read in a helper, then parsed: hybrid',
      code: [
        'import urllib.request',
        '',
        'def download(url):',
        '    with urllib.request.urlopen(url) as response:',
        '        return response.read()',
        '',
        'def checksum(body):',
        '    total = 0',
        '    for byte in body:',
        '        total = (total * 31 + byte) % 1000003',
        '    return total',
        '',
        'def main(urls):',
        '    for url in urls:',
        '        body = download(url)',
        '        print(url, checksum(body))',
        '',
      ].join('\n'),
      errors: [{ line: 14, message: 'with hybrid', fix: 'unsafe' }],
    },
    {
      name: 'the computing calls a nested function: threads',
      code: `${fetch}\ndef main(urls):\n    def score(page):\n        return sum(ord(c) for c in page)\n    for url in urls:\n        page = fetch(url)\n        print(score(page))\n`,
      errors: [{ line: 16, message: 'with threads' }],
    },
    {
      name: 'the waiting hands over an HTTP response object: threads',
      code: [
        'import requests',
        '',
        'def words(response):',
        '    return sorted(w for w in response.text.split())',
        '',
        'def main(urls):',
        '    for url in urls:',
        '        response = requests.get(url, timeout=5)',
        '        print(words(response))',
        '',
      ].join('\n'),
      errors: [{ line: 7, message: 'with threads' }],
    },
    {
      name: 'one statement waits and computes: threads',
      code: `${fetch}\ndef main(urls):\n    for url in urls:\n        print(parse(fetch(url)))\n`,
      errors: [{ line: 14, message: 'with threads' }],
    },
    {
      name: 'fetch, then parse, and stop at the first match: threads (no hybrid for early exit)',
      code: `${fetch}\ndef main(count):\n    urls = [f"u{i}" for i in range(count)]\n    found = None\n    for url in urls:\n        page = fetch(url)\n        stats = parse(page)\n        if stats[0][1] > 3:\n            found = url\n            break\n    return found\n`,
      errors: [{ line: 16, message: /with threads: .*/ }],
    },
    {
      name: 'local files, then parsing: processes, as before',
      code: [
        'from pathlib import Path',
        '',
        'def parse(text):',
        '    counts = {}',
        '    for word in text.split():',
        '        counts[word] = counts.get(word, 0) + 1',
        '    return counts',
        '',
        'def main(paths: list[Path]):',
        '    for path in paths:',
        '        text = path.read_text()',
        '        print(path, parse(text))',
        '',
      ].join('\n'),
      errors: [{ line: 10, message: 'with processes' }],
    },
  ],
});

describe('the plan and the fix of a hybrid loop', () => {
  const code = `${fetch}\ndef main(urls):\n    out = []\n    for url in urls:\n        page = fetch(url)\n        stats = parse(page)\n        out.append(stats)\n    return out\n\nif __name__ == "__main__":\n    main(["a", "b"])\n`;

  it('reports the process count, names its variable, and fixes with both counts configurable', async () => {
    const { findings } = await findingsFor(parallelizableLoop, { code });
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.plan).toMatchObject({ model: 'hybrid', workload: 'mixed', workers: cpus, workersVariable: 'PARSE_WORKERS' });
    const text = finding.fix!.edits.map((e) => e.text).join('\n');
    expect(text).toContain('FETCH_THREADS = int(os.environ.get("FETCH_THREADS", "16"))');
    expect(text).toContain('PARSE_WORKERS = int(os.environ.get("PARSE_WORKERS", "0")) or');
    expect(text).toContain('def parse_task(page):');
    expect(text).toContain('return process_pool.submit(parse_task, page).result()');
    expect(text).toContain('mp_context=multiprocessing.get_context("spawn")');
    expect(text).toContain('with process_pool, ThreadPoolExecutor(max_workers=FETCH_THREADS) as thread_pool:');
    expect(text).toContain('map_in_order(thread_pool, fetch_task, urls, 2 * FETCH_THREADS)');
  });

  it('falls back to threads, with a fix, when the rewrite cannot hand the computing to processes', async () => {
    // Code at import followed by a definition: there is no place for the `__main__` guard.
    const layout = code.replace('def main(urls):', 'STOP = "a an the".split()\n\ndef main(urls):');
    const { findings } = await findingsFor(parallelizableLoop, { code: layout });
    expect(findings.map((f) => f.plan?.model)).toEqual(['threads']);
    expect(findings[0].plan?.rationale).toContain('the rewrite cannot hand the computing to worker processes: a process pool needs the code this module runs at import under');
    expect(findings[0].fix).toBeDefined();
  });
});
