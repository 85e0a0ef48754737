#!/usr/bin/env node
// Rewrite fuzzer: applies every fix concur proposes, one at a time, to the original text of its
// file, and checks that each rewritten file still compiles.
//
//   node scripts/fuzz-rewrites.js [--select PA101] [--unsafe] [--target-version py311]
//                                 [--limit N] [--json] [PATH...]
//
// Without PATH the corpus is the machine python3's standard library and site-packages
// (`sysconfig.get_paths()`). Files are discovered and analysed by concur itself (`runCheck` from
// dist/, so run `npm run build` first), with its default settings: no configuration file, no
// .gitignore (the corpus is what you name), the given rules (default: every rule that can fix).
// Every file is then re-read through concur's own decoding path (coding cookies, BOMs,
// notebooks) and, for every finding with a fix (unsafe ones only with --unsafe), that fix alone is
// applied with `applyFixes` and the result encoded as `concur fix` would write it. A fix fails if:
//   bad-edits       its edits are out of range, split a surrogate pair, or overlap each other
//   not-applied     applyFixes did not take it
//   no-change       the rewritten text is the original text
//   encode          the rewritten text cannot be written in the file's encoding
//   compile         the original compiles and the rewritten file does not
//   target-version  the original uses no syntax newer than --target-version, the rewrite does
//                   (best effort: `ast.parse(feature_version=...)`)
//   crash           the Python compiling it died
// Files whose original text does not compile (with this python3) are counted and skipped.
//
// The compile check is what `python3 -m py_compile FILE` does: `compile(bytes, path, "exec",
// dont_inherit=True)` on the file's bytes. Rather than one process per rewrite, a few long-running
// `python3 -B scripts/fuzz_compile.py` drivers (one per CPU, --jobs) receive the rewritten bytes
// as JSON lines on stdin and answer with verdicts. The fuzzer writes no file: nothing goes into
// the corpus (no rewrite, no py_compile .pyc, no __pycache__), and the rewrites live only in
// memory and in the pipes to the drivers.
//
// Output: failures (path:line, rule, the exception, a unified diff of the fix), then a summary;
// --json prints one JSON document instead. Progress goes to stderr when it is a terminal.
// Exit status: 0 no failure, 1 at least one failure, 2 usage error or no Python.
//
// Self-tests (to show that the fuzzer can fail): --self-test-broken-fix adds an unclosed `(` to
// every fix; --self-test-noop-fix drops every fix's edits.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const SCRIPTS = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(SCRIPTS, '..');
const DRIVER = path.join(SCRIPTS, 'fuzz_compile.py');

const USAGE = `Usage: node scripts/fuzz-rewrites.js [options] [PATH...]

Applies every fix concur proposes, one at a time, to its file and checks that the result
compiles (as python3 -m py_compile does). Default corpus: python3's stdlib and site-packages.

Options:
  --select RULES          rules to run, comma-separated or repeated (default: every rule with fixes)
  --unsafe                also check unsafe fixes (default: safe fixes only)
  --target-version VER    py38..py314, passed to concur (default: concur's default, py39)
  --limit N               analyse only N files, spread evenly over the sorted corpus
  --json                  print one JSON document (summary and failures) on stdout
  --python EXE            Python to compile with (default: $CONCUR_PYTHON or python3)
  --jobs N                compile processes (default: one per CPU)
  --threads N             concur's analysis threads (default: one per CPU)
  --self-test-broken-fix  corrupt every fix (adds an unclosed "("): every fix must fail
  --self-test-noop-fix    empty every fix: every fix must fail as a no-change
  -h, --help              show this help
`;

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// The compile drivers
// ---------------------------------------------------------------------------------------------

/** One `python3 -B fuzz_compile.py` process; requests are answered in order. */
class Driver {
  constructor(python, onExit) {
    this.waiting = [];
    this.load = 0;
    this.alive = true;
    this.stderr = '';
    this.child = spawn(python, ['-B', DRIVER], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    });
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.everReady = false;
    this.child.stdin?.on('error', () => {}); // a dead driver is handled by 'exit'
    this.child.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    let first = true;
    lines.on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        this.stderr += `\nunexpected output: ${line.slice(0, 200)}`;
        return;
      }
      if (first) {
        first = false;
        if (message.ready) {
          this.everReady = true;
          this.readyResolve(message.version);
        }
        else this.readyReject(new Error(`unexpected first line from the compile driver: ${line}`));
        return;
      }
      const request = this.waiting.shift();
      if (!request) return;
      this.load -= request.size;
      request.resolve(message);
    });
    const died = (why) => {
      if (!this.alive) return;
      this.alive = false;
      const detail = this.stderr.trim().split('\n').slice(-3).join(' | ');
      const error = `compile driver ${why}${detail ? `: ${detail}` : ''}`;
      this.readyReject(new Error(error));
      for (const request of this.waiting.splice(0)) request.resolve({ ok: false, crashed: true, error });
      this.load = 0;
      onExit(this);
    };
    this.child.on('error', (error) => died(`could not start ${python} (${error.message})`));
    this.child.on('exit', (code, signal) => died(signal ? `was killed by ${signal}` : `exited with status ${code}`));
  }

  send(request, bytes, feature) {
    return new Promise((resolve) => {
      if (!this.alive) return resolve({ ok: false, crashed: true, error: 'compile driver is not running' });
      const line = `${JSON.stringify({ id: request, path: bytes.path, source: bytes.data.toString('base64'), feature })}\n`;
      this.waiting.push({ resolve, size: line.length });
      this.load += line.length;
      this.child.stdin.write(line);
    });
  }

  close() {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

const MAX_RESPAWNS = 20;

/**
 * A few compile drivers; each request goes to the least loaded one. A driver that dies (a crash
 * in CPython's compiler) fails the requests it held and is replaced.
 */
export class CompilePool {
  constructor({ python = process.env.CONCUR_PYTHON || 'python3', jobs = availableParallelism() } = {}) {
    this.python = python;
    this.jobs = Math.max(1, jobs);
    this.drivers = [];
    this.nextId = 1;
    this.closing = false;
    this.respawns = 0;
  }

  /** Starts the drivers; resolves to the Python version, rejects if Python cannot run the driver. */
  async start() {
    for (let i = 0; i < this.jobs; i++) this.drivers.push(this.spawnDriver());
    const versions = await Promise.all(this.drivers.map((d) => d.ready));
    return versions[0];
  }

  spawnDriver() {
    return new Driver(this.python, (dead) => {
      // Replace a driver that worked and then died (not one that never started), a bounded
      // number of times.
      const index = this.drivers.indexOf(dead);
      if (index < 0 || this.closing || !dead.everReady || this.respawns >= MAX_RESPAWNS) return;
      this.respawns++;
      this.drivers[index] = this.spawnDriver();
    });
  }

  /**
   * Whether `data` (the bytes of a file, as written to disk) compiles. `feature` ([3, minor])
   * also asks whether it parses with that target version's grammar.
   * Resolves to { ok, error?, line?, column?, feature_ok?, crashed? }.
   */
  compile(filePath, data, feature) {
    const alive = this.drivers.filter((d) => d.alive);
    if (alive.length === 0) return Promise.resolve({ ok: false, crashed: true, error: 'no compile driver is running' });
    const driver = alive.reduce((best, d) => (d.load < best.load ? d : best));
    return driver.send(this.nextId++, { path: filePath, data: Buffer.from(data) }, feature);
  }

  async close() {
    this.closing = true;
    await Promise.all(this.drivers.map((d) => d.close()));
  }
}

// ---------------------------------------------------------------------------------------------
// Checking one fix
// ---------------------------------------------------------------------------------------------

/** Why a fix's edits cannot be applied as they are, or undefined if they can. */
export function badEdits(text, edits) {
  for (const edit of edits) {
    const { start, end } = edit;
    if (!Number.isInteger(start) || !Number.isInteger(end) || typeof edit.text !== 'string') return 'malformed edit';
    if (start < 0 || end < start || end > text.length) return `edit range [${start}, ${end}) outside the text (0..${text.length})`;
    for (const offset of [start, end]) {
      if (isLowSurrogate(text.charCodeAt(offset)) && isHighSurrogate(text.charCodeAt(offset - 1))) {
        return `edit boundary ${offset} splits a surrogate pair`;
      }
    }
  }
  for (let i = 0; i < edits.length; i++) {
    for (let j = i + 1; j < edits.length; j++) {
      const a = edits[i];
      const b = edits[j];
      if (a.start === b.start && a.end === b.end && a.text === b.text) continue;
      const intersect = a.start < b.end && b.start < a.end;
      const insideA = b.start === b.end && a.start < b.start && b.start < a.end;
      const insideB = a.start === a.end && b.start < a.start && a.start < b.end;
      if (intersect || insideA || insideB) return `edits [${a.start}, ${a.end}) and [${b.start}, ${b.end}) overlap`;
    }
  }
  return undefined;
}

function isHighSurrogate(code) {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The fix the self-test options make of a real one. */
function sabotage(fix, mode) {
  if (mode === 'broken') {
    const at = Math.min(...fix.edits.map((e) => e.start));
    return { ...fix, edits: [...fix.edits, { start: at, end: at, text: '(' }] };
  }
  if (mode === 'noop') return { ...fix, edits: [] };
  return fix;
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        select: { type: 'string', multiple: true },
        unsafe: { type: 'boolean' },
        'target-version': { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        python: { type: 'string' },
        jobs: { type: 'string' },
        threads: { type: 'string' },
        'self-test-broken-fix': { type: 'boolean' },
        'self-test-noop-fix': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  const count = (name, value) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: expected a positive integer, got "${value}"`);
    return n;
  };
  if (values['self-test-broken-fix'] && values['self-test-noop-fix']) {
    throw new UsageError('--self-test-broken-fix and --self-test-noop-fix are exclusive');
  }
  return {
    help: !!values.help,
    select: values.select?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    unsafe: !!values.unsafe,
    targetVersion: values['target-version'],
    limit: count('limit', values.limit),
    json: !!values.json,
    python: values.python || process.env.CONCUR_PYTHON || 'python3',
    jobs: count('jobs', values.jobs) ?? availableParallelism(),
    threads: count('threads', values.threads),
    sabotage: values['self-test-broken-fix'] ? 'broken' : values['self-test-noop-fix'] ? 'noop' : undefined,
    paths: positionals,
  };
}

/** python3's stdlib and site-packages directories (those that exist, none inside another). */
export function defaultCorpus(python) {
  const probe = [
    'import json, sysconfig',
    'p = sysconfig.get_paths()',
    'print(json.dumps([p.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")]))',
  ].join('\n');
  const result = spawnSync(python, ['-B', '-c', probe], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new UsageError(`cannot ask ${python} for its library paths: ${result.error?.message ?? result.stderr.trim()}`);
  }
  const found = [...new Set(JSON.parse(result.stdout).filter((p) => p && existsSync(p)).map((p) => realpathSync(p)))];
  return found.filter((p) => !found.some((other) => other !== p && p.startsWith(other + path.sep)));
}

/** Progress on stderr when it is a terminal; silent otherwise. */
function progressReporter(enabled) {
  let last = 0;
  let shown = false;
  return {
    update(message, force = false) {
      if (!enabled) return;
      const now = Date.now();
      if (!force && now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[K${message}`);
    },
    clear() {
      if (enabled && shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

function seconds(ms) {
  return Math.round(ms / 100) / 10;
}

export async function main(argv) {
  const options = parseOptions(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let concur;
  try {
    concur = await loadConcur();
  } catch (error) {
    throw new UsageError(`cannot load concur from dist/ (run \`npm run build\` first): ${error.message}`);
  }
  const { ALL_RULES, isValidSelector, selectRules } = concur.registry;

  // Settings: concur's defaults, then the fuzzer's options.
  const settings = concur.defaultSettings();
  settings.respectGitignore = false;
  const fixable = ALL_RULES.filter((r) => r.meta.fix !== 'none').map((r) => r.meta.code);
  if (options.select) {
    const unknown = options.select.filter((s) => !isValidSelector(s));
    if (unknown.length) throw new UsageError(`unknown rule selector: ${unknown.join(', ')} (rules: ${ALL_RULES.map((r) => r.meta.code).join(', ')})`);
    settings.select = options.select;
  } else {
    settings.select = fixable;
  }
  if (options.targetVersion) {
    try {
      settings.targetVersion = concur.parseTargetVersion(options.targetVersion);
    } catch (error) {
      throw new UsageError(`--target-version: ${error.message}`);
    }
  }
  const rules = selectRules(settings.select, settings.ignore).map((r) => r.meta.code);
  if (rules.length === 0) throw new UsageError('no rule selected');

  // concur settles doubtful files with $CONCUR_PYTHON; use the same interpreter for everything.
  process.env.CONCUR_PYTHON = options.python;
  const cwd = process.cwd();
  const corpus = options.paths.length ? options.paths : defaultCorpus(options.python);
  for (const p of corpus) {
    if (!existsSync(path.resolve(cwd, p))) throw new UsageError(`no such file or directory: ${p}`);
  }

  const progress = progressReporter(!!process.stderr.isTTY);
  const started = performance.now();
  const pool = new CompilePool({ python: options.python, jobs: options.jobs });
  let pythonVersion;
  try {
    pythonVersion = await pool.start();
  } catch (error) {
    await pool.close();
    throw new UsageError(`cannot run the compile driver with ${options.python}: ${error.message}`);
  }
  try {
    // 1. Analyse the corpus with concur.
    let paths = corpus;
    let corpusFiles;
    if (options.limit) {
      const discovered = await concur.discoverFiles(corpus, {
        cwd,
        exclude: settings.exclude,
        extendExclude: settings.extendExclude,
        respectGitignore: settings.respectGitignore,
      });
      const all = discovered.files;
      const take = Math.min(options.limit, all.length);
      paths = Array.from({ length: take }, (_, i) => all[Math.floor((i * all.length) / take)].absolutePath);
      if (paths.length === 0) paths = corpus;
      corpusFiles = all.length;
    }
    const check = await concur.runCheck({
      paths,
      cwd,
      settings,
      snippets: false,
      maxWorkers: options.threads,
      onProgress: (done, total) => progress.update(`analysing ${done}/${total} files`),
    });
    const analysed = performance.now();
    progress.clear();

    // 2. Check every fix.
    const summary = {
      python: pythonVersion,
      corpus: corpus.map((p) => path.resolve(cwd, p)),
      rules,
      targetVersion: `py3${settings.targetVersion[1]}`,
      unsafe: options.unsafe,
      selfTest: options.sabotage ?? null,
      filesFound: check.filesFound,
      ...(corpusFiles !== undefined ? { corpusFiles } : {}),
      files: check.report.filesAnalysed,
      fileErrors: check.report.errors.length,
      filesWithFixes: 0,
      loops: countLoops(check.report.loops ?? []),
      findings: check.report.findings.length,
      findingsWithFix: { safe: 0, unsafe: 0 },
      fixesApplied: 0,
      failures: 0,
      failuresByKind: {},
      skipped: { unsafe: 0, originalDoesNotCompile: 0, fileChanged: 0, unreadable: 0 },
      perRule: {},
      seconds: { analysis: seconds(analysed - started), fixes: 0, total: 0 },
    };
    const failures = [];
    const ruleCount = (rule) => (summary.perRule[rule] ??= { findings: 0, fixes: 0, failures: 0 });

    const byPath = new Map();
    for (const finding of [...check.report.findings].sort(concur.compareFindings)) {
      ruleCount(finding.rule).findings++;
      if (!finding.fix) continue;
      summary.findingsWithFix[finding.fix.applicability]++;
      if (finding.fix.applicability === 'unsafe' && !options.unsafe) {
        summary.skipped.unsafe++;
        continue;
      }
      const list = byPath.get(finding.path) ?? [];
      list.push(finding);
      byPath.set(finding.path, list);
    }
    summary.filesWithFixes = byPath.size;
    const totalFixes = [...byPath.values()].reduce((n, list) => n + list.length, 0);
    let checked = 0;
    const feature = [3, settings.targetVersion[1]];

    const fail = (finding, fix, kind, error, original, rewritten) => {
      summary.failures++;
      summary.failuresByKind[kind] = (summary.failuresByKind[kind] ?? 0) + 1;
      ruleCount(finding.rule).failures++;
      const diff =
        rewritten !== undefined && rewritten !== original
          ? concur.createTwoFilesPatch(finding.path, finding.path, original, rewritten, undefined, undefined, {
              context: 3,
              headerOptions: concur.FILE_HEADERS_ONLY,
            })
          : '';
      failures.push({
        path: finding.path,
        line: finding.line,
        column: finding.column,
        ...(finding.cell ? { cell: finding.cell } : {}),
        rule: finding.rule,
        applicability: fix.applicability,
        fix: fix.message,
        kind,
        error,
        edits: fix.edits.map(({ start, end, text }) => ({ start, end, text })),
        diff,
      });
    };

    const checkFile = async (filePath, findings) => {
      const entry = check.files.get(filePath);
      const source = entry
        ? await concur.readSource({ absolutePath: entry.absolutePath, path: filePath, kind: filePath.endsWith('.ipynb') ? 'notebook' : 'python' })
        : { message: 'not in the analysed files' };
      const done = () => {
        checked += findings.length;
      };
      if ('message' in source) {
        summary.skipped.unreadable += findings.length;
        return done();
      }
      if (concur.fingerprintOf(source.text) !== entry.fingerprint) {
        summary.skipped.fileChanged += findings.length;
        return done();
      }
      // Bytes as `concur fix` would write them (a notebook's Python text is compiled as it is).
      const encode = (text) => (source.notebook ? Buffer.from(text, 'utf8') : concur.encodePythonSource(text, source.encoding, source.bom));
      const before = await pool.compile(filePath, encode(source.text), feature);
      if (!before.ok) {
        summary.skipped.originalDoesNotCompile += findings.length;
        return done();
      }
      const askFeature = before.feature_ok ? feature : undefined;
      const one = async (finding) => {
        const fix = sabotage(finding.fix, options.sabotage);
        const problem = badEdits(source.text, fix.edits);
        if (problem) return fail(finding, fix, 'bad-edits', problem, source.text);
        const result = concur.applyFixes(source.text, [fix]);
        if (result.applied.length !== 1) return fail(finding, fix, 'not-applied', 'applyFixes did not apply the fix', source.text);
        if (result.text === source.text) return fail(finding, fix, 'no-change', 'the fix leaves the file unchanged', source.text, result.text);
        let bytes;
        try {
          bytes = encode(result.text);
        } catch (error) {
          return fail(finding, fix, 'encode', error.message, source.text, result.text);
        }
        summary.fixesApplied++;
        ruleCount(finding.rule).fixes++;
        const after = await pool.compile(filePath, bytes, askFeature);
        if (!after.ok) {
          const at = after.line ? ` (line ${after.line}${after.column ? `, column ${after.column}` : ''} of the rewritten file)` : '';
          return fail(finding, fix, after.crashed ? 'crash' : 'compile', `${after.error}${at}`, source.text, result.text);
        }
        if (askFeature && after.feature_ok === false) {
          return fail(finding, fix, 'target-version', `not valid Python ${feature.join('.')}: ${after.feature_error}`, source.text, result.text);
        }
        return undefined;
      };
      // A few fixes at a time, so that a large file's many rewrites are never all in memory.
      const chunk = Math.max(2, options.jobs * 2);
      for (let i = 0; i < findings.length; i += chunk) {
        await Promise.all(findings.slice(i, i + chunk).map(one));
        checked += Math.min(chunk, findings.length - i);
        progress.update(`checking fixes ${checked}/${totalFixes} (${summary.failures} failing)`);
      }
      return undefined;
    };

    // Several files at once keep every driver busy.
    const queue = [...byPath.entries()];
    const workers = Array.from({ length: Math.max(1, options.jobs * 2) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await checkFile(next[0], next[1]);
    });
    await Promise.all(workers);
    progress.clear();
    const finished = performance.now();
    summary.seconds.fixes = seconds(finished - analysed);
    summary.seconds.total = seconds(finished - started);
    failures.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.line - b.line || a.column - b.column);

    if (options.json) {
      process.stdout.write(`${JSON.stringify({ version: 1, summary, failures, errors: check.report.errors }, null, 2)}\n`);
    } else {
      process.stdout.write(renderText(summary, failures));
    }
    return summary.failures > 0 ? 1 : 0;
  } finally {
    progress.clear();
    await pool.close();
  }
}

/** The loop verdicts concur reported (PA rules), by verdict. */
function countLoops(loops) {
  const counts = { parallel: 0, rejected: 0 };
  for (const loop of loops) counts[loop.verdict] = (counts[loop.verdict] ?? 0) + 1;
  return counts;
}

function renderText(summary, failures) {
  const out = [];
  for (const f of failures) {
    const at = f.cell ? `${f.path}:cell ${f.cell}:${f.line}:${f.column}` : `${f.path}:${f.line}:${f.column}`;
    out.push(`FAIL ${at}: ${f.rule} (${f.applicability} fix, ${f.kind}) ${f.error}`);
    out.push(`  fix: ${f.fix}`);
    if (f.diff) out.push(f.diff.trimEnd());
    else out.push(`  edits: ${JSON.stringify(f.edits)}`);
    out.push('');
  }
  const s = summary;
  const plural = (n, word) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : word.endsWith('x') ? 'es' : 's'}`;
  const skipped = Object.entries(s.skipped)
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${n} ${why === 'unsafe' ? 'unsafe (no --unsafe)' : why.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`);
  out.push(
    `Rewrite fuzzer: Python ${s.python}, rules ${s.rules.join(', ')}, target ${s.targetVersion}, ${s.unsafe ? 'safe and unsafe fixes' : 'safe fixes only'}${s.selfTest ? `, SELF-TEST (${s.selfTest})` : ''}`,
    `  corpus:   ${s.corpus.join(', ')}`,
    `  files:    ${plural(s.filesFound, 'file')} found${s.corpusFiles !== undefined ? ` (--limit: of ${s.corpusFiles.toLocaleString('en-US')} in the corpus)` : ''}, ${s.files.toLocaleString('en-US')} analysed, ${s.fileErrors.toLocaleString('en-US')} reported as errors (skipped), ${s.filesWithFixes.toLocaleString('en-US')} with fixes to check`,
    ...(s.loops.parallel + s.loops.rejected ? [`  loops:    ${plural(s.loops.parallel + s.loops.rejected, 'loop')} considered, ${s.loops.parallel} parallel, ${s.loops.rejected} rejected`] : []),
    `  findings: ${plural(s.findings, 'finding')}, ${s.findingsWithFix.safe + s.findingsWithFix.unsafe} with a fix (${s.findingsWithFix.safe} safe, ${s.findingsWithFix.unsafe} unsafe)`,
    `  fixes:    ${plural(s.fixesApplied, 'fix')} applied one at a time and compiled${skipped.length ? `; not checked: ${skipped.join(', ')}` : ''}`,
    `  per rule: ${Object.entries(s.perRule).map(([rule, n]) => `${rule} ${n.findings} findings / ${n.fixes} fixes / ${n.failures} failures`).join('; ') || 'no findings'}`,
    `  failures: ${s.failures}${s.failures ? ` (${Object.entries(s.failuresByKind).map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`,
    `  time:     ${s.seconds.total} s (analysis ${s.seconds.analysis} s, fixes ${s.seconds.fixes} s)`,
  );
  return `${out.join('\n')}\n`;
}

async function loadConcur() {
  const dist = (file) => pathToFileURL(path.join(REPO_ROOT, 'dist', file)).href;
  const [check, settings, target, registry, applying, read, analyse, finding, discover, diff] = await Promise.all([
    import(dist('engine/check.js')),
    import(dist('config/settings.js')),
    import(dist('config/target-version.js')),
    import(dist('rules/registry.js')),
    import(dist('fixes/apply-fixes.js')),
    import(dist('source/read.js')),
    import(dist('engine/analyse-source.js')),
    import(dist('diagnostics/finding.js')),
    import(dist('discovery/discover.js')),
    import('diff'),
  ]);
  return {
    runCheck: check.runCheck,
    defaultSettings: settings.defaultSettings,
    parseTargetVersion: target.parseTargetVersion,
    registry,
    applyFixes: applying.applyFixes,
    readSource: read.readSource,
    encodePythonSource: read.encodePythonSource,
    fingerprintOf: analyse.fingerprintOf,
    compareFindings: finding.compareFindings,
    discoverFiles: discover.discoverFiles,
    createTwoFilesPatch: diff.createTwoFilesPatch,
    FILE_HEADERS_ONLY: diff.FILE_HEADERS_ONLY,
  };
}

const invokedDirectly = process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error) => {
      if (error instanceof UsageError) {
        process.stderr.write(`fuzz-rewrites: ${error.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`fuzz-rewrites: ${error.stack ?? error}\n`);
        process.exitCode = 2;
      }
    },
  );
}
