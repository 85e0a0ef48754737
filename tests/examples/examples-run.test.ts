/**
 * The example programs under examples/ (see examples/README.md): every program runs under real
 * Python, exits with its expected status, writes nothing to stderr and prints exactly its
 * `expected_output.txt`, twice, with two different hash seeds (so that the output does not depend
 * on set or dict-of-str ordering luck). The lines that `examples.json` and each README cite must
 * still hold the code they name. `downloads` also runs against `slow_server.py` started as a
 * subprocess, and every program runs under Python 3.8 when it is on the machine.
 *
 * Nothing here measures time: the programs' run times belong to the bench.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, checkJson, listFiles } from '../helpers/cli.js';
import { PYTHON, pythonAvailable, spawnPython, type PythonRun } from '../helpers/python.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const SLOW_SERVER = path.join(EXAMPLES, '_support', 'slow_server.py');
/** Folders of examples/ that are not loop examples. */
const NOT_LOOP_EXAMPLES = new Set(['_support', 'async_service']);
/** Generous: the dev machine has 2 cores and the programs of this file run a few at a time. */
const PROGRAM_TIMEOUT_MS = 45_000;
const PYTHON38 = process.env.CONCUR_TEST_PYTHON38 ?? '/root/.pyenv/versions/3.8.18/bin/python';
const HAVE_PYTHON38 = pythonAvailable(PYTHON38);

interface SourceRef {
  line: number;
  text: string;
}

interface Example {
  name: string;
  program: string;
  kind: 'parallel' | 'trap';
  verdict: 'parallel' | 'rejected';
  model: string | null;
  workload?: string;
  server?: boolean;
  /** A script run once with a new empty directory; the program then gets that directory. */
  setup?: string;
  exitCode: number;
  loop: SourceRef;
  mentions: string[];
  reason: string;
  evidence: SourceRef[];
}

const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'examples.json'), 'utf8')) as { examples: Example[] };
const examples = manifest.examples;
const filesBefore = listFiles(EXAMPLES);

afterAll(() => {
  // The programs work in temporary directories: running them leaves examples/ as it was.
  expect(listFiles(EXAMPLES)).toEqual(filesBefore);
});

type Run = PythonRun;

/** The environment of the caller minus what would make a run depend on it. */
function programEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONWARNINGS', 'PYTHONHASHSEED', 'CONCUR_EXAMPLE_SERVER']) delete env[name];
  // urllib honours proxy variables; the examples' server is on the loopback interface.
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) delete env[name];
  return {
    ...env,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    // Nothing may be written next to the examples (slow_server.py is imported by downloads).
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    ...extra,
  };
}

/**
 * `python file` from a temporary working directory, asynchronously (so that several run at
 * once). The program runs in its own process group: on timeout the group is killed, children
 * (subprocess_per_item's converters) included.
 */
function runProgram(file: string, options: { python?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<Run> {
  return spawnPython(options.python ?? PYTHON, [file, ...(options.args ?? [])], { cwd: os.tmpdir(), env: programEnvironment(options.env), timeoutMs: PROGRAM_TIMEOUT_MS });
}

const setUpDirectories = new Map<string, Promise<string>>();
afterAll(async () => {
  for (const directory of await Promise.allSettled(setUpDirectories.values())) {
    if (directory.status === 'fulfilled') fs.rmSync(directory.value, { recursive: true, force: true });
  }
});

/**
 * The program's arguments: none, or the directory its `setup` script filled (run once per
 * example, shared by every run of it).
 */
async function programArguments(example: Example): Promise<string[]> {
  if (!example.setup) return [];
  let made = setUpDirectories.get(example.name);
  if (!made) {
    made = (async () => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), `concur-example-${example.name}-`));
      const run = await runProgram(path.join(EXAMPLES, example.name, example.setup!), { args: [directory] });
      expect(run.status, `${example.name}/${example.setup}: ${run.stderr}`).toBe(0);
      return directory;
    })();
    setUpDirectories.set(example.name, made);
  }
  return [await made];
}

function programPath(example: Example): string {
  return path.join(EXAMPLES, example.name, example.program);
}

function expectedOutput(example: Example): string {
  return fs.readFileSync(path.join(EXAMPLES, example.name, 'expected_output.txt'), 'utf8');
}

/** Asserts a run's status, silence on stderr and stdout, with the program named on failure. */
function expectRun(example: Example, run: Run, label: string): void {
  const where = `${example.name}/${example.program} (${label})`;
  expect(run.timedOut, `${where} timed out`).toBe(false);
  expect(run.stderr, `${where} wrote to stderr`).toBe('');
  expect(run.status, `${where} exit status`).toBe(example.exitCode);
  expect(run.stdout, `${where} stdout`).toBe(expectedOutput(example));
}

describe('examples/ layout', () => {
  it('lists every loop example folder in examples.json, each with its README, program and expected output', () => {
    const folders = fs
      .readdirSync(EXAMPLES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !NOT_LOOP_EXAMPLES.has(entry.name) && entry.name !== '__pycache__')
      .map((entry) => entry.name)
      .sort();
    expect(examples.map((example) => example.name).sort()).toEqual(folders);
    for (const example of examples) {
      for (const file of ['README.md', example.program, 'expected_output.txt', ...(example.setup ? [example.setup] : [])]) {
        expect(fs.existsSync(path.join(EXAMPLES, example.name, file)), `${example.name}/${file}`).toBe(true);
      }
      expect(example.verdict).toBe(example.kind === 'trap' ? 'rejected' : 'parallel');
      if (example.verdict === 'parallel') expect(['threads', 'processes', 'asyncio', 'hybrid']).toContain(example.model);
      else expect(example.model).toBeNull();
    }
    expect(fs.existsSync(SLOW_SERVER)).toBe(true);
  });

  it('cites lines that still hold the code they name, in examples.json and in each README', () => {
    for (const example of examples) {
      const source = fs.readFileSync(programPath(example), 'utf8').split('\n');
      const readme = fs.readFileSync(path.join(EXAMPLES, example.name, 'README.md'), 'utf8');
      const loopLine = source[example.loop.line - 1] ?? '';
      expect(loopLine.trimStart(), `${example.name} loop line`).toMatch(/^(async )?for /);
      for (const ref of [example.loop, ...example.evidence]) {
        expect(source[ref.line - 1] ?? '', `${example.name}/${example.program}:${ref.line}`).toContain(ref.text);
      }
      expect(readme, `${example.name}/README.md cites its loop`).toContain(`${example.program}:${example.loop.line}`);
      for (const ref of example.evidence) {
        // A README cites each line as `program.py:N`, or as a bare line number in a range or list.
        const cited =
          readme.includes(`${example.program}:${ref.line}`) || new RegExp(`\\blines? [0-9, and-]*\\b${ref.line}\\b`).test(readme);
        expect(cited, `${example.name}/README.md cites line ${ref.line}`).toBe(true);
      }
      for (const name of example.mentions) {
        expect(example.reason, `${example.name} reason`).toContain(name);
        expect(readme, `${example.name}/README.md`).toContain(name);
      }
    }
  });

  it('has a row per example in examples/README.md with the expected verdict and model', () => {
    const table = fs.readFileSync(path.join(EXAMPLES, 'README.md'), 'utf8');
    for (const example of examples) {
      const row = table.split('\n').find((line) => line.startsWith(`| [${example.name}](${example.name}/) |`));
      expect(row, `row of ${example.name}`).toBeDefined();
      expect(row).toContain(example.verdict === 'parallel' ? `| parallel (${example.model}) |` : '| rejected |');
    }
  });

  it('stays small', () => {
    const bytes = listFiles(EXAMPLES).reduce((sum, file) => sum + fs.statSync(path.join(EXAMPLES, file)).size, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
  });
});

describe('concur on the examples', () => {
  it('reaches the expected verdict, model and workload on each main loop, with a reason naming its sources', async () => {
    const { status, stderr, json } = await checkJson(['--select', 'PA101,PA102', '--isolated', 'examples'], { cwd: REPO_ROOT });
    expect(stderr).toBe('');
    expect(status).toBe(1);
    for (const example of examples) {
      const file = `examples/${example.name}/${example.program}`;
      const loop = json.loops.find((entry) => entry.path === file && entry.line === example.loop.line);
      expect(loop, `${file}:${example.loop.line} has a loop verdict`).toBeDefined();
      expect(loop!.verdict, `${file}:${example.loop.line}: ${loop!.reason}`).toBe(example.verdict);
      for (const name of example.mentions) expect(loop!.reason, `${file}:${example.loop.line} reason`).toContain(name);
      const findings = json.findings.filter((finding) => finding.path === file && finding.line === example.loop.line);
      if (example.verdict === 'rejected') {
        expect(findings, `${file}:${example.loop.line} is rejected, so no finding`).toEqual([]);
        continue;
      }
      expect(findings, `${file}:${example.loop.line} has one finding`).toHaveLength(1);
      const plan = findings[0]!.plan as { model: string; workload: string };
      expect([plan.model, plan.workload], `${file}:${example.loop.line} plan`).toEqual([example.model, example.workload]);
      expect(findings[0]!.fixable, `${file}:${example.loop.line} is fixable`).toBe(true);
    }
  });
});

describe.concurrent('example programs under python3', () => {
  for (const example of examples) {
    it(`${example.name}/${example.program} prints its expected output, twice`, async () => {
      const args = await programArguments(example);
      const runs = await Promise.all([
        runProgram(programPath(example), { args, env: { PYTHONHASHSEED: '1' } }),
        runProgram(programPath(example), { args, env: { PYTHONHASHSEED: '2' } }),
      ]);
      expectRun(example, runs[0]!, 'first run');
      expectRun(example, runs[1]!, 'second run');
    });
  }

  it('downloads/download_all.py uses a slow_server.py started as a subprocess (CONCUR_EXAMPLE_SERVER)', async () => {
    const example = examples.find((candidate) => candidate.name === 'downloads')!;
    const server = spawn(PYTHON, [SLOW_SERVER, '--latency', '0.01'], {
      cwd: os.tmpdir(),
      env: programEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      server.on('close', (status, signal) => resolve({ status, signal }));
    });
    let serverStderr = '';
    server.stderr.on('data', (chunk: Buffer) => (serverStderr += chunk.toString('utf8')));
    try {
      const baseUrl = await firstLine(server.stdout, 20_000);
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const run = await runProgram(programPath(example), { env: { CONCUR_EXAMPLE_SERVER: baseUrl } });
      expectRun(example, run, 'external server');
      server.kill('SIGTERM');
      // SIGTERM is a clean stop: status 0 and nothing on stderr.
      expect(await exited).toEqual({ status: 0, signal: null });
      expect(serverStderr).toBe('');
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describe.concurrent('example programs under Python 3.8', () => {
  for (const example of examples) {
    it(`${example.name}/${example.program}`, async (context) => {
      context.skip(!HAVE_PYTHON38, `Python 3.8 not found at ${PYTHON38} (set CONCUR_TEST_PYTHON38 to an interpreter path)`);
      const run = await runProgram(programPath(example), { python: PYTHON38, args: await programArguments(example), env: { PYTHONHASHSEED: '3' } });
      expectRun(example, run, 'Python 3.8');
    });
  }
});

/** The first line a stream produces (without its newline); rejects on end of stream or timeout. */
function firstLine(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => finish(new Error(`no line within ${timeoutMs} ms; got ${JSON.stringify(buffered)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\n');
      if (end >= 0) finish(undefined, buffered.slice(0, end).trim());
    };
    const onEnd = () => finish(new Error(`stream ended before a line; got ${JSON.stringify(buffered)}`));
    function finish(error?: Error, line?: string) {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      if (error) reject(error);
      else resolve(line!);
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}
