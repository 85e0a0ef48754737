/**
 * Settles whether files that tree-sitter could not parse cleanly are really invalid, by asking
 * the machine's Python to `compile()` them: the grammar has gaps (some bracketed continuation
 * lines, PEP 696 defaults) and accepts Python 2 `print "x"`, so its word is not final. All the
 * doubtful files of a run go to one Python process.
 */
import { spawnSync } from 'node:child_process';

export type CompileVerdict =
  | { kind: 'valid' }
  | { kind: 'invalid'; message: string; line?: number; column?: number }
  | { kind: 'unavailable' };

/** A file on disk (compiled from its bytes, so its coding cookie applies) or a text (a notebook's code). */
export type CompileInput = { path: string; absolutePath: string } | { path: string; text: string };

const PROBE = [
  'import json, sys',
  'def verdict(item):',
  '    try:',
  '        if "file" in item:',
  '            with open(item["file"], "rb") as handle:',
  '                data = handle.read()',
  '        else:',
  '            data = item["text"].encode("utf-8")',
  '        compile(data, item["path"], "exec", dont_inherit=True)',
  '        return {"ok": True}',
  '    except SyntaxError as e:',
  '        return {"ok": False, "msg": e.msg, "line": e.lineno, "col": e.offset}',
  '    except (ValueError, UnicodeDecodeError, OSError) as e:',
  '        return {"ok": False, "msg": str(e)}',
  'print(json.dumps([verdict(item) for item in json.load(sys.stdin)]))',
].join('\n');

export function compileWithPython(inputs: readonly CompileInput[]): CompileVerdict[] {
  if (inputs.length === 0) return [];
  const python = process.env.CONCUR_PYTHON || 'python3';
  const payload = inputs.map((input) =>
    'absolutePath' in input ? { path: input.path, file: input.absolutePath } : { path: input.path, text: input.text },
  );
  const result = spawnSync(python, ['-c', PROBE], {
    input: JSON.stringify(payload),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const unavailable = inputs.map((): CompileVerdict => ({ kind: 'unavailable' }));
  if (result.error || result.status !== 0) return unavailable;
  try {
    const verdicts = JSON.parse(result.stdout) as Array<{ ok: boolean; msg?: string; line?: number | null; col?: number | null }>;
    if (verdicts.length !== inputs.length) return unavailable;
    return verdicts.map((v) =>
      v.ok
        ? { kind: 'valid' }
        : { kind: 'invalid', message: v.msg ?? 'invalid syntax', line: v.line ?? undefined, column: v.col ?? undefined },
    );
  } catch {
    return unavailable;
  }
}

/** Python 3 says this about Python 2 code; concur says so plainly. */
export function looksLikePython2(message: string): boolean {
  return /Missing parentheses in call to '(print|exec)'|print statement/.test(message);
}

/** The error to report for a file Python rejected (or tree-sitter did, when there is no Python). */
export function syntaxErrorMessage(verdict: CompileVerdict, treeSitterError?: { line: number; column: number }): string | undefined {
  if (verdict.kind === 'invalid') {
    const where = verdict.line ? ` (line ${verdict.line}${verdict.column ? `, column ${verdict.column}` : ''})` : '';
    return looksLikePython2(verdict.message)
      ? `Python 2 syntax is not supported: ${verdict.message}${where}`
      : `syntax error: ${verdict.message}${where}`;
  }
  if (verdict.kind === 'unavailable' && treeSitterError) {
    return `syntax error at line ${treeSitterError.line}, column ${treeSitterError.column}`;
  }
  return undefined;
}
