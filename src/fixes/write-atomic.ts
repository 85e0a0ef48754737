/**
 * Writes a file atomically: a temporary file beside it, then a rename, so no reader sees half a
 * file. Through symbolic links: renaming over the link itself would replace it with a copy and
 * leave the file it points to unchanged.
 */
import { closeSync, existsSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Replaces an existing file, keeping its permissions; a file that has gone away is an error. */
export function writeFileAtomic(given: string, data: Uint8Array): void {
  const path = realpathSync(given);
  replaceWith(path, data, statSync(path).mode & 0o7777);
}

/**
 * Writes a file that may not exist yet (a report): a new one gets the usual permissions
 * (0666 less the umask), an existing one is replaced as `writeFileAtomic` does.
 */
export function writeOrCreateFileAtomic(given: string, data: Uint8Array): void {
  if (existsSync(given)) {
    writeFileAtomic(given, data);
    return;
  }
  replaceWith(join(realpathSync(dirname(resolve(given))), basename(given)), data, 0o666);
}

function replaceWith(path: string, data: Uint8Array, mode: number): void {
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
