/**
 * What the stress mode forces, from concur's own analysis of one copy of the project: whether
 * the program starts threads at all, and the sites where a thread switch exposes a bug the race
 * and deadlock rules name (RC101, RC102, DL101 findings), each with the place in the code where
 * the tracer pauses (see probe/stress/sitecustomize.py).
 */
import path from 'node:path';
import type { Settings } from '../../config/settings.js';
import { runCheck } from '../../engine/check.js';
import { lockOrderCycles, type TakenLock } from '../../concurrency/lock-order.js';
import { LinkedProject } from '../../concurrency/linking.js';
import { raceConflicts } from '../../concurrency/races.js';

/** Where the tracer pauses: see the tracer's docstring. */
export type SwitchKind = 'store' | 'line' | 'after-check' | 'with-entry';

export interface StressSite {
  rule: 'RC101' | 'RC102' | 'DL101';
  kind: 'read-modify-write' | 'check-then-act' | 'lock-order';
  /** The file, relative to the copy's root, `/`-separated. */
  path: string;
  /** The finding's line (the read-modify-write, the check, the inner acquisition). */
  line: number;
  endLine: number;
  /** The line the switch is forced on (the store's lines start there, the act, the inner acquisition). */
  switchLine: number;
  switch: SwitchKind;
  /** The code as written: `total += 1`, `if k not in cache`, `with audit_lock` (holding `accounts_lock`). */
  code: string;
  /** The state written, for matching the store opcode: `total`, `self.n`, `counts`. */
  target?: string;
}

export interface ThreadFacts {
  /** Thread entry points concur found (threads, thread pools, timers). */
  threadEntries: number;
  sites: StressSite[];
  /** Files that could not be analysed. */
  errors: string[];
}

export const STRESS_RULES = ['RC101', 'RC102', 'DL101'] as const;

export interface FindSitesOptions {
  copyRoot: string;
  settings: Settings;
  /** The directory the settings' patterns are relative to, inside the copy's tree. */
  patternBase: string;
  maxWorkers?: number;
}

/** Analyses the copy with the race and lock-order rules and returns its thread facts. */
export async function findStressSites(options: FindSitesOptions): Promise<ThreadFacts> {
  const settings: Settings = { ...options.settings, select: [...STRESS_RULES] };
  const result = await runCheck({ paths: [options.copyRoot], cwd: options.patternBase, settings, snippets: false, patternBase: options.patternBase, maxWorkers: options.maxWorkers });
  const relative = (display: string) => {
    const absolute = result.files.get(display)?.absolutePath ?? path.resolve(options.patternBase, display);
    return path.relative(options.copyRoot, absolute).split(path.sep).join('/');
  };
  const project = result.project;
  const threadEntries = LinkedProject.of(project).entries().filter((entry) => entry.kind === 'thread').length;
  const sites: StressSite[] = [];
  const seen = new Set<string>();
  const add = (site: StressSite) => {
    const key = `${site.path}:${site.switchLine}:${site.switch}:${site.target ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    sites.push(site);
  };
  const conflicts = raceConflicts(project);
  const cycles = lockOrderCycles(project);
  for (const finding of result.report.findings) {
    if (finding.cell !== undefined) continue; // notebooks do not run as files
    const siteId = `${finding.path}:${finding.line}:${finding.column}`;
    if (finding.rule === 'RC101' || finding.rule === 'RC102') {
      const found = conflicts.get(siteId);
      if (!found?.length) continue;
      // Tasks interleave only at `await`, which the code already has: a pause forces nothing there.
      if (found.every((c) => c.site.context.side === 'task' && c.other.context.side === 'task')) continue;
      const access = found[0].site.access;
      const file = relative(found[0].site.fn.path);
      if (finding.rule === 'RC101') {
        add({ rule: 'RC101', kind: 'read-modify-write', path: file, line: access.line, endLine: access.endLine, switchLine: access.line, switch: 'store', code: access.code ?? '', target: access.display });
      } else {
        const act = access.actLine ?? access.line;
        add({ rule: 'RC102', kind: 'check-then-act', path: file, line: access.line, endLine: access.endLine, switchLine: act, switch: act === access.line ? 'after-check' : 'line', code: access.code ?? '' });
      }
    } else if (finding.rule === 'DL101') {
      const cycle = cycles.get(siteId);
      if (!cycle) continue;
      for (const edge of cycle.edges) add(lockSite(edge.from, edge.to, relative(edge.to.fn.path), relative(edge.from.fn.path)));
    }
  }
  sites.sort((a, b) => a.path.localeCompare(b.path) || a.switchLine - b.switchLine);
  return { threadEntries, sites, errors: result.report.errors.map((e) => `${e.path}: ${e.message}`) };
}

/** The pause before `inner` is taken while `outer` is held. */
function lockSite(outer: TakenLock, inner: TakenLock, innerPath: string, outerPath: string): StressSite {
  const fact = inner.fact;
  const taking = fact.via === 'with' ? `with ${fact.display}` : `${fact.display}.acquire()`;
  const sameLine = innerPath === outerPath && outer.fact.line === fact.line;
  return {
    rule: 'DL101',
    kind: 'lock-order',
    path: innerPath,
    line: fact.line,
    endLine: fact.endLine,
    switchLine: fact.line,
    switch: sameLine && fact.via === 'with' ? 'with-entry' : 'line',
    code: `${taking} (holding ${outer.fact.display})`,
  };
}

/** `path:line` of a site, as the user reads it. */
export function siteLocation(site: StressSite): string {
  return `${site.path}:${site.switchLine}`;
}
