/** Loop analysis: which loops can run their iterations concurrently, and why not. */
export { analyseLoop } from './analyse-loop.js';
export { findLoops } from './find-loops.js';
export type * from './types.js';
