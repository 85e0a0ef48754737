/**
 * Instruments the copy of a project: every Python file under the profiled path (as `check`
 * would find them) gets its loops wrapped for the probe, in the copy only, in its own encoding.
 * The site table it returns numbers the loops for the probe and says where each one is.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCatalogue } from '../catalogue/load.js';
import type { Settings } from '../config/settings.js';
import { discoverFiles } from '../discovery/discover.js';
import { LineIndex } from '../parser/line-index.js';
import { getParser, parse } from '../parser/parser.js';
import { ModuleNamer } from '../project/module-names.js';
import { SemanticModel } from '../semantic/model.js';
import { encodePythonSource, readSource } from '../source/read.js';
import { instrumentModule } from './instrument.js';
import { findSites, type SiteKind } from './sites.js';

/** One loop of the project, as the profile names it. */
export interface SiteRecord {
  /** Relative to the project root, `/`-separated. */
  file: string;
  line: number;
  column: number;
  kind: SiteKind;
  hash: string;
  header: string;
  names: string[];
  generator: boolean;
  inAsyncFunction: boolean;
}

export interface InstrumentedProject {
  sites: SiteRecord[];
  files: number;
  /** Files left as they are, and why (syntax errors, undecodable, notebooks). */
  skipped: string[];
}

export interface InstrumentOptions {
  /** The user's project (files are read from here) and its copy (instrumented files are written there). */
  root: string;
  copyRoot: string;
  /** Absolute paths to profile: a file or a directory inside `root`. */
  targets: string[];
  settings: Settings;
  patternBase: string;
  cwd: string;
}

export async function instrumentProject(options: InstrumentOptions): Promise<InstrumentedProject> {
  const { settings } = options;
  const discovered = await discoverFiles(options.targets, {
    cwd: options.cwd,
    exclude: settings.exclude,
    extendExclude: settings.extendExclude,
    respectGitignore: settings.respectGitignore,
    excludeBase: options.patternBase,
  });
  const parser = await getParser();
  const catalogue = loadCatalogue(settings.catalogue);
  const namer = new ModuleNamer();
  const identities = discovered.files.map((file) => namer.identify(file.absolutePath));
  const projectModules = new Set(identities.map((identity) => identity.name));
  const sites: SiteRecord[] = [];
  const skipped: string[] = discovered.errors.map((error) => `${error.path}: ${error.message}`);
  let files = 0;
  for (const [index, file] of discovered.files.entries()) {
    const relative = path.relative(options.root, file.absolutePath).split(path.sep).join('/');
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    if (file.kind !== 'python') {
      skipped.push(`${file.path}: notebooks are not instrumented (run the code as a module to profile it)`);
      continue;
    }
    const source = await readSource(file);
    if (!('text' in source)) {
      skipped.push(`${file.path}: ${source.message}`);
      continue;
    }
    const { root, syntaxErrorAt } = parse(parser, source.text);
    const lines = new LineIndex(source.text);
    if (syntaxErrorAt !== undefined) {
      const at = lines.position(syntaxErrorAt);
      skipped.push(`${file.path}:${at.line}:${at.column}: not instrumented: the parser could not read it (syntax error?)`);
      continue;
    }
    const model = new SemanticModel(root, { moduleName: identities[index].name, isPackage: identities[index].isPackage, catalogue, projectModules });
    const found = findSites(model, lines);
    if (found.length === 0) continue;
    const ids = found.map((_, i) => sites.length + i);
    const instrumented = instrumentModule(model, source.text, found, ids);
    for (const site of found) {
      sites.push({
        file: relative,
        line: site.line,
        column: site.column,
        kind: site.kind,
        hash: site.hash,
        header: site.header,
        names: site.names,
        generator: site.generator,
        inAsyncFunction: site.inAsyncFunction,
      });
    }
    writeFileSync(path.join(options.copyRoot, relative), encodePythonSource(instrumented.text, source.encoding, source.bom));
    files++;
  }
  return { sites, files, skipped };
}
