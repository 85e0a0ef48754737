import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { displayPath } from '../discovery/display-path.js';
import { describeFsError, errorCode } from '../discovery/fs-error.js';
import { ConfigError } from './config-error.js';
import { isTable, type TableOrigin } from './file-settings.js';

/** Errors that mean "there is no such file here" while looking for one. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** A configuration file and the table of concur settings in it. */
export interface FoundConfig {
  path: string;
  table: Record<string, unknown>;
  origin: TableOrigin;
}

/**
 * The nearest configuration at or above `startDir`: a `concur.toml` (settings at the top
 * level) or a `pyproject.toml` with a `[tool.concur]` table, `concur.toml` winning in the
 * same directory as `ruff.toml` does. A `pyproject.toml` without the table is passed over.
 */
export function findConfig(startDir: string): FoundConfig | undefined {
  for (let directory = startDirectory(startDir); ; directory = path.dirname(directory)) {
    const concurToml = readConfigFile(path.join(directory, 'concur.toml'), { optional: true });
    if (concurToml) return concurToml;
    const pyproject = readConfigFile(path.join(directory, 'pyproject.toml'), { optional: true });
    if (pyproject) return pyproject;
    if (path.dirname(directory) === directory) return undefined;
  }
}

/**
 * Reads one configuration file: `pyproject.toml` by its `[tool.concur]` table, any other
 * name as a `concur.toml`. Returns undefined when `optional` and the file is missing or is
 * a `pyproject.toml` without the table.
 */
export function readConfigFile(file: string, { optional }: { optional: boolean }): FoundConfig | undefined {
  const shown = displayPath(path.resolve(file), process.cwd());
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (optional && MISSING.has(errorCode(error) ?? '')) return undefined;
    throw new ConfigError(`cannot read the configuration file: ${describeFsError(error)}`, shown);
  }
  const document = parseToml(text, shown);
  if (path.basename(file) !== 'pyproject.toml') {
    return { path: path.resolve(file), table: document, origin: { file: shown } };
  }
  const tool = document.tool;
  const concur = isTable(tool) ? tool.concur : undefined;
  if (concur === undefined && optional) return undefined;
  if (concur !== undefined && !isTable(concur)) throw new ConfigError('[tool.concur] must be a table', shown, 'tool.concur');
  return { path: path.resolve(file), table: concur ?? {}, origin: { file: shown, table: '[tool.concur]' } };
}

function parseToml(text: string, shown: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`invalid TOML at line ${error.line}, column ${error.column}: ${reason}`, shown);
    }
    throw error;
  }
}

/** Configuration is looked up from a directory; a file path given on the command line means its directory. */
function startDirectory(start: string): string {
  const resolved = path.resolve(start);
  try {
    return statSync(resolved).isDirectory() ? resolved : path.dirname(resolved);
  } catch {
    return path.dirname(resolved);
  }
}
