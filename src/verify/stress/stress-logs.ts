/**
 * What the stress tracer left after a run (`stress-<pid>.log`, `hang-<pid>.txt` in the run's
 * directory): whether it started, which sites paused and how often, and, for a run that hung,
 * every thread's stack (faulthandler's dump on SIGUSR1), with the project's frames named as
 * the user knows them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface TracerLog {
  /** Python processes in which the tracer started (`3.11` each). */
  pythons: string[];
  /** Site ids that paused at least once. */
  fired: Set<number>;
  /** Pauses per site id, summed over the processes that exited normally. */
  pauses: Map<number, number>;
  /** faulthandler dumps, one per process that had one. */
  dumps: string[];
}

export function readTracerLog(directory: string): TracerLog {
  const log: TracerLog = { pythons: [], fired: new Set(), pauses: new Map(), dumps: [] };
  let names: string[];
  try {
    names = readdirSync(directory).sort();
  } catch {
    return log;
  }
  for (const name of names) {
    const text = readText(path.join(directory, name));
    if (name.startsWith('hang-')) {
      if (text.trim()) log.dumps.push(text);
      continue;
    }
    if (!name.startsWith('stress-')) continue;
    for (const line of text.split('\n')) {
      const [word, ...rest] = line.trim().split(' ');
      if (word === 'active' && rest.length >= 2) log.pythons.push(rest[1]!);
      else if (word === 'fired') log.fired.add(Number(rest[0]));
      else if (word === 'count' && rest.length >= 2) {
        const id = Number(rest[0]);
        const pauses = Number(rest[1]);
        log.pauses.set(id, (log.pauses.get(id) ?? 0) + pauses);
        if (pauses > 0) log.fired.add(id);
      }
    }
  }
  return log;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A project file of a dump's `File "...", line N in name` frame, relative to the copy; undefined outside it. */
function projectFile(file: string, copyRoot: string): string | undefined {
  if (file.startsWith('<')) return undefined;
  const relative = path.isAbsolute(file) ? path.relative(copyRoot, file) : file;
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

const FRAME = /^\s*File "(.*)", line (\d+) in (.*)$/;

/**
 * Where each thread of a dump waits: its most recent frame in the project (`dl.py:10 in
 * transfer`), one per thread, in the dump's order.
 */
export function waitingPlaces(dump: string, copyRoot: string): string[] {
  const places: string[] = [];
  let found = true;
  for (const line of dump.split('\n')) {
    if (/^(Current thread|Thread) 0x[0-9a-f]+/i.test(line)) {
      found = false;
      continue;
    }
    const match = FRAME.exec(line);
    if (!match || found) continue;
    const file = projectFile(match[1]!, copyRoot);
    if (file === undefined) continue;
    places.push(`${file}:${match[2]} in ${match[3]}`);
    found = true;
  }
  return places;
}

/**
 * The dump cut to what concerns the project: each thread's header and its frames in the copy
 * (paths relative to it), other frames elided as `...`; at most `maxLines` lines.
 */
export function readableDump(dump: string, copyRoot: string, maxLines = 30): string {
  const lines: string[] = [];
  for (const line of dump.trimEnd().split('\n')) {
    const match = FRAME.exec(line);
    if (!match) {
      if (line.trim()) lines.push(line.trimEnd());
      continue;
    }
    const file = projectFile(match[1]!, copyRoot);
    if (file !== undefined) lines.push(line.replace(`"${match[1]}"`, `"${file}"`));
    else if (lines[lines.length - 1] !== '  ...') lines.push('  ...');
  }
  return lines.length > maxLines ? `${lines.slice(0, maxLines).join('\n')}\n... (${lines.length - maxLines} more lines)` : lines.join('\n');
}
