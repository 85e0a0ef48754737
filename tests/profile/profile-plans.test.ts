/**
 * `concur check --profile` and `concur fix --profile` with profiles written here (the figures
 * are chosen, so nothing depends on the machine's speed): the measured class overrides the
 * static guess, a loop measured too cheap for a pool is "not worth it" with both figures, the
 * chunk size comes from the measured cost per item, a loop whose text changed since it was
 * measured keeps its static plan with a warning, and loops calling other files get the measured
 * plan with its rewrite too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineIndex } from '../../src/parser/line-index.js';
import { classify, type LoopClass } from '../../src/profile/classify.js';
import type { ProfileDocument, ProfiledLoop } from '../../src/profile/profile-file.js';
import { findSites } from '../../src/profile/sites.js';
import { removeTemporaryDirectories, runConcur, temporaryDirectory } from '../helpers/cli.js';
import { modelOf } from '../helpers/parse.js';

afterAll(removeTemporaryDirectories);

const MAIN = [
  'def checksum(text):',
  '    total = 0',
  '    index = 0',
  '    while index < len(text):',
  '        total = (total * 31 + ord(text[index])) % 1_000_003',
  '        index += 1',
  '    return total',
  '',
  '',
  'def main():',
  '    words = [f"word{number}" for number in range(4000)]',
  '    results = []',
  '    for word in words:',
  '        results.append(checksum(word))',
  '    print(sum(results))',
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
  '',
].join('\n');
const LOOP_LINE = 13;

interface Measured {
  line: number;
  iterations: number;
  /** Seconds per item. */
  wall: number;
  cpuShare: number;
  gilHeld: number;
  kind?: ProfiledLoop['kind'];
  hash?: string;
}

async function profileOf(root: string, file: string, source: string, loops: Measured[], programSeconds = 10): Promise<ProfileDocument> {
  const model = await modelOf(source);
  const sites = findSites(model, new LineIndex(source));
  return {
    version: 1,
    tool: 'concur test',
    created: '2025-01-01T00:00:00.000Z',
    root,
    command: ['python3', file],
    python: { executable: 'python3', version: '3.11.7', gil: true },
    program: { wall_seconds: programSeconds, cpu_seconds: programSeconds, peak_rss_bytes: 1e7, exit_code: 0, signal: null, timed_out: false, processes: 1, cpu_wait_seconds: 0 },
    machine: {
      cpus: 2,
      python_scaling: 2,
      native_scaling: 2,
      threads: { workers: 2, startup_seconds: 0.0005, per_item_seconds: 20e-6 },
      processes: { workers: 2, start_method: 'fork', startup_seconds: 0.02, per_item_seconds: 200e-6, per_byte_seconds: 2e-9 },
      spawn: { workers: 2, startup_seconds: 0.3 },
    },
    loops: loops.map((loop) => {
      const site = sites.find((s) => s.line === loop.line && s.kind === (loop.kind ?? 'for'))!;
      const { class: kind, compute, reason } = classify({ cpuPerWall: loop.cpuShare, gilHeldShare: loop.gilHeld });
      const distribution = (value: number) => ({ count: loop.iterations, median: value, p90: value, max: value, total: value * loop.iterations });
      return {
        file,
        line: site.line,
        column: site.column,
        kind: site.kind,
        source_hash: loop.hash ?? site.hash,
        header: site.header,
        entries: 1,
        iterations: loop.iterations,
        iterations_exact: true,
        ended_early: 0,
        unfinished: 0,
        processes: 1,
        threads: 1,
        in_first_process: true,
        wall_seconds: loop.wall * loop.iterations,
        cpu_seconds: loop.wall * loop.iterations * loop.cpuShare,
        cpu_wait_seconds: 0,
        per_iteration: { wall: distribution(loop.wall), cpu: distribution(loop.wall * loop.cpuShare) },
        cpu_per_wall: loop.cpuShare,
        gil: { samples: 100, held_share: loop.gilHeld },
        class: kind as LoopClass,
        compute: compute ?? null,
        class_reason: reason,
        share_of_program: (loop.wall * loop.iterations) / programSeconds,
        item_bytes: { count: 8, median: 20, max: 20, unpicklable: {} },
        result_bytes: { count: 8, median: 10, max: 10, unpicklable: {}, names: [] },
        peak_rss_bytes: 1e7,
        rss_growth_bytes: 0,
        estimate: null,
      };
    }),
    notes: [],
  };
}

function project(files: Record<string, string>): string {
  const root = temporaryDirectory('concur-profile-plan-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  return root;
}

function writeProfile(root: string, document: ProfileDocument): string {
  const file = path.join(root, 'concur-profile.json');
  fs.writeFileSync(file, JSON.stringify(document));
  return file;
}

interface Finding {
  rule: string;
  line: number;
  message: string;
  plan?: { model: string; workload: string; workers: number; rationale: string; estimatedSpeedup?: number; chunksize?: number };
}

async function check(root: string, args: string[]) {
  const result = await runConcur(['check', '--isolated', '--select', 'PA101,PA102', '--format', 'json', ...args, '.'], { cwd: root });
  const json = JSON.parse(result.stdout) as { findings: Finding[]; loops: Array<{ line: number; verdict: string; reason: string }> };
  return { ...result, json, finding: json.findings.find((f) => f.line === LOOP_LINE), verdict: json.loops.find((l) => l.line === LOOP_LINE) };
}

describe.concurrent('check --profile', () => {
  it('without a profile the loop gets its static plan: processes for the pure-Python helper', async () => {
    const root = project({ 'main.py': MAIN });
    const { finding } = await check(root, []);
    expect(finding?.plan).toMatchObject({ model: 'processes', workload: 'cpu' });
    expect(finding?.plan?.estimatedSpeedup).toBeUndefined();
  });

  it('a loop measured too cheap for a process pool is not worth it, with the measured time and the measured start-up', async () => {
    const root = project({ 'main.py': MAIN });
    const profile = writeProfile(root, await profileOf(root, 'main.py', MAIN, [{ line: LOOP_LINE, iterations: 4000, wall: 2e-6, cpuShare: 1, gilHeld: 1 }]));
    const { finding, verdict, stderr } = await check(root, ['--profile', profile]);
    expect(stderr).toBe('');
    expect(finding).toBeUndefined();
    expect(verdict?.verdict).toBe('rejected');
    expect(verdict?.reason).toMatch(/^not worth it: measured 4000 iterations of 2\.0 µs each \(8\.0 ms in all\), and starting a process pool costs 20\.0 ms here/);
  });

  it('the measured class overrides the static guess: measured waiting gets threads, with the estimate in the plan', async () => {
    const root = project({ 'main.py': MAIN });
    const profile = writeProfile(root, await profileOf(root, 'main.py', MAIN, [{ line: LOOP_LINE, iterations: 40, wall: 0.05, cpuShare: 0.02, gilHeld: 0.01 }], 2.1));
    const { finding } = await check(root, ['--profile', profile]);
    expect(finding?.plan).toMatchObject({ model: 'threads', workload: 'io' });
    // 2 s of waiting in a 2.1 s program: 16 threads (the default cap) make 3 rounds of 50 ms.
    expect(finding?.plan?.workers).toBe(16);
    expect(finding?.plan?.estimatedSpeedup).toBeCloseTo(2.1 / (0.1 + 0.15 + 0.0005 + 40 * 20e-6), 1);
    expect(finding?.plan?.rationale).toContain('measured at main.py:13: 40 iterations of 50.0 ms each');
    expect(finding?.plan?.rationale).toContain('the static analysis alone would have chosen processes');
    // The text output shows the estimate too.
    const text = await runConcur(['check', '--isolated', '--select', 'PA101', '--profile', profile, '.'], { cwd: root });
    expect(text.stdout).toMatch(/= plan: threads with 16 workers for I\/O-bound work, estimated speedup \d+\.\d\dx: measured at main\.py:13/);
  });

  it('measured pure-Python work gets processes with a chunk size from the cost per item, and fix writes it', async () => {
    const root = project({ 'main.py': MAIN });
    const profile = writeProfile(root, await profileOf(root, 'main.py', MAIN, [{ line: LOOP_LINE, iterations: 4000, wall: 1e-3, cpuShare: 1, gilHeld: 0.98 }]));
    const { finding } = await check(root, ['--profile', profile]);
    // Handing an item over costs 200 µs, 5% of an item's 1 ms is 50 µs: 4 items per task.
    expect(finding?.plan).toMatchObject({ model: 'processes', workload: 'cpu', workers: 2, chunksize: 4 });
    const diff = await runConcur(['fix', '--isolated', '--select', 'PA101', '--diff', '--profile', profile, '.'], { cwd: root });
    expect(diff.stdout).toContain('chunksize=4');
    const staticDiff = await runConcur(['fix', '--isolated', '--select', 'PA101', '--diff', '.'], { cwd: root });
    expect(staticDiff.stdout).not.toContain('chunksize=4');
  });

  it('a loop whose text changed since it was measured keeps its static plan, with a warning', async () => {
    const root = project({ 'main.py': MAIN });
    const profile = writeProfile(root, await profileOf(root, 'main.py', MAIN, [{ line: LOOP_LINE, iterations: 4000, wall: 2e-6, cpuShare: 1, gilHeld: 1, hash: '000000000000' }]));
    const { finding, stderr } = await check(root, ['--profile', profile]);
    expect(stderr).toContain('profile concur-profile.json: main.py: the loop at main.py:13:5 changed since it was measured: its measurement is ignored');
    expect(finding?.plan).toMatchObject({ model: 'processes', workload: 'cpu' });
    expect(finding?.plan?.estimatedSpeedup).toBeUndefined();
  });

  it('a loop that only moved down is still found by its text', async () => {
    const root = project({ 'main.py': MAIN });
    const document = await profileOf(root, 'main.py', MAIN, [{ line: LOOP_LINE, iterations: 4000, wall: 2e-6, cpuShare: 1, gilHeld: 1 }]);
    fs.writeFileSync(path.join(root, 'main.py'), `# a comment added above\n\n${MAIN}`);
    const profile = writeProfile(root, document);
    const result = await runConcur(['check', '--isolated', '--select', 'PA101', '--format', 'json', '--profile', profile, '.'], { cwd: root });
    expect(result.stderr).toBe('');
    const loops = (JSON.parse(result.stdout) as { loops: Array<{ line: number; reason: string }> }).loops;
    expect(loops.find((l) => l.line === LOOP_LINE + 2)?.reason).toMatch(/^not worth it: measured 4000 iterations/);
  });

  it('a loop calling another file of the project gets the measured plan and its rewrite once the files are linked', async () => {
    const helper = MAIN.split('\n').slice(0, 7).join('\n') + '\n';
    const main = ['from helper import checksum', '', '', ...MAIN.split('\n').slice(7)].join('\n');
    const line = main.split('\n').findIndex((l) => l.includes('for word in words')) + 1;
    const root = project({ 'helper.py': helper, 'main.py': main });
    const profile = writeProfile(root, await profileOf(root, 'main.py', main, [{ line, iterations: 40, wall: 0.05, cpuShare: 0.02, gilHeld: 0.01 }], 2.1));
    const result = await runConcur(['check', '--isolated', '--select', 'PA101', '--format', 'json', '--profile', profile, '.'], { cwd: root });
    const finding = (JSON.parse(result.stdout) as { findings: Array<Finding & { fix?: unknown }> }).findings.find((f) => f.line === line);
    expect(finding?.plan).toMatchObject({ model: 'threads', workload: 'io', workers: 16 });
    expect(finding?.fix).toBeDefined();
  });

  it('a profile of another format version is a usage error', async () => {
    const root = project({ 'main.py': MAIN });
    const profile = path.join(root, 'old.json');
    fs.writeFileSync(profile, JSON.stringify({ version: 2, loops: [] }));
    const result = await runConcur(['check', '--isolated', '--profile', profile, '.'], { cwd: root });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('profile format version 2 is not supported');
  });
});
