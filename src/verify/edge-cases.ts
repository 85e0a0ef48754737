/**
 * Edge-case runs of `concur verify` (`--case NAME=CMD`): extra commands, typically the program
 * on an empty input, a single item and a large input, each run once on the original and once on
 * the candidate and compared as the main command is. A case runs through `sh -c` in the copy,
 * so it can redirect and pipe (`--case 'empty=python3 main.py < /dev/null'`).
 */
import path from 'node:path';
import { differences as differencesBetween, type CompareOptions, type Difference, type Observation, type Variant } from './compare.js';
import type { RunOutcome } from './measured-run.js';

export interface EdgeCase {
  name: string;
  command: string;
}

export interface CaseSideResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  startError?: string;
  seconds: number;
}

export interface CaseResult extends EdgeCase {
  equal: boolean;
  differences: Difference[];
  original: CaseSideResult;
  rewrite: CaseSideResult;
}

export interface CaseExecution {
  outcome: RunOutcome;
  observation: Observation;
  variant: Variant;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `NAME=CMD`, or undefined when it is not one (a name of letters, digits, `_.-`, and a command). */
export function parseCase(value: string): EdgeCase | undefined {
  const equals = value.indexOf('=');
  if (equals <= 0) return undefined;
  const name = value.slice(0, equals);
  const command = value.slice(equals + 1);
  if (!NAME.test(name) || command.trim() === '') return undefined;
  return { name, command };
}

/**
 * The argv that runs a case in a copy: `sh -c CMD`, with absolute paths into the project
 * pointing into the copy instead (relative paths work as they are: the copy is the working
 * directory).
 */
export function caseArgv(command: string, projectRoot: string, copyRoot: string): string[] {
  const root = projectRoot.endsWith(path.sep) ? projectRoot.slice(0, -1) : projectRoot;
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // The root itself or a path below it, not a sibling that shares its prefix (`/app` in `/app2`).
  const mapped = command.replace(new RegExp(`${escaped}(?=$|[/\\s'"):;|&<>])`, 'g'), copyRoot);
  return ['sh', '-c', mapped];
}

export async function runCases(
  cases: readonly EdgeCase[],
  compare: CompareOptions,
  execute: (side: 'original' | 'rewrite', edgeCase: EdgeCase) => Promise<CaseExecution>,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const edgeCase of cases) {
    const original = await execute('original', edgeCase);
    const rewrite = await execute('rewrite', edgeCase);
    const equal = original.observation.key === rewrite.observation.key;
    results.push({
      ...edgeCase,
      equal,
      differences: equal ? [] : differencesBetween(original.variant, rewrite.variant, compare, { reference: 'original', other: 'rewrite' }),
      original: sideResult(original.outcome),
      rewrite: sideResult(rewrite.outcome),
    });
  }
  return results;
}

function sideResult(outcome: RunOutcome): CaseSideResult {
  return {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    ...(outcome.startError !== undefined ? { startError: outcome.startError } : {}),
    seconds: outcome.wallSeconds,
  };
}

/** A note when a case's original did not end cleanly: it is compared as it is, but the user should know. */
export function caseNote(result: CaseResult, timeoutSeconds: number): string | undefined {
  const { original } = result;
  if (original.startError) return `case ${result.name}: the original could not be started: ${original.startError}`;
  if (original.timedOut) return `case ${result.name}: the original did not finish within ${timeoutSeconds} s`;
  if (original.signal) return `case ${result.name}: the original is killed by ${original.signal}: compared as it is`;
  if (original.exitCode !== 0) return `case ${result.name}: the original exits with status ${original.exitCode}: compared as it is`;
  return undefined;
}
