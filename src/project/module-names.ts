/**
 * The dotted module name of a file, as Python would import it: walk up while the directory is a
 * package (holds `__init__.py`). `src/app/util.py` with `src/app/__init__.py` is `app.util`;
 * a lone script `tools/run.py` is `run`.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface ModuleIdentity {
  name: string;
  /** The file is a package's `__init__.py`. */
  isPackage: boolean;
}

export class ModuleNamer {
  private readonly packageDirectories = new Map<string, boolean>();

  identify(absolutePath: string): ModuleIdentity {
    const file = basename(absolutePath);
    const stem = file.replace(/\.(py|ipynb)$/, '');
    const isPackage = stem === '__init__';
    const parts = isPackage ? [] : [sanitise(stem)];
    let directory = dirname(absolutePath);
    while (this.isPackageDirectory(directory)) {
      parts.unshift(sanitise(basename(directory)));
      const parent = dirname(directory);
      if (parent === directory) break;
      directory = parent;
    }
    if (parts.length === 0) parts.push(sanitise(basename(dirname(absolutePath))));
    return { name: parts.join('.'), isPackage };
  }

  private isPackageDirectory(directory: string): boolean {
    let known = this.packageDirectories.get(directory);
    if (known === undefined) {
      known = existsSync(join(directory, '__init__.py'));
      this.packageDirectories.set(directory, known);
    }
    return known;
  }
}

/** Module names must be identifiers; a file called `my-script.py` still needs a name. */
function sanitise(part: string): string {
  return part.replace(/[^A-Za-z0-9_]/g, '_');
}
