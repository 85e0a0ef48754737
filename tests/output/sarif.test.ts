import { describe, expect, it } from 'vitest';
import { renderSarif, type SarifLog } from '../../src/output/sarif.js';
import { sarifValidator } from '../helpers/sarif-schema.js';
import { blockingCallFinding, opportunityFinding, raceFinding, reportOf } from './fixtures.js';

const validate = sarifValidator();

function expectValid(log: unknown): void {
  const valid = validate(log);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
}

const report = reportOf(
  [
    blockingCallFinding({ path: 'app/my file ü.py' }),
    raceFinding({
      related: [{ path: 'pkg/other.py', line: 2, column: 1, endLine: 2, endColumn: 5, message: 'other thread writes here' }],
    }),
    opportunityFinding({ rule: 'OP999', name: 'unlisted-rule' }),
    raceFinding({ path: 'nb.ipynb', cell: 2, line: 1, fix: { applicability: 'safe', message: 'm', edits: [{ start: 0, end: 1, text: 'x', range: { line: 1, column: 1, endLine: 1, endColumn: 2 } }] } }),
  ],
  { errors: [{ path: 'bad.py', message: 'invalid syntax', line: 3, column: 7 }, { path: 'bin.py', message: 'binary file' }] },
);
const text = renderSarif(report, { toolVersion: '0.1.0' });
const log = JSON.parse(text) as SarifLog;
const [run] = log.runs;

describe('renderSarif', () => {
  it('produces a log that the official SARIF 2.1.0 schema accepts', () => {
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(text.endsWith('\n')).toBe(true);
    expectValid(log);
    expectValid(JSON.parse(renderSarif(reportOf([]), { toolVersion: '0.1.0', baseUri: '/work/project' })));
  });

  it('has a validator that rejects a broken log', () => {
    const broken = structuredClone(log) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    delete broken.runs[0]!.results[0]!.message;
    expect(validate(broken)).toBe(false);
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
    const badRegion = structuredClone(log);
    badRegion.runs[0].results[0]!.locations[0]!.physicalLocation.region = { startLine: 0 };
    expect(validate(badRegion)).toBe(false);
  });

  it('describes the rules that ran, with help built from their docs', () => {
    const rules = run.tool.driver.rules;
    expect(run.tool.driver).toMatchObject({ name: 'concur', version: '0.1.0' });
    expect(rules.map((rule) => rule.id)).toEqual(['AS101', 'RC101', 'OP999']);
    expect(rules[0]).toMatchObject({
      name: 'blocking-call-in-async',
      shortDescription: { text: 'Blocking call inside an async function' },
      defaultConfiguration: { level: 'warning' },
    });
    expect(rules[0]!.help!.markdown).toContain('```python\nasync def main():\n    requests.get(url)\n```');
    expect(rules[1]!.defaultConfiguration).toEqual({ level: 'error' });
  });

  it('points every result at its rule and sets the level from the category', () => {
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    expect(run.results.map((result) => [result.ruleId, result.level])).toEqual([
      ['OP999', 'warning'],
      ['AS101', 'warning'],
      ['RC101', 'error'],
      ['RC101', 'error'],
    ]);
    expect(run.columnKind).toBe('unicodeCodePoints');
  });

  it('encodes paths as relative URI references with code-point regions', () => {
    const blocking = run.results[1]!;
    expect(blocking.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'app/my%20file%20%C3%BC.py' },
      region: { startLine: 12, startColumn: 12, endLine: 12, endColumn: 29 },
    });
  });

  it('turns related locations into relatedLocations and ranged edits into fixes', () => {
    const blocking = run.results[1]!;
    expect(blocking.fixes).toEqual([
      {
        description: { text: 'Replace with `await asyncio.to_thread(requests.get, url)`' },
        artifactChanges: [
          {
            artifactLocation: { uri: 'app/my%20file%20%C3%BC.py' },
            replacements: [
              {
                deletedRegion: { startLine: 12, startColumn: 12, endLine: 12, endColumn: 29 },
                insertedContent: { text: 'await asyncio.to_thread(requests.get, url)' },
              },
            ],
          },
        ],
      },
    ]);
    expect(run.results[3]!.relatedLocations).toEqual([
      {
        id: 0,
        physicalLocation: { artifactLocation: { uri: 'pkg/other.py' }, region: { startLine: 2, startColumn: 1, endLine: 2, endColumn: 5 } },
        message: { text: 'other thread writes here' },
      },
    ]);
  });

  it('offers no fix for notebooks or for edits without a range, and records the cell', () => {
    const notebook = run.results[2]!;
    expect(notebook.properties).toMatchObject({ cell: 2 });
    expect(notebook).not.toHaveProperty('fixes');
    const unranged = blockingCallFinding({ fix: { applicability: 'safe', message: 'm', edits: [{ start: 0, end: 1, text: '' }] } });
    const unrangedLog = JSON.parse(renderSarif(reportOf([unranged]), { toolVersion: '0.1.0' })) as SarifLog;
    expect(unrangedLog.runs[0].results[0]).not.toHaveProperty('fixes');
  });

  it('reports unreadable files as tool execution notifications', () => {
    const [invocation] = run.invocations;
    expect(invocation!.executionSuccessful).toBe(true);
    expect(invocation!.toolExecutionNotifications).toEqual([
      {
        level: 'error',
        message: { text: 'bad.py: invalid syntax' },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'bad.py' }, region: { startLine: 3, startColumn: 7 } } }],
      },
      { level: 'error', message: { text: 'bin.py: binary file' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'bin.py' } } }] },
    ]);
    const nothingAnalysed = reportOf([], { filesAnalysed: 0, errors: [{ path: 'bad.py', message: 'invalid syntax' }] });
    const failedLog = JSON.parse(renderSarif(nothingAnalysed, { toolVersion: '0.1.0' })) as SarifLog;
    expect(failedLog.runs[0].invocations[0]!.executionSuccessful).toBe(false);
    expectValid(failedLog);
  });

  it('resolves relative paths against a base URI when given one', () => {
    const based = JSON.parse(renderSarif(reportOf([raceFinding()]), { toolVersion: '0.1.0', baseUri: '/work/my project' })) as SarifLog;
    expect(based.runs[0].originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///work/my%20project/' } });
    expect(based.runs[0].results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: 'pkg/worker.py', uriBaseId: '%SRCROOT%' });
    expectValid(based);
  });

  it('uses file URIs for absolute paths', () => {
    const absolute = JSON.parse(renderSarif(reportOf([raceFinding({ path: '/tmp/a b.py' })]), { toolVersion: '0.1.0' })) as SarifLog;
    expect(absolute.runs[0].results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: 'file:///tmp/a%20b.py' });
  });
});
