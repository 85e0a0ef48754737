/**
 * Writes the verified rewrite back into the user's project: each rewritten file, atomically,
 * and only if the user's file still holds the text that was copied and verified (an editor
 * saving meanwhile must not be overwritten with a rewrite of older text).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fixes/write-atomic.js';

export interface Snapshot {
  /** Absolute path of the user's file. */
  file: string;
  digest: string;
}

export function snapshot(file: string): Snapshot {
  return { file, digest: digestOf(readFileSync(file)) };
}

export interface Applied {
  written: string[];
  /** Files left as they are, with why. */
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * Copies `files` (relative to both roots, `/`-separated) from the verified copy to the
 * project. Every file must have a snapshot taken before the copy was made, and match it now;
 * otherwise nothing at all is written.
 */
export function applyRewrite(files: readonly string[], copyRoot: string, projectRoot: string, snapshots: readonly Snapshot[]): Applied {
  const plans: Array<{ target: string; text: Buffer }> = [];
  for (const relative of files) {
    const target = path.join(projectRoot, ...relative.split('/'));
    const before = snapshots.find((s) => s.file === target);
    if (!before) return refuseAll(files, projectRoot, `${relative} was rewritten but is not the file being optimized`);
    if (digestOf(readFileSync(target)) !== before.digest) return refuseAll(files, projectRoot, `${relative} changed while it was being verified`);
    plans.push({ target, text: readFileSync(path.join(copyRoot, ...relative.split('/'))) });
  }
  for (const plan of plans) writeFileAtomic(plan.target, plan.text);
  return { written: plans.map((p) => p.target), skipped: [] };
}

function refuseAll(files: readonly string[], projectRoot: string, reason: string): Applied {
  return { written: [], skipped: files.map((relative) => ({ file: path.join(projectRoot, ...relative.split('/')), reason })) };
}

function digestOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
