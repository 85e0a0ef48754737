/** What to do about what the stress mode found, one sentence per finding, naming the rule to run. */
import type { StressReport, StressSide } from './stress-mode.js';
import type { StressSite } from './stress-sites.js';

export function stressAdvice(report: StressReport): string[] {
  const advice: string[] = [];
  const seen = new Set<string>();
  const add = (text: string) => {
    if (seen.has(text)) return;
    seen.add(text);
    advice.push(text);
  };
  for (const side of report.sides) {
    const sites = report.sites.filter((s) => s.side === side);
    const byLocation = (location: string) => sites.find((s) => `${s.path}:${s.switchLine}` === location);
    const differences = report.differences.filter((d) => d.side === side);
    if (differences.length) {
      const fired = [...new Set(differences.flatMap((d) => d.fired))].map(byLocation).filter((s): s is (typeof sites)[number] => !!s && s.kind !== 'lock-order');
      for (const group of groupByRuleAndFile(fired)) add(raceAdvice(group));
      if (fired.length === 0) {
        add(
          `the ${side}'s output changed under forced thread switches, but no racy site concur names paused in those runs: ` +
            'look for state the threads share and output whose order depends on timing (`concur check --select RC,DL .`)',
        );
      }
    }
    for (const hang of report.hangs.filter((h) => h.side === side)) {
      const locks = hang.fired.map(byLocation).filter((s) => s?.kind === 'lock-order');
      const where = hang.waiting.length ? ` (threads waiting at ${hang.waiting.join(', ')})` : '';
      if (locks.length) {
        const files = [...new Set(locks.map((s) => s!.path))].join(' ');
        add(`the ${side} deadlocks when a thread switch comes between two lock acquisitions${where}: take the locks in one order everywhere; run \`concur check --select DL101 ${files}\``);
      } else {
        add(`the ${side} hung under stress${where}: threads wait for each other; run \`concur check --select DL .\` for lock-order, re-acquisition and wait problems`);
      }
    }
    if (report.tracerActive[side] === false) add(inactiveAdvice(side));
  }
  return advice;
}

/** Sites of one rule in one file, in line order. */
function groupByRuleAndFile(sites: StressSite[]): StressSite[][] {
  const groups = new Map<string, StressSite[]>();
  for (const site of [...sites].sort((a, b) => a.line - b.line)) {
    const key = `${site.rule}\0${site.path}`;
    groups.set(key, [...(groups.get(key) ?? []), site]);
  }
  return [...groups.values()];
}

function raceAdvice(sites: StressSite[]): string {
  const [first] = sites;
  const places = sites.map((s) => `${s.path}:${s.line} (\`${s.code}\`)`).join(', ');
  if (first.kind === 'read-modify-write') {
    return `the lost updates at ${places} disappear under a lock: run \`concur check --select RC101 ${first.path}\`, which names both sides of each race (and adds the lock for a module global)`;
  }
  return `the check-then-act at ${places} needs the check and the act under one lock, or one atomic call: run \`concur check --select RC102 ${first.path}\``;
}

function inactiveAdvice(side: StressSide): string {
  return (
    `the stress tracer did not start in every stress run of the ${side}: a command that runs Python with -I, -E or -S ` +
    '(which ignore PYTHONPATH and sitecustomize), or no Python at all, runs unforced; run the program with a plain `python3 ...`'
  );
}
