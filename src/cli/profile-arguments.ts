/** The command line of `concur profile`: its optional PATH, and its help. */

/**
 * `concur profile -- CMD ARGS` has no PATH, but commander gives the command's first word to the
 * PATH argument: when every operand came after `--`, PATH is the current directory.
 */
export function splitProfileOperands(rawArgs: readonly string[], path: string | undefined, command: string[]): { path: string; command: string[] } {
  const operands = path === undefined ? command : [path, ...command];
  const dash = rawArgs.indexOf('--');
  if (dash >= 0 && rawArgs.length - dash - 1 === operands.length) return { path: '.', command: operands };
  return { path: path ?? '.', command };
}

export function profileHelp(): string {
  return [
    '',
    'Examples:',
    '  concur profile -- python3 main.py',
    '      measure the loops of the project in the current directory while `python3 main.py` runs',
    '  concur profile examples/prime_counting/count_primes.py -- python3 count_primes.py',
    '      only that file\'s loops; the command runs in a copy of its directory',
    '  concur check --profile concur-profile.json app/',
    '      plans refined by the measurement: class, workers, chunk size, "not worth it", estimated speedup',
    '',
    'The project is copied to a temporary directory and its loops (every `for` loop and',
    'comprehension that `concur check` considers) are rewritten there, on the same lines, to call a',
    'standard-library probe; your files are never written. The probe records per loop: entries,',
    'iterations, wall and thread CPU time per iteration (count, median, p90, max, total), the share',
    'of the time the GIL was held (a sampler thread that wakes up late while pure Python holds',
    'it), sampled pickled sizes of items and results, and how much peak RSS grew. Then it measures',
    'starting a thread pool and a process pool here with the program\'s interpreter.',
    '',
    'Classes: io (CPU under 30% of wall time: waiting), cpu (70% or more, mostly holding the GIL),',
    'native (70% or more, mostly with the GIL released), mixed (in between).',
    '',
    'The profile (JSON, "version": 1; see docs/profile.md) keys each loop by file (relative to',
    '"root"), line, column and "source_hash", a hash of the loop\'s text: `check --profile` ignores a',
    'loop whose text changed since, with a warning. Per loop: "iterations", "per_iteration" {wall,',
    'cpu: {count, median, p90, max, total}}, "cpu_per_wall", "gil" {samples, held_share}, "class",',
    '"share_of_program", "item_bytes", "result_bytes", "estimate", and the "verdict" and "plan" of',
    '`check --profile`; at the top: "program", "machine" (pool start-up costs, core scaling).',
  ].join('\n');
}
