import { describe, expect, it } from 'vitest';
import { analyse } from './helpers.js';

/** Loops the analysis must reject, with the phrases their reason must contain (the name and the line). */
const cases: Array<{ name: string; code: string; loop?: number; reason: string[]; check?: (a: Awaited<ReturnType<typeof analyse>>) => void }> = [
  {
    name: 'digest carried from the previous iteration',
    code: `import hashlib

def chain(blocks):
    digest = b""
    for block in blocks:
        data = digest + block
        digest = hashlib.sha256(data).digest()
    return digest
`,
    reason: ['loop-carried dependence on `digest`', 'read at line 6', 'assigned at line 7'],
  },
  {
    name: 'variable assigned in an if, then read',
    code: `def fill(values):
    out = []
    last = None
    for v in values:
        if v is not None:
            last = v
        out.append(last)
    return out
`,
    reason: ['loop-carried dependence on `last`', 'read at line 7', 'only conditionally', 'line 6'],
  },
  {
    name: 'x = x + 1 in the map stage',
    code: `def positions(items):
    out = []
    x = 0
    for item in items:
        x = x + 1
        label = f"{x}:{item}"
        out.append(label)
    return out
`,
    // `x = x + 1` alone would be an in-order counter; the label computed from it makes it a real dependence.
    reason: ['the map stage reads `x` (line 6)', 'which the commit stage writes (line 5)'],
  },
  {
    name: 'map stage reads what the commit stage writes',
    code: `def running(values):
    total = 0
    shares = []
    for v in values:
        share = v / (total + 1)
        total += v
        shares.append(share)
    return shares
`,
    reason: ['the map stage reads `total`', 'line 5', 'which the commit stage writes (line 6)'],
  },
  {
    name: 'break after a POST: speculative requests would be sent',
    code: `import requests

def first_accepted(urls, payload):
    found = None
    for url in urls:
        r = requests.post(url, json=payload)
        if r.ok:
            found = url
            break
    return found
`,
    reason: ['early exit: `break` at line 9', '`requests.post`, line 6'],
  },
  {
    name: 'return after writing a file per item',
    code: `def find(items, wanted):
    for item in items:
        with open(item + ".seen", "w") as seen:
            seen.write(item)
        if item == wanted:
            return item
    return None
`,
    reason: ['early exit: `return` at line 6', '`seen.write`, line 4'],
  },
  {
    name: 'early exit after a child process: its effects are unknown',
    code: `import subprocess

def first_passing(commands):
    for command in commands:
        done = subprocess.run(command)
        if done.returncode == 0:
            return command
    return None
`,
    reason: ['early exit: `return` at line 7', 'child processes'],
  },
  {
    name: 'item mutated through a method',
    code: `def sort_each(rows):
    for row in rows:
        row.sort()
`,
    reason: ['mutates `row.sort()` (line 3)', 'the item object is shared'],
  },
  {
    name: 'shared cache mutated in the map',
    code: `import json

cache = {}

def load_all(paths):
    out = []
    for p in paths:
        with open(p) as f:
            data = json.load(f)
        if data:
            cache[p] = data
        else:
            data = {}
        out.append(data)
    return out
`,
    reason: ['mutates the shared object `cache` (line 11)'],
  },
  {
    name: 'shared random generator',
    code: `import random

def noisy(values):
    out = []
    for v in values:
        noise = random.random()
        out.append(v + noise)
    return out
`,
    reason: ['uses the shared random generator (`random.random`, line 6)'],
  },
  {
    name: 'shared random generator seeded before the loop, used in a helper',
    code: `import random

def jitter(v):
    return v + random.gauss(0, 1)

def noisy(values):
    random.seed(7)
    out = []
    for v in values:
        out.append(jitter(v))
    return out
`,
    reason: ['calls `jitter` (line 3): uses the shared random generator (`random.gauss`, line 4), seeded by `random.seed(7)` at line 7'],
  },
  {
    name: 'shared sqlite3 connection',
    code: `import sqlite3

def lookup(ids):
    conn = sqlite3.connect("app.db")
    names = []
    for i in ids:
        row = conn.execute("SELECT name FROM users WHERE id = ?", (i,)).fetchone()
        names.append(row[0])
    return names
`,
    reason: ['shared `sqlite3.Connection` `conn` used in every iteration (line 7)'],
  },
  {
    name: 'last value of the loop variable used after the loop',
    code: `def last_line(path):
    with open(path) as f:
        count = 0
        for line in f.read().splitlines():
            count += 1
    print(count, line)
`,
    reason: ['last value of `line` is used after the loop (line 6)'],
  },
  {
    name: 'last value of a map local used after the loop',
    code: `def parse_all(texts):
    out = []
    for t in texts:
        parsed = t.split(",")
        out.append(len(parsed))
    return out, parsed
`,
    reason: ['last value of `parsed` is used after the loop (line 6)'],
  },
  {
    name: 'call of unknown effect',
    code: `import foo

def run(items):
    out = []
    for item in items:
        out.append(foo.bar(item))
    return out
`,
    reason: ['calls `foo.bar` (line 6), whose effects are unknown'],
  },
  {
    name: 'call through a parameter of unknown effect',
    code: `def apply(fn, items):
    out = []
    for item in items:
        out.append(fn(item))
    return out
`,
    reason: ['calls `fn` (line 4), whose effects are unknown'],
  },
  {
    name: 'global written in the body',
    code: `processed = 0

def handle(items):
    global processed
    for item in items:
        processed += 1
        print(item)
`,
    reason: ['writes the global `processed` (line 6)', 'shared state'],
  },
  {
    name: 'nonlocal written in the body',
    code: `def outer(items):
    seen = 0
    def inner():
        nonlocal seen
        for item in items:
            seen = seen + len(item)
    inner()
    return seen
`,
    reason: ['writes the nonlocal `seen` (line 6)'],
  },
  {
    name: 'helper of the same module prints (judged transitively)',
    code: `def derive(x):
    print("deriving", x)
    return x * 2

def run(xs):
    out = []
    for x in xs:
        out.append(derive(x))
    return out
`,
    reason: ['calls `derive` (line 1)', 'order-sensitive effect of `print` (line 2)'],
  },
  {
    name: 'helper writes a global through two calls',
    code: `seen = 0

def bump():
    global seen
    seen += 1

def work(x):
    bump()
    return x + 1

def run(xs):
    return [work(x) for x in xs] + [0 for x in xs if work(x)]

results = []
for x in range(10):
    results.append(work(x))
`,
    reason: ['calls `bump` (line 3): writes the global `seen`'],
  },
  {
    name: 'helper mutates its argument',
    code: `def normalise(row):
    row["name"] = row["name"].strip()
    return row["name"]

def run(rows):
    names = []
    for row in rows:
        names.append(normalise(row))
    return names
`,
    reason: ['calls `normalise` (line 1)', 'mutates `row["name"]` (line 2)'],
  },
  {
    name: 'map work after the commit stage began',
    code: `def mixed(values):
    out = []
    for v in values:
        out.append(v)
        w = v * 2
        print(w)
    return out
`,
    reason: ['`w = v * 2` at line 5 runs after the commit stage begins (line 4)'],
  },
  {
    name: 'augmented store on an outer dict inside an inner loop with other work',
    code: `def tally(docs):
    counts = {}
    for doc in docs:
        for word in doc.split():
            w = word.lower()
            counts[w] = counts.get(w, 0) + 1
    return counts
`,
    reason: ['mutates the shared object `counts` (line 6)'],
  },
  {
    name: 'print nested in map work is order-sensitive',
    code: `def check(values):
    ok = []
    for v in values:
        if v < 0:
            print("negative", v)
            v = -v
        ok.append(v)
    return ok
`,
    reason: ['order-sensitive effect of `print` (line 5)'],
  },
  {
    name: 'shared file read in every iteration',
    code: `def pair_lines(names, path):
    f = open(path)
    out = []
    for name in names:
        out.append(name + f.readline())
    return out
`,
    reason: ['shared `io.TextIOWrapper` `f` used in every iteration (line 5)'],
  },
  {
    name: 'running value kept across iterations in a nested loop',
    code: `def hashes(files):
    out = []
    h = 0
    for lines in files:
        for line in lines:
            h = h * 31 + len(line)
        out.append(h)
    return out
`,
    reason: ['loop-carried dependence on `h`', 'line 6'],
  },
  {
    name: 'walrus assigned only on one side of `and`',
    code: `import re

def tags(lines):
    out = []
    tag = ""
    for line in lines:
        if line and (m := re.match(r"#(\\w+)", line)):
            tag = m.group(1)
        out.append(tag)
    return out
`,
    reason: ['loop-carried dependence on `tag`', 'read at line 9', 'only conditionally'],
  },
  {
    name: 'heapq.heappush on a heap every iteration shares',
    code: `import heapq

def schedule(jobs, cost):
    pending = []
    for job in jobs:
        c = cost(job)
        heapq.heappush(pending, (c, job))
    return pending
`,
    reason: ['`heapq.heappush` (line 7) changes the shared object `pending` in place'],
  },
  {
    name: 'bisect.insort into a shared sorted list',
    code: `import bisect

def merge(values):
    ordered = []
    for v in values:
        w = abs(v) ** 0.5
        bisect.insort(ordered, w)
    return ordered
`,
    reason: ['`bisect.insort` (line 7) changes the shared object `ordered`'],
  },
  {
    name: 'random.shuffle of a shared deck',
    code: `import random

def deal(players, deck):
    hands = {}
    for player in players:
        random.shuffle(deck)
        hands[player] = deck[:5]
    return hands
`,
    reason: ['`random.shuffle` (line 6) changes the shared object `deck` in place'],
  },
  {
    name: 'a random.Random generator shared by every iteration',
    code: `import random

def simulate(policies):
    rng = random.Random(42)
    results = []
    for policy in policies:
        demand = rng.randrange(10) + policy
        results.append(demand)
    return results
`,
    reason: ['`rng.randrange` (line 7) changes the state of `rng`, which every iteration shares'],
  },
  {
    name: 'operator.setitem and list.append through the class on shared objects',
    code: `import operator

def index(items, table, log):
    for item in items:
        key = str(item).lower()
        operator.setitem(table, key, item)
        list.append(log, key)
`,
    reason: ['`operator.setitem` (line 6) changes the shared object `table` in place'],
    check: (a) => expect(a.reasons.map((r) => r.reason)).toContain('`list.append` (line 7) changes the shared object `log` in place'),
  },
  {
    name: 'setattr on the item',
    code: `def tag(items, label):
    for item in items:
        name = label.upper()
        setattr(item, "label", name)
`,
    reason: ['`setattr` (line 4) changes the item `item` in place', 'shared with the caller'],
  },
  {
    name: 'a file written per item by a helper that raises on bad records (speculative writes)',
    code: `import json
from pathlib import Path

def validate(record):
    if "id" not in record:
        raise ValueError("no id")
    return record

def export(record, directory):
    clean = validate(record)
    path = directory / f"{clean['id']}.json"
    path.write_text(json.dumps(clean))
    return path

def main(records, tmp):
    directory = Path(tmp)
    written = []
    for record in records:
        written.append(export(record, directory))
    return written
`,
    loop: 0,
    reason: ['external effects', '`path.write_text`, line 12, in `export`', '`raise` at line 6, in `validate`', 'items after the one that raises'],
  },
  {
    name: 'a per-item write and an assert in the body; a handler for another exception does not catch it',
    code: `from pathlib import Path

def main(records, out):
    for record in records:
        try:
            assert record, "empty record"
        except KeyError:
            pass
        target = Path(out) / str(record)
        target.write_text("ok")
`,
    reason: ['external effects', 'write_text', '`assert` at line 6'],
  },
  {
    name: 'a counter in an except handler that skips the item',
    code: `def parse(rows):
    skipped = 0
    values = []
    for row in rows:
        try:
            value = int(row)
        except ValueError:
            skipped += 1
            continue
        values.append(value)
    return values, skipped
`,
    reason: ['`skipped += 1` (line 8) updates the loop-carried `skipped` inside the `except` handler at line 7', 'map-stage code', 'leaves no result to replay it from'],
  },
  {
    name: 'a reduction inside an if that also computes',
    code: `def score(xs, f):
    total = 0
    for x in xs:
        if x > 0:
            y = f(x)
            total = total + y
    return total
`,
    reason: ['`total = total + y` (line 6) updates the loop-carried `total` inside the `if` at line 4'],
  },
  {
    name: 'a helper writing one path shared by every iteration',
    code: `from pathlib import Path

TARGET = Path("latest.txt")

def save(text):
    TARGET.write_text(text)

def main(items):
    for item in items:
        save(str(item))
`,
    reason: ['`save` (line 5): order-sensitive effect of `pathlib.Path.write_text` (line 6)'],
  },
  {
    name: 'a list whose items may be of any type: the loop variable has no type',
    code: `from pathlib import Path

def sizes(d, fill):
    paths = [Path(d)]
    fill(paths)
    total = 0
    for path in paths:
        total += path.stat().st_size
    return total
`,
    reason: ['calls `path.stat` (line 8), whose effects are unknown'],
  },
  {
    name: 'the decimal context of the calling thread',
    code: `import decimal

def rounded(values):
    out = []
    for v in values:
        ctx = decimal.getcontext()
        out.append(ctx.create_decimal(v))
    return out
`,
    reason: ['`decimal.getcontext` (line 6)'],
  },
  {
    name: 'a dunder mutator called through the class, and an in-place numpy method, on shared objects',
    code: `import numpy as np

def copy_into(items, table, grid: np.ndarray):
    for key, value in items:
        dict.__setitem__(table, key, str(value))
        grid.fill(value)
`,
    reason: ['`dict.__setitem__` (line 5) changes the shared object `table` in place'],
    check: (a) => expect(a.reasons.map((r) => r.reason)).toContain('`grid.fill` (line 6) changes the state of `grid`, which every iteration shares, so each iteration depends on the calls the ones before it made'),
  },
  {
    name: 'an unknown method on the result of a call is shown on one line, arguments elided',
    code: `def totals(conn, customers):
    out = []
    for customer in customers:
        count = conn.execute(
            "SELECT COUNT(*) FROM orders WHERE customer = ?", (customer,)
        ).fetchone()
        out.append(count)
    return out
`,
    reason: ['calls `conn.execute(...).fetchone` (line 4), whose effects are unknown'],
  },
];

describe('rejected loops', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const analysis = await analyse(c.code, c.loop);
      expect(analysis.verdict.kind).toBe('rejected');
      const reason = analysis.verdict.kind === 'rejected' ? analysis.verdict.reason : '';
      for (const phrase of c.reason) expect(reason).toContain(phrase);
      c.check?.(analysis);
      // Every reason points at a line of the program, and its text names that line.
      const lineCount = c.code.split('\n').length;
      for (const r of analysis.reasons) {
        expect(r.line).toBeGreaterThanOrEqual(1);
        expect(r.line).toBeLessThanOrEqual(lineCount);
        expect(r.reason).toMatch(/line \d+/);
        for (const [, n] of r.reason.matchAll(/line (\d+)/g)) expect(Number(n)).toBeLessThanOrEqual(lineCount);
      }
    });
  }
});
