import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder that holds the built-in `*.toml` data. The data stays in `src/` (it is not
 * compiled), so walk up from this module — `src/catalogue` under vitest, `dist/catalogue`
 * when built — to the project root, the directory holding `package.json`.
 */
export function builtinDataDirectory(moduleUrl: string = import.meta.url): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'catalogue', 'data');
    if (dirname(dir) === dir) {
      throw new Error(`cannot find the catalogue data: no package.json above ${start}`);
    }
  }
}
