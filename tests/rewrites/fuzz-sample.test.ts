/**
 * The rewrite fuzzer (`scripts/fuzz-rewrites.js`) on a fixed sample of the standard library of
 * the machine's python3: every fix concur proposes there, applied alone to its file, must leave a
 * file that compiles. The whole corpus (stdlib and site-packages) is for running by hand; this
 * sample keeps the suite fast. And the fuzzer itself must be able to fail: its compile driver
 * rejects broken code, and a deliberately broken or empty fix is reported and exits 1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKING_SLEEP, REPO_ROOT, listFiles, project, removeTemporaryDirectories } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'fuzz-rewrites.js');
const PYTHON = process.env.CONCUR_PYTHON || 'python3';
const STDLIB = execFileSync(PYTHON, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();

/**
 * Standard-library modules full of `for` loops and comprehensions, and those where PA101 finds
 * parallel loops (pstats, mailbox, pdb, venv...), present at these paths in every CPython from
 * 3.8 to 3.13. `zipfile.py` is not among them: it became a package in 3.12.
 */
const SAMPLE = [
  'argparse.py',
  'ast.py',
  'asyncio/base_events.py',
  'asyncio/tasks.py',
  'collections/__init__.py',
  'concurrent/futures/_base.py',
  'concurrent/futures/process.py',
  'configparser.py',
  'csv.py',
  'dataclasses.py',
  'difflib.py',
  'doctest.py',
  'email/_header_value_parser.py',
  'email/message.py',
  'enum.py',
  'functools.py',
  'idlelib/editor.py',
  'inspect.py',
  'json/encoder.py',
  'logging/config.py',
  'mailbox.py',
  'modulefinder.py',
  'multiprocessing/pool.py',
  'optparse.py',
  'pdb.py',
  'pickletools.py',
  'pstats.py',
  'pydoc.py',
  'shutil.py',
  'statistics.py',
  'tarfile.py',
  'tkinter/filedialog.py',
  'unittest/mock.py',
  'urllib/parse.py',
  'urllib/request.py',
  'venv/__init__.py',
  'xml/dom/minidom.py',
  'xml/etree/ElementTree.py',
];

interface FuzzFailure {
  path: string;
  line: number;
  column: number;
  rule: string;
  applicability: string;
  kind: string;
  error: string;
  diff: string;
}

interface FuzzReport {
  version: number;
  summary: {
    rules: string[];
    filesFound: number;
    files: number;
    fileErrors: number;
    findings: number;
    findingsWithFix: { safe: number; unsafe: number };
    fixesApplied: number;
    failures: number;
    failuresByKind: Record<string, number>;
    skipped: { unsafe: number; originalDoesNotCompile: number; fileChanged: number; unreadable: number };
  };
  failures: FuzzFailure[];
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function fuzz(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Two compile processes and two analysis threads, as on the 2-core machine this must suit.
    const child = spawn(process.execPath, [SCRIPT, '--jobs', '2', '--threads', '2', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`fuzz-rewrites ${args.join(' ')} was killed by ${signal}`));
      else resolve({ status, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

async function fuzzJson(args: readonly string[], cwd: string): Promise<Run & { report: FuzzReport }> {
  const run = await fuzz(['--json', ...args], cwd);
  try {
    return { ...run, report: JSON.parse(run.stdout) as FuzzReport };
  } catch (error) {
    throw new Error(`stdout is not JSON (status ${run.status}):\n${run.stdout}\nstderr:\n${run.stderr}`, { cause: error });
  }
}

/** Each failure as one readable block, so that a failing test shows what broke. */
function describeFailures(report: FuzzReport): string {
  return report.failures.map((f) => `${f.path}:${f.line}:${f.column} ${f.rule} ${f.kind}: ${f.error}\n${f.diff}`).join('\n');
}

function expectClean(run: Run & { report: FuzzReport }, sampleSize: number): void {
  const { summary } = run.report;
  expect(describeFailures(run.report)).toBe('');
  expect(summary.failures).toBe(0);
  expect(run.status, run.stderr).toBe(0);
  expect(summary.files).toBeGreaterThan(0);
  // The sample compiles with every python3 from 3.8 on: all of it is analysed and checked.
  expect(summary.files).toBe(sampleSize);
  expect(summary.fileErrors).toBe(0);
  expect(summary.skipped.originalDoesNotCompile).toBe(0);
  // Every fix offered was applied and compiled (--unsafe: none is left out).
  expect(summary.fixesApplied).toBe(summary.findingsWithFix.safe + summary.findingsWithFix.unsafe);
}

const registry = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist', 'rules', 'registry.js')).href)) as {
  ALL_RULES: ReadonlyArray<{ meta: { code: string; fix: string } }>;
};

describe('the rewrite fuzzer on a fixed standard-library sample', () => {
  const sample = SAMPLE.filter((file) => existsSync(path.join(STDLIB, file)));

  beforeAll(() => {
    expect(SAMPLE.filter((file) => !sample.includes(file)), `missing from ${STDLIB}`).toEqual([]);
  });

  it('every PA101 fix compiles (--select PA101 --unsafe)', async () => {
    const run = await fuzzJson(['--select', 'PA101', '--unsafe', ...sample], STDLIB);
    expect(run.report.summary.rules).toEqual(['PA101']);
    expectClean(run, sample.length);
    expect(run.report.summary.findings).toBeGreaterThan(0);
  }, 100_000);

  it('every fix of every rule that can fix compiles (--unsafe)', async () => {
    const run = await fuzzJson(['--unsafe', ...sample], STDLIB);
    const fixable = registry.ALL_RULES.filter((rule) => rule.meta.fix !== 'none').map((rule) => rule.meta.code);
    expect(run.report.summary.rules).toEqual(fixable);
    expectClean(run, sample.length);
    // asyncio/base_events.py joins a thread inside a coroutine (AS101): there is always work.
    expect(run.report.summary.fixesApplied).toBeGreaterThan(0);
  }, 100_000);
});

describe('the rewrite fuzzer can fail', () => {
  it('reports a broken fix (an unclosed parenthesis) with its rule, place, exception and diff, and exits 1', async () => {
    const root = project({ 'main.py': BLOCKING_SLEEP });
    const run = await fuzzJson(['--select', 'AS101', '--unsafe', '--self-test-broken-fix', '.'], root);
    expect(run.status).toBe(1);
    expect(run.report.summary.failures).toBe(1);
    expect(run.report.failures).toEqual([
      expect.objectContaining({ path: 'main.py', line: 5, column: 5, rule: 'AS101', kind: 'compile', error: expect.stringMatching(/SyntaxError/) }),
    ]);
    expect(run.report.failures[0]!.diff).toMatch(/^--- main\.py\n\+\+\+ main\.py\n@@/);
    expect(run.report.failures[0]!.diff).toMatch(/^-    time\.sleep\(1\)$/m);
    // Nothing was written next to the corpus (no rewrite, no __pycache__).
    expect(listFiles(root)).toEqual(['main.py']);

    const text = await fuzz(['--select', 'AS101', '--unsafe', '--self-test-broken-fix', '.'], root);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^FAIL main\.py:5:5: AS101 \(\w+ fix, compile\) SyntaxError/m);
    expect(text.stdout).toMatch(/^\+\+\+ main\.py$/m);
    expect(text.stdout).toMatch(/^ {2}failures: 1 \(1 compile\)$/m);
  });

  it('reports a fix that changes nothing, and exits 1', async () => {
    const root = project({ 'main.py': BLOCKING_SLEEP });
    const run = await fuzzJson(['--select', 'AS101', '--unsafe', '--self-test-noop-fix', '.'], root);
    expect(run.status).toBe(1);
    expect(run.report.failures.map((f) => [f.path, f.line, f.kind])).toEqual([['main.py', 5, 'no-change']]);
  });

  it('passes the same project when the fix is left alone', async () => {
    const root = project({ 'main.py': BLOCKING_SLEEP });
    const run = await fuzzJson(['--select', 'AS101', '--unsafe', '.'], root);
    expect(run.status).toBe(0);
    expect(run.report.summary).toMatchObject({ files: 1, findings: 1, fixesApplied: 1, failures: 0 });
  });

  it('its compile driver rejects what py_compile rejects, and checks the target version', async () => {
    const { CompilePool, badEdits } = (await import(pathToFileURL(SCRIPT).href)) as {
      CompilePool: new (options: { python?: string; jobs?: number }) => {
        start(): Promise<string>;
        compile(path: string, data: Uint8Array, feature?: number[]): Promise<{ ok: boolean; error?: string; line?: number; feature_ok?: boolean }>;
        close(): Promise<void>;
      };
      badEdits(text: string, edits: Array<{ start: number; end: number; text: string }>): string | undefined;
    };
    const pool = new CompilePool({ python: PYTHON, jobs: 1 });
    const version = await pool.start();
    expect(version).toMatch(/^3\.\d+\.\d+$/);
    try {
      const compile = (text: string | Buffer, feature?: number[]) => pool.compile('t.py', typeof text === 'string' ? Buffer.from(text) : text, feature);
      expect(await compile('def f(x):\n    return x\n')).toMatchObject({ ok: true });
      expect(await compile('def f(x:\n    return x\n')).toMatchObject({ ok: false, error: expect.stringMatching(/^SyntaxError/), line: 1 });
      // Rejected by the compiler, not the parser: py_compile rejects it too.
      expect(await compile('def f():\n    await g()\n')).toMatchObject({ ok: false, error: expect.stringMatching(/await/) });
      expect(await compile('if x:\nreturn\n')).toMatchObject({ ok: false, error: expect.stringMatching(/^IndentationError/) });
      // The bytes are compiled, so a coding cookie applies.
      const latin1 = Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\nname = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
      expect(await compile(latin1)).toMatchObject({ ok: true });
      expect(await compile(latin1.subarray(latin1.indexOf(10) + 1))).toMatchObject({ ok: false });
      // The target-version check: plain code passes; `match` is not Python 3.9 (asked of a Python
      // that has `match` at all: older ones reject it outright).
      expect(await compile('match = [1]\nfor x in match:\n    pass\n', [3, 8])).toMatchObject({ ok: true, feature_ok: true });
      if (/^3\.(\d{2,})/.test(version)) {
        expect(await compile('match x:\n    case 1:\n        pass\n', [3, 9])).toMatchObject({ ok: true, feature_ok: false });
      }
    } finally {
      await pool.close();
    }
    expect(badEdits('abc', [{ start: 0, end: 2, text: 'x' }, { start: 1, end: 3, text: 'y' }])).toMatch(/overlap/);
    expect(badEdits('abc', [{ start: 2, end: 9, text: '' }])).toMatch(/outside/);
    expect(badEdits('a\u{1F600}b', [{ start: 2, end: 2, text: 'x' }])).toMatch(/surrogate/);
    expect(badEdits('abc', [{ start: 1, end: 1, text: 'x' }, { start: 1, end: 1, text: 'y' }, { start: 3, end: 3, text: '' }])).toBeUndefined();
  });
});
