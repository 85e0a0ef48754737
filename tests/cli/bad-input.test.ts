/**
 * Bad input through the CLI: each bad file gets a clear entry in `errors` (and a line on stderr in
 * text mode), the other files are still analysed, nothing crashes, and the exit status reflects
 * the files that could be analysed.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLOCKING_SLEEP,
  CLEAN,
  checkJson,
  project,
  py,
  removeTemporaryDirectories,
  runConcur,
  temporaryDirectory,
  type CliResult,
  type JsonDocument,
} from '../helpers/cli.js';

afterAll(removeTemporaryDirectories);

/**
 * chmod 000 does not stop root (or a process with CAP_DAC_OVERRIDE) from reading a file,
 * so the unreadable-file case can only be tested where it really is unreadable.
 */
const chmodDeniesReading = (() => {
  const directory = temporaryDirectory('concur-chmod-probe-');
  const file = path.join(directory, 'probe.txt');
  writeFileSync(file, 'x');
  chmodSync(file, 0o000);
  try {
    readFileSync(file);
    return false;
  } catch {
    return true;
  } finally {
    chmodSync(file, 0o600);
    rmSync(directory, { recursive: true, force: true });
  }
})();

/** A latin-1 file with a coding cookie: `time.sleep` on line 6 after 11 characters, three of them non-ASCII. */
const LATIN1 = Buffer.from(
  py('# -*- coding: latin-1 -*-', 'import time', '', '', 'async def main():', '    s = "\xe9\xe8\xe0"; time.sleep(1)  # caf\xe9'),
  'latin1',
);

const BAD_FILES: Record<string, string | Uint8Array> = {
  'syntax.py': py('def broken(:', '    pass'),
  'undecodable.py': Buffer.concat([Buffer.from('name = "'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('"\n')]),
  'binary.py': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
  'python2.py': py('print "hello"'),
};

let root: string;
beforeAll(() => {
  root = project({ ...BAD_FILES, 'good.py': BLOCKING_SLEEP, 'latin1.py': LATIN1, 'loops/inner/ok.py': CLEAN });
  // Over 10 MB of valid Python.
  writeFileSync(path.join(root, 'huge.py'), 'x = 1\n'.repeat(Math.ceil((10 * 1024 * 1024 + 1) / 6)));
  // A directory that contains a link to the directory above it.
  symlinkSync('..', path.join(root, 'loops/inner/up'));
});

describe.concurrent('bad input in JSON', () => {
  let result: CliResult & { json: JsonDocument };
  const errorFor = (file: string) => {
    const matching = result.json.errors.filter((error) => error.path === file);
    expect(matching, `one error for ${file} in ${JSON.stringify(result.json.errors)}`).toHaveLength(1);
    return matching[0]!;
  };

  beforeAll(async () => {
    result = await checkJson(['.'], { cwd: root });
  });

  it('still analyses the other files and exits 1 for their findings', () => {
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.status).toBe(1);
    expect(result.json.findings.map((f) => `${f.rule} ${f.path}:${f.line}:${f.column}`)).toEqual(['AS101 good.py:5:5', 'AS101 latin1.py:6:16']);
    expect(result.json.errors.map((e) => e.path).sort()).toEqual(['binary.py', 'huge.py', 'loops/inner/up', 'python2.py', 'syntax.py', 'undecodable.py']);
  });

  it('says "syntax error" with the line for a file that does not parse', () => {
    const error = errorFor('syntax.py');
    expect(error.message).toMatch(/syntax error/i);
    expect(error.message).toMatch(/line 1\b/);
    expect(error.line).toBe(1);
  });

  it('names the encoding, the byte and the line for undecodable bytes', () => {
    expect(errorFor('undecodable.py')).toEqual({ path: 'undecodable.py', message: 'cannot decode as UTF-8: invalid byte 0xFF at line 1', line: 1 });
  });

  it('calls a file with NUL bytes binary', () => {
    expect(errorFor('binary.py').message).toMatch(/binary/);
  });

  it('refuses a file over 10 MB without reading it as code', () => {
    expect(errorFor('huge.py').message).toBe('file is larger than 10 MB');
  });

  it('says Python 2 for Python 2 code', () => {
    const error = errorFor('python2.py');
    expect(error.message).toMatch(/Python 2/);
    expect(error.line).toBe(1);
  });

  it('reports a symlink loop once and walks the rest of the tree', () => {
    expect(errorFor('loops/inner/up').message).toMatch(/symlink loop/);
    // ok.py was analysed (it is clean, so it has no finding, but it is no error either).
    expect(result.json.errors.some((e) => e.path.includes('ok.py'))).toBe(false);
  });

  it('reads a latin-1 file with a coding cookie and counts columns in characters', async () => {
    const finding = result.json.findings.find((f) => f.path === 'latin1.py')!;
    expect(finding).toMatchObject({ rule: 'AS101', line: 6, column: 16, endLine: 6, endColumn: 29 });
    expect(finding.fix!.edits).toContainEqual({ line: 6, column: 16, endLine: 6, endColumn: 29, content: 'await asyncio.sleep(1)' });
    // `import asyncio` goes below the coding cookie, which must stay on line 1 or 2.
    expect(finding.fix!.edits).toContainEqual({ line: 2, column: 1, endLine: 2, endColumn: 1, content: 'import asyncio\n' });
  });
});

describe.concurrent('bad input in text mode', () => {
  it('writes one error line per bad file to stderr, and the findings to stdout', async () => {
    const result = await runConcur(['check', '.'], { cwd: root });
    expect(result.status).toBe(1);
    const errorLines = result.stderr.split('\n').filter(Boolean);
    expect(errorLines).toHaveLength(6);
    expect(errorLines).toContain('undecodable.py:1: error: cannot decode as UTF-8: invalid byte 0xFF at line 1');
    expect(errorLines).toContain('huge.py: error: file is larger than 10 MB');
    expect(errorLines.find((line) => line.startsWith('syntax.py:1:'))).toMatch(/^syntax\.py:1:\d+: error: syntax error/);
    expect(errorLines.find((line) => line.startsWith('python2.py:1:'))).toMatch(/: error: Python 2/);
    expect(errorLines.find((line) => line.startsWith('binary.py:'))).toMatch(/^binary\.py: error: binary file/);
    expect(errorLines.find((line) => line.startsWith('loops/inner/up:'))).toMatch(/symlink loop/);
    expect(result.stdout).toMatch(/^good\.py:5:5: AS101 /m);
    // The code frame shows the decoded latin-1 line, with the caret under the call.
    expect(result.stdout).toContain('6 |     s = "éèà"; time.sleep(1)  # café\n  |                ^^^^^^^^^^^^^ AS101');
    expect(result.stdout).toMatch(/Found 2 findings in 2 files .*\. 6 files could not be analysed\.\n$/);
  });

  it('exits 0 when the files that could be analysed are clean', async () => {
    const mixed = project({ ...BAD_FILES, 'clean.py': CLEAN });
    const result = await runConcur(['check', '.'], { cwd: mixed });
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(Object.keys(BAD_FILES).length);
    expect(result.stdout).toBe('No findings in 1 file. 4 files could not be analysed.\n');
  });
});

describe.concurrent('an unreadable file', () => {
  it.skipIf(!chmodDeniesReading)('is reported as unreadable and the rest is analysed', async () => {
    const directory = project({ 'good.py': BLOCKING_SLEEP, 'secret.py': CLEAN });
    chmodSync(path.join(directory, 'secret.py'), 0o000);
    try {
      const result = await checkJson(['.'], { cwd: directory });
      expect(result.status).toBe(1);
      expect(result.json.errors).toEqual([{ path: 'secret.py', message: 'Permission denied' }]);
      expect(result.json.findings.map((f) => f.path)).toEqual(['good.py']);
    } finally {
      chmodSync(path.join(directory, 'secret.py'), 0o644);
    }
  });
});

describe.concurrent('a file that is valid except for its bytes', () => {
  it('is left alone by concur fix, byte for byte', async () => {
    const directory = temporaryDirectory();
    mkdirSync(path.join(directory, 'pkg'));
    const bad = Buffer.concat([Buffer.from(BLOCKING_SLEEP), Buffer.from([0xff])]);
    writeFileSync(path.join(directory, 'pkg/bad.py'), bad);
    writeFileSync(path.join(directory, 'pkg/syntax.py'), `${BLOCKING_SLEEP}def broken(:\n`);
    const result = await runConcur(['fix', 'pkg'], { cwd: directory });
    expect(result.status).toBe(2);
    expect(readFileSync(path.join(directory, 'pkg/bad.py')).equals(bad)).toBe(true);
    expect(readFileSync(path.join(directory, 'pkg/syntax.py'), 'utf8')).toBe(`${BLOCKING_SLEEP}def broken(:\n`);
  });
});
