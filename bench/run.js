#!/usr/bin/env node
/**
 * `npm run bench`: time concur against ruff on the CPython standard library of this
 * machine's python3 (tests included), interleaved A B A B, and check that concur analyses
 * the whole corpus without crashing; then time the example programs before and after
 * `concur fix` rewrites them (bench/examples.js). See bench/README.md for how to read the figures.
 *
 *   node bench/run.js [--runs N] [--quick] [--examples-only | --ruff-only] [--example NAME ...]
 *
 * Plain Node 20, standard library only: the bench must run wherever the CLI builds.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runExamplesBench } from './examples.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_DIR = path.dirname(BENCH_DIR);
const CONCUR_BIN = path.join(REPO_DIR, 'bin', 'concur.js');
const VENV_DIR = path.join(BENCH_DIR, '.venv');
const RUFF_BIN = path.join(VENV_DIR, 'bin', 'ruff');
// Gitignored: results are per machine and should not end up in commits.
const CACHE_DIR = path.join(BENCH_DIR, '.cache');
const RESULTS_FILE = path.join(CACHE_DIR, 'latest.json');
const WARMUP_OUTPUT = path.join(CACHE_DIR, 'concur-warmup.json');
const GNU_TIME = '/usr/bin/time';

// Pinned so that figures from different days compare the same ruff.
const RUFF_REQUIREMENT = 'ruff==0.17.*';
const QUICK_PACKAGES = ['asyncio', 'concurrent'];
// Both tools see the same corpus only if site-packages is excluded explicitly: concur skips it
// only inside virtual environments, ruff by default (we pass it to both anyway).
const EXCLUDE_ARGS = ['--extend-exclude', 'site-packages'];
const ERROR_EXAMPLES = 10;
// Timed runs per tool (stdlib part) and per program (examples part) when --runs is not given.
const DEFAULT_STDLIB_RUNS = 5;
const DEFAULT_EXAMPLES_RUNS = 3;

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`bench: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const preflight = spawnSync(process.execPath, [CONCUR_BIN, '--version'], { cwd: REPO_DIR, encoding: 'utf8' });
  if (preflight.status !== 0) {
    // Usually a stale or partial dist/: say so rather than timing a crash.
    process.stderr.write(`bench: \`concur --version\` fails: run \`npm run build\` first\n${errorLines(preflight.stderr)}\n`);
    return 1;
  }
  let status = 0;
  if (options.stdlib) status = Math.max(status, await stdlibBench({ runs: options.runs ?? DEFAULT_STDLIB_RUNS, quick: options.quick }));
  if (options.examples) {
    log('examples speedup bench (bench/examples.js)');
    status = Math.max(status, await runExamplesBench({ runs: options.runs ?? DEFAULT_EXAMPLES_RUNS, only: options.only }));
  }
  return status;
}

/** concur against ruff on the stdlib: the figures of bench/.cache/latest.json. */
async function stdlibBench(options) {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const loadBefore = os.loadavg()[0];

  const python = pythonFacts();
  const targets = corpusTargets(python.stdlib, options.quick);
  const corpusFiles = targets.flatMap(pythonFilesUnder);
  const corpus = { ...python, quick: options.quick, targets, ...countPythonSource(corpusFiles) };
  log(`corpus: ${describeCorpus(corpus)}`);

  const ruff = ensureRuff();
  if (ruff.error) log(`ruff unavailable, timing concur alone: ${ruff.error}`);
  else log(`ruff ${ruff.version} from ${path.relative(REPO_DIR, RUFF_BIN)}`);

  const timer = fs.existsSync(GNU_TIME) ? 'gnu-time' : 'wall-only';
  if (timer === 'wall-only') log(`${GNU_TIME} not found: measuring wall time only, no peak memory`);

  const tools = [concurTool(targets)];
  if (!ruff.error) tools.push(ruffTool(ruff.path, targets));
  const timing = await timeInterleaved(tools, options.runs, timer);
  if (timing.failure) {
    process.stderr.write(`bench: ${timing.failure}\n`);
    return 1;
  }

  const concurReport = readConcurReport(WARMUP_OUTPUT);
  const fileCounts = {
    corpus: corpus.files,
    concur: concurFileCount(targets),
    ruff: ruff.error ? null : ruffFileCount(ruff.path, targets, corpusFiles),
  };
  const results = {
    date: new Date().toISOString(),
    corpus,
    machine: { ...machineFacts(), loadAverage: { before: loadBefore, after: os.loadavg()[0] } },
    versions: { concur: concurVersion(), ruff: ruff.version ?? null, ruffError: ruff.error ?? null },
    commands: Object.fromEntries(tools.map((tool) => [tool.name, [tool.command, ...tool.args].join(' ')])),
    measurement: timer === 'gnu-time' ? 'wall time (Node hrtime) + GNU time %M' : 'wall time only',
    runsPerTool: options.runs,
    tools: summariseTools(tools, timing.runs),
    ratio: ratioOf(timing.runs),
    fileCounts,
    concurOutput: summariseConcurReport(concurReport),
  };
  printResults(results);
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${path.relative(REPO_DIR, RESULTS_FILE)}`);
  return 0;
}

// ---------------------------------------------------------------- options

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'examples-only': { type: 'boolean', default: false },
      'ruff-only': { type: 'boolean', default: false },
      example: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: node bench/run.js [--runs N] [--quick] [--examples-only | --ruff-only] [--example NAME ...]',
        '',
        `  --runs N         timed runs per tool and per example program (default ${DEFAULT_STDLIB_RUNS} for the`,
        `                   stdlib part, ${DEFAULT_EXAMPLES_RUNS} for the examples part), after one warm-up each`,
        '  --quick          stdlib part on the asyncio and concurrent packages only',
        '  --examples-only  only the examples speedup bench (original against rewritten programs)',
        '  --ruff-only      only the stdlib part (concur against ruff)',
        '  --example NAME   in the examples part, only this example (repeat for several)',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  if (values['examples-only'] && values['ruff-only']) throw new Error('--examples-only and --ruff-only exclude each other');
  let runs;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number of at least 1, not "${values.runs}"`);
  }
  if (values.example && values['ruff-only']) throw new Error('--example selects examples, which --ruff-only skips');
  return { runs, quick: values.quick, stdlib: !values['examples-only'], examples: !values['ruff-only'], only: values.example };
}

// ---------------------------------------------------------------- corpus

function pythonFacts() {
  const script = 'import sys, sysconfig; print(sysconfig.get_paths()["stdlib"]); print(sys.version.split()[0])';
  const [stdlib, version] = runOrThrow('python3', ['-c', script]).trim().split('\n');
  return { stdlib, pythonVersion: version };
}

function corpusTargets(stdlib, quick) {
  return quick ? QUICK_PACKAGES.map((name) => path.join(stdlib, name)) : [stdlib];
}

function countPythonSource(files) {
  let lines = 0;
  for (const file of files) lines += countLines(fs.readFileSync(file));
  return { files: files.length, lines };
}

/** Our own list of what both tools should see: `.py` files outside site-packages and caches. */
function pythonFilesUnder(directory) {
  const found = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'site-packages' && entry.name !== '__pycache__') found.push(...pythonFilesUnder(full));
    } else if (entry.isFile() && entry.name.endsWith('.py')) {
      found.push(full);
    }
  }
  return found;
}

function countLines(buffer) {
  if (buffer.length === 0) return 0;
  let newlines = 0;
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) newlines++;
  return buffer[buffer.length - 1] === 10 ? newlines : newlines + 1;
}

function describeCorpus(corpus) {
  const what = corpus.quick ? `stdlib ${QUICK_PACKAGES.join(' + ')} (--quick)` : 'stdlib, tests included';
  return `CPython ${corpus.pythonVersion} ${what}: ${fmtInt(corpus.files)} .py files, ${fmtInt(corpus.lines)} lines (${corpus.stdlib})`;
}

function machineFacts() {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

// ---------------------------------------------------------------- ruff

/** The venv's ruff, installed on first use; `{ error }` when pip cannot get it (no network). */
function ensureRuff() {
  if (!fs.existsSync(path.join(VENV_DIR, 'bin', 'python'))) {
    log(`creating ${path.relative(REPO_DIR, VENV_DIR)}`);
    const venv = spawnSync('python3', ['-m', 'venv', VENV_DIR], { encoding: 'utf8' });
    if (venv.status !== 0) return { error: `python3 -m venv failed: ${lastLines(venv.stderr)}` };
  }
  if (!installedRuffMatches()) {
    log(`pip install ${RUFF_REQUIREMENT}`);
    // Few retries and a short timeout: without network pip would otherwise stall for minutes.
    const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--retries', '1', '--timeout', '20'];
    const pip = spawnSync(path.join(VENV_DIR, 'bin', 'python'), [...pipArgs, RUFF_REQUIREMENT], { encoding: 'utf8' });
    if (pip.status !== 0) return { error: `pip install ${RUFF_REQUIREMENT} failed (no network?): ${lastLines(pip.stderr)}` };
  }
  const version = ruffVersion();
  return version ? { path: RUFF_BIN, version } : { error: `${RUFF_BIN} does not run` };
}

function installedRuffMatches() {
  const version = ruffVersion();
  const wanted = RUFF_REQUIREMENT.split('==')[1].replace('.*', '.');
  return version !== null && version.startsWith(wanted);
}

function ruffVersion() {
  if (!fs.existsSync(RUFF_BIN)) return null;
  const result = spawnSync(RUFF_BIN, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().replace(/^ruff\s+/, '') : null;
}

// ---------------------------------------------------------------- the timed commands

function concurTool(targets) {
  return {
    name: 'concur',
    command: process.execPath,
    // --isolated, like ruff's: no pyproject.toml near the corpus may change what is checked.
    args: [CONCUR_BIN, 'check', '--format', 'json', '--exit-zero', '--isolated', ...targets, ...EXCLUDE_ARGS],
    // The warm-up's report is kept to count parse errors and findings; timed runs go to /dev/null.
    warmupOutput: WARMUP_OUTPUT,
    // With --exit-zero, 1 cannot happen; 2 is "nothing analysed" or an internal error.
    isFailure: (run) => run.signal !== null || (run.exitCode !== 0 && run.exitCode !== 1),
  };
}

function ruffTool(ruffPath, targets) {
  return {
    name: 'ruff',
    command: ruffPath,
    // Concise output: ruff's default "full" format draws a code frame for each of its ~470k
    // stdlib diagnostics, which takes ~6x longer than the analysis itself (23 s against 3.7 s).
    args: [
      'check', '--select', 'ALL', '--no-cache', '--exit-zero', '--quiet', '--isolated',
      '--output-format', 'concise', ...targets, ...EXCLUDE_ARGS,
    ],
    warmupOutput: null,
    isFailure: (run) => run.signal !== null || run.exitCode !== 0,
  };
}

/** One warm-up each, then A B A B ... so that drift in machine load hits both tools alike. */
async function timeInterleaved(tools, runs, timer) {
  const results = Object.fromEntries(tools.map((tool) => [tool.name, []]));
  const active = [...tools];
  for (let round = 0; round <= runs; round++) {
    const label = round === 0 ? 'warm-up' : `run ${round}/${runs}`;
    for (const tool of [...active]) {
      const run = await measure(tool.command, tool.args, round === 0 ? tool.warmupOutput : null, timer);
      log(`${label} ${tool.name}: ${run.wallSeconds.toFixed(2)} s${run.peakRssKb ? `, ${fmtMb(run.peakRssKb)} MB` : ''}`);
      if (tool.isFailure(run)) {
        const why = `${tool.name} ${describeExit(run)} on ${label}\n${run.stderrTail}`;
        if (tool.name === 'concur') return { failure: why };
        // A ruff failure says nothing about concur: drop ruff and keep going.
        log(`dropping ruff: ${why}`);
        active.splice(active.indexOf(tool), 1);
        delete results[tool.name];
        continue;
      }
      if (round > 0) results[tool.name].push(run);
    }
  }
  return { runs: results };
}

/** Runs a command with stdout to a file or /dev/null; wall time from Node, peak RSS from GNU time. */
async function measure(command, args, stdoutFile, timer) {
  const timeFile = path.join(CACHE_DIR, 'time.txt');
  const [program, programArgs] =
    timer === 'gnu-time' ? [GNU_TIME, ['-f', '%e %M', '-o', timeFile, command, ...args]] : [command, args];
  const stdout = fs.openSync(stdoutFile ?? '/dev/null', 'w');
  const started = process.hrtime.bigint();
  try {
    const exit = await spawnAndWait(program, programArgs, stdout);
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const timed = timer === 'gnu-time' ? readGnuTime(timeFile) : { peakRssKb: null };
    return { wallSeconds, ...exit, ...timed, exitCode: timed.exitCode ?? exit.exitCode, signal: timed.signal ?? exit.signal };
  } finally {
    fs.closeSync(stdout);
  }
}

function spawnAndWait(program, args, stdoutFd) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: REPO_DIR, stdio: ['ignore', stdoutFd, 'pipe'] });
    let stderr = '';
    // Drain stderr (a full pipe would block the tool) but keep only the tail for messages.
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stderrTail: stderr }));
  });
}

/** GNU time writes "%e %M" last, preceded by a line when the command failed or was killed. */
function readGnuTime(file) {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const [, maxRss] = lines[lines.length - 1].split(' ');
  const killed = lines.join('\n').match(/terminated by signal (\d+)/);
  const failed = lines.join('\n').match(/non-zero status (\d+)/);
  return {
    peakRssKb: Number(maxRss),
    ...(killed ? { signal: `signal ${killed[1]}`, exitCode: null } : {}),
    ...(failed ? { exitCode: Number(failed[1]) } : {}),
  };
}

function describeExit(run) {
  return run.signal ? `was killed by ${run.signal}` : `exited with status ${run.exitCode}`;
}

// ---------------------------------------------------------------- what each tool saw

/**
 * concur's JSON has no file count, and its text summary counts analysed files only when there
 * are no findings: so one untimed text run with every rule ignored.
 */
function concurFileCount(targets) {
  const args = [
    CONCUR_BIN, 'check', '--format', 'text', '--exit-zero', '--isolated', '--ignore', 'ALL', ...targets, ...EXCLUDE_ARGS,
  ];
  const result = spawnSync(process.execPath, args, { cwd: REPO_DIR, encoding: 'utf8', maxBuffer: 1 << 28 });
  const summary = result.stdout.match(/No findings in ([\d,]+) files?\.(?: ([\d,]+) files? could not be analysed\.)?/);
  if (!summary) return { error: `no summary line in: ${lastLines(result.stdout + result.stderr)}` };
  const analysed = parseInt(summary[1].replace(/,/g, ''), 10);
  const unanalysed = summary[2] ? parseInt(summary[2].replace(/,/g, ''), 10) : 0;
  return { analysed, unanalysed, total: analysed + unanalysed };
}

/**
 * ruff lists the files it would check. It also takes `.pyi` stubs, which concur skips, and by
 * default excludes any directory named `venv` (the stdlib's venv package among them).
 */
function ruffFileCount(ruffPath, targets, corpusFiles) {
  const args = ['check', '--show-files', '--isolated', '--no-cache', ...targets, ...EXCLUDE_ARGS];
  const result = spawnSync(ruffPath, args, { cwd: REPO_DIR, encoding: 'utf8', maxBuffer: 1 << 28 });
  const files = result.stdout.split('\n').filter((line) => line.trim());
  const byExtension = {};
  for (const file of files) {
    const extension = path.extname(file.trim()) || '(none)';
    byExtension[extension] = (byExtension[extension] ?? 0) + 1;
  }
  const listed = new Set(files.map((file) => path.resolve(REPO_DIR, file.trim())));
  const notListed = corpusFiles.filter((file) => !listed.has(file));
  return { total: files.length, byExtension, notListed: notListed.length, notListedExamples: notListed.slice(0, 5) };
}

function readConcurReport(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    return { unreadable: String(error) };
  }
}

/** Parse and decode errors grouped by message prefix (the bench is also a "no crash on the stdlib" check). */
function summariseConcurReport(report) {
  if (report.unreadable) return { error: `concur's JSON output could not be read: ${report.unreadable}` };
  const errors = report.errors ?? [];
  const groups = new Map();
  for (const error of errors) {
    const prefix = messagePrefix(error.message);
    const group = groups.get(prefix) ?? { prefix, count: 0, examples: [] };
    group.count++;
    group.examples.push(`${error.path}${error.line ? `:${error.line}` : ''}: ${error.message}`);
    groups.set(prefix, group);
  }
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count);
  keepFirstExamples(sorted, ERROR_EXAMPLES);
  return {
    findings: (report.findings ?? []).length,
    findingsByRule: countBy(report.findings ?? [], (finding) => finding.rule),
    errors: errors.length,
    errorsByPrefix: sorted,
  };
}

/** The part of a message before its first colon, numbers blurred, so that like errors group. */
function messagePrefix(message) {
  return String(message).split(':')[0].replace(/\d+/g, 'N').slice(0, 80).trim();
}

function keepFirstExamples(groups, limit) {
  let left = limit;
  for (const group of groups) {
    group.examples = group.examples.slice(0, Math.max(0, left));
    left -= group.examples.length;
  }
}

function countBy(items, keyOf) {
  const counts = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

function concurVersion() {
  const result = spawnSync(process.execPath, [CONCUR_BIN, '--version'], { cwd: REPO_DIR, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

// ---------------------------------------------------------------- statistics and output

function summariseTools(tools, runs) {
  const summary = {};
  for (const tool of tools) {
    const measured = runs[tool.name];
    if (!measured || measured.length === 0) continue;
    const walls = measured.map((run) => run.wallSeconds);
    const rss = measured.map((run) => run.peakRssKb).filter((kb) => kb !== null);
    summary[tool.name] = {
      runs: measured.length,
      wallSeconds: { median: median(walls), min: Math.min(...walls), max: Math.max(...walls), all: walls },
      peakRssMb: rss.length ? { median: median(rss) / 1024, all: rss.map((kb) => kb / 1024) } : null,
    };
  }
  return summary;
}

function ratioOf(runs) {
  if (!runs.concur?.length || !runs.ruff?.length) return null;
  const medianOf = (name, key) => median(runs[name].map((run) => run[key]));
  const wall = medianOf('concur', 'wallSeconds') / medianOf('ruff', 'wallSeconds');
  const hasRss = runs.concur[0].peakRssKb !== null;
  const memory = hasRss ? medianOf('concur', 'peakRssKb') / medianOf('ruff', 'peakRssKb') : null;
  return { wall, memory };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function printResults(results) {
  const { corpus, machine, versions } = results;
  const out = [];
  out.push('', `Corpus:  ${describeCorpus(corpus)}`);
  out.push(`Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, ${machine.platform}, Node ${machine.node}`);
  out.push(`Tools:   concur ${versions.concur ?? '?'} (default rules), ${versions.ruff ? `ruff ${versions.ruff} (--select ALL)` : 'ruff not available'}`);
  const load = machine.loadAverage;
  out.push(`Load:    1-min load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after${busyWarning(load)}`);
  out.push(`Runs:    ${results.runsPerTool} per tool after one warm-up each, interleaved; ${results.measurement}`, '');
  out.push(table(results.tools));
  if (results.ratio) {
    const memory = results.ratio.memory === null ? 'n/a' : `${results.ratio.memory.toFixed(2)}x`;
    out.push('', `concur/ruff (medians): wall ${results.ratio.wall.toFixed(2)}x, peak memory ${memory}`);
  }
  out.push('', ...describeFileCounts(results.fileCounts), '', ...describeConcurOutput(results.concurOutput), '');
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Other work on the machine slows whichever tool it overlaps: say so instead of hiding it. */
function busyWarning(load) {
  // The bench itself keeps up to all CPUs busy, so "after" is high by design; "before" is not.
  return load.before > 0.5 ? ` (machine was busy before the bench: timings are noisy, rerun when idle)` : '';
}

function table(tools) {
  const header = ['tool', 'median s', 'min s', 'max s', 'median peak RSS MB'];
  const rows = Object.entries(tools).map(([name, t]) => [
    name,
    t.wallSeconds.median.toFixed(2),
    t.wallSeconds.min.toFixed(2),
    t.wallSeconds.max.toFixed(2),
    t.peakRssMb ? t.peakRssMb.median.toFixed(0) : 'n/a',
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  const line = (row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function describeFileCounts(counts) {
  const lines = [`Files: ${fmtInt(counts.corpus)} .py in the corpus (our walk)`];
  const concur = counts.concur;
  if (concur.error) lines.push(`  concur: could not count (${concur.error})`);
  else lines.push(`  concur: ${fmtInt(concur.total)} found (${fmtInt(concur.analysed)} analysed, ${fmtInt(concur.unanalysed)} not)`);
  if (counts.ruff) {
    const kinds = Object.entries(counts.ruff.byExtension).map(([ext, n]) => `${fmtInt(n)} ${ext}`).join(', ');
    lines.push(`  ruff:   ${fmtInt(counts.ruff.total)} listed by --show-files (${kinds})`);
    if (counts.ruff.notListed) {
      lines.push(`          ${fmtInt(counts.ruff.notListed)} corpus .py files not listed: ${counts.ruff.notListedExamples.join(', ')}`);
    }
  }
  const seen = [concur.total, counts.ruff?.byExtension['.py']].filter((n) => n !== undefined);
  if (seen.some((n) => n !== counts.corpus)) lines.push('  note: the tools do not see exactly the same files (see bench/README.md)');
  return lines;
}

function describeConcurOutput(summary) {
  if (summary.error) return [`concur output: ${summary.error}`];
  const rules = Object.entries(summary.findingsByRule).map(([rule, n]) => `${rule} ${fmtInt(n)}`).join(', ');
  const lines = [`concur findings: ${fmtInt(summary.findings)}${rules ? ` (${rules})` : ''}`];
  lines.push(`concur errors (files not analysed): ${fmtInt(summary.errors)}`);
  for (const group of summary.errorsByPrefix) {
    lines.push(`  ${fmtInt(group.count)} × ${group.prefix}`);
    for (const example of group.examples) lines.push(`      ${example}`);
  }
  return lines;
}

// ---------------------------------------------------------------- small helpers

function runOrThrow(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
  return result.stdout;
}

function lastLines(text, count = 5) {
  const lines = String(text ?? '').trim().split('\n').slice(-count);
  // pip's "from versions: ..." line alone runs to kilobytes.
  return lines.map((line) => (line.length > 200 ? `${line.slice(0, 200)}...` : line)).join('\n');
}

/** The lines of a Node stack dump that say what went wrong, without the frames. */
function errorLines(text) {
  const lines = String(text ?? '').split('\n').filter((line) => /error/i.test(line) && !/^\s+at /.test(line));
  return (lines.length ? lines : String(text ?? '').split('\n')).slice(0, 4).join('\n');
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

function fmtInt(n) {
  return Number(n).toLocaleString('en-US');
}

function fmtMb(kb) {
  return (kb / 1024).toFixed(0);
}
