import type { FileError, Finding, Fix, Range, RelatedLocation } from '../diagnostics/finding.js';
import { sortedErrors, sortedFindings, type Report } from './report.js';
import { reportingDescriptor, sarifLevel, type ReportingDescriptor, type SarifLevel } from './sarif-rules.js';
import { artifactUri, baseUriOf } from './sarif-uri.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const SOURCE_ROOT = '%SRCROOT%';

export interface SarifOptions {
  toolVersion: string;
  /** Directory (or absolute URI) that relative paths are relative to; recorded as `%SRCROOT%`. */
  baseUri?: string;
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

interface Region {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

interface PhysicalLocation {
  artifactLocation: ArtifactLocation;
  region?: Region;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: { physicalLocation: PhysicalLocation }[];
  relatedLocations?: { id: number; physicalLocation: PhysicalLocation; message: { text: string } }[];
  fixes?: SarifFix[];
  properties: Record<string, unknown>;
}

interface SarifFix {
  description: { text: string };
  artifactChanges: {
    artifactLocation: ArtifactLocation;
    replacements: { deletedRegion: Required<Region>; insertedContent?: { text: string } }[];
  }[];
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: [
    {
      tool: { driver: { name: 'concur'; version: string; rules: ReportingDescriptor[] } };
      originalUriBaseIds?: Record<string, { uri: string }>;
      invocations: {
        executionSuccessful: boolean;
        toolExecutionNotifications: {
          level: 'error';
          message: { text: string };
          locations: { physicalLocation: PhysicalLocation }[];
        }[];
      }[];
      results: SarifResult[];
      columnKind: 'unicodeCodePoints';
    },
  ];
}

/** SARIF 2.1.0 for code-scanning services and editors; columns count Unicode code points. */
export function renderSarif(report: Report, options: SarifOptions): string {
  return `${JSON.stringify(toSarifLog(report, options), null, 2)}\n`;
}

export function toSarifLog(report: Report, options: SarifOptions): SarifLog {
  const findings = sortedFindings(report);
  const rules = describeRules(report, findings);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const locate = (path: string): ArtifactLocation => artifactLocation(path, options.baseUri !== undefined);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'concur', version: options.toolVersion, rules } },
        ...(options.baseUri === undefined ? {} : { originalUriBaseIds: { [SOURCE_ROOT]: { uri: baseUriOf(options.baseUri) } } }),
        invocations: [
          {
            // Unreadable files are reported, not fatal, unless nothing at all could be analysed.
            executionSuccessful: report.filesAnalysed > 0 || report.errors.length === 0,
            toolExecutionNotifications: sortedErrors(report.errors).map((error) => notification(error, locate)),
          },
        ],
        results: findings.map((finding) => result(finding, ruleIndex.get(finding.rule)!, locate)),
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
}

/** The rules that ran, plus a bare descriptor for any rule a finding names that is not among them. */
function describeRules(report: Report, findings: readonly Finding[]): ReportingDescriptor[] {
  const rules: ReportingDescriptor[] = [];
  const seen = new Set<string>();
  for (const rule of report.rules) {
    if (!seen.has(rule.code)) rules.push(reportingDescriptor(rule));
    seen.add(rule.code);
  }
  for (const finding of findings) {
    if (!seen.has(finding.rule)) rules.push({ id: finding.rule, name: finding.name });
    seen.add(finding.rule);
  }
  return rules;
}

function result(finding: Finding, ruleIndex: number, locate: (path: string) => ArtifactLocation): SarifResult {
  const sarifResult: SarifResult = {
    ruleId: finding.rule,
    ruleIndex,
    level: sarifLevel(finding.category),
    message: { text: finding.message },
    locations: [{ physicalLocation: { artifactLocation: locate(finding.path), region: region(finding) } }],
    properties: {
      category: finding.category,
      // Lines of notebook findings count from the start of this code cell, not of the .ipynb file.
      ...(finding.cell === undefined ? {} : { cell: finding.cell }),
      ...(finding.plan === undefined ? {} : { plan: finding.plan }),
    },
  };
  if (finding.related?.length) sarifResult.relatedLocations = finding.related.map((related, id) => relatedLocation(related, id, locate));
  const fix = finding.fix && finding.cell === undefined ? sarifFix(finding.fix, locate(finding.path)) : undefined;
  if (fix) sarifResult.fixes = [fix];
  return sarifResult;
}

function relatedLocation(related: RelatedLocation, id: number, locate: (path: string) => ArtifactLocation) {
  return { id, physicalLocation: { artifactLocation: locate(related.path), region: region(related) }, message: { text: related.message } };
}

/**
 * A fix SARIF consumers can apply: only when every edit carries its line/column range, and never for
 * notebooks, whose cell-relative positions do not address the .ipynb file.
 */
function sarifFix(fix: Fix, location: ArtifactLocation): SarifFix | undefined {
  if (fix.edits.length === 0 || fix.edits.some((edit) => !edit.range)) return undefined;
  const replacements = fix.edits.map((edit) => ({
    deletedRegion: region(edit.range!),
    ...(edit.text === '' ? {} : { insertedContent: { text: edit.text } }),
  }));
  return { description: { text: fix.message }, artifactChanges: [{ artifactLocation: location, replacements }] };
}

function notification(error: FileError, locate: (path: string) => ArtifactLocation) {
  const errorRegion = error.line === undefined ? undefined : { startLine: error.line, ...(error.column === undefined ? {} : { startColumn: error.column }) };
  return {
    level: 'error' as const,
    message: { text: `${error.path}: ${error.message}` },
    locations: [{ physicalLocation: { artifactLocation: locate(error.path), ...(errorRegion ? { region: errorRegion } : {}) } }],
  };
}

function region(range: Range): Required<Region> {
  return { startLine: range.line, startColumn: range.column, endLine: range.endLine, endColumn: range.endColumn };
}

function artifactLocation(path: string, relativeToBase: boolean): ArtifactLocation {
  const uri = artifactUri(path);
  const isRelative = !/^file:/.test(uri);
  return relativeToBase && isRelative ? { uri, uriBaseId: SOURCE_ROOT } : { uri };
}
