/**
 * Comparing what runs produced: exit status (or signal, timeout), stdout, stderr when asked, and
 * the files under the declared output directory. A run is reduced to an observation with hashes;
 * the first run of each distinct outcome keeps the bytes needed for a short excerpt of how it
 * differs (a unified diff, bounded).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { structuredPatch } from 'diff';
import type { RunOutcome } from './measured-run.js';
import { hashOutputDirectory, type OutputFile } from './output-files.js';

export interface CompareOptions {
  compareStderr: boolean;
  /** Whether an output directory was declared (so that file lists are compared). */
  compareFiles: boolean;
  /** The output directory relative to the project, to name files as the user knows them. */
  outputLabel?: string;
}

export interface Observation {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  startError?: string;
  stdoutHash: string;
  stderrHash: string;
  files: Map<string, OutputFile>;
  /** The compared outcome as one string: equal keys, equal outcomes. */
  key: string;
}

/** An observation with the bytes for excerpts: kept for the first run of each distinct outcome. */
export interface Variant extends Observation {
  stdout: Buffer;
  stderr: Buffer;
  /** Contents of the small output files (see EXCERPT_FILE_BYTES), for diffs. */
  fileContents: Map<string, Buffer>;
}

export type DifferenceKind = 'start' | 'timeout' | 'exit-status' | 'stdout' | 'stderr' | 'file-added' | 'file-missing' | 'file-different';

export interface Difference {
  kind: DifferenceKind;
  /** For file differences: the path relative to the output directory. */
  file?: string;
  description: string;
  /** A bounded excerpt: a unified diff, or the tail of stderr. */
  excerpt?: string;
}

const EXCERPT_LINES = 40;
const EXCERPT_CHARS = 4000;
/** Output files up to this size keep their bytes in a variant so that a difference can show a diff. */
const EXCERPT_FILE_BYTES = 256 * 1024;
/** stdout and stderr bytes a variant keeps for excerpts (the hash covers everything). */
const KEPT_STREAM_BYTES = 1024 * 1024;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Reduces a run to what is compared; `outputDirectory` is read now (before the next run resets it). */
export function observe(outcome: RunOutcome, outputDirectory: string | undefined, options: CompareOptions): Observation {
  const files = outputDirectory === undefined ? new Map<string, OutputFile>() : hashOutputDirectory(outputDirectory);
  const stdoutHash = sha256(outcome.stdout);
  const stderrHash = sha256(outcome.stderr);
  const key = JSON.stringify([
    outcome.startError ?? null,
    outcome.timedOut,
    outcome.exitCode,
    outcome.signal,
    stdoutHash,
    options.compareStderr ? stderrHash : null,
    options.compareFiles ? [...files].map(([name, file]) => [name, file.sha256]) : null,
  ]);
  return { exitCode: outcome.exitCode, signal: outcome.signal, timedOut: outcome.timedOut, startError: outcome.startError, stdoutHash, stderrHash, files, key };
}

/** The observation with the bytes kept for excerpts. */
export function keepVariant(observation: Observation, outcome: RunOutcome, outputDirectory: string | undefined): Variant {
  const fileContents = new Map<string, Buffer>();
  if (outputDirectory !== undefined) {
    for (const [name, file] of observation.files) {
      if (file.size > EXCERPT_FILE_BYTES) continue;
      try {
        fileContents.set(name, readFileSync(path.join(outputDirectory, ...name.split('/'))));
      } catch {
        // Gone already: the difference is then reported without a diff.
      }
    }
  }
  return { ...observation, stdout: outcome.stdout.subarray(0, KEPT_STREAM_BYTES), stderr: outcome.stderr.subarray(0, KEPT_STREAM_BYTES), fileContents };
}

/** How `other` differs from `reference`, channel by channel (empty when the keys are equal). */
export function differences(reference: Variant, other: Variant, options: CompareOptions, names: { reference: string; other: string }): Difference[] {
  const out: Difference[] = [];
  if (other.startError !== undefined && reference.startError === undefined) {
    out.push({ kind: 'start', description: `the ${names.other} could not be started: ${other.startError}` });
    return out;
  }
  if (other.timedOut !== reference.timedOut) {
    const late = other.timedOut ? names.other : names.reference;
    out.push({ kind: 'timeout', description: `the ${late} did not finish in time and was killed with its process group`, excerpt: tail(other.timedOut ? other.stderr : reference.stderr) });
    return out;
  }
  if (other.exitCode !== reference.exitCode || other.signal !== reference.signal) {
    out.push({
      kind: 'exit-status',
      description: `${ending(reference)} in the ${names.reference}, ${ending(other)} in the ${names.other}`,
      excerpt: tail(other.stderr.length ? other.stderr : reference.stderr),
    });
  }
  if (other.stdoutHash !== reference.stdoutHash) {
    out.push({ kind: 'stdout', description: `stdout differs (${lineCount(reference.stdout)} in the ${names.reference}, ${lineCount(other.stdout)} in the ${names.other})`, excerpt: unifiedExcerpt(reference.stdout, other.stdout, { reference: `${names.reference} stdout`, other: `${names.other} stdout` }) });
  }
  if (options.compareStderr && other.stderrHash !== reference.stderrHash) {
    out.push({ kind: 'stderr', description: `stderr differs (${lineCount(reference.stderr)} in the ${names.reference}, ${lineCount(other.stderr)} in the ${names.other})`, excerpt: unifiedExcerpt(reference.stderr, other.stderr, { reference: `${names.reference} stderr`, other: `${names.other} stderr` }) });
  }
  if (options.compareFiles) {
    const names_ = [...new Set([...reference.files.keys(), ...other.files.keys()])].sort();
    for (const key of names_) {
      const a = reference.files.get(key);
      const b = other.files.get(key);
      const file = options.outputLabel ? `${options.outputLabel}/${key}` : key;
      if (a && !b) out.push({ kind: 'file-missing', file, description: `${file} is written by the ${names.reference} (${bytes(a.size)}) but not by the ${names.other}` });
      else if (!a && b) out.push({ kind: 'file-added', file, description: `${file} is written by the ${names.other} (${bytes(b.size)}) but not by the ${names.reference}` });
      else if (a && b && a.sha256 !== b.sha256) {
        const left = reference.fileContents.get(key);
        const right = other.fileContents.get(key);
        const excerpt = left && right && !isBinary(left) && !isBinary(right) ? unifiedExcerpt(left, right, { reference: `${names.reference}/${file}`, other: `${names.other}/${file}` }) : `sha256 ${a.sha256.slice(0, 16)}... (${bytes(a.size)}) in the ${names.reference}, ${b.sha256.slice(0, 16)}... (${bytes(b.size)}) in the ${names.other}`;
        out.push({ kind: 'file-different', file, description: `${file} differs (${bytes(a.size)} in the ${names.reference}, ${bytes(b.size)} in the ${names.other})`, excerpt });
      }
    }
  }
  return out;
}

function ending(observation: Observation): string {
  if (observation.signal) return `killed by ${observation.signal}`;
  return `exit status ${observation.exitCode}`;
}

function lineCount(data: Buffer): string {
  let lines = 0;
  for (const byte of data) if (byte === 10) lines++;
  if (data.length > 0 && data[data.length - 1] !== 10) lines++;
  return `${lines} line${lines === 1 ? '' : 's'}`;
}

function bytes(size: number): string {
  return `${size} byte${size === 1 ? '' : 's'}`;
}

function isBinary(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0);
}

/** The last lines of a stream, bounded: what a crash printed. */
function tail(data: Buffer): string | undefined {
  const text = data.toString('utf8').trimEnd();
  if (!text) return undefined;
  const lines = text.split('\n');
  const kept = lines.slice(-15).join('\n');
  return bound(lines.length > 15 ? `...\n${kept}` : kept);
}

/** A unified diff (3 lines of context) of two texts, bounded in lines and characters. */
export function unifiedExcerpt(before: Buffer, after: Buffer, labels: { reference: string; other: string }): string {
  const patch = structuredPatch(labels.reference, labels.other, before.toString('utf8'), after.toString('utf8'), undefined, undefined, { context: 3 });
  const lines = [`--- ${labels.reference}`, `+++ ${labels.other}`];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`, ...hunk.lines);
  }
  if (lines.length > EXCERPT_LINES) {
    const hidden = lines.length - EXCERPT_LINES;
    return bound(`${lines.slice(0, EXCERPT_LINES).join('\n')}\n... (${hidden} more diff line${hidden === 1 ? '' : 's'})`);
  }
  return bound(lines.join('\n'));
}

function bound(text: string): string {
  return text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}\n... (cut at ${EXCERPT_CHARS} characters)`;
}
