/**
 * PA101 (parallelizable-loop) and PA102 (parallelizable-comprehension) against the fixture
 * corpus of tests/rewrites/fixtures (see the README next to this file): for every program, the
 * verdict `concur check` gives its main loop (or comprehension),
 * what `concur fix --unsafe-fixes` does to it, and whether the rewritten program behaves exactly
 * like the original under real Python: same exit status, same stdout, same files written with
 * the same bytes, the same exception when it fails, and nothing on stderr when it succeeds.
 *
 * Each program runs with 0 items, 1 item and its default size, every run in a fresh empty
 * working directory. Python runs are asynchronous and at most two at a time (the dev machine
 * has two cores); a run that does not finish in time is killed with its process group and
 * reported as a hang. The CLI runs twice for the whole corpus (one `check`, one `fix` over a
 * copy of every fixture) rather than once per fixture.
 *
 * A sample of rewrites also runs under Python 3.8 and 3.13 with the matching
 * `--target-version`, and every rewrite that uses a process pool (processes, and hybrid:
 * threads feeding a process pool) under the `spawn` start method (the default on macOS, and
 * close to 3.14's `forkserver` on Linux), where a missing `if __name__ == "__main__":` guard
 * or an unpicklable worker shows.
 *
 * Nothing here measures time: speedups belong to the bench.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli-sync.js';
import { REPO_ROOT, listFiles, runConcur } from '../helpers/cli.js';
import { PYTHON, pythonAvailable, spawnPython, type PythonRun } from '../helpers/python.js';

const FIXTURES = path.join(REPO_ROOT, 'tests', 'rewrites', 'fixtures');
/** Loops are PA101's, comprehensions (and generator expressions) PA102's; both run together. */
const LOOP_RULE = 'PA101';
const COMPREHENSION_RULE = 'PA102';
const RULES = [LOOP_RULE, COMPREHENSION_RULE];
const MAIN_LOOP_MARKER = '# main loop';
/** Generous: a fixture runs in well under a second; a hang must still end with a clear message. */
const PROGRAM_TIMEOUT_MS = 30_000;
/** Python programs at once (the dev machine has two cores). */
const PYTHON_CONCURRENCY = 2;
const TEST_TIMEOUT_MS = 300_000;
const CLI_TIMEOUT_MS = 240_000;

const PYTHON38 = process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python';
const PYTHON313 = process.env.CONCUR_TEST_PYTHON313 ?? '/root/.pyenv/versions/3.13.0/bin/python';

/** Rewrites run under other interpreters too: two of each model, failures and files included. */
const VERSION_SAMPLE = [
  'threads_hash_files',
  'threads_exception_midway',
  'processes_module_level',
  'processes_free_vars',
  'asyncio_print_order',
  'asyncio_exception_midway',
  'hybrid_fetch_parse',
  'hybrid_exception_midway',
];
/** Models whose rewrites use a process pool: their workers import the main module. */
const PROCESS_MODELS = ['processes', 'hybrid'];

interface Fixture {
  name: string;
  verdict: 'parallel' | 'rejected';
  model?: 'threads' | 'processes' | 'asyncio' | 'hybrid';
  /** Substrings the reason of a rejected loop must contain. */
  reason?: string[];
  /** `sys.argv[1]` for the default size; the program's own default when absent. */
  args?: string;
  /** Exit status at the default size (0 unless given). */
  exitCode?: number;
  /** The rule expected to report the main loop: PA101 for a `for` statement, PA102 for a comprehension. */
  rule?: string;
  why?: string;
}

interface Plan {
  model: string;
  workload: string;
  workers: number;
  rationale: string;
  workersVariable?: string;
}

interface Report {
  version: number;
  findings: Array<{ rule: string; path: string; line: number; message: string; fixable: boolean; fix?: unknown; plan?: Plan }>;
  loops: Array<{ path: string; line: number; verdict: string; reason: string }>;
  errors: Array<{ path: string; message: string }>;
}

const fixtures = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'fixtures.json'), 'utf8')) as Fixture[];
const byName = new Map(fixtures.map((fixture) => [fixture.name, fixture]));
const fileOf = (fixture: Fixture) => `${fixture.name}.py`;
const sourceOf = (fixture: Fixture) => fs.readFileSync(path.join(FIXTURES, fileOf(fixture)));

/** The 1-based line of the `# main loop` marker (the first one; the corpus test checks there is one). */
function mainLoopLine(fixture: Fixture): number {
  const index = sourceOf(fixture)
    .toString('utf8')
    .split('\n')
    .findIndex((line) => line.trimEnd().endsWith(MAIN_LOOP_MARKER));
  return index + 1;
}

/** The rule that reports this fixture's main loop. */
function ruleOf(fixture: Fixture): string {
  if (fixture.rule) return fixture.rule;
  const header = sourceOf(fixture).toString('utf8').split('\n')[mainLoopLine(fixture) - 1] ?? '';
  return /^\s*for /.test(header) ? LOOP_RULE : COMPREHENSION_RULE;
}

/** Sizes every program runs with: none, one, and the default. */
function sizesOf(fixture: Fixture): Array<{ label: string; argv: string[] }> {
  const defaultArgv = fixture.args === undefined ? [] : [fixture.args];
  return [
    { label: '0 items', argv: ['0'] },
    { label: '1 item', argv: ['1'] },
    { label: `default size (${fixture.args ?? 'no argument'})`, argv: defaultArgv },
  ];
}

// ---------------------------------------------------------------------------------------------
// Temporary directories, a concurrency limit, and the Python runner.

const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'concur-rewrites-')));
let scratchCount = 0;

function freshDirectory(label: string): string {
  const directory = path.join(scratch, `${String(++scratchCount).padStart(4, '0')}-${label}`);
  fs.mkdirSync(directory, { recursive: true });
  return directory;
}

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** At most `concurrency` tasks at once; a finishing task hands its slot to the next in line. */
function limiter(concurrency: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async function limited<T>(task: () => Promise<T>): Promise<T> {
    if (active < concurrency) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

const limitPython = limiter(PYTHON_CONCURRENCY);

/**
 * The interpreter behind `python3`: a pyenv shim costs a shell start per run, so it is resolved
 * once. Programs started through it see the same `sys.executable` either way.
 */
function resolveInterpreter(python: string): string {
  const probe = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 30_000 });
  const resolved = probe.status === 0 ? probe.stdout.trim() : '';
  return resolved && fs.existsSync(resolved) ? resolved : python;
}

const PYTHON3 = resolveInterpreter(PYTHON);

interface Run extends PythonRun {
  /** Files the program left in its working directory: relative path -> text, or digest for binary. */
  files: Record<string, string>;
}

/** The caller's environment minus what would make a run depend on it. */
function programEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    // CONCUR_*: whatever tunes the tool or its generated code on the caller's machine.
    if (name.startsWith('CONCUR_') || ['PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONWARNINGS', 'PYTHONHOME'].includes(name)) delete env[name];
  }
  return {
    ...env,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    PYTHONIOENCODING: 'utf-8',
    PYTHONUTF8: '1',
    ...extra,
  };
}

/** What a file holds, for comparison: small UTF-8 text as itself, anything else as size and digest. */
function fileSummary(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (bytes.length <= 4096 && !text.includes('\u0000') && Buffer.from(text, 'utf8').equals(bytes)) return text;
  return `<${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}>`;
}

function filesIn(directory: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const relative of listFiles(directory)) files[relative] = fileSummary(fs.readFileSync(path.join(directory, relative)));
  return files;
}

interface RunOptions {
  python?: string;
  env?: Record<string, string>;
  /** Arguments before the program (`-c CODE` for the spawn wrapper). */
  prefix?: string[];
}

/**
 * `python [prefix] program argv...` in a fresh empty working directory, in its own process
 * group (a timeout kills the children too), two at a time across the whole file.
 */
function runProgram(program: string, argv: string[], options: RunOptions = {}): Promise<Run> {
  return limitPython(async () => {
    const cwd = freshDirectory('cwd');
    const run = await spawnPython(options.python ?? PYTHON3, [...(options.prefix ?? []), program, ...argv], {
      cwd,
      env: programEnvironment(options.env ?? {}),
      timeoutMs: PROGRAM_TIMEOUT_MS,
    });
    return { ...run, files: filesIn(cwd) };
  });
}

/**
 * The exception line of a traceback (`ValueError: sensor 7: ...`): the line after the last
 * indented one (the last frame's source and carets). Usually the last line of stderr; a rewrite
 * may add a note after it (PEP 678 `add_note`, 3.11+: "raised while processing item 7"), which
 * keeps the exception and its message as they were.
 */
function exceptionLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  let last = -1;
  lines.forEach((line, index) => {
    if (/^\s/.test(line)) last = index;
  });
  return lines[last + 1] ?? lines[lines.length - 1] ?? '';
}

function tail(text: string, lines = 25): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** A run that did not hang or die from a signal. */
function expectFinished(run: Run, where: string): void {
  expect(run.timedOut, `${where} did not finish within ${PROGRAM_TIMEOUT_MS / 1000} s (a hang?); stderr:\n${tail(run.stderr)}`).toBe(false);
  expect(run.signal, `${where} was killed by a signal; stderr:\n${tail(run.stderr)}`).toBeNull();
}

/** The rewritten program behaved exactly like the original. */
function expectSameBehaviour(original: Run, rewritten: Run, where: string): void {
  expectFinished(original, `${where}: the original`);
  expectFinished(rewritten, `${where}: the rewritten program`);
  const context = `\n--- stderr of the rewritten program:\n${tail(rewritten.stderr)}\n--- stderr of the original:\n${tail(original.stderr)}`;
  expect(rewritten.status, `${where}: exit status${context}`).toBe(original.status);
  expect(rewritten.stdout, `${where}: stdout${context}`).toBe(original.stdout);
  expect(rewritten.files, `${where}: the files written (name -> content)`).toEqual(original.files);
  if (original.status === 0) {
    expect(original.stderr, `${where}: the original wrote to stderr`).toBe('');
    expect(rewritten.stderr, `${where}: the rewritten program wrote to stderr`).toBe('');
  } else {
    expect(exceptionLine(rewritten.stderr), `${where}: the exception (its type and message)${context}`).toBe(exceptionLine(original.stderr));
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI, once per corpus: `check` over a copy of the fixtures, `fix` over another copy.

/** A directory holding a copy of these fixtures (and nothing else). */
function copyOf(selection: readonly Fixture[], label: string): string {
  const directory = freshDirectory(label);
  for (const fixture of selection) fs.copyFileSync(path.join(FIXTURES, fileOf(fixture)), path.join(directory, fileOf(fixture)));
  return directory;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= make());
}

function common(targetVersion?: string): string[] {
  return ['--isolated', '--color', 'never', '--select', RULES.join(','), ...(targetVersion ? ['--target-version', targetVersion] : [])];
}

function cliFailure(what: string, result: { status: number | null; stdout: string; stderr: string }): Error {
  return new Error(`${what} exited ${result.status}\n--- stdout:\n${tail(result.stdout, 40)}\n--- stderr:\n${tail(result.stderr, 40)}`);
}

/** With a timeout of our own: the shared helper's 45 s is short for a whole corpus on a busy machine. */
function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${CLI_TIMEOUT_MS / 1000} s`)), CLI_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const checkReport = once(async (): Promise<Report> => {
  const directory = copyOf(fixtures, 'check');
  const what = `concur check --format json ${common().join(' ')} .`;
  const result = await withTimeout(runConcur(['check', '--format', 'json', ...common(), '.'], { cwd: directory }), what);
  if (result.status !== 0 && result.status !== 1) throw cliFailure(what, result);
  const report = JSON.parse(result.stdout) as Report;
  if (report.errors.length) throw new Error(`${what} could not analyse some fixtures: ${JSON.stringify(report.errors, null, 2)}`);
  return report;
});

interface FixedCorpus {
  directory: string;
  /** The rewritten text of each fixture by name. */
  text: Map<string, Buffer>;
  files: string[];
}

/** `concur fix --unsafe-fixes` over a copy of `selection`; memoized per target version. */
const fixedCorpora = new Map<string, Promise<FixedCorpus>>();

function fixedCorpus(selection: readonly Fixture[], targetVersion?: string): Promise<FixedCorpus> {
  const key = `${targetVersion ?? 'default'}:${selection.map((fixture) => fixture.name).join(',')}`;
  let corpus = fixedCorpora.get(key);
  if (!corpus) {
    corpus = (async () => {
      const directory = copyOf(selection, `fix-${targetVersion ?? 'default'}`);
      const args = ['fix', ...common(targetVersion), '--unsafe-fixes', '.'];
      const what = `concur ${args.join(' ')}`;
      const result = await withTimeout(runConcur(args, { cwd: directory }), what);
      if (result.status === null || result.status > 1 || /internal error/i.test(result.stderr)) throw cliFailure(what, result);
      const text = new Map(selection.map((fixture) => [fixture.name, fs.readFileSync(path.join(directory, fileOf(fixture)))]));
      return { directory, text, files: listFiles(directory) };
    })();
    fixedCorpora.set(key, corpus);
  }
  return corpus;
}

/** `concur check` of the rewritten corpus: whether the fix covered each main loop. */
const recheckReport = once(async (): Promise<Report> => {
  const corpus = await fixedCorpus(fixtures);
  const directory = freshDirectory('recheck');
  for (const fixture of fixtures) fs.writeFileSync(path.join(directory, fileOf(fixture)), corpus.text.get(fixture.name)!);
  const what = `concur check --format json ${common().join(' ')} . (of the rewritten fixtures)`;
  const result = await withTimeout(runConcur(['check', '--format', 'json', ...common(), '.'], { cwd: directory }), what);
  if (result.status !== 0 && result.status !== 1) throw cliFailure(what, result);
  return JSON.parse(result.stdout) as Report;
});

/** The header of the main loop as written, without its marker: `for url in urls:`. */
function mainLoopHeader(fixture: Fixture): string {
  const line = sourceOf(fixture).toString('utf8').split('\n')[mainLoopLine(fixture) - 1] ?? '';
  return line.slice(0, line.lastIndexOf(MAIN_LOOP_MARKER)).trim();
}

/** The original and the rewritten program, each alone in its own directory, ready to run. */
interface ProgramPair {
  original: string;
  rewritten: string;
  changed: boolean;
  rewrittenText: string;
}

const programPairs = new Map<string, Promise<ProgramPair>>();

function programPair(fixture: Fixture, selection: readonly Fixture[] = fixtures, targetVersion?: string): Promise<ProgramPair> {
  const key = `${fixture.name}:${targetVersion ?? 'default'}`;
  let pair = programPairs.get(key);
  if (!pair) {
    pair = (async () => {
      const corpus = await fixedCorpus(selection, targetVersion);
      const rewrittenBytes = corpus.text.get(fixture.name)!;
      const original = path.join(freshDirectory(`${fixture.name}-original`), fileOf(fixture));
      const rewritten = path.join(freshDirectory(`${fixture.name}-rewritten`), fileOf(fixture));
      fs.writeFileSync(original, sourceOf(fixture));
      fs.writeFileSync(rewritten, rewrittenBytes);
      return { original, rewritten, changed: !rewrittenBytes.equals(sourceOf(fixture)), rewrittenText: rewrittenBytes.toString('utf8') };
    })();
    programPairs.set(key, pair);
  }
  return pair;
}

/** Runs of the original program, shared by the tests that compare against it. */
const originalRuns = new Map<string, Promise<Run>>();

function originalRun(fixture: Fixture, argv: string[], options: RunOptions & { label: string }): Promise<Run> {
  const key = `${fixture.name}|${argv.join(' ')}|${options.label}`;
  let run = originalRuns.get(key);
  if (!run) {
    run = (async () => {
      const program = path.join(freshDirectory(`${fixture.name}-source`), fileOf(fixture));
      fs.writeFileSync(program, sourceOf(fixture));
      return runProgram(program, argv, options);
    })();
    originalRuns.set(key, run);
  }
  return run;
}

/**
 * Environment variables the rewrite reads that the original does not: the worker-count knobs
 * of the generated code (`NAME_WORKERS = int(os.environ.get("NAME_WORKERS", ...))`).
 */
function newEnvironmentKnobs(original: string, rewritten: string): string[] {
  const pattern = /os\.(?:environ\.get|getenv)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']|os\.environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]/g;
  const names = (text: string) => new Set([...text.matchAll(pattern)].map((match) => match[1] ?? match[2]!));
  const before = names(original);
  return [...names(rewritten)].filter((name) => !before.has(name)).sort();
}

beforeAll(assertBuilt);

// ---------------------------------------------------------------------------------------------

describe('the fixture corpus', () => {
  it('lists every fixture program in fixtures.json, and nothing else', () => {
    const programs = fs
      .readdirSync(FIXTURES)
      .filter((name) => name.endsWith('.py'))
      .map((name) => name.slice(0, -3))
      .sort();
    expect(fixtures.map((fixture) => fixture.name).sort()).toEqual(programs);
    expect(new Set(programs).size).toBe(fixtures.length);
  });

  it('has well-formed entries: a model for each parallel fixture, a reason for each rejected one', () => {
    for (const fixture of fixtures) {
      const where = fixture.name;
      expect(['parallel', 'rejected'], where).toContain(fixture.verdict);
      if (fixture.verdict === 'parallel') {
        expect(['threads', 'processes', 'asyncio', 'hybrid'], where).toContain(fixture.model);
        expect(fixture.reason, where).toBeUndefined();
      } else {
        expect(fixture.model, where).toBeUndefined();
        expect(fixture.reason?.length, `${where}: the names a correct reason must mention`).toBeGreaterThan(0);
      }
      if (fixture.args !== undefined) expect(fixture.args, where).toMatch(/^\d+$/);
      if (fixture.exitCode !== undefined) expect(fixture.exitCode, where).toBeGreaterThan(0);
    }
    const parallel = fixtures.filter((fixture) => fixture.verdict === 'parallel');
    expect(parallel.length).toBeGreaterThanOrEqual(48);
    expect(fixtures.length - parallel.length).toBeGreaterThanOrEqual(14);
    for (const model of ['threads', 'processes', 'asyncio']) {
      expect(parallel.filter((fixture) => fixture.model === model).length, model).toBeGreaterThanOrEqual(6);
    }
    expect(parallel.filter((fixture) => fixture.model === 'hybrid').length, 'hybrid').toBeGreaterThanOrEqual(5);
    for (const name of VERSION_SAMPLE) expect(byName.has(name), name).toBe(true);
  });

  it('marks exactly one loop header per program with `# main loop`', () => {
    for (const fixture of fixtures) {
      const lines = sourceOf(fixture).toString('utf8').split('\n');
      const marked = lines.filter((line) => line.includes(MAIN_LOOP_MARKER));
      expect(marked, `${fileOf(fixture)}: lines marked ${MAIN_LOOP_MARKER}`).toHaveLength(1);
      // A `for` statement, or a comprehension written on one line.
      expect(marked[0], fileOf(fixture)).toMatch(/^\s*for .*:\s*# main loop$|[[({].* for .* in .*[\])}]\s*# main loop$/);
    }
  });
});

describe(`${RULES.join('/')} verdict on each main loop (concur check)`, () => {
  for (const fixture of fixtures) {
    const expected = fixture.verdict === 'parallel' ? `parallel (${fixture.model})` : `rejected (${(fixture.reason ?? []).join(', ')})`;
    it(`${fixture.name}: ${expected}`, async () => {
      const report = await checkReport();
      const file = fileOf(fixture);
      const line = mainLoopLine(fixture);
      const where = `${file}:${line}`;
      const considered = report.loops.filter((loop) => loop.path === file);
      const loops = considered.filter((loop) => loop.line === line);
      expect(loops, `${where}: the loop verdicts reported for ${file}: ${JSON.stringify(considered)}`).toHaveLength(1);
      const loop = loops[0]!;
      const rule = ruleOf(fixture);
      const findings = report.findings.filter((finding) => RULES.includes(finding.rule) && finding.path === file && finding.line === line);
      expect(loop.verdict, `${where}: reason given: ${loop.reason}`).toBe(fixture.verdict);
      if (fixture.verdict === 'rejected') {
        for (const phrase of fixture.reason ?? []) expect(loop.reason, `${where}: the reason names ${phrase}`).toContain(phrase);
        expect(findings, `${where}: a rejected loop has no ${RULES.join('/')} finding`).toEqual([]);
      } else {
        expect(
          findings.map((finding) => finding.rule),
          `${where}: one ${rule} finding at the loop`,
        ).toEqual([rule]);
        const finding = findings[0]!;
        expect(finding.plan?.model, `${where}: plan ${JSON.stringify(finding.plan)}`).toBe(fixture.model);
        expect(finding.fixable, `${where}: the finding offers a rewrite`).toBe(true);
        expect(finding.fix, `${where}: the finding carries its fix`).toBeDefined();
        // Two worker counts (threads that wait, processes that compute): the plan names the processes'.
        if (fixture.model === 'hybrid') expect(finding.plan?.workersVariable, `${where}: plan ${JSON.stringify(finding.plan)}`).toMatch(/_WORKERS$/);
      }
    });
  }
});

describe(`${RULES.join('/')} rewrite of each fixture (concur fix --unsafe-fixes)`, () => {
  it('writes no file besides the fixtures it rewrites', async () => {
    const corpus = await fixedCorpus(fixtures);
    expect(corpus.files).toEqual(fixtures.map(fileOf).sort());
  });

  for (const fixture of fixtures) {
    const expectation = fixture.verdict === 'parallel' ? 'rewrites it' : 'leaves it byte-identical';
    it(`${fixture.name}: ${expectation}`, async () => {
      const pair = await programPair(fixture);
      expect(pair.changed, `${fileOf(fixture)} after the fix:\n${pair.rewrittenText}`).toBe(fixture.verdict === 'parallel');
      if (fixture.verdict !== 'parallel') return;
      // A changed file is not enough: the fix of another loop may have been applied instead of
      // this one's (overlapping edits). If the main loop is still there as written, checking
      // the rewritten program must not find it parallel any more.
      const report = await recheckReport();
      const header = mainLoopHeader(fixture);
      const lines = pair.rewrittenText.split('\n');
      const left = report.loops.filter(
        (loop) => loop.path === fileOf(fixture) && loop.verdict === 'parallel' && (lines[loop.line - 1] ?? '').includes(header),
      );
      expect(left, `${fileOf(fixture)}: the main loop \`${header}\` is still sequential after the fix:\n${pair.rewrittenText}`).toEqual([]);
    });
  }
});

describe.concurrent('original and rewritten programs behave the same under python3', () => {
  for (const fixture of fixtures) {
    for (const size of sizesOf(fixture)) {
      it(`${fixture.name} with ${size.label}`, { timeout: TEST_TIMEOUT_MS }, async () => {
        const pair = await programPair(fixture);
        // Byte-identical programs behave alike by construction (the originals' own test runs them).
        if (!pair.changed) return;
        const [original, rewritten] = await Promise.all([
          originalRun(fixture, size.argv, { label: 'python3' }),
          runProgram(pair.rewritten, size.argv),
        ]);
        expectSameBehaviour(original, rewritten, `${fileOf(fixture)} ${size.argv.join(' ')}`);
      });
    }

    if (fixture.verdict === 'parallel') {
      it(`${fixture.name} with one worker (the worker-count variable set to 1)`, { timeout: TEST_TIMEOUT_MS }, async () => {
        const pair = await programPair(fixture);
        const knobs = newEnvironmentKnobs(sourceOf(fixture).toString('utf8'), pair.rewrittenText);
        if (!pair.changed || knobs.length === 0) return; // The tests above report a missing rewrite.
        if (fixture.model === 'hybrid') expect(knobs, `${fileOf(fixture)}: a thread count and a process count`).toHaveLength(2);
        const argv = sizesOf(fixture)[2]!.argv;
        const [original, rewritten] = await Promise.all([
          originalRun(fixture, argv, { label: 'python3' }),
          runProgram(pair.rewritten, argv, { env: Object.fromEntries(knobs.map((name) => [name, '1'])) }),
        ]);
        expectSameBehaviour(original, rewritten, `${fileOf(fixture)} ${argv.join(' ')} with ${knobs.map((name) => `${name}=1`).join(' ')}`);
      });
    }
  }
});

describe.concurrent('the original programs are deterministic and exit as fixtures.json says', () => {
  for (const fixture of fixtures) {
    it(fixture.name, { timeout: TEST_TIMEOUT_MS }, async () => {
      const sizes = sizesOf(fixture);
      const [empty, one, full] = await Promise.all(sizes.map((size) => originalRun(fixture, size.argv, { label: 'python3' })));
      const again = await originalRun(fixture, sizes[2]!.argv, { label: 'python3, other hash seed', env: { PYTHONHASHSEED: '1' } });
      for (const [run, label] of [[empty, sizes[0]!.label], [one, sizes[1]!.label]] as const) {
        expectFinished(run, `${fixture.name} with ${label}`);
        expect(run.status, `${fixture.name} with ${label}; stderr:\n${tail(run.stderr)}`).toBe(0);
        expect(run.stderr, `${fixture.name} with ${label}`).toBe('');
      }
      expectFinished(full, fixture.name);
      expect(full.status, `${fixture.name}; stderr:\n${tail(full.stderr)}`).toBe(fixture.exitCode ?? 0);
      if (full.status === 0) expect(full.stderr, fixture.name).toBe('');
      else expect(exceptionLine(full.stderr), `${fixture.name}: fails with an exception`).toMatch(/^[A-Za-z_][\w.]*(: |$)/);
      expectSameBehaviour(full, again, `${fixture.name}, run twice`);
    });
  }
});

describe.concurrent.each([
  { version: '3.8', python: PYTHON38, target: 'py38' },
  { version: '3.13', python: PYTHON313, target: 'py313' },
])('a sample of rewrites under Python $version (--target-version $target)', ({ version, python, target }) => {
  const available = pythonAvailable(python);
  const sample = VERSION_SAMPLE.map((name) => byName.get(name)).filter((fixture): fixture is Fixture => fixture !== undefined);
  for (const fixture of sample) {
    for (const size of sizesOf(fixture)) {
      it(`${fixture.name} (${fixture.model}) with ${size.label}`, { timeout: TEST_TIMEOUT_MS }, async (context) => {
        context.skip(!available, `Python ${version} not found at ${python} (set CONCUR_TEST_PYTHON${version.replace('.', '')} to an interpreter path)`);
        const pair = await programPair(fixture, sample, target);
        expect(pair.changed, `${fileOf(fixture)} is rewritten for ${target}`).toBe(fixture.verdict === 'parallel');
        const [original, rewritten] = await Promise.all([
          originalRun(fixture, size.argv, { label: `Python ${version}`, python }),
          runProgram(pair.rewritten, size.argv, { python }),
        ]);
        expectSameBehaviour(original, rewritten, `${fileOf(fixture)} ${size.argv.join(' ')} under Python ${version}`);
      });
    }
  }
});

/**
 * Runs a program with `spawn` as multiprocessing's default start method: workers re-import the
 * main module (as `__mp_main__`), so work done at import time runs again in every worker and
 * only module-level functions can be sent to them.
 */
const SPAWN_WRAPPER = [
  'import multiprocessing, runpy, sys',
  'multiprocessing.set_start_method("spawn")',
  'sys.argv = sys.argv[1:]',
  'runpy.run_path(sys.argv[0], run_name="__main__")',
].join('\n');

describe.concurrent('process-pool rewrites under the spawn start method', () => {
  for (const fixture of fixtures.filter((candidate) => PROCESS_MODELS.includes(candidate.model ?? ''))) {
    it(fixture.name, { timeout: TEST_TIMEOUT_MS }, async () => {
      const pair = await programPair(fixture);
      const argv = sizesOf(fixture)[2]!.argv;
      const options = { prefix: ['-c', SPAWN_WRAPPER] };
      const [original, rewritten] = await Promise.all([
        originalRun(fixture, argv, { label: 'python3, spawn', ...options }),
        runProgram(pair.rewritten, argv, options),
      ]);
      expectSameBehaviour(original, rewritten, `${fileOf(fixture)} ${argv.join(' ')} with the spawn start method`);
    });
  }
});
