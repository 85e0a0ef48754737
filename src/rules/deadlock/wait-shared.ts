/** What the deadlock rules that follow waits across functions and files share. */
import type { RelatedLocation } from '../../diagnostics/finding.js';
import type { Site } from '../../concurrency/wait-links.js';
import { waitFacts } from '../../concurrency/wait-facts.js';
import { localLookup, type WaitLookup } from '../../concurrency/wait-links.js';
import type { RuleContext } from '../rule.js';

/** The wait facts of this file, and a lookup that answers `unknown` for the project's other files. */
export function localWaits(context: RuleContext): WaitLookup {
  const { model } = context;
  const { byScope } = waitFacts(model, context.source.path, context.lines);
  return localLookup(model, byScope, (name) => name.startsWith(`${model.moduleName}.`) || model.isProjectName(name));
}

/** A place in some file of the project, as a related location. */
export function relatedSite(site: Site, message: string): RelatedLocation {
  return { path: site.path, line: site.line, column: 1, endLine: site.line, endColumn: 1, message };
}

/** `worker (line 12)` or `worker (jobs.py, line 12)` when it is in another file. */
export function siteWords(site: Site, here: string): string {
  return site.path === here ? `\`${site.display}\` (line ${site.line})` : `\`${site.display}\` (${site.path}, line ${site.line})`;
}

/** `worker` at line 12, or `worker` at jobs.py line 12 when it is in another file. */
export function siteAt(site: Site, here: string): string {
  return site.path === here ? `\`${site.display}\` at line ${site.line}` : `\`${site.display}\` at ${site.path} line ${site.line}`;
}
