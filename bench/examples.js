/**
 * The examples speedup bench (part of `npm run bench`, see bench/README.md): for every example
 * of examples/examples.json whose expected verdict is "parallel", let `concur fix` rewrite a
 * copy of the program (rule PA101, unsafe fixes included), then time the original and the
 * rewritten program under python3, interleaved, and check that both still print exactly
 * `expected_output.txt` and exit with the expected status.
 *
 * Timings are reported against the targets of the parallelisation issue, never asserted: the
 * bench fails only when a program fails or prints something else than expected.
 *
 * Plain Node 20, standard library only.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_DIR = path.dirname(BENCH_DIR);
const CONCUR_BIN = path.join(REPO_DIR, 'bin', 'concur.js');
const EXAMPLES_DIR = path.join(REPO_DIR, 'examples');
const SUPPORT_DIR = path.join(EXAMPLES_DIR, '_support');
const MANIFEST = path.join(EXAMPLES_DIR, 'examples.json');
const CACHE_DIR = path.join(BENCH_DIR, '.cache');
const RESULTS_FILE = path.join(CACHE_DIR, 'examples-latest.json');
// The rewritten programs, kept for reading after the bench (the temporary copies are removed).
const REWRITTEN_DIR = path.join(CACHE_DIR, 'examples-rewritten');

// The interpreter `python3` names, resolved once: a version manager's `python3` is often a shell
// script that starts the real one, and its start-up (0.08 s here with pyenv) would be timed with
// every run of both programs, shrinking the ratio of short programs.
const PYTHON = resolvePython('python3');
const RULE = 'PA101';
const SERVER_LATENCY = 0.05;
const SERVER_ENV = 'CONCUR_EXAMPLE_SERVER';
const SERVER_START_TIMEOUT_MS = 15_000;
// The programs run in under 4 s sequentially; a run that takes this long is hung, not slow.
const PROGRAM_TIMEOUT_MS = 60_000;
// The targets of the issue, for a 2-core machine: I/O-bound work (waiting) 5x, CPU work 1.6x.
// Native code that releases the GIL (hashing) and local reads followed by pure-Python parsing
// (`mixed` under processes) are CPU work too: the cores bound them, at 2x here.
const TARGETS = { io: 5, native: 1.6, mixed: 1.6, cpu: 1.6 };
const TARGET_CPUS = 2;

/**
 * Runs the examples bench; resolves to the exit status (0, or 1 when a program failed or its
 * output differed). `runs` is the number of timed runs per program, after one warm-up each;
 * `only`, if given, the names of the examples to run (each one whose expected verdict is "parallel").
 */
export async function runExamplesBench({ runs, only }) {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Last run's rewrites would otherwise pass for this run's.
  fs.rmSync(REWRITTEN_DIR, { recursive: true, force: true });
  const loadBefore = os.loadavg()[0];
  const started = process.hrtime.bigint();
  const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  const parallel = manifest.examples.filter((example) => example.verdict === 'parallel');
  const unknown = (only ?? []).filter((name) => !parallel.some((example) => example.name === name));
  if (unknown.length) {
    throw new Error(`--example: no example with verdict "parallel" named ${unknown.join(', ')} (there are ${parallel.map((e) => e.name).join(', ')})`);
  }
  const examples = only?.length ? parallel.filter((example) => only.includes(example.name)) : parallel;
  log(`examples: ${examples.length} with verdict "parallel": ${examples.map((example) => example.name).join(', ')}`);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-bench-examples-'));
  let server = null;
  // Ctrl-C ends the bench with process.exit (see runProgram), which skips the finally below.
  const cleanUpOnExit = () => {
    server?.kill();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  process.on('exit', cleanUpOnExit);
  try {
    const prepared = examples.map((example) => prepareExample(example, workDir));
    if (examples.some((example) => example.server)) {
      server = await startServer();
      log(`slow_server.py (latency ${SERVER_LATENCY} s) at ${server.baseUrl}`);
    }
    const measured = [];
    for (const item of prepared) measured.push(await timeExample(item, runs, server));

    const results = {
      date: new Date().toISOString(),
      machine: { ...machineFacts(), loadAverage: { before: loadBefore, after: os.loadavg()[0] } },
      python: pythonVersion(),
      pythonExecutable: PYTHON,
      concur: concurVersion(),
      rule: RULE,
      runsPerProgram: runs,
      serverLatencySeconds: server ? SERVER_LATENCY : null,
      targets: TARGETS,
      elapsedSeconds: Number(process.hrtime.bigint() - started) / 1e9,
      examples: measured.map(summariseExample),
    };
    printResults(results);
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${path.relative(REPO_DIR, RESULTS_FILE)}`);
    return results.examples.every((example) => example.outputIdentical) ? 0 : 1;
  } finally {
    process.removeListener('exit', cleanUpOnExit);
    if (server) await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- copies and the rewrite

/**
 * Two copies of the example's folder, each next to its own copy of _support (downloads finds
 * slow_server.py as ../_support): `original/` is timed as it is, `rewritten/` after `concur fix`.
 * Both sides run from the same kind of place, and nothing is written under examples/.
 */
function prepareExample(example, workDir) {
  const copies = {};
  for (const side of ['original', 'rewritten']) {
    const root = path.join(workDir, side);
    if (!fs.existsSync(path.join(root, '_support'))) copyTree(SUPPORT_DIR, path.join(root, '_support'));
    copyTree(path.join(EXAMPLES_DIR, example.name), path.join(root, example.name));
    copies[side] = path.join(root, example.name, example.program);
  }
  const expected = fs.readFileSync(path.join(EXAMPLES_DIR, example.name, 'expected_output.txt'));
  const args = example.setup ? [setUpData(example, workDir)] : [];
  const plan = concurPlan(example, copies.rewritten);
  const before = fs.readFileSync(copies.rewritten);
  const fix = concurFix(copies.rewritten);
  const after = fs.readFileSync(copies.rewritten);
  const rewritten = !before.equals(after);
  let savedAs = null;
  if (rewritten) {
    fs.mkdirSync(REWRITTEN_DIR, { recursive: true });
    savedAs = path.join(REWRITTEN_DIR, `${example.name}.py`);
    fs.writeFileSync(savedAs, after);
  }
  log(`${example.name}: model ${plan.model ?? 'n/a'}, ${rewritten ? 'rewritten' : 'not rewritten'}${fix.note ? ` (${fix.note})` : ''}`);
  return { example, copies, expected, args, plan, fix, rewritten, savedAs };
}

/** Runs the example's `setup` script (untimed) into a new directory: the program's argument. */
function setUpData(example, workDir) {
  const directory = path.join(workDir, `data-${example.name}`);
  fs.mkdirSync(directory);
  const script = path.join(EXAMPLES_DIR, example.name, example.setup);
  const result = spawnSync(PYTHON, [script, directory], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${example.name}: ${example.setup} failed: ${firstLine(result.stderr) || describeSpawn(result)}`);
  log(`${example.name}: ${example.setup} wrote its input to ${directory}`);
  return directory;
}

function copyTree(from, to) {
  fs.cpSync(from, to, { recursive: true, filter: (source) => path.basename(source) !== '__pycache__' });
}

/** `concur check --select PA101 --format json` on the copy, before the fix: the plan at the main loop. */
function concurPlan(example, program) {
  const args = [CONCUR_BIN, 'check', '--select', RULE, '--format', 'json', '--isolated', program];
  const result = spawnSync(process.execPath, args, { cwd: path.dirname(program), encoding: 'utf8', maxBuffer: 1 << 26 });
  const answer = { model: null, workload: null, workers: null, rationale: null, loopVerdict: null, note: null };
  if (result.error || result.signal || (result.status !== 0 && result.status !== 1)) {
    answer.note = `concur check failed: ${firstLine(result.stderr) || describeSpawn(result)}`;
    return answer;
  }
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    answer.note = `concur check printed no JSON: ${firstLine(result.stdout)}`;
    return answer;
  }
  const findings = (report.findings ?? []).filter((finding) => finding.rule === RULE);
  // The finding on the example's main loop; any other PA101 finding with a plan only if none is.
  const finding = findings.find((f) => f.line === example.loop.line && f.plan) ?? findings.find((f) => f.plan);
  const verdict = (report.loops ?? []).find((loop) => loop.line === example.loop.line);
  if (verdict) answer.loopVerdict = { verdict: verdict.verdict, reason: verdict.reason };
  if (finding) {
    Object.assign(answer, finding.plan);
    if (finding.line !== example.loop.line) answer.note = `plan of line ${finding.line}, not of the main loop (line ${example.loop.line})`;
  } else {
    answer.note = verdict ? `loop ${verdict.verdict}: ${verdict.reason}` : `no ${RULE} finding`;
  }
  return answer;
}

/** `concur fix --unsafe-fixes --select PA101` on the copy; whether it changed the file is read from the file. */
function concurFix(program) {
  const args = [CONCUR_BIN, 'fix', '--unsafe-fixes', '--select', RULE, '--isolated', program];
  const result = spawnSync(process.execPath, args, { cwd: path.dirname(program), encoding: 'utf8', maxBuffer: 1 << 26 });
  // 0: nothing left, 1: findings left (e.g. loops without a fix); 2: usage error or nothing analysed.
  const failed = result.error || result.signal || (result.status !== 0 && result.status !== 1);
  return {
    exitCode: result.status,
    note: failed ? `concur fix failed: ${firstLine(result.stderr) || describeSpawn(result)}` : null,
  };
}

// ---------------------------------------------------------------- the local server

/** slow_server.py as a subprocess; its first stdout line is the base URL. */
function startServer() {
  const script = path.join(SUPPORT_DIR, 'slow_server.py');
  const child = spawn(PYTHON, [script, '--latency', String(SERVER_LATENCY)], {
    cwd: REPO_DIR,
    env: pythonEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    let settled = false;
    const fail = async (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      await stop();
      reject(new Error(`slow_server.py ${why}${stderr ? `\n${lastLines(stderr)}` : ''}`));
    };
    const timer = setTimeout(() => fail(`printed no URL within ${SERVER_START_TIMEOUT_MS / 1000} s`), SERVER_START_TIMEOUT_MS);
    child.on('error', (error) => fail(`could not start: ${error.message}`));
    exited.then(({ code, signal }) => fail(`exited (${signal ?? `status ${code}`}) before printing its URL`));
    lines.once('line', (line) => {
      const baseUrl = line.trim();
      if (!/^https?:\/\//.test(baseUrl)) {
        fail(`printed "${baseUrl}" instead of a base URL`);
        return;
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Keep reading (and dropping) stdout so that the server can never block on a full pipe.
      lines.on('line', () => {});
      resolve({ baseUrl, stop, kill: () => child.kill('SIGTERM') });
    });
  });
}

// ---------------------------------------------------------------- timing

/**
 * One warm-up each, then original, rewritten, original, rewritten ... so that drift in machine
 * load hits both alike. Every run's stdout and exit status are checked, warm-ups included. An
 * unchanged "rewrite" is not timed: it is the original, and its speedup would only be noise.
 */
async function timeExample(item, runs, server) {
  const { example, copies, expected, args, rewritten } = item;
  const env = pythonEnvironment(example.server && server ? { [SERVER_ENV]: server.baseUrl } : {});
  const sides = rewritten ? ['original', 'rewritten'] : ['original'];
  const timings = { original: [], rewritten: [] };
  const failures = { original: null, rewritten: null };
  for (let round = 0; round <= runs; round++) {
    const label = round === 0 ? 'warm-up' : `run ${round}/${runs}`;
    for (const side of sides) {
      if (failures[side]) continue;
      const run = await runProgram(copies[side], args, env);
      const problem = checkRun(run, example, expected);
      log(`${example.name} ${label} ${side}: ${run.wallSeconds.toFixed(2)} s${problem ? `: ${problem}` : ''}`);
      if (problem) {
        failures[side] = { run: label, problem, stderrTail: lastLines(run.stderr, 10) };
        continue;
      }
      if (round > 0) timings[side].push(run.wallSeconds);
    }
    if (sides.every((side) => failures[side])) break;
  }
  return { ...item, timings, failures };
}

function runProgram(program, args, env) {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a hung run can be stopped with its pool's workers. The
    // group does not get the terminal's Ctrl-C, so pass that on.
    const child = spawn(PYTHON, [program, ...args], { cwd: path.dirname(program), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const onInterrupt = () => {
      killGroup(child.pid, 'SIGINT');
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    const started = process.hrtime.bigint();
    const stdout = [];
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, PROGRAM_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onInterrupt);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onInterrupt);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ wallSeconds, exitCode, signal, timedOut, stdout: Buffer.concat(stdout), stderr });
    });
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** What is wrong with a run, or null: the exit status of examples.json and expected_output.txt. */
function checkRun(run, example, expected) {
  if (run.timedOut) return `timed out after ${PROGRAM_TIMEOUT_MS / 1000} s`;
  if (run.signal) return `killed by ${run.signal}`;
  if (run.exitCode !== example.exitCode) return `exited with status ${run.exitCode}, expected ${example.exitCode}`;
  if (!run.stdout.equals(expected)) return `stdout differs from expected_output.txt (${firstDifference(run.stdout, expected)})`;
  return null;
}

function firstDifference(actual, expected) {
  const got = actual.toString('utf8').split('\n');
  const want = expected.toString('utf8').split('\n');
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] !== want[i]) {
      const show = (line) => (line === undefined ? 'nothing' : JSON.stringify(line.slice(0, 80)));
      return `line ${i + 1}: ${show(got[i])} instead of ${show(want[i])}`;
    }
  }
  return 'same lines, different bytes';
}

/** The caller's environment minus what would make a run depend on it (as tests/examples does). */
function pythonEnvironment(extra = {}) {
  const env = { ...process.env };
  for (const name of ['PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONWARNINGS', 'PYTHONHASHSEED', SERVER_ENV]) delete env[name];
  // urllib honours proxy variables; the server is on the loopback interface.
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) delete env[name];
  return {
    ...env,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    ...extra,
  };
}

// ---------------------------------------------------------------- results

function summariseExample(measured) {
  const { example, plan, fix, rewritten, savedAs, timings, failures } = measured;
  const sequential = timings.original.length ? median(timings.original) : null;
  const concurrent = rewritten && timings.rewritten.length ? median(timings.rewritten) : null;
  const speedup = sequential !== null && concurrent !== null ? sequential / concurrent : null;
  const target = TARGETS[example.workload] ?? null;
  return {
    name: example.name,
    program: `examples/${example.name}/${example.program}`,
    workload: example.workload,
    expectedModel: example.model,
    plan,
    fix,
    rewritten,
    rewrittenSavedAs: savedAs ? path.relative(REPO_DIR, savedAs) : null,
    sequentialSeconds: sequential === null ? null : { median: sequential, all: timings.original },
    concurrentSeconds: concurrent === null ? null : { median: concurrent, all: timings.rewritten },
    speedup,
    target,
    targetMet: speedup === null || target === null ? null : speedup >= target,
    // Every run that happened matched expected_output.txt and the exit status; an unchanged
    // program is the original, so the original's runs stand for it.
    outputIdentical: !failures.original && !failures.rewritten,
    failures: Object.fromEntries(Object.entries(failures).filter(([, failure]) => failure)),
  };
}

function printResults(results) {
  const { machine } = results;
  const load = machine.loadAverage;
  const out = [''];
  out.push(`Examples: ${results.examples.length} programs with verdict "parallel" (examples/examples.json), rewritten by \`concur fix --unsafe-fixes --select ${RULE}\``);
  out.push(`Machine:  ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.platform}, Python ${results.python ?? '?'}, concur ${results.concur ?? '?'}`);
  out.push(`Load:     1-min load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after${load.before > 0.5 ? ' (machine was busy: timings are noisy, rerun when idle)' : ''}`);
  out.push(`Runs:     ${results.runsPerProgram} per program after one warm-up each, original and rewritten interleaved; medians of wall time`);
  if (results.serverLatencySeconds !== null) out.push(`Server:   slow_server.py, ${results.serverLatencySeconds} s per response, via ${SERVER_ENV}`);
  out.push('', table(results.examples));
  const rewritten = results.examples.filter((example) => example.rewritten);
  const met = rewritten.filter((example) => example.targetMet).length;
  out.push('');
  out.push(`Targets (issue, ${TARGET_CPUS}-core machine): I/O-bound (io) >= ${TARGETS.io}x, CPU work (cpu, mixed, native) >= ${TARGETS.cpu}x.`);
  if (machine.cpus !== TARGET_CPUS) out.push(`  note: this machine has ${machine.cpus} CPUs; the targets are set for ${TARGET_CPUS}.`);
  out.push(`  met by ${met} of ${rewritten.length} rewritten examples; ${results.examples.length - rewritten.length} of ${results.examples.length} not rewritten (no speedup to measure).`);
  const notes = describeNotes(results.examples);
  if (notes.length) out.push('', 'Notes:', ...notes);
  const failed = results.examples.filter((example) => !example.outputIdentical);
  out.push('', failed.length ? `FAILED: ${failed.map((example) => example.name).join(', ')} (see above)` : 'All outputs identical to expected_output.txt, exit statuses as expected.');
  out.push(`Elapsed: ${results.elapsedSeconds.toFixed(0)} s`, '');
  process.stdout.write(`${out.join('\n')}\n`);
}

function table(examples) {
  const header = ['example', 'workload', 'model', 'rewritten', 'sequential s', 'concurrent s', 'speedup', 'target', 'met', 'output identical'];
  const rows = examples.map((example) => [
    example.name,
    example.workload ?? '?',
    describeModel(example),
    example.rewritten ? 'yes' : 'no',
    example.sequentialSeconds ? example.sequentialSeconds.median.toFixed(2) : 'n/a',
    example.concurrentSeconds ? example.concurrentSeconds.median.toFixed(2) : 'n/a',
    example.speedup === null ? 'n/a' : `${example.speedup.toFixed(2)}x`,
    example.target === null ? '?' : `>= ${example.target}x`,
    example.targetMet === null ? 'n/a' : example.targetMet ? 'yes' : 'NO',
    example.outputIdentical ? 'yes' : 'NO',
  ]);
  const numeric = new Set([4, 5, 6, 7]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  const line = (row) => row.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function describeModel(example) {
  const model = example.plan.model ?? 'n/a';
  return example.plan.model && example.plan.model !== example.expectedModel ? `${model} (want ${example.expectedModel})` : model;
}

/** One line per distinct note, naming the examples it applies to (a missing rule says the same six times). */
function describeNotes(examples) {
  const groups = new Map();
  const add = (text, name) => groups.set(text, [...(groups.get(text) ?? []), name]);
  const failures = [];
  for (const example of examples) {
    if (example.plan.note) add(`plan: ${example.plan.note}`, example.name);
    if (example.fix.note) add(example.fix.note, example.name);
    if (!example.rewritten && !example.fix.note) add('concur left the program unchanged: not rewritten, speedup n/a', example.name);
    if (example.rewrittenSavedAs) add(`rewritten program kept in ${example.rewrittenSavedAs}`, example.name);
    for (const [side, failure] of Object.entries(example.failures)) {
      failures.push(`  ${example.name}: ${side} program FAILED on ${failure.run}: ${failure.problem}`);
      for (const line of failure.stderrTail.split('\n').filter(Boolean)) failures.push(`      ${line}`);
    }
  }
  const notes = [];
  for (const [text, names] of groups) {
    const who = names.length === examples.length && names.length > 1 ? 'all examples' : names.join(', ');
    notes.push(`  ${who}: ${text}`);
  }
  if ([...groups.keys()].some((text) => text.includes('unknown rule selector'))) {
    notes.push(`  (${RULE} is not in this build of concur: nothing can be rewritten yet; \`npm run build\` once the rule lands)`);
  }
  return [...notes, ...failures];
}

// ---------------------------------------------------------------- small helpers

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function machineFacts() {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    platform: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

function resolvePython(command) {
  const result = spawnSync(command, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const executable = result.status === 0 ? result.stdout.trim() : '';
  return executable || command;
}

function pythonVersion() {
  const result = spawnSync(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function concurVersion() {
  const result = spawnSync(process.execPath, [CONCUR_BIN, '--version'], { cwd: REPO_DIR, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function describeSpawn(result) {
  if (result.error) return result.error.message;
  return result.signal ? `killed by ${result.signal}` : `exit status ${result.status}`;
}

function firstLine(text) {
  const line = String(text ?? '').trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

function lastLines(text, count = 5) {
  return String(text ?? '').trim().split('\n').slice(-count).join('\n');
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}
