/**
 * `concur check` end to end: discover files, name their modules, analyse them in parallel,
 * link the module summaries into the project index, settle the findings that depend on other
 * files, and assemble the report.
 */
import { relative, sep } from 'node:path';
import picomatch from 'picomatch';
import type { FileError, Finding, LoopVerdict } from '../diagnostics/finding.js';
import { discoverFiles } from '../discovery/discover.js';
import type { Settings } from '../config/settings.js';
import type { FileMeasurements } from '../profile/profile-file.js';
import type { Report } from '../output/report.js';
import { ProjectIndex } from '../project/project-index.js';
import { ModuleNamer } from '../project/module-names.js';
import { findRule, selectRules } from '../rules/registry.js';
import type { PendingFinding, Rule } from '../rules/rule.js';
import { compileWithPython, syntaxErrorMessage } from '../parser/python-check.js';
import type { FileAnalysis } from './analyse-source.js';
import { analyseAll } from './pool.js';
import { addSnippets } from './snippets.js';
import type { FileTask } from './session.js';

/** Lines of context above and below a finding in code frames. */
const SNIPPET_CONTEXT = 2;

export interface CheckOptions {
  paths: string[];
  cwd: string;
  settings: Settings;
  /** Capture source lines around findings (for the text format's code frames). */
  snippets: boolean;
  forceExclude?: boolean;
  /** Directory `exclude` and `per-file-ignores` patterns are relative to (default: cwd). */
  patternBase?: string;
  maxWorkers?: number;
  /** Called as each file finishes, for progress display. */
  onProgress?(done: number, total: number): void;
  /** Loops measured by `concur profile`, by absolute path of their file (`--profile`). */
  measurements?: ReadonlyMap<string, FileMeasurements>;
}

export interface CheckResult {
  report: Report;
  /** Files that were found (analysed or not). */
  filesFound: number;
  /** Display path -> absolute path and fingerprint of the text analysed, for `fix`. */
  files: Map<string, { absolutePath: string; fingerprint?: string }>;
  linesAnalysed: number;
  /** With measurements: how many loops they refined, and the ones that no longer fit the code. */
  profile?: { used: number; warnings: string[] };
  /** The linked project, for callers that query its facts beyond the findings (concur verify's stress mode). */
  project: ProjectIndex;
}

export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const { settings } = options;
  const discovered = await discoverFiles(options.paths, {
    cwd: options.cwd,
    exclude: settings.exclude,
    extendExclude: settings.extendExclude,
    respectGitignore: settings.respectGitignore,
    forceExclude: options.forceExclude,
    excludeBase: options.patternBase,
  });
  const patternBase = options.patternBase ?? options.cwd;
  const rules = selectRules(settings.select, settings.ignore);
  const namer = new ModuleNamer();
  const perFileIgnores = Object.entries(settings.perFileIgnores).map(([glob, selectors]) => ({
    matches: picomatch(glob, { dot: true, basename: !glob.includes('/') }),
    selectors,
  }));

  const tasks: FileTask[] = discovered.files.map((file) => {
    const identity = namer.identify(file.absolutePath);
    const relativePath = relative(patternBase, file.absolutePath).split(sep).join('/');
    const ignored = perFileIgnores.filter((p) => p.matches(relativePath)).flatMap((p) => p.selectors);
    const fileRules = ignored.length ? selectRules(settings.select, [...settings.ignore, ...ignored]) : rules;
    const measurements = options.measurements?.get(file.absolutePath);
    return { file, moduleName: identity.name, isPackage: identity.isPackage, ruleCodes: fileRules.map((r) => r.meta.code), ...(measurements ? { measurements } : {}) };
  });

  const findings: Finding[] = [];
  const loops: LoopVerdict[] = [];
  const pending: Array<PendingFinding & { rule: string }> = [];
  const errors: FileError[] = [...discovered.errors];
  const project = new ProjectIndex();
  const doubtful: FileAnalysis[] = [];
  const files = new Map<string, { absolutePath: string; fingerprint?: string }>();
  for (const file of discovered.files) files.set(file.path, { absolutePath: file.absolutePath });
  const profile = options.measurements ? { used: 0, warnings: [] as string[] } : undefined;
  let analysed = 0;
  let lines = 0;
  let done = 0;
  const accept = (analysis: FileAnalysis) => {
    analysed++;
    lines += analysis.lineCount;
    findings.push(...analysis.findings);
    loops.push(...analysis.loops);
    pending.push(...analysis.pending);
    if (analysis.summary) project.addModule(analysis.summary);
  };
  const collect = (analysis: FileAnalysis) => {
    done++;
    options.onProgress?.(done, tasks.length);
    const entry = files.get(analysis.path);
    if (entry) entry.fingerprint = analysis.fingerprint;
    if (profile && analysis.profile) {
      profile.used += analysis.profile.used;
      profile.warnings.push(...analysis.profile.warnings.map((warning) => `${analysis.path}: ${warning}`));
    }
    if (analysis.error) errors.push(analysis.error);
    else if (analysis.doubt) doubtful.push(analysis);
    else accept(analysis);
  };

  await analyseAll(tasks, {
    maxWorkers: options.maxWorkers,
    onResult: collect,
    session: {
      targetVersion: settings.targetVersion,
      runtime: { freeThreaded: settings.freeThreaded, ...(settings.itemTimeout !== undefined ? { itemTimeout: settings.itemTimeout } : {}) },
      catalogueExtra: settings.catalogue,
      projectModules: tasks.map((t) => t.moduleName),
      snippetContext: options.snippets ? SNIPPET_CONTEXT : 0,
    },
  });

  settleDoubtfulFiles(doubtful, accept, errors);
  const settled = settleDeferred(pending, project, loops);
  if (options.snippets) await addSnippets(settled, (path) => files.get(path)?.absolutePath, SNIPPET_CONTEXT);
  findings.push(...settled);

  return {
    report: { findings, loops, errors, filesAnalysed: analysed, rules: rules.map((r) => r.meta) },
    filesFound: discovered.files.length,
    files,
    linesAnalysed: lines,
    ...(profile ? { profile } : {}),
    project,
  };
}

/**
 * Files tree-sitter could not parse cleanly (or that hold Python 2 statements) are kept only if
 * Python's `compile()` accepts them; one Python process checks them all.
 */
function settleDoubtfulFiles(doubtful: FileAnalysis[], accept: (a: FileAnalysis) => void, errors: FileError[]): void {
  const verdicts = compileWithPython(doubtful.map((a) => a.doubt!.input));
  doubtful.forEach((analysis, index) => {
    const verdict = verdicts[index];
    const message = syntaxErrorMessage(verdict, analysis.doubt!.treeSitterError);
    if (!message) return accept(analysis);
    const position = verdict.kind === 'invalid' ? verdict : analysis.doubt!.treeSitterError;
    errors.push({ path: analysis.path, message, line: position?.line, column: position?.column });
  });
}

/** Gives each deferred finding its verdict now that every file is linked. */
function settleDeferred(pending: Array<PendingFinding & { rule: string }>, project: ProjectIndex, loops: LoopVerdict[]): Finding[] {
  const settled: Finding[] = [];
  const rules = new Map<string, Rule | undefined>();
  for (const item of pending) {
    if (!rules.has(item.rule)) rules.set(item.rule, findRule(item.rule));
    const rule = rules.get(item.rule);
    const resolution = rule?.resolve?.(item, project);
    if (!resolution) continue;
    if (resolution.loop) loops.push({ path: item.finding.path, line: item.finding.line, loopColumn: item.finding.column, ...resolution.loop });
    if (resolution.message === undefined) continue;
    const finding: Finding = { ...item.finding, message: resolution.message, related: resolution.related ?? item.finding.related };
    if (resolution.plan) finding.plan = resolution.plan;
    if (resolution.fix) finding.fix = resolution.fix;
    settled.push(finding);
  }
  return settled;
}
