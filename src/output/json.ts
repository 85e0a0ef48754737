import type { Edit, FileError, Finding, Fix, LoopVerdict, Plan, RelatedLocation } from '../diagnostics/finding.js';
import { sortedErrors, sortedFindings, sortedLoops, type Report } from './report.js';

/**
 * The `--format json` contract of DESIGN.md, version 1. Keys are picked one by one rather than
 * spread, so that internal fields (such as `snippet` or UTF-16 offsets) never leak into it.
 */
export interface JsonReport {
  version: 1;
  findings: JsonFinding[];
  loops: LoopVerdict[];
  errors: FileError[];
}

export interface JsonFinding {
  rule: string;
  name: string;
  category: Finding['category'];
  path: string;
  cell?: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  /** Whether a fix exists, safe or unsafe. */
  fixable: boolean;
  fix?: JsonFix;
  related?: RelatedLocation[];
  plan?: Plan;
}

export interface JsonFix {
  applicability: Fix['applicability'];
  message: string;
  edits: JsonEdit[];
}

/** Positions are present when the analysis supplied them (`Edit.range`); end is exclusive. */
export interface JsonEdit {
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  content: string;
}

export function renderJson(report: Report): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

/** The same document as an object, for callers that embed it (the MCP server, tests). */
export function toJsonReport(report: Report): JsonReport {
  return {
    version: 1,
    findings: sortedFindings(report).map(toJsonFinding),
    loops: sortedLoops(report.loops).map(({ path, line, verdict, reason }) => ({ path, line, verdict, reason })),
    errors: sortedErrors(report.errors).map(toJsonError),
  };
}

function toJsonFinding(finding: Finding): JsonFinding {
  const json: JsonFinding = {
    rule: finding.rule,
    name: finding.name,
    category: finding.category,
    path: finding.path,
    ...(finding.cell === undefined ? {} : { cell: finding.cell }),
    line: finding.line,
    column: finding.column,
    endLine: finding.endLine,
    endColumn: finding.endColumn,
    message: finding.message,
    fixable: finding.fix !== undefined,
  };
  if (finding.fix) json.fix = toJsonFix(finding.fix);
  if (finding.related) json.related = finding.related.map(toJsonRelated);
  if (finding.plan) {
    const { model, workload, workers, rationale, workersVariable, estimatedSpeedup, chunksize } = finding.plan;
    json.plan = {
      model,
      workload,
      workers,
      rationale,
      ...(workersVariable ? { workersVariable } : {}),
      ...(estimatedSpeedup !== undefined ? { estimatedSpeedup } : {}),
      ...(chunksize !== undefined ? { chunksize } : {}),
    };
  }
  return json;
}

function toJsonFix(fix: Fix): JsonFix {
  return { applicability: fix.applicability, message: fix.message, edits: fix.edits.map(toJsonEdit) };
}

function toJsonEdit(edit: Edit): JsonEdit {
  if (!edit.range) return { content: edit.text };
  const { line, column, endLine, endColumn } = edit.range;
  return { line, column, endLine, endColumn, content: edit.text };
}

function toJsonRelated(related: RelatedLocation): RelatedLocation {
  const { path, line, column, endLine, endColumn, message } = related;
  return { path, line, column, endLine, endColumn, message };
}

function toJsonError(error: FileError): FileError {
  return {
    path: error.path,
    message: error.message,
    ...(error.line === undefined ? {} : { line: error.line }),
    ...(error.column === undefined ? {} : { column: error.column }),
  };
}
