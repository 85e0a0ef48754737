/**
 * The Chart.js library, read from the installed package so that it can be inlined in the HTML
 * report: the report must open offline, from a file, with nothing fetched. Resolved like an
 * import (from this module, not the working directory), so it works from an installed concur.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

let cached: { source: string; version: string } | undefined;

/** The UMD build (it defines the global `Chart`), and the package's version. */
export function chartJsLibrary(): { source: string; version: string } {
  if (!cached) {
    // The package exports neither its UMD build nor package.json: go from its main entry,
    // dist/chart.cjs, to the files beside it.
    const dist = path.dirname(require.resolve('chart.js'));
    const { version } = JSON.parse(readFileSync(path.join(dist, '..', 'package.json'), 'utf8')) as { version: string };
    cached = { source: readFileSync(path.join(dist, 'chart.umd.min.js'), 'utf8'), version };
  }
  return cached;
}
