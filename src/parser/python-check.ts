/**
 * Settles whether a file that tree-sitter could not parse cleanly is really invalid, by asking
 * the machine's Python to `compile()` it. The grammar has gaps (some bracketed continuation
 * lines, PEP 696 defaults) and accepts Python 2 `print "x"`, so its word is not final.
 */
import { spawnSync } from 'node:child_process';

export type CompileVerdict =
  | { kind: 'valid' }
  | { kind: 'invalid'; message: string; line?: number; column?: number }
  | { kind: 'unavailable' };

const PROBE = [
  'import sys, json',
  'data = sys.stdin.buffer.read()',
  'try:',
  '    compile(data, sys.argv[1], "exec", dont_inherit=True)',
  '    print(json.dumps({"ok": True}))',
  'except SyntaxError as e:',
  '    print(json.dumps({"ok": False, "msg": e.msg, "line": e.lineno, "col": e.offset}))',
  'except (ValueError, UnicodeDecodeError) as e:',
  '    print(json.dumps({"ok": False, "msg": str(e)}))',
].join('\n');

let pythonMissing = false;

/** Compiles `bytes` (the file as stored, so its coding cookie applies) with `python3`. */
export function compileWithPython(bytes: Uint8Array, path: string): CompileVerdict {
  if (pythonMissing) return { kind: 'unavailable' };
  const python = process.env.CONCUR_PYTHON || 'python3';
  const result = spawnSync(python, ['-c', PROBE, path], { input: bytes, encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) {
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') pythonMissing = true;
    return { kind: 'unavailable' };
  }
  try {
    const verdict = JSON.parse(result.stdout.trim()) as { ok: boolean; msg?: string; line?: number; col?: number };
    if (verdict.ok) return { kind: 'valid' };
    return { kind: 'invalid', message: verdict.msg ?? 'invalid syntax', line: verdict.line ?? undefined, column: verdict.col ?? undefined };
  } catch {
    return { kind: 'unavailable' };
  }
}

/** Python 3 says this about Python 2 code; concur says so plainly. */
export function looksLikePython2(message: string): boolean {
  return /Missing parentheses in call to '(print|exec)'|invalid syntax\. Perhaps you forgot a comma\?|print statement/.test(message);
}
