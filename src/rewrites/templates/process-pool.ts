/**
 * Opening a process pool, or running in order when the platform cannot start processes (no
 * `/dev/shm`, fork not permitted, as on some serverless platforms): the pool is then one worker
 * thread, so the items still run one at a time, in order, and a warning says so. A failing item
 * is never hidden: only creating the pool falls back.
 */
import { block } from '../source-text.js';

export interface ProcessPoolNames {
  pool: string;
  error: string;
  workers: string;
  processExecutor: string;
  threadExecutor: string;
  warnings: string;
}

/**
 * `try: pool = ProcessPoolExecutor(...) except ...: ... ` then `with pool:`, at `indent`; or,
 * with an item timeout, a flag and `try:` (see `poolClosing`).
 */
export function openProcessPool(names: ProcessPoolNames, indent: string, unit: string, newline: string, waitFlag?: string): string {
  const { pool, error, workers, processExecutor, threadExecutor, warnings } = names;
  return block(indent, [
    'try:',
    `${unit}${pool} = ${processExecutor}(max_workers=${workers})`,
    `except (OSError, NotImplementedError) as ${error}:`,
    `${unit}# No process support here (no /dev/shm, or fork not permitted): one worker thread, in order.`,
    `${unit}${warnings}.warn(f"running sequentially: cannot start worker processes ({${error}})", RuntimeWarning)`,
    `${unit}${pool} = ${threadExecutor}(max_workers=1)`,
    ...(waitFlag ? [`${waitFlag} = True`, 'try:'] : [`with ${pool}:`]),
  ], newline);
}
