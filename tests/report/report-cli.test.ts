/**
 * `--report FILE` through the real CLI on `check`, `fix` and `fix --diff`: the format from the
 * extension, a usage error for any other before any work, the file replaced atomically (a new
 * file by rename, no temporary file left, the old one intact when the write fails).
 * verify's report is rendered in a real browser in browser.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOCKING_SLEEP, project, py, removeTemporaryDirectories, runConcur } from '../helpers/cli.js';
import { writeReport } from '../../src/report/write-report.js';
import { checkReportData } from '../../src/report/gather.js';
import { checkReport, CONTEXT } from './fixtures.js';

afterAll(removeTemporaryDirectories);

/** A loop concur rewrites to threads with a safe fix (PA101), and a blocking call in async code (AS101). */
const SLEEPY = py(
  'import time',
  '',
  '',
  'def work(item):',
  '    time.sleep(0.05)',
  '    return item * item',
  '',
  '',
  'def main():',
  '    total = 0',
  '    for item in range(16):',
  '        value = work(item)',
  '        total += value',
  '        print(item, value)',
  '    print("total", total)',
);

describe.concurrent('--report on the command line', () => {
  it('rejects an unknown extension with status 2, naming the choices, before doing any work', async () => {
    const root = project({ 'main.py': SLEEPY });
    for (const args of [
      ['check', '--report', 'report.txt', '.'],
      ['fix', '--report', 'report.pdf', '.'],
      ['fix', '--diff', '--report', 'report', '.'],
      ['verify', '--report', 'report.json', 'main.py', '--', 'python3', 'main.py'],
    ]) {
      const result = await runConcur(args, { cwd: root });
      expect({ args, status: result.status }).toEqual({ args, status: 2 });
      expect(result.stderr).toMatch(/--report report(\.\w+)?: unknown report format; name the file \.html or \.htm \(.*\) or \.md \(.*\)/);
      expect(result.stdout).toBe('');
    }
    const missing = await runConcur(['check', '--report', 'nowhere/report.html', '.'], { cwd: root });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--report nowhere/report.html: the directory nowhere does not exist');
    // Nothing was written, and the program is as it was.
    expect(readdirSync(root)).toEqual(['main.py']);
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
  });

  it('check: .md and .htm by extension, with the findings and the loop plan; stdout unchanged', async () => {
    const root = project({ 'app/main.py': SLEEPY, 'app/service.py': BLOCKING_SLEEP });
    const plain = await runConcur(['check', 'app'], { cwd: root });
    const markdown = await runConcur(['check', '--report', 'report.md', 'app'], { cwd: root });
    expect(markdown.status).toBe(1);
    expect(markdown.stdout).toBe(plain.stdout);
    expect(markdown.stderr).toBe('concur check: report written to report.md\n');
    const md = readFileSync(path.join(root, 'report.md'), 'utf8');
    expect(md).toMatch(/^## concur check: 2 findings in 2 files \(2 files analysed\); 1 loop can run concurrently\n\n`concur check --report report\.md app` · concur /);
    expect(md).toContain('| `app/main.py:11` | PA101 | threads (I/O-bound) | 16 (`WORK_WORKERS`) | safe fix |');
    expect(md).toMatch(/\| `app\/service\.py:5:5` \| AS101 blocking-call-in-async \| Blocking call `time\.sleep/);

    const html = await runConcur(['check', '--report', 'report.htm', 'app'], { cwd: root });
    expect(html.status).toBe(1);
    const page = readFileSync(path.join(root, 'report.htm'), 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>\n<html lang="en" data-charts="0">/);
    // The code frame of a finding comes along, even though stdout is not text here.
    const json = await runConcur(['check', '--format', 'json', '--report', 'frames.html', 'app'], { cwd: root });
    expect(JSON.parse(json.stdout).findings).toHaveLength(2);
    expect(readFileSync(path.join(root, 'frames.html'), 'utf8')).toContain('<span class="flagged"><span class="line-number">5 │ </span>    time.sleep(1)</span>');
  });

  it('fix --diff: the proposed diff, nothing written to the sources', async () => {
    const root = project({ 'main.py': SLEEPY });
    const result = await runConcur(['fix', '--diff', '--report', 'fix.md', 'main.py'], { cwd: root });
    expect(result.status).toBe(1);
    expect(readFileSync(path.join(root, 'main.py'), 'utf8')).toBe(SLEEPY);
    const md = readFileSync(path.join(root, 'fix.md'), 'utf8');
    expect(md).toMatch(/^## concur fix --diff: 1 file would change \(diff only, nothing written\); 1 finding\n/);
    expect(md).toContain('<details open><summary>Diff: 1 file, +');
    expect(md).toContain('```diff\n--- main.py\n+++ main.py\n');
    expect(md).toContain('\n-    for item in range(16):\n');
  });

  it('fix: the diff of what was written, and the finding marked fixed', async () => {
    const root = project({ 'main.py': SLEEPY });
    const result = await runConcur(['fix', '--report', 'fix.html', 'main.py'], { cwd: root });
    expect(result.status).toBe(0);
    const rewritten = readFileSync(path.join(root, 'main.py'), 'utf8');
    expect(rewritten).toContain('ThreadPoolExecutor');
    const page = readFileSync(path.join(root, 'fix.html'), 'utf8');
    expect(page).toContain('<span class="value">1</span><span class="label">fixes applied</span>');
    expect(page).toContain('<span class="badge good">fixed</span>');
    expect(page).toContain('<span class="removed">-    for item in range(16):</span>');
    expect(page).toContain('<span class="added">+from concurrent.futures import ThreadPoolExecutor</span>');
    // The loops are those of the code before the fix (the rewritten loop would read differently).
    expect(page).toMatch(/main\.py:11<\/span><\/td><td><span class="badge good">parallel<\/span>/);
  });

  it('replaces an existing report atomically, and leaves it whole when the write fails', async () => {
    const root = project({ 'main.py': SLEEPY, 'keep.md': 'an older report\n' });
    const before = statSync(path.join(root, 'keep.md')).ino;
    const result = await runConcur(['check', '--report', 'keep.md', 'main.py'], { cwd: root });
    expect(result.status).toBe(1);
    // A new file renamed over the old one: another inode, the whole new text, nothing left beside it.
    expect(statSync(path.join(root, 'keep.md')).ino).not.toBe(before);
    expect(readFileSync(path.join(root, 'keep.md'), 'utf8')).toMatch(/^## concur check: 1 finding in 1 file/);
    expect(readdirSync(root).sort()).toEqual(['keep.md', 'main.py']);

    // A directory where the report should go: the rename fails, the temporary file is removed.
    mkdirSync(path.join(root, 'taken.html'));
    writeFileSync(path.join(root, 'taken.html', 'inside'), 'x');
    const failed = await runConcur(['check', '--report', 'taken.html', 'main.py'], { cwd: root });
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(/^concur check: cannot write the report taken\.html: /m);
    expect(readdirSync(root).sort()).toEqual(['keep.md', 'main.py', 'taken.html']);
    expect(readdirSync(path.join(root, 'taken.html'))).toEqual(['inside']);
  });

  it('writeReport: the format from the extension, a new file created in place', () => {
    const root = project({});
    const data = checkReportData(checkReport(), CONTEXT);
    writeReport(path.join(root, 'a.HTML'), data);
    writeReport(path.join(root, 'b.md'), data);
    expect(readFileSync(path.join(root, 'a.HTML'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readFileSync(path.join(root, 'b.md'), 'utf8')).toMatch(/^## concur check: /);
    expect(readdirSync(root).sort()).toEqual(['a.HTML', 'b.md']);
    expect(() => writeReport(path.join(root, 'c.csv'), data)).toThrow(/unknown report format/);
  });
});
