#!/usr/bin/env node
/**
 * The overhead of `concur verify`: the time it spends beyond the program runs themselves, as a
 * fraction of its whole wall time (target: at most 10%). See bench/README.md.
 *
 *   node bench/verify-overhead.js [--runs N] [--sweep] [--only NAME,...]
 *
 * For each program, `concur verify --format json` runs once (its own warm-up and timed runs
 * inside); this script times the whole `node bin/concur.js verify ...` process from spawn to exit
 * (Node start-up, copying, rewriting, launching, hashing, comparing, statistics, output) and
 * takes the programs' own time from the JSON (`overhead.program_seconds`: the sum of every run's
 * wall time as the launcher measured it around the command). Overhead = whole - programs.
 * Nothing is asserted: timings on a shared machine are for reading.
 *
 * Plain Node 20, standard library only.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_DIR = path.dirname(BENCH_DIR);
const CONCUR_BIN = path.join(REPO_DIR, 'bin', 'concur.js');
const CACHE_DIR = path.join(BENCH_DIR, '.cache');
const RESULTS_FILE = path.join(CACHE_DIR, 'verify-overhead-latest.json');
const TARGET = 0.1;
const DEFAULT_RUNS = 5;

// The interpreter python3 names, resolved once (a version manager's shim would be timed as
// part of every program run, which would flatter the overhead).
const PYTHON = resolvePython('python3');

/** A short program (16 sleeps of 50 ms, 0.8 s in sequence): the worst case for the fraction. */
const SHORT_PROGRAM = [
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
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
  '',
].join('\n');

/** The programs: a synthetic short one, and examples that need no server or set-up. */
function programs(scratch) {
  const shortDir = path.join(scratch, 'short_sleeps');
  fs.mkdirSync(shortDir, { recursive: true });
  fs.writeFileSync(path.join(shortDir, 'main.py'), SHORT_PROGRAM);
  return [
    { name: 'short_sleeps', path: path.join(shortDir, 'main.py'), command: [PYTHON, 'main.py'] },
    ...['sequential_awaits/fetch_quotes.py', 'subprocess_per_item/convert_all.py', 'prime_counting/count_primes.py'].map((relative) => ({
      name: relative.split('/')[0],
      path: path.join(REPO_DIR, 'examples', relative),
      command: [PYTHON, path.basename(relative)],
    })),
  ];
}

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
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runs: { type: 'string' },
      sweep: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: node bench/verify-overhead.js [--runs N] [--sweep] [--only NAME,...]',
        '',
        `  --runs N      timed runs per side inside each verify (default ${DEFAULT_RUNS}; 1 warm-up each besides)`,
        '  --sweep       verify with --sweep too (more runs, the same fixed costs)',
        '  --only NAMES  only these programs (short_sleeps, sequential_awaits, subprocess_per_item, prime_counting)',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number of at least 1, not "${values.runs}"`);
  const preflight = spawnSync(process.execPath, [CONCUR_BIN, '--version'], { cwd: REPO_DIR, encoding: 'utf8' });
  if (preflight.status !== 0) {
    process.stderr.write('bench: `concur --version` fails: run `npm run build` first\n');
    return 1;
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-verify-bench-'));
  const loadBefore = os.loadavg()[0];
  const results = [];
  let failed = false;
  try {
    let chosen = programs(scratch);
    if (values.only) {
      const names = new Set(values.only.split(','));
      chosen = chosen.filter((p) => names.has(p.name));
    }
    for (const program of chosen) {
      log(`${program.name}: concur verify --runs ${runs}${values.sweep ? ' --sweep' : ''} ...`);
      const result = await measure(program, runs, values.sweep);
      if (result.error) {
        failed = true;
        log(`${program.name}: ${result.error}`);
      }
      results.push(result);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  printTable(results, runs, values.sweep, loadBefore);
  fs.writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ date: new Date().toISOString(), python: PYTHON, runs, sweep: values.sweep, cpus: os.availableParallelism(), loadAverage: { before: loadBefore, after: os.loadavg()[0] }, results }, null, 2)}\n`,
  );
  log(`results written to ${path.relative(REPO_DIR, RESULTS_FILE)}`);
  return failed ? 1 : 0;
}

function measure(program, runs, sweep) {
  const args = [CONCUR_BIN, 'verify', '--format', 'json', '--isolated', '--unsafe-fixes', '--runs', String(runs), ...(sweep ? ['--sweep', '--sweep-runs', '1'] : []), program.path, '--', ...program.command];
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('close', (status) => {
      const wholeSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      let json;
      try {
        json = JSON.parse(Buffer.concat(stdout).toString('utf8'));
      } catch {
        resolve({ name: program.name, error: `no JSON from concur verify (status ${status}): ${Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join(' | ')}` });
        return;
      }
      const programSeconds = json.overhead.program_seconds;
      const launches = json.run_log.reduce((sum, r) => sum + (r.launch_seconds - r.seconds), 0);
      resolve({
        name: program.name,
        status,
        equal: json.equal,
        programRuns: json.run_log.length,
        wholeSeconds,
        programSeconds,
        overheadSeconds: wholeSeconds - programSeconds,
        fraction: (wholeSeconds - programSeconds) / wholeSeconds,
        insideSeconds: json.overhead.total_seconds,
        launcherSeconds: launches,
        baselineSeconds: json.baseline_seconds,
        candidateSeconds: json.candidate_seconds,
        ...(status === 0 ? {} : { error: `concur verify exited ${status}: ${json.status}${json.failure ? `: ${json.failure}` : ''}` }),
      });
    });
  });
}

function printTable(results, runs, sweep, loadBefore) {
  const rows = [['program', 'runs', 'original s', 'rewrite s', 'verify s', 'programs s', 'overhead s', 'launcher s', 'overhead', 'target <= 10%']];
  for (const r of results) {
    if (r.error && r.wholeSeconds === undefined) {
      rows.push([r.name, 'failed', '', '', '', '', '', '', '', '']);
      continue;
    }
    rows.push([
      r.name,
      String(r.programRuns),
      r.baselineSeconds?.toFixed(2) ?? 'n/a',
      r.candidateSeconds?.toFixed(2) ?? 'n/a',
      r.wholeSeconds.toFixed(2),
      r.programSeconds.toFixed(2),
      r.overheadSeconds.toFixed(2),
      r.launcherSeconds.toFixed(2),
      `${(r.fraction * 100).toFixed(1)}%`,
      r.fraction <= TARGET ? 'met' : 'missed',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  process.stdout.write(`\nconcur verify overhead (--runs ${runs}${sweep ? ', --sweep --sweep-runs 1' : ''}; ${os.availableParallelism()} CPUs, load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after; ${PYTHON})\n\n`);
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}\n`);
  process.stdout.write(
    '\nverify s: the whole `node bin/concur.js verify` process, spawn to exit; programs s: the sum of every run\'s wall time\n' +
      '(warm-ups and sweep included) as the launcher measured it around the command; launcher s: the part of the overhead\n' +
      'between handing a run to the measuring launcher and its answer (its start-up, in the first run, and ~1 ms a run).\n',
  );
}

function resolvePython(command) {
  const result = spawnSync(command, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const executable = result.status === 0 ? result.stdout.trim() : '';
  return executable || command;
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}
