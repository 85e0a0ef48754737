/** Worker thread entry: analyses the files the main thread sends, one message per file. */
import { parentPort, workerData } from 'node:worker_threads';
import { createSession, type FileTask, type SessionOptions } from './session.js';

const port = parentPort!;
const analyse = await createSession(workerData as SessionOptions);
port.on('message', async (message: { id: number; task: FileTask }) => {
  const analysis = await analyse(message.task);
  port.postMessage({ id: message.id, analysis });
});
port.postMessage({ ready: true });
