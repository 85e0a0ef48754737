/** Figures as both renderers write them: the same units and precision as `concur verify`'s text. */

export function seconds(value: number): string {
  return `${value.toFixed(3)} s`;
}

export function secondsRange(low: number, high: number): string {
  return `${low.toFixed(3)}–${high.toFixed(3)} s`;
}

export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(2)}x`;
}

export function cores(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(2)} cores`;
}

export function fixed(value: number | null, digits = 2): string {
  return value === null || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/** Peak memory in MB (10^6 bytes, as the text output); 0 means it was not measured. */
export function megabytes(bytes: number): string {
  return bytes > 0 ? `${(bytes / 1e6).toFixed(1)} MB` : 'n/a';
}

export function exitStatus(exitCode: number | null, signal: string | null): string {
  return signal ?? (exitCode === null ? 'n/a' : String(exitCode));
}

/** `path:line:column`, with `cell N` for notebooks, as the text output writes locations. */
export function location(place: { path: string; cell?: number; line: number; column?: number }): string {
  return [place.path, ...(place.cell === undefined ? [] : [`cell ${place.cell}`]), String(place.line), ...(place.column === undefined ? [] : [String(place.column)])].join(':');
}

/** Where a file error is: `path[:line[:column]]`, or nothing when the message names the file. */
export function errorLocation(error: { path?: string; line?: number; column?: number }): string {
  if (!error.path) return '';
  return [error.path, ...(error.line === undefined ? [] : [String(error.line), ...(error.column === undefined ? [] : [String(error.column)])])].join(':');
}

export const FIX_WORDS: Record<'safe' | 'unsafe' | 'none' | 'applied', string> = {
  safe: 'safe fix',
  unsafe: 'unsafe fix',
  none: 'no fix',
  applied: 'fixed',
};

export const WORKLOAD_WORDS: Record<string, string> = {
  io: 'I/O-bound',
  cpu: 'CPU-bound',
  native: 'GIL-releasing native',
  mixed: 'mixed',
  unknown: 'unknown',
};
