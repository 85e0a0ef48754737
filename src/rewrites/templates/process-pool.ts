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

export interface ProcessPoolOptions {
  /** `mp_context=` for the pool, with the comment lines that say why. */
  startMethod?: { context: string; why: readonly string[] };
  /** Another pool used beside it (`pool`, made by `create`): opened after it, and so closed before it. */
  alongside?: { pool: string; create: string };
  /** When only part of the work runs in the pool: what the one worker thread does then (`computes`, `computing`). */
  fallback?: { verb: string; noun: string };
  /** With an item timeout: the flag that says whether to wait for the pools' calls (see `timedWaitFlag`). */
  waitFlag?: string;
}

/**
 * `try: pool = ProcessPoolExecutor(...) except ...: ... ` then `with pool:`, at `indent`; or,
 * with an item timeout, a flag and `try:` (see `timedWaitFlag`).
 */
export function openProcessPool(names: ProcessPoolNames, indent: string, unit: string, newline: string, options: ProcessPoolOptions = {}): string {
  const { pool, error, workers, processExecutor, threadExecutor, warnings } = names;
  const context = options.startMethod ? `, mp_context=${options.startMethod.context}` : '';
  const fallback = options.fallback;
  return block(indent, [
    'try:',
    ...(options.startMethod?.why ?? []).map((line) => `${unit}# ${line}`),
    `${unit}${pool} = ${processExecutor}(max_workers=${workers}${context})`,
    `except (OSError, NotImplementedError) as ${error}:`,
    `${unit}# No process support here (no /dev/shm, or fork not permitted): one worker thread${fallback ? ` ${fallback.verb}` : ''}, in order.`,
    `${unit}${warnings}.warn(f"${fallback ? `${fallback.noun} in one thread` : 'running sequentially'}: cannot start worker processes ({${error}})", RuntimeWarning)`,
    `${unit}${pool} = ${threadExecutor}(max_workers=1)`,
    ...(options.waitFlag
      ? [...(options.alongside ? [`${options.alongside.pool} = ${options.alongside.create}`] : []), `${options.waitFlag} = True`, 'try:']
      : [`with ${pool}${options.alongside ? `, ${options.alongside.create} as ${options.alongside.pool}` : ''}:`]),
  ], newline);
}
