/**
 * Analysis of one decoded file: parse, build the semantic model, run the enabled rules, apply
 * suppressions, and summarise the module for cross-file linking. Runs in a worker thread (or in
 * the main thread for small runs); tree-sitter's tree is freed as soon as it is copied.
 */
import type { RuntimeOptions } from '../config/settings.js';
import { createHash } from 'node:crypto';
import type { Catalogue } from '../catalogue/schema.js';
import type { FileError, Finding, LoopVerdict } from '../diagnostics/finding.js';
import { LineIndex } from '../parser/line-index.js';
import { parse, type Parser } from '../parser/parser.js';
import { matchMeasurements } from '../profile/match.js';
import type { FileMeasurements } from '../profile/profile-file.js';
import type { CompileInput } from '../parser/python-check.js';
import { summariseModule, type ModuleSummary } from '../project/summary.js';
import type { PendingFinding, ReportOptions, Rule } from '../rules/rule.js';
import { SemanticModel } from '../semantic/model.js';
import type { SyntaxNode } from '../parser/syntax-node.js';
import type { SourceFile } from '../source/source-file.js';
import { collectSuppressions, isSuppressed } from '../suppression/suppressions.js';
import { mapToCells } from './notebook-positions.js';
import { snippetOf } from './snippets.js';

export interface AnalysisOptions {
  parser: Parser;
  catalogue: Catalogue;
  rules: readonly Rule[];
  targetVersion: [number, number];
  runtime: RuntimeOptions;
  moduleName: string;
  isPackage: boolean;
  projectModules: ReadonlySet<string>;
  /** Lines of context captured around each finding for the text format's code frame (0: none). */
  snippetContext: number;
  /** The file's loops as `concur profile` measured them. */
  measurements?: FileMeasurements;
}

export interface FileAnalysis {
  path: string;
  findings: Finding[];
  pending: Array<PendingFinding & { rule: string }>;
  /** Verdicts on the loops the rules considered. */
  loops: LoopVerdict[];
  summary?: ModuleSummary;
  error?: FileError;
  lineCount: number;
  /** Hash of the analysed text, so `fix` can tell whether the file changed since. */
  fingerprint?: string;
  /** Measurements of the profile that no longer fit the file (`--profile`), and how many did. */
  profile?: { used: number; warnings: string[] };
  /**
   * Set when tree-sitter reported a syntax error or Python 2 statements: the analysis is kept
   * only if Python's own `compile()` accepts the file (see `settleDoubtfulFiles`).
   */
  doubt?: { input: CompileInput; treeSitterError?: { line: number; column: number } };
}

export function analyseSource(source: SourceFile, options: AnalysisOptions): FileAnalysis {
  const lines = new LineIndex(source.text);
  const result: FileAnalysis = {
    path: source.path,
    findings: [],
    pending: [],
    loops: [],
    lineCount: lines.lineCount,
    fingerprint: fingerprintOf(source.text),
  };
  const { root, syntaxErrorAt } = parse(options.parser, source.text);
  const model = new SemanticModel(root, {
    moduleName: options.moduleName,
    isPackage: options.isPackage,
    catalogue: options.catalogue,
    projectModules: options.projectModules,
  });
  let fixesAllowed = true;
  if (syntaxErrorAt !== undefined || model.hasPython2Statements) {
    result.doubt = {
      input: source.notebook ? { path: source.path, text: source.text } : { path: source.path, absolutePath: source.absolutePath },
      treeSitterError: syntaxErrorAt !== undefined ? lines.position(syntaxErrorAt) : undefined,
    };
    // Perhaps valid Python the grammar misread: analyse what parsed, but never edit it.
    fixesAllowed = false;
  }
  const measured = options.measurements ? matchMeasurements(model.root.node, lines, options.measurements) : undefined;
  if (measured) result.profile = { used: measured.byStart.size, warnings: measured.warnings };
  const suppressions = collectSuppressions(model.comments.map((c) => ({ line: lines.position(c.start).line, text: c.text })));

  for (const rule of options.rules) {
    const make = (node: SyntaxNode, message: string, extra?: ReportOptions, deferred = false): Finding | undefined => {
      const range = lines.range(node.startIndex, node.endIndex);
      if (isSuppressed(suppressions, rule, range.line)) return undefined;
      const finding: Finding = { rule: rule.meta.code, name: rule.meta.name, category: rule.meta.category, path: source.path, ...range, message };
      if (extra?.fix && fixesAllowed) {
        finding.fix = {
          applicability: extra.fix.applicability,
          message: extra.fix.message,
          edits: extra.fix.edits.map((edit) => ({ ...edit, range: lines.range(edit.start, edit.end) })),
        };
      }
      if (extra?.related) finding.related = extra.related;
      if (extra?.plan) finding.plan = extra.plan;
      // Deferred findings get theirs on the main thread if they survive linking (notebooks excepted:
      // their lines are mapped to cells here).
      if (options.snippetContext > 0 && (!deferred || source.notebook)) {
        finding.snippet = snippetOf(lines, range.line, range.endLine, options.snippetContext);
      }
      return finding;
    };
    rule.check({
      source,
      model,
      lines,
      catalogue: options.catalogue,
      targetVersion: options.targetVersion,
      runtime: options.runtime,
      fixesAllowed,
      measurement: measured ? (node) => measured.byStart.get(node.startIndex) : () => undefined,
      report(node, message, extra) {
        const finding = make(node, message, extra);
        if (finding) result.findings.push(finding);
      },
      recordLoop(node, verdict, reason) {
        const { line, column } = lines.position(node.startIndex);
        result.loops.push({ path: source.path, line, loopColumn: column, verdict, reason });
      },
      defer(node, data, extra) {
        const finding = make(node, '', extra, true);
        if (finding) result.pending.push({ rule: rule.meta.code, finding, data });
      },
    });
  }

  result.summary = summariseModule(model, source.path, lines);
  if (source.notebook) {
    for (const finding of result.findings) mapToCells(finding, source.notebook);
    for (const pending of result.pending) mapToCells(pending.finding, source.notebook);
  }
  return result;
}

export function fingerprintOf(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
