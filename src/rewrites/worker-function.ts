/**
 * The extracted worker: the map stage as a function of one item that returns what the commit
 * stage needs. Its docstring states the assumptions that make it safe to run concurrently.
 */
import type { SyntaxNode } from '../parser/parser.js';
import { mapText, returnExpression, type Hoisted, type LoopParts } from './loop-parts.js';

export interface WorkerSpec {
  name: string;
  /** The item parameter, then any keyword-only parameters (values a process worker is sent). */
  parameter: string;
  keywordParameters: string[];
  isAsync: boolean;
  /** Unpacks the item into the loop's names when the target is not one name: `start, stop = item`. */
  unpack?: string;
  docstring: string[];
  /** Hold this semaphore around the map stage (asyncio). */
  semaphore?: string;
  /** Add a note naming the item to any exception (Python 3.11+). */
  noteOnError: boolean;
  errorName: string;
  /**
   * A worker that runs one part of the map stage: its source range (by default the whole map
   * stage), the hoisted inputs it computes, the statements that end it (in the `try` when
   * there is one) and what it returns (by default what the commit stage reads).
   */
  part?: { region: [number, number]; hoisted: readonly Hoisted[]; tail: readonly string[]; returns: string | undefined };
}

/** The worker's source at `indent`, ending with a line break. */
export function workerFunction(source: string, parts: LoopParts, spec: WorkerSpec, indent: string, newline: string, strings: readonly SyntaxNode[]): string {
  const unit = parts.unit;
  const body = indent + unit;
  const lines: string[] = [];
  const params = [spec.parameter, ...(spec.keywordParameters.length ? ['*', ...spec.keywordParameters] : [])].filter((p) => p !== '').join(', ');
  lines.push(`${indent}${spec.isAsync ? 'async ' : ''}def ${spec.name}(${params}):`);
  // A docstring ending in an empty line closes its quotes on a line of their own.
  spec.docstring.forEach((line, i) => {
    const open = i === 0 ? '"""' : '';
    const last = i === spec.docstring.length - 1;
    if (last && line === '') lines.push(`${body}"""`);
    else lines.push(line === '' ? '' : `${body}${open}${line}${last ? '"""' : ''}`);
  });
  if (spec.unpack) lines.push(`${body}${spec.unpack}`);
  let inner = body;
  if (spec.semaphore) {
    lines.push(`${inner}async with ${spec.semaphore}:`);
    inner += unit;
  }
  const work = mapText(source, parts, spec.noteOnError ? inner + unit : inner, strings, spec.part?.region);
  // Out of its call's brackets a multi-line expression needs its own to keep its line breaks legal.
  const hoisted = spec.part?.hoisted ?? parts.hoisted;
  const tail: string[] = hoisted.map((h) => `${h.name} = ${h.expression.text.includes('\n') ? `(${h.expression.text})` : h.expression.text}`);
  tail.push(...(spec.part?.tail ?? []));
  const returned = spec.part ? spec.part.returns : returnExpression(parts);
  if (returned) tail.push(`return ${returned}`);
  if (work.trim() === '' && tail.length === 0) tail.push('pass');
  let text = lines.map((l) => `${l}${newline}`).join('');
  if (spec.noteOnError) {
    const inTry = inner + unit;
    text += `${inner}try:${newline}${work}${tail.map((l) => `${inTry}${l}${newline}`).join('')}`;
    text += `${inner}except Exception as ${spec.errorName}:${newline}`;
    text += `${inTry}${spec.errorName}.add_note(f"raised while processing item {${spec.parameter}!r}")${newline}`;
    text += `${inTry}raise${newline}`;
  } else {
    text += work + tail.map((l) => `${inner}${l}${newline}`).join('');
  }
  return text;
}
