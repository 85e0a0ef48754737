/**
 * The files a run wrote under the declared output directory: every regular file (symbolic links
 * followed) hashed with SHA-256, keyed by its path relative to that directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface OutputFile {
  sha256: string;
  size: number;
}

/** Relative `/`-separated path -> hash and size, sorted by path; empty when the directory is absent. */
export function hashOutputDirectory(directory: string): Map<string, OutputFile> {
  const files = new Map<string, OutputFile>();
  if (!existsSync(directory)) return files;
  const walk = (current: string, relative: string) => {
    const names = readdirSync(current).sort();
    for (const name of names) {
      const full = path.join(current, name);
      const key = relative ? `${relative}/${name}` : name;
      let stats;
      try {
        stats = statSync(full);
      } catch {
        continue; // a dangling link
      }
      if (stats.isDirectory()) walk(full, key);
      else if (stats.isFile()) {
        const data = readFileSync(full);
        files.set(key, { sha256: createHash('sha256').update(data).digest('hex'), size: data.length });
      }
    }
  };
  walk(directory, '');
  return files;
}
