import type { Finding } from '../../src/diagnostics/finding.js';
import type { Report } from '../../src/output/report.js';
import type { RuleMeta } from '../../src/rules/rule-meta.js';

/** Findings built by hand: the analysis engine is developed separately. */
export function blockingCallFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'AS101',
    name: 'blocking-call-in-async',
    category: 'async-blocking',
    path: 'app/main.py',
    line: 12,
    column: 12,
    endLine: 12,
    endColumn: 29,
    message: 'Blocking call `requests.get` in async function `main`: main -> load() -> requests.get',
    fix: {
      applicability: 'safe',
      message: 'Replace with `await asyncio.to_thread(requests.get, url)`',
      edits: [
        {
          start: 180,
          end: 197,
          text: 'await asyncio.to_thread(requests.get, url)',
          range: { line: 12, column: 12, endLine: 12, endColumn: 29 },
        },
      ],
    },
    related: [
      { path: 'app/util.py', line: 3, column: 12, endLine: 3, endColumn: 24, message: 'load() calls requests.get' },
    ],
    snippet: {
      firstLine: 10,
      lines: ['async def main():', '    urls = [...]', '    data = requests.get(url)', '    return data'],
    },
    ...overrides,
  };
}

export function opportunityFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'OP101',
    name: 'sequential-io-loop',
    category: 'opportunity',
    path: 'app/fetch.py',
    line: 30,
    column: 5,
    endLine: 32,
    endColumn: 1,
    message: 'Loop over `urls` does independent network I/O in each iteration',
    plan: { model: 'threads', workload: 'io', workers: 16, rationale: 'each iteration waits on the network' },
    ...overrides,
  };
}

export function raceFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'RC101',
    name: 'unsynchronised-shared-write',
    category: 'race',
    path: 'pkg/worker.py',
    line: 8,
    column: 9,
    endLine: 8,
    endColumn: 22,
    message: '`counter += 1` runs in several threads without a lock',
    ...overrides,
  };
}

export const blockingCallRule: RuleMeta = {
  code: 'AS101',
  name: 'blocking-call-in-async',
  category: 'async-blocking',
  summary: 'Blocking call inside an async function',
  fix: 'sometimes',
  docs: {
    what: 'Calls that block the thread, made directly or indirectly from an async function.',
    why: 'A blocking call stops the event loop: every other task waits.',
    example: 'async def main():\n    requests.get(url)\n',
    fixed: 'async def main():\n    await asyncio.to_thread(requests.get, url)\n',
    fixSafety: 'Unsafe when the callee is not thread-safe.',
  },
};

export const raceRule: RuleMeta = {
  code: 'RC101',
  name: 'unsynchronised-shared-write',
  category: 'race',
  summary: 'Shared state written from several threads without a lock',
  fix: 'none',
  docs: {
    what: 'Read-modify-write of shared state from code that runs in several threads.',
    why: 'Updates are lost when threads interleave.',
    example: 'def work():\n    global counter\n    counter += 1\n',
    fixed: 'def work():\n    global counter\n    with lock:\n        counter += 1\n',
    fixSafety: 'There is no automatic fix.',
  },
};

export function reportOf(findings: Finding[], overrides: Partial<Report> = {}): Report {
  return { findings, loops: [], errors: [], filesAnalysed: 3, rules: [blockingCallRule, raceRule], ...overrides };
}
