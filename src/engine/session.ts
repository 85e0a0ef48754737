/**
 * What a thread needs to analyse files: a parser, the catalogue and the rules. Built once per
 * worker thread (or once in the main thread for small runs) from plain, cloneable options.
 */
import { loadCatalogue } from '../catalogue/load.js';
import type { CatalogueEntry } from '../catalogue/schema.js';
import type { DiscoveredFile } from '../discovery/discovered-file.js';
import { getParser } from '../parser/parser.js';
import { ALL_RULES } from '../rules/registry.js';
import { readSource } from '../source/read.js';
import type { RuntimeOptions } from '../config/settings.js';
import type { FileMeasurements } from '../profile/profile-file.js';
import { analyseSource, type FileAnalysis } from './analyse-source.js';

export interface SessionOptions {
  targetVersion: [number, number];
  runtime: RuntimeOptions;
  catalogueExtra: Record<string, CatalogueEntry>;
  projectModules: string[];
  snippetContext: number;
}

export interface FileTask {
  file: DiscoveredFile;
  moduleName: string;
  isPackage: boolean;
  /** Codes of the rules to run on this file (selection and per-file ignores applied). */
  ruleCodes: string[];
  /** Its loops as `concur profile` measured them (`--profile`). */
  measurements?: FileMeasurements;
}

export type AnalyseFile = (task: FileTask) => Promise<FileAnalysis>;

export async function createSession(options: SessionOptions): Promise<AnalyseFile> {
  const parser = await getParser();
  const catalogue = loadCatalogue(options.catalogueExtra);
  const projectModules = new Set(options.projectModules);
  return async (task) => {
    const source = await readSource(task.file);
    if ('message' in source) return { path: task.file.path, findings: [], pending: [], loops: [], error: source, lineCount: 0 };
    const rules = ALL_RULES.filter((rule) => task.ruleCodes.includes(rule.meta.code));
    try {
      return analyseSource(source, {
        parser,
        catalogue,
        rules,
        targetVersion: options.targetVersion,
        runtime: options.runtime,
        moduleName: task.moduleName,
        isPackage: task.isPackage,
        projectModules,
        snippetContext: options.snippetContext,
        measurements: task.measurements,
      });
    } catch (error) {
      // One file must never take the run down; say which file and what happened.
      const message = error instanceof Error ? error.message : String(error);
      return { path: task.file.path, findings: [], pending: [], loops: [], error: { path: task.file.path, message: `internal error while analysing: ${message}` }, lineCount: 0 };
    }
  };
}
