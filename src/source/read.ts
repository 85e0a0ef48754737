import { promises as fs } from 'node:fs';
import type { FileError } from '../diagnostics/finding.js';
import type { DiscoveredFile } from '../discovery/discovered-file.js';
import { describeFsError } from '../discovery/fs-error.js';
import { decodePythonSource, MAX_SOURCE_BYTES } from './decode.js';
import { readNotebook } from './notebook.js';
import type { SourceFile } from './source-file.js';

export { decodePythonSource, encodePythonSource, MAX_SOURCE_BYTES } from './decode.js';
export type { DecodedSource, DecodeFailure } from './decode.js';

/**
 * Reads and decodes one discovered file. Every problem (missing, unreadable, too large,
 * binary, undecodable, not a notebook) comes back as a FileError for that file.
 */
export async function readSource(file: DiscoveredFile): Promise<SourceFile | FileError> {
  const fail = (message: string, line?: number): FileError =>
    line === undefined ? { path: file.path, message } : { path: file.path, message, line };
  let bytes: Buffer;
  try {
    // Checked before reading, so that a multi-gigabyte file is never loaded.
    if ((await fs.stat(file.absolutePath)).size > MAX_SOURCE_BYTES) return fail('file is larger than 10 MB');
    bytes = await fs.readFile(file.absolutePath);
  } catch (error) {
    return fail(describeFsError(error));
  }

  const decoded = decodePythonSource(bytes, file.path);
  if ('error' in decoded) return fail(decoded.error, decoded.line);
  const base = { absolutePath: file.absolutePath, path: file.path, encoding: decoded.encoding, bom: decoded.bom };
  if (file.kind === 'python') return { ...base, text: decoded.text };

  const notebook = readNotebook(decoded.text, file.path);
  if ('error' in notebook) return fail(notebook.error);
  return { ...base, text: notebook.text, notebook: notebook.notebook };
}

export function isFileError(result: SourceFile | FileError): result is FileError {
  return !('text' in result);
}
