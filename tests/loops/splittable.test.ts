import { describe, expect, it } from 'vitest';
import { analyse } from './helpers.js';

/** Loops whose map stage can run concurrently, with the commits the analysis must recognise. */
const cases: Array<{ name: string; code: string; loop?: number; commits?: string[]; check?: (a: Awaited<ReturnType<typeof analyse>>) => void }> = [
  {
    name: 'a later loop reuses the loop variable (no last-value use)',
    code: `import requests

def report(urls):
    sizes = []
    for url in urls:
        sizes.append(len(requests.get(url).text))
    for url in urls:
        print(url)
    return sizes
`,
    commits: ['accumulate'],
  },
  {
    name: 'downloads appended to a list',
    code: `import requests

def fetch_all(urls):
    pages = []
    for url in urls:
        response = requests.get(url, timeout=10)
        pages.append(response.text)
    return pages
`,
    commits: ['accumulate'],
    check: (a) => {
      expect(a.effects.blocking).toEqual(['network']);
      expect(a.workPerIteration).toContain('blocking-call');
      expect(a.map).toHaveLength(1);
    },
  },
  {
    name: 'hashing files into a dict',
    code: `import hashlib

def digests(paths):
    result = {}
    for path in paths:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            h.update(f.read())
        result[path] = h.hexdigest()
    return result
`,
    commits: ['keyed-store'],
    check: (a) => {
      expect(a.effects.releasesGil).toBe(true);
      expect(a.effects.blocking).toContain('disk');
      expect(a.effects.mayRaise).toBe(true);
    },
  },
  {
    name: 'sum reduction of a pure computation',
    code: `def score(xs):
    total = 0
    for x in xs:
        y = x * x + 3
        total += y
    return total
`,
    commits: ['reduction'],
    check: (a) => expect(a.commit[0]).toMatchObject({ accumulator: 'total', operation: '+=' }),
  },
  {
    name: 'counter and running maximum',
    code: `def stats(values):
    count = 0
    best = 0
    for v in values:
        size = len(str(v))
        count += 1
        best = max(best, size)
    print(count, best)
`,
    commits: ['counter', 'min-max'],
  },
  {
    name: 'Counter updates in an inner loop over words',
    code: `from collections import Counter

def word_counts(docs):
    counts = Counter()
    for doc in docs:
        words = doc.lower().split()
        for w in words:
            counts[w] += 1
    return counts
`,
    commits: ['inner-loop'],
    check: (a) => expect(a.commit[0].parts?.[0].kind).toBe('keyed-store'),
  },
  {
    name: 'prints of computed values',
    code: `def report(rows):
    for row in rows:
        label = row.strip().upper()
        print(label, len(label))
`,
    commits: ['ordered-output'],
  },
  {
    name: 'guarded append using a map value',
    code: `def evens(numbers):
    kept = []
    for n in numbers:
        square = n * n
        if square % 2 == 0:
            kept.append(square)
    return kept
`,
    commits: ['guarded'],
  },
  {
    name: 'nested computation loop in the map',
    code: `def checksums(blocks):
    sums = []
    for block in blocks:
        acc = 0
        for byte in block:
            acc = (acc * 31 + byte) % 65521
        sums.append(acc)
    return sums
`,
    commits: ['accumulate'],
    check: (a) => expect(a.workPerIteration).toContain('nested-loop'),
  },
  {
    name: 'enumerate with a tuple target',
    code: `def numbered(lines):
    out = []
    for i, line in enumerate(lines):
        out.append(f"{i}: {line.rstrip()}")
    return out
`,
    commits: ['accumulate'],
    check: (a) => expect(a.loopVariables).toEqual(['i', 'line']),
  },
  {
    name: 'zip with nested tuple targets',
    code: `def pairs(names, points):
    table = {}
    for name, (x, y) in zip(names, points):
        table[name] = abs(x) + abs(y)
    return table
`,
    commits: ['keyed-store'],
    check: (a) => expect(a.loopVariables).toEqual(['name', 'x', 'y']),
  },
  {
    name: 'walrus in a condition, then read in the branch',
    code: `import re

PATTERN = re.compile(r"id=(\\d+)")

def ids(lines):
    found = []
    for line in lines:
        if (m := PATTERN.search(line)) is not None:
            found.append(int(m.group(1)))
    return found
`,
    commits: ['guarded'],
  },
  {
    name: 'del of a map temporary',
    code: `def sizes(chunks):
    out = []
    for chunk in chunks:
        data = bytes(chunk)
        n = len(data)
        del data
        out.append(n)
    return out
`,
    commits: ['accumulate'],
  },
  {
    name: 'comprehension in the body, its variable local to it',
    code: `def totals(rows):
    result = []
    for row in rows:
        cells = [int(c) for c in row.split(",")]
        result.append(sum(cells))
    return result
`,
    commits: ['accumulate'],
  },
  {
    name: 'lambda defined in the body',
    code: `def ranked(groups):
    best = []
    for group in groups:
        by_score = lambda pair: pair[1]
        best.append(sorted(group, key=by_score)[-1])
    return best
`,
    commits: ['accumulate'],
  },
  {
    name: 'item attribute read',
    code: `def names(users):
    out = []
    for user in users:
        out.append(user.name.title())
    return out
`,
    commits: ['accumulate'],
  },
  {
    name: 'continue in the map stage',
    code: `def parse(lines):
    values = []
    for line in lines:
        line2 = line.strip()
        if not line2:
            continue
        values.append(float(line2))
    return values
`,
    commits: ['accumulate'],
  },
  {
    name: 'grouping with setdefault',
    code: `def group(words):
    groups = {}
    for word in words:
        key = word[0].lower()
        groups.setdefault(key, []).append(word)
    return groups
`,
    commits: ['accumulate'],
  },
  {
    name: 'log lines and a write to a file opened before the loop',
    code: `import logging

logger = logging.getLogger(__name__)

def export(items, path):
    with open(path, "w") as out:
        for item in items:
            text = str(item).strip()
            logger.info("exporting %s", text)
            out.write(text + "\\n")
`,
    commits: ['ordered-output', 'ordered-output'],
  },
  {
    name: 'same-module function call is judged with the map stage',
    code: `def transform(x):
    return x * 2

def run(xs):
    out = []
    for x in xs:
        out.append(transform(x))
    return out
`,
    commits: ['accumulate'],
    check: (a) => {
      expect(a.projectCalls).toEqual([]);
      expect(a.calledFunctions.map((s) => s.qualifiedName)).toEqual(['app.transform']);
    },
  },
  {
    name: 'per-item output file written in the map stage',
    code: `import json

def save(records, folder):
    for rec in records:
        path = folder + "/" + str(rec["id"]) + ".json"
        with open(path, "w") as f:
            f.write(json.dumps(rec))
`,
    commits: [],
  },
  {
    name: 'self-reduction spelled out',
    code: `def join_all(parts):
    text = ""
    for p in parts:
        text = text + p.strip()
    return text
`,
    commits: ['reduction'],
  },
  {
    name: 'sys.stdout.write as ordered output',
    code: `import sys

def show(values):
    for v in values:
        sys.stdout.write(format(v, ".2f") + "\\n")
`,
    commits: ['ordered-output'],
  },
  {
    name: 'variable assigned on both branches before the read',
    code: `def labels(numbers):
    out = []
    for n in numbers:
        if n < 0:
            sign = "-"
        else:
            sign = "+"
        out.append(sign + str(abs(n)))
    return out
`,
    commits: ['accumulate'],
  },
  {
    name: 'files listed by a helper (call-site typing): `path.stat()` reads metadata',
    code: `import hashlib
from pathlib import Path

def make_files(directory, count=3):
    paths = []
    for index in range(count):
        path = directory / f"part-{index}.dat"
        paths.append(path)
    return paths

def main(tmp):
    paths = make_files(Path(tmp))
    total = 0
    for path in paths:
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        total += path.stat().st_size
        print(checksum, path.name)
`,
    loop: 1,
    commits: ['reduction', 'ordered-output'],
    check: (a) => expect(a.effects.blocking).toEqual(['disk']),
  },
  {
    name: 'pure class methods of builtin types (int.from_bytes, bytes.fromhex, str.join, dict.fromkeys)',
    code: `import hashlib

def seeds(symbols):
    out = []
    for symbol in symbols:
        seed = int.from_bytes(hashlib.sha256(symbol.encode("ascii")).digest()[:4], "big")
        raw = bytes.fromhex(symbol.encode().hex())
        label = str.join("-", [symbol, str(seed)])
        keys = dict.fromkeys(label.split("-"), 0)
        out.append((seed, raw, keys, seed.bit_length()))
    return out
`,
    commits: ['accumulate'],
  },
  {
    name: 'a reading method on an attribute of unknown type of a known instance (`completed.stdout.strip()`)',
    code: `import subprocess

def convert(document):
    completed = subprocess.run(["tool"], input=document, capture_output=True, text=True, check=True)
    return completed.stdout.strip()

def main(documents):
    outputs = []
    for document in documents:
        outputs.append(convert(document))
    return outputs
`,
    loop: 0,
    commits: ['accumulate'],
    check: (a) => expect(a.effects.blocking).toEqual(['subprocess']),
  },
  {
    name: 'datetime, decimal and fractions parsers in the map stage',
    code: `from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

def parse(rows):
    parsed = []
    for row in rows:
        when = datetime.strptime(row[0], "%Y-%m-%d")
        day = date.fromisoformat(row[1]).isoformat()
        amount = Decimal(row[2])
        ratio = Fraction(row[3]).limit_denominator(100)
        parsed.append((when.year, day, amount, ratio, when.isoformat()))
    return parsed
`,
    commits: ['accumulate'],
    check: (a) => expect(a.effects.cpu).toContain('python'),
  },
  {
    name: 'a guarded commit that skips the item with `continue` (replayed in the commit loop)',
    code: `import requests

def check(hosts):
    failures = 0
    replies = []
    for host in hosts:
        reply = requests.get(host, timeout=5).status_code
        if reply != 200:
            failures += 1
            continue
        replies.append(reply)
    return failures, replies
`,
    commits: ['guarded', 'accumulate'],
    check: (a) => expect(a.accumulators.sort()).toEqual(['failures', 'replies']),
  },
  {
    name: 'a branch that only skips, the other commits',
    code: `def totals(values):
    total = 0
    for v in values:
        w = abs(v) ** 0.5 if v else None
        if w is None:
            continue
        else:
            total += w
    return total
`,
    commits: ['guarded'],
  },
  {
    name: 'a file written per item, to a path made in the iteration',
    code: `import json
from pathlib import Path

def export(records, out):
    directory = Path(out)
    for record in records:
        path = directory / f"{record['id']}.json"
        path.write_text(json.dumps(record))
`,
    commits: [],
    check: (a) => expect(a.effects.blocking).toContain('disk'),
  },
  {
    name: 'a per-item write whose failures the loop catches itself (the raise cannot stop the loop)',
    code: `import json
from pathlib import Path

def load(path):
    with open(path) as stream:
        text = stream.read()
    if not text:
        raise ValueError(f"empty: {path}")
    return json.loads(text)

def convert(paths: list[Path]):
    skipped = 0
    for path in paths:
        try:
            data = load(path)
        except ValueError:
            continue
        out = path.with_suffix(".out")
        out.write_text(json.dumps(data))
`,
    commits: [],
  },
  {
    name: 'writing one shared path is an ordered commit, replayed in order',
    code: `from pathlib import Path

def save(items, out):
    target = Path(out)
    for item in items:
        text = str(item) * 1000
        target.write_text(text)
`,
    commits: ['ordered-output'],
  },
  {
    name: 'heaps, bisect and generators made in the iteration are its own',
    code: `import bisect
import heapq
import random

def top(groups):
    best = []
    for seed, group in groups:
        heap = list(group)
        heapq.heapify(heap)
        ordered = []
        for x in heap:
            bisect.insort(ordered, x)
        rng = random.Random(seed)
        rng.shuffle(ordered)
        best.append((heapq.nsmallest(3, heap), rng.random(), ordered))
    return best
`,
    commits: ['accumulate'],
  },
  {
    name: 'a search that stops at the first match: the GETs before it run ahead speculatively',
    code: `import requests

def first_ok(urls):
    found = None
    for url in urls:
        r = requests.get(url)
        if r.ok:
            found = url
            break
    else:
        print("none of them")
    return found
`,
    commits: ['guarded'],
    check: (a) => {
      expect(a.exits.map((exit) => exit.type)).toEqual(['break_statement']);
      expect(a.commit[0]!.parts!.map((p) => p.kind)).toEqual(['exit-value']);
    },
  },
  {
    name: 'return from the loop with a value the map stage computed',
    code: `def find(items, wanted):
    for item in items:
        key = item.strip().lower()
        if key == wanted:
            return item, key
    return None
`,
    commits: ['guarded'],
    check: (a) => expect(a.exits.map((exit) => exit.type)).toEqual(['return_statement']),
  },
  {
    name: 'a guard that stops the loop before the work: the work of later items runs speculatively',
    code: `import requests

def fetch_until_blank(urls):
    pages = []
    for url in urls:
        if not url:
            break
        pages.append(requests.get(url).text)
    return pages
`,
    commits: ['guarded', 'accumulate'],
  },
];

describe('splittable loops', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const analysis = await analyse(c.code, c.loop);
      expect(analysis.reasons).toEqual([]);
      expect(analysis.verdict).toEqual({ kind: 'splittable' });
      if (c.commits) expect(analysis.commit.map((s) => s.kind)).toEqual(c.commits);
      c.check?.(analysis);
    });
  }
});

describe('estimates', () => {
  it('counts literal lists and range bounds', async () => {
    expect((await analyse('for x in [1, 2, 3]:\n    print(x * 2)\n')).estimatedIterations).toBe(3);
    expect((await analyse('for i in range(2, 12, 2):\n    print(i)\n')).estimatedIterations).toBe(5);
    expect((await analyse('xs = ("a", "b")\nfor i, x in enumerate(xs):\n    print(i, x)\n')).estimatedIterations).toBe(2);
    expect((await analyse('def f(xs):\n    for x in xs:\n        print(x)\n')).estimatedIterations).toBeUndefined();
  });
});
