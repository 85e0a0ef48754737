/**
 * Runs file analyses across worker threads, streaming: each worker holds at most a couple of
 * files at a time, results are handed to the caller as they arrive, and nothing else is kept.
 * Small runs are analysed in the main thread, where starting workers would cost more than it saves.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileAnalysis } from './analyse-source.js';
import { createSession, type FileTask, type SessionOptions } from './session.js';

const FILES_PER_WORKER = 24;
const IN_FLIGHT_PER_WORKER = 2;

export interface PoolOptions {
  session: SessionOptions;
  /** Upper bound on worker threads; defaults to the number of CPUs available. */
  maxWorkers?: number;
  onResult(analysis: FileAnalysis): void;
}

export async function analyseAll(tasks: FileTask[], options: PoolOptions): Promise<void> {
  const cpus = options.maxWorkers ?? availableParallelism();
  const workers = Math.max(1, Math.min(cpus, Math.ceil(tasks.length / FILES_PER_WORKER)));
  if (workers === 1) {
    const analyse = await createSession(options.session);
    for (const task of tasks) options.onResult(await analyse(task));
    return;
  }
  await runWorkers(tasks, workers, options);
}

function runWorkers(tasks: FileTask[], count: number, options: PoolOptions): Promise<void> {
  const workerUrl = new URL('./worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    let next = 0;
    let done = 0;
    let failed = false;
    const threads: Worker[] = [];
    const finish = (error?: Error) => {
      if (failed) return;
      if (error) failed = true;
      for (const thread of threads) void thread.terminate();
      if (error) reject(error);
      else resolve();
    };
    const feed = (thread: Worker) => {
      if (next < tasks.length) {
        const id = next++;
        thread.postMessage({ id, task: tasks[id] });
      }
    };
    for (let i = 0; i < count; i++) {
      const thread = new Worker(workerUrl, { workerData: options.session });
      threads.push(thread);
      thread.on('message', (message: { ready?: boolean; analysis?: FileAnalysis }) => {
        if (message.ready) {
          for (let k = 0; k < IN_FLIGHT_PER_WORKER; k++) feed(thread);
          return;
        }
        options.onResult(message.analysis!);
        done++;
        if (done === tasks.length) finish();
        else feed(thread);
      });
      thread.on('error', (error) => finish(error));
      thread.on('exit', (code) => {
        if (code !== 0 && done < tasks.length) finish(new Error(`analysis worker exited with code ${code}`));
      });
    }
    if (tasks.length === 0) finish();
  });
}
