/**
 * `concur fix` through the real CLI: `--diff` writes nothing, safe fixes only by default,
 * `--unsafe-fixes`, encodings kept byte for byte, no temporary files left behind, and the
 * rewritten program still runs under real Python with the same output.
 *
 * Which fixes are safe is the rules' business (it has changed: `time.sleep` -> `await
 * asyncio.sleep` was safe, then became unsafe because other tasks now run during the sleep).
 * So these tests read each finding's `fix.applicability` from `check --format json` and check
 * that `fix` writes exactly the edits that report lists for the fixes it should apply, computed
 * independently by `applyJsonEdits`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyJsonEdits, checkJson, editsOf, listFiles, project, py, removeTemporaryDirectories, runConcur } from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

/** `time.sleep` on line 7 and `requests.get` on line 8, both AS101 with a fix. */
const SERVICE = py(
  'import asyncio',
  'import time',
  'import requests',
  '',
  '',
  'async def main(url):',
  '    time.sleep(1)',
  '    return requests.get(url)',
);
const SERVICE_ALL_FIXED = py(
  'import asyncio',
  'import time',
  'import requests',
  '',
  '',
  'async def main(url):',
  '    await asyncio.sleep(1)',
  '    return await asyncio.to_thread(requests.get, url)',
);

const bytesOf = (root: string, file: string) => readFileSync(path.join(root, file));
const isSafe = (applicability: string) => applicability === 'safe';
const always = () => true;

describe.concurrent('concur fix --diff', () => {
  it('prints a unified diff, exits 1 and leaves every file byte-identical', async () => {
    const root = project({ 'app/service.py': SERVICE, 'app/other.py': SERVICE });
    const before = { service: bytesOf(root, 'app/service.py'), other: bytesOf(root, 'app/other.py') };
    const result = await runConcur(['fix', '--diff', '--unsafe-fixes', 'app'], { cwd: root });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      [
        '--- app/service.py',
        '+++ app/service.py',
        '@@ -4,5 +4,5 @@',
        ' ',
        ' ',
        ' async def main(url):',
        '-    time.sleep(1)',
        '-    return requests.get(url)',
        '+    await asyncio.sleep(1)',
        '+    return await asyncio.to_thread(requests.get, url)',
        '',
      ].join('\n'),
    );
    expect(result.stdout).toContain('--- app/other.py\n+++ app/other.py\n');
    expect(result.stderr).toBe('Would fix 4 findings in 2 files.\n');
    expect(bytesOf(root, 'app/service.py').equals(before.service)).toBe(true);
    expect(bytesOf(root, 'app/other.py').equals(before.other)).toBe(true);
    expect(listFiles(root)).toEqual(['app/other.py', 'app/service.py']);
  });

  it('leaves the unsafe fixes out of the diff without --unsafe-fixes', async () => {
    const root = project({ 'service.py': SERVICE });
    const { json } = await checkJson(['service.py'], { cwd: root });
    const safe = editsOf(json, isSafe);
    const result = await runConcur(['fix', '--diff', 'service.py'], { cwd: root });
    expect(result.stderr).toMatch(/^Would fix \d+ findings? in [01] files?\.\n$/);
    if (safe.length === 0) {
      expect(result).toMatchObject({ status: 0, stdout: '' });
    } else {
      expect(result.status).toBe(1);
      for (const edit of safe) expect(result.stdout).toContain(edit.content);
    }
    for (const edit of editsOf(json, (a) => !isSafe(a))) expect(result.stdout).not.toContain(edit.content);
    expect(bytesOf(root, 'service.py').toString('utf8')).toBe(SERVICE);
  });

  it('prints a diff that patch tools apply, giving what concur fix writes', async () => {
    const root = project({ 'service.py': SERVICE });
    const diff = (await runConcur(['fix', '--diff', '--unsafe-fixes', 'service.py'], { cwd: root })).stdout;
    // Exactly the file headers and hunks: no svn-style `Index:` or `====` lines, no tab after the name.
    expect(diff.split('\n').slice(0, 3)).toEqual(['--- service.py', '+++ service.py', '@@ -4,5 +4,5 @@']);
    writeFileSync(path.join(root, 'fix.patch'), diff);
    // The names are the paths as given (no a/ and b/ prefixes), as ruff prints them: apply with -p0.
    const git = spawnSync('git', ['apply', '-p0', 'fix.patch'], { cwd: root, encoding: 'utf8' });
    expect(git.stderr).toBe('');
    expect(git.status).toBe(0);
    expect(readFileSync(path.join(root, 'service.py'), 'utf8')).toBe(SERVICE_ALL_FIXED);
  });

  it('prints nothing and exits 0 when there is nothing to fix', async () => {
    const root = project({ 'clean.py': py('import asyncio', '', '', 'async def main():', '    await asyncio.sleep(1)') });
    expect(await runConcur(['fix', '--diff', '--unsafe-fixes', '.'], { cwd: root })).toEqual({
      status: 0,
      stdout: '',
      stderr: 'Would fix 0 findings in 0 files.\n',
    });
  });
});

describe.concurrent('concur fix', () => {
  it('applies exactly the safe fixes and still reports the unsafe ones', async () => {
    const root = project({ 'service.py': SERVICE });
    const { json } = await checkJson(['service.py'], { cwd: root });
    expect(json.findings.map((f) => [f.line, f.fixable])).toEqual([
      [7, true],
      [8, true],
    ]);
    const unsafeLines = json.findings.filter((f) => !isSafe(f.fix!.applicability)).map((f) => f.line);
    // `requests.get` moves to a worker thread: never safe.
    expect(unsafeLines).toContain(8);

    const result = await runConcur(['fix', 'service.py'], { cwd: root });
    expect(readFileSync(path.join(root, 'service.py'), 'utf8')).toBe(applyJsonEdits(SERVICE, editsOf(json, isSafe)));
    expect(result.status).toBe(1);
    for (const line of unsafeLines) expect(result.stdout).toMatch(new RegExp(`^service\\.py:${line}:\\d+: AS101 `, 'm'));
    const fixed = json.findings.length - unsafeLines.length;
    expect(result.stdout).toMatch(
      fixed === 0
        ? /Found 2 findings in 1 file \(2 with unsafe fixes\)\.\n$/
        : new RegExp(`Found 2 findings \\(${fixed} fixed, ${unsafeLines.length} remaining\\)\\.\\n$`),
    );
    expect(listFiles(root)).toEqual(['service.py']);
    // What is left is what check reports.
    const after = await checkJson(['service.py'], { cwd: root });
    expect(after.json.findings.map((f) => f.fix?.applicability)).toEqual(unsafeLines.map(() => 'unsafe'));
  });

  it('applies unsafe fixes too with --unsafe-fixes, and exits 0 when nothing is left', async () => {
    const root = project({ 'service.py': SERVICE });
    const { json } = await checkJson(['service.py'], { cwd: root });
    expect(applyJsonEdits(SERVICE, editsOf(json, always))).toBe(SERVICE_ALL_FIXED);
    const result = await runConcur(['fix', '--unsafe-fixes', '.'], { cwd: root });
    expect(result.status).toBe(0);
    expect(readFileSync(path.join(root, 'service.py'), 'utf8')).toBe(SERVICE_ALL_FIXED);
    expect(result.stdout).toBe('Found 2 findings (2 fixed, 0 remaining).\n');
    expect(listFiles(root)).toEqual(['service.py']);
  });

  it('adds the asyncio import when it is missing, and the program prints the same under python3', async () => {
    const program = py(
      '"""A module docstring."""',
      'import time',
      '',
      '',
      'async def main():',
      '    for i in range(3):',
      '        time.sleep(0)',
      '        print("tick", i)',
      '',
      '',
      'if __name__ == "__main__":',
      '    __import__("asyncio").run(main())',
    );
    const root = project({ 'prog.py': program });
    const run = () => spawnSync('python3', ['prog.py'], { cwd: root, encoding: 'utf8' });
    const original = run();
    expect(original.status).toBe(0);
    // Only the async rules: PA101 would go on to run the three sleeps concurrently.
    const result = await runConcur(['fix', '--unsafe-fixes', '--select', 'AS', 'prog.py'], { cwd: root });
    expect(result.status).toBe(0);
    const fixed = readFileSync(path.join(root, 'prog.py'), 'utf8');
    expect(fixed).toBe(
      program.replace('import time\n', 'import asyncio\nimport time\n').replace('        time.sleep(0)', '        await asyncio.sleep(0)'),
    );
    const rewritten = run();
    expect(rewritten.stderr).toBe('');
    expect(rewritten.status).toBe(0);
    expect(rewritten.stdout).toBe(original.stdout);
    expect(listFiles(root)).toEqual(['prog.py']);
  });

  // BUG (src/fixes/imports.ts, referenceModule): the fix reuses `_asyncio`, an alias bound only
  // inside `if __name__ == "__main__":` further down, instead of adding `import asyncio`. Run as a
  // script the program still works; imported as a module, `main()` raises NameError.
  it('does not make a function depend on an import that only happens under `if __name__ == "__main__":`', async () => {
    const program = py(
      'import time',
      '',
      '',
      'async def main():',
      '    time.sleep(0)',
      '    print("done")',
      '',
      '',
      'if __name__ == "__main__":',
      '    import asyncio as _asyncio',
      '    _asyncio.run(main())',
    );
    const root = project({ 'prog.py': program });
    const importAndRun = () =>
      spawnSync('python3', ['-c', 'import asyncio, prog; asyncio.run(prog.main())'], { cwd: root, encoding: 'utf8' });
    expect(importAndRun()).toMatchObject({ status: 0, stdout: 'done\n' });
    expect((await runConcur(['fix', '--unsafe-fixes', 'prog.py'], { cwd: root })).status).toBe(0);
    expect(readFileSync(path.join(root, 'prog.py'), 'utf8')).not.toContain('await _asyncio.sleep(0)');
    expect(importAndRun()).toMatchObject({ status: 0, stdout: 'done\n', stderr: '' });
  });

  it('writes through a symbolic link: the link stays a link and the file it points to is fixed', async () => {
    const root = project({ 'real/service.py': SERVICE });
    symlinkSync('real/service.py', path.join(root, 'link.py'));
    const result = await runConcur(['fix', '--unsafe-fixes', 'link.py'], { cwd: root });
    expect(result.status).toBe(0);
    expect(lstatSync(path.join(root, 'link.py')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(root, 'real/service.py'), 'utf8')).toBe(SERVICE_ALL_FIXED);
    expect(listFiles(root)).toEqual(['link.py', 'real/service.py']);
  });

  it('keeps the file mode, CRLF line endings and a UTF-8 BOM', async () => {
    const crlf = SERVICE.replace(/\n/g, '\r\n');
    const bom = `\ufeff${SERVICE}`;
    const root = project({ 'crlf.py': crlf, 'bom.py': bom, 'script.py': `#!/usr/bin/env python3\n${SERVICE}` });
    chmodSync(path.join(root, 'script.py'), 0o755);
    expect((await runConcur(['fix', '--unsafe-fixes', '.'], { cwd: root })).status).toBe(0);
    expect(readFileSync(path.join(root, 'crlf.py'), 'utf8')).toBe(SERVICE_ALL_FIXED.replace(/\n/g, '\r\n'));
    expect(readFileSync(path.join(root, 'bom.py'), 'utf8')).toBe(`\ufeff${SERVICE_ALL_FIXED}`);
    expect(statSync(path.join(root, 'script.py')).mode & 0o777).toBe(0o755);
    expect(readFileSync(path.join(root, 'script.py'), 'utf8')).toBe(`#!/usr/bin/env python3\n${SERVICE_ALL_FIXED}`);
    expect(listFiles(root)).toEqual(['bom.py', 'crlf.py', 'script.py']);
  });

  it('rewrites a latin-1 file in latin-1: untouched lines byte-identical, the fixed line right', async () => {
    const lines = [
      '# -*- coding: latin-1 -*-',
      'import asyncio',
      'import time',
      '',
      '',
      'async def main():',
      '    s = "\xe9\xe8\xe0"; time.sleep(1)  # caf\xe9',
      '    return s  # d\xe9j\xe0 vu',
    ];
    const original = Buffer.from(py(...lines), 'latin1');
    const root = project({ 'latin.py': original });
    const result = await runConcur(['fix', '--unsafe-fixes', 'latin.py'], { cwd: root });
    expect(result.status).toBe(0);
    const written = bytesOf(root, 'latin.py');
    const splitLines = (bytes: Buffer) => {
      const out: Buffer[] = [];
      let start = 0;
      for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, start)) {
        out.push(bytes.subarray(start, i + 1));
        start = i + 1;
      }
      return out;
    };
    const before = splitLines(original);
    const after = splitLines(written);
    expect(after).toHaveLength(before.length);
    for (const index of [0, 1, 2, 3, 4, 5, 7]) expect(after[index]!.equals(before[index]!), `line ${index + 1}`).toBe(true);
    expect(after[6]!.equals(Buffer.from('    s = "\xe9\xe8\xe0"; await asyncio.sleep(1)  # caf\xe9\n', 'latin1'))).toBe(true);
    // No UTF-8 sneaked in: é is one byte.
    expect(written.includes(Buffer.from('é', 'utf8'))).toBe(false);
    expect(listFiles(root)).toEqual(['latin.py']);
    // And Python still reads it.
    const compile = spawnSync('python3', ['-c', 'import sys; compile(open(sys.argv[1], "rb").read(), sys.argv[1], "exec")', 'latin.py'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(compile.stderr).toBe('');
    expect(compile.status).toBe(0);
  });
});
