import { analyseLoop, findLoops, type LoopAnalysis } from '../../src/loops/index.js';
import { modelOf } from '../helpers/parse.js';

/** Analysis of the `index`-th loop (source order, inner loops included) of a program. */
export async function analyse(code: string, index = 0): Promise<LoopAnalysis> {
  const model = await modelOf(code);
  const loops = findLoops(model);
  if (!loops[index]) throw new Error(`no loop ${index}`);
  return analyseLoop(model, loops[index]);
}
