import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary directory (real path, so symlink checks compare like with like). */
export function temporaryDirectory(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'concur-discovery-')));
}

/** Creates files (content) and, for keys ending in `/`, empty directories. */
export function writeTree(root: string, tree: Record<string, string>): void {
  for (const [relative, content] of Object.entries(tree)) {
    const target = path.join(root, relative);
    if (relative.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
}
