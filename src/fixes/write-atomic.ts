/**
 * Writes a file atomically: a temporary file beside it, then a rename, so no reader sees half a
 * file. Through symbolic links: renaming over the link itself would replace it with a copy and
 * leave the file it points to unchanged.
 */
import { closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeFileAtomic(given: string, data: Uint8Array): void {
  const path = realpathSync(given);
  const mode = statSync(path).mode & 0o7777;
  const temporary = join(dirname(path), `.${basename(path)}.concur-${process.pid}-${Date.now()}.tmp`);
  const fd = openSync(temporary, 'wx', mode);
  let written = false;
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
    written = true;
  } finally {
    closeSync(fd);
    if (!written) unlinkSync(temporary);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
}
