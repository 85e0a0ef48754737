import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/diagnostics/finding.js';
import { renderJson } from '../../src/output/json.js';
import { blockingCallFinding, opportunityFinding, raceFinding, reportOf } from './fixtures.js';

const FINDING_KEYS = ['rule', 'name', 'category', 'path', 'line', 'column', 'endLine', 'endColumn', 'message', 'fixable'];
const MODELS = ['threads', 'processes', 'asyncio', 'hybrid', 'interpreters', 'ray', 'dask', 'joblib'];
const WORKLOADS = ['io', 'cpu', 'native', 'mixed', 'unknown'];

function parse(text: string) {
  return JSON.parse(text) as { version: number; findings: Record<string, unknown>[]; loops: unknown[]; errors: unknown[] };
}

describe('renderJson', () => {
  const report = reportOf([raceFinding(), blockingCallFinding(), opportunityFinding()], {
    loops: [
      { path: 'a.py', line: 30, verdict: 'rejected', reason: 'loop-carried dependence on `digest`' },
      { path: 'a.py', line: 3, verdict: 'parallel', reason: 'independent network calls' },
    ],
    errors: [{ path: 'bad.py', message: 'invalid syntax', line: 2, column: 1 }],
  });
  const text = renderJson(report);
  const json = parse(text);

  it('prints one object with version 1 and exactly the contract top-level keys, ending with a newline', () => {
    expect(Object.keys(json)).toEqual(['version', 'findings', 'loops', 'errors']);
    expect(json.version).toBe(1);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('gives each finding the contract keys, in canonical order, without the snippet', () => {
    expect(json.findings.map((finding) => finding.path)).toEqual(['app/fetch.py', 'app/main.py', 'pkg/worker.py']);
    const [opportunity, blocking, race] = json.findings;
    expect(Object.keys(race!)).toEqual(FINDING_KEYS);
    expect(Object.keys(blocking!)).toEqual([...FINDING_KEYS, 'fix', 'related']);
    expect(Object.keys(opportunity!)).toEqual([...FINDING_KEYS, 'plan']);
    expect(text).not.toContain('snippet');
    for (const finding of json.findings) expect(CATEGORIES).toContain(finding.category);
  });

  it('marks fixability and converts edits to line/column ranges', () => {
    const blocking = json.findings[1]!;
    expect(blocking.fixable).toBe(true);
    expect(json.findings[2]!.fixable).toBe(false);
    expect(blocking.fix).toEqual({
      applicability: 'safe',
      message: 'Replace with `await asyncio.to_thread(requests.get, url)`',
      edits: [{ line: 12, column: 12, endLine: 12, endColumn: 29, content: 'await asyncio.to_thread(requests.get, url)' }],
    });
    expect(blocking.related).toEqual([
      { path: 'app/util.py', line: 3, column: 12, endLine: 3, endColumn: 24, message: 'load() calls requests.get' },
    ]);
  });

  it('renders an edit without a precomputed range as content only, never as UTF-16 offsets', () => {
    const finding = blockingCallFinding({ fix: { applicability: 'unsafe', message: 'm', edits: [{ start: 1, end: 4, text: 'x' }] } });
    const fix = parse(renderJson(reportOf([finding]))).findings[0]!.fix as { edits: unknown[] };
    expect(fix.edits).toEqual([{ content: 'x' }]);
  });

  it('carries the plan with allowed model and workload values', () => {
    const plan = json.findings[0]!.plan as Record<string, unknown>;
    expect(plan).toEqual({ model: 'threads', workload: 'io', workers: 16, rationale: 'each iteration waits on the network' });
    expect(MODELS).toContain(plan.model);
    expect(WORKLOADS).toContain(plan.workload);
  });

  it('includes the notebook cell when present', () => {
    const finding = raceFinding({ path: 'nb.ipynb', cell: 3, line: 2 });
    expect(parse(renderJson(reportOf([finding]))).findings[0]).toMatchObject({ path: 'nb.ipynb', cell: 3, line: 2 });
  });

  it('lists loop verdicts and file errors', () => {
    expect(json.loops).toEqual([
      { path: 'a.py', line: 3, verdict: 'parallel', reason: 'independent network calls' },
      { path: 'a.py', line: 30, verdict: 'rejected', reason: 'loop-carried dependence on `digest`' },
    ]);
    expect(json.errors).toEqual([{ path: 'bad.py', message: 'invalid syntax', line: 2, column: 1 }]);
  });

  it('prints empty lists when there is nothing to report', () => {
    expect(parse(renderJson(reportOf([])))).toEqual({ version: 1, findings: [], loops: [], errors: [] });
  });
});
