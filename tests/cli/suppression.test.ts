/** Suppression comments, through the real CLI: each form, and comments that name another rule. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJson, project, py, removeTemporaryDirectories, runConcur, type JsonDocument } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

/** `time.sleep` (AS101) on line 5, with `comment` after it. */
const sleepWith = (comment: string) => py('import time', '', '', 'async def main():', `    time.sleep(1)  ${comment}`);
/** The same, with a file-level comment on line 1. */
const fileLevel = (comment: string) => py(comment, 'import time', '', '', 'async def main():', '    time.sleep(1)', '    time.sleep(2)');

const SUPPRESSED_BY_LINE = {
  'concur-ignore-code.py': '# concur: ignore[AS101]',
  'concur-ignore-name.py': '# concur: ignore[blocking-call-in-async]',
  'concur-ignore-list.py': '# concur: ignore[AS102, AS101]',
  'concur-ignore-all.py': '# concur: ignore',
  'noqa-code.py': '# noqa: AS101',
  'noqa-list.py': '# noqa: E501, AS101',
  'noqa-all.py': '# noqa',
};
const NOT_SUPPRESSED_BY_LINE = {
  'concur-ignore-other.py': '# concur: ignore[AS102]',
  'noqa-other.py': '# noqa: AS103',
  'noqa-ruff-code.py': '# noqa: E501',
  'plain-comment.py': '# sleeping on purpose',
};
const SUPPRESSED_BY_FILE = {
  'file-ignore-code.py': '# concur: ignore-file[AS101]',
  'file-ignore-all.py': '# concur: ignore-file',
};
const NOT_SUPPRESSED_BY_FILE = {
  'file-ignore-other.py': '# concur: ignore-file[AS103]',
};

let json: JsonDocument;
let status: number | null;
beforeAll(async () => {
  const tree: Record<string, string> = {};
  for (const [name, comment] of Object.entries({ ...SUPPRESSED_BY_LINE, ...NOT_SUPPRESSED_BY_LINE })) tree[`line/${name}`] = sleepWith(comment);
  for (const [name, comment] of Object.entries({ ...SUPPRESSED_BY_FILE, ...NOT_SUPPRESSED_BY_FILE })) tree[`file/${name}`] = fileLevel(comment);
  const root = project(tree);
  ({ json, status } = await checkJson(['.'], { cwd: root }));
});

const findingsIn = (path: string) => json.findings.filter((f) => f.path === path).map((f) => `${f.rule}:${f.line}`);

describe.concurrent('line suppressions', () => {
  it.each(Object.entries(SUPPRESSED_BY_LINE))('%s (%s) suppresses the finding on its line', (name) => {
    expect(findingsIn(`line/${name}`)).toEqual([]);
  });

  it.each(Object.entries(NOT_SUPPRESSED_BY_LINE))('%s (%s) does not suppress AS101', (name) => {
    expect(findingsIn(`line/${name}`)).toEqual(['AS101:5']);
  });
});

describe.concurrent('file suppressions', () => {
  it.each(Object.entries(SUPPRESSED_BY_FILE))('%s (%s) suppresses every finding of the file', (name) => {
    expect(findingsIn(`file/${name}`)).toEqual([]);
  });

  it.each(Object.entries(NOT_SUPPRESSED_BY_FILE))('%s (%s) does not suppress AS101', (name) => {
    expect(findingsIn(`file/${name}`)).toEqual(['AS101:6', 'AS101:7']);
  });
});

describe.concurrent('the run as a whole', () => {
  it('reports only the unsuppressed findings, analyses every file and exits 1', () => {
    expect(status).toBe(1);
    expect(json.errors).toEqual([]);
    expect(json.findings).toHaveLength(Object.keys(NOT_SUPPRESSED_BY_LINE).length + 2 * Object.keys(NOT_SUPPRESSED_BY_FILE).length);
  });

  it('exits 0 when every finding is suppressed', async () => {
    const root = project({ 'a.py': sleepWith('# noqa: AS101'), 'b.py': fileLevel('# concur: ignore-file') });
    expect(await runConcur(['check', '.'], { cwd: root })).toMatchObject({ status: 0, stdout: 'No findings in 2 files.\n' });
  });
});
