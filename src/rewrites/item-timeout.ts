/**
 * The per-item timeout constant (`item-timeout`): the seconds each item's call may run, read
 * from the environment so that a user can change it without editing the code. Loop and
 * comprehension rewrites write it after their worker-count constant, named after it.
 */
import type { CodeWriter } from './code-writer.js';

/** `FETCH_WORKERS` (or `_THREADS`, `_CONCURRENCY`) -> `FETCH_ITEM_TIMEOUT`. */
export function timeoutBase(workersBase: string): string {
  return `${workersBase.replace(/_(WORKERS|THREADS|CONCURRENCY)$/, '')}_ITEM_TIMEOUT`;
}

/** `float(os.environ.get("FETCH_ITEM_TIMEOUT", "30"))`. */
export function timeoutValue(os: string, name: string, seconds: number): string {
  return `float(${os}.environ.get("${name}", "${seconds}"))`;
}

/**
 * The constant and its comment, as lines; names it in `writer.timeoutVariable`. `usedIn` says
 * where it applies: `in the loop at line 12`, ``in comprehensions calling `fetch` ``.
 */
export function itemTimeoutConstant(writer: CodeWriter, workersBase: string, os: string, usedIn: string): string[] {
  if (writer.itemTimeout === undefined) throw new Error('itemTimeoutConstant: no item timeout was asked for');
  const name = writer.names.fresh(timeoutBase(workersBase));
  writer.timeoutVariable = name;
  return [
    `# Seconds each item may run ${usedIn}; set ${name} in the environment to change it.`,
    `${name} = ${timeoutValue(os, name, writer.itemTimeout)}`,
  ];
}

/** The value of a timeout constant as the rewrites write it, whatever the seconds: `float(os.environ.get("X_ITEM_TIMEOUT", "2.5"))`. */
export const TIMEOUT_VALUE = /^float\([A-Za-z_]\w*\.environ\.get\("[A-Z0-9_]+_ITEM_TIMEOUT(_\d+)?", "[0-9.e+-]+"\)\)$/;
