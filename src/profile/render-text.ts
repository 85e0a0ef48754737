/** `concur profile`'s text output: the run, the machine's pool costs, a table of the loops, the verdicts. */
import { terminalColors } from '../output/colors.js';
import { seconds } from '../plans/measured-plan.js';
import { percent } from './classify.js';
import type { ProfileDocument, ProfiledLoop } from './profile-file.js';

/** Loops shown in the table, the longest first when there are more. */
const SHOWN = 30;

export function renderProfileText(document: ProfileDocument, options: { color: boolean; programName: string }): string {
  const c = terminalColors(options.color);
  const lines: string[] = [];
  const program = document.program;
  const ended = program.timed_out
    ? c.red('stopped at the timeout')
    : program.signal
      ? c.red(`killed by ${program.signal}`)
      : program.exit_code === 0
        ? 'exit status 0'
        : c.yellow(`exit status ${program.exit_code}`);
  const cpu = program.cpu_seconds === null ? '' : `, CPU ${seconds(program.cpu_seconds)}`;
  const rss = program.peak_rss_bytes ? `, peak RSS ${megabytes(program.peak_rss_bytes)}` : '';
  const processes = program.processes > 1 ? `, ${program.processes} Python processes` : '';
  lines.push(`${c.bold('concur profile')}: ${options.programName}: ${ended} after ${seconds(program.wall_seconds)}${cpu}${rss}${processes}`);
  const machine = document.machine;
  const pools = [
    `thread pool starts in ${seconds(machine.threads.startup_seconds)}`,
    machine.processes
      ? `process pool (${machine.processes.start_method}) in ${seconds(machine.processes.startup_seconds)}, ${seconds(machine.processes.per_item_seconds)} per item handed over`
      : 'no process pool',
    ...(machine.spawn && machine.processes?.start_method !== 'spawn' ? [`spawn pool in ${seconds(machine.spawn.startup_seconds)}`] : []),
  ];
  const python = document.python.version ? `Python ${document.python.version}${document.python.gil ? '' : ' (free-threaded)'}` : 'Python';
  lines.push(`machine: ${machine.cpus} CPU${machine.cpus === 1 ? '' : 's'}, ${python}; ${pools.join('; ')}; pure Python scales ${machine.python_scaling.toFixed(1)}x in processes, GIL-releasing native code ${machine.native_scaling.toFixed(1)}x in threads`);

  const loops = [...document.loops];
  lines.push('');
  if (loops.length === 0) {
    lines.push('No instrumented loop ran.');
  } else {
    const shown = loops.length > SHOWN ? [...loops].sort((a, b) => b.wall_seconds - a.wall_seconds).slice(0, SHOWN) : loops;
    const rows: string[][] = [['loop', 'iterations', 'per item median', 'p90', 'CPU/wall', 'GIL held', 'time (share)', 'class', 'estimated speedup']];
    const colours: Array<(text: string) => string> = [];
    for (const loop of shown) {
      rows.push([
        `${loop.file}:${loop.line}${loop.kind === 'for' ? '' : ` (${loop.kind})`}`,
        `${loop.iterations_exact ? '' : '~'}${loop.iterations}${loop.entries > 1 ? ` in ${loop.entries}` : ''}`,
        seconds(loop.per_iteration.wall.median),
        seconds(loop.per_iteration.wall.p90),
        percent(loop.cpu_per_wall),
        loop.gil.held_share === null ? '-' : percent(loop.gil.held_share),
        `${seconds(loop.wall_seconds)}${loop.share_of_program === null ? '' : ` (${percent(loop.share_of_program)})`}`,
        loop.class ?? '-',
        speedupCell(loop),
      ]);
      colours.push(classColour(c, loop.class));
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    const numeric = new Set([1, 2, 3, 4, 5, 6]);
    rows.forEach((row, index) => {
      const cells = row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])));
      if (index === 0) lines.push(c.bold(cells.join('  ').trimEnd()));
      else {
        cells[7] = colours[index - 1](cells[7]);
        lines.push(cells.join('  ').trimEnd());
      }
    });
    if (loops.length > shown.length) lines.push(`(${loops.length - shown.length} shorter loops are in the profile)`);
    lines.push('');
    lines.push('Verdicts with this profile:');
    for (const loop of shown) {
      if (!loop.verdict) continue;
      const where = `${loop.file}:${loop.line}`;
      if (loop.verdict === 'parallel' && loop.plan) {
        const expected = loop.plan.estimated_speedup === undefined ? '' : `, estimated speedup ${loop.plan.estimated_speedup.toFixed(2)}x`;
        lines.push(`  ${where}: ${c.green('parallel')} with ${loop.plan.model} (${loop.plan.workers} worker${loop.plan.workers === 1 ? '' : 's'}${loop.plan.chunksize && loop.plan.chunksize > 1 ? `, chunks of ${loop.plan.chunksize}` : ''})${expected}`);
      } else {
        lines.push(`  ${where}: ${loop.verdict === 'parallel' ? c.green('parallel') : 'rejected'}: ${loop.reason}`);
      }
    }
  }
  if (document.notes.length) {
    lines.push('');
    for (const note of document.notes) lines.push(`note: ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The refined plan's estimate; `-` for a loop that cannot run concurrently; `~` the class's own estimate when no plan was made. */
function speedupCell(loop: ProfiledLoop): string {
  if (loop.verdict === 'parallel' && loop.plan?.estimated_speedup !== undefined) return `${loop.plan.estimated_speedup.toFixed(2)}x ${loop.plan.model} (${loop.plan.workers})`;
  if (loop.verdict === 'rejected') return loop.reason?.startsWith('not worth it') ? 'not worth it' : '- (rejected)';
  if (loop.estimate) return `~${(loop.estimate.program_speedup ?? loop.estimate.loop_speedup).toFixed(2)}x ${loop.estimate.model} (${loop.estimate.workers})`;
  return '-';
}

function classColour(c: ReturnType<typeof terminalColors>, value: ProfiledLoop['class']): (text: string) => string {
  switch (value) {
    case 'io':
      return c.cyan;
    case 'cpu':
      return c.red;
    case 'native':
      return c.green;
    case 'mixed':
      return c.yellow;
    default:
      return (text) => text;
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
