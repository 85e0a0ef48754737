/**
 * Rewrites a module so that its loops report to the probe (`_concur_profile_probe.py`), without
 * moving anything: every edit stays within its line, so line numbers (tracebacks, warnings,
 * `__doc__`) are those of the user's file.
 *
 *     for name in names:          ->  for name in _concur_probe_.loop(3, (names)):
 *     [f(x) for x in xs]          ->  [_concur_probe_.element(4, (f(x))) for x in _concur_probe_.loop(4, (xs))]
 *     yield value  (in a loop)    ->  _concur_probe_.resumed((3,), (yield _concur_probe_.pausing((3,), (value))))
 *
 * The probe is imported where no line moves: after a docstring or the `from __future__`
 * imports, on a blank or comment line before the first statement, or in front of a first
 * statement that is a simple one. When there is no such place, each call imports it itself.
 */
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import { yieldsOf, type Site } from './sites.js';

export const PROBE_MODULE = '_concur_profile_probe';
const PROBE_NAME = '_concur_probe_';

export interface InstrumentedModule {
  text: string;
  /** How the probe is reached: an import placed on an existing line, or `__import__` in each call. */
  importedBy: 'statement' | 'each-call';
}

interface Wrap {
  start: number;
  end: number;
  before: string;
  after: string;
}

/** `ids`: the profile-wide number of each site, in the order of `sites`. */
export function instrumentModule(model: SemanticModel, source: string, sites: readonly Site[], ids: readonly number[]): InstrumentedModule {
  const importAt = importPlacement(model, source);
  const probe = importAt ? PROBE_NAME : `__import__("${PROBE_MODULE}")`;
  const wraps: Wrap[] = [];
  const loopsOfYield = new Map<SyntaxNode, number[]>();
  sites.forEach((site, index) => {
    const id = ids[index];
    wraps.push({ start: site.iterable.startIndex, end: site.iterable.endIndex, before: `${probe}.loop(${id}, (`, after: '))' });
    if (site.element) wraps.push({ start: site.element.startIndex, end: site.element.endIndex, before: `${probe}.element(${id}, (`, after: '))' });
    if (site.kind === 'for') {
      for (const node of yieldsOf(site.node)) loopsOfYield.set(node, [...(loopsOfYield.get(node) ?? []), id]);
    }
  });
  for (const [node, loops] of loopsOfYield) {
    const sitesTuple = `(${loops.join(', ')},)`;
    wraps.push({ start: node.startIndex, end: node.endIndex, before: `${probe}.resumed(${sitesTuple}, (`, after: '))' });
    const value = node.namedChildren.filter((c) => c.type !== 'comment').at(-1);
    if (value) wraps.push({ start: value.startIndex, end: value.endIndex, before: `${probe}.pausing(${sitesTuple}, (`, after: '))' });
    else wraps.push({ start: node.endIndex, end: node.endIndex, before: ` ${probe}.pausing(${sitesTuple}, None)`, after: '' });
  }
  if (importAt) wraps.push({ start: importAt.at, end: importAt.end ?? importAt.at, before: importAt.text, after: '' });
  return { text: applyWraps(source, wraps), importedBy: importAt ? 'statement' : 'each-call' };
}

/**
 * Applies properly nested wraps: an outer wrap's text goes outside an inner one's at the same
 * offset. A wrap with `end > start` and an empty `after` that replaces text (the import on a
 * blank line) is a replacement of [start, end).
 */
function applyWraps(source: string, wraps: readonly Wrap[]): string {
  const ordered = [...wraps].sort((a, b) => a.start - b.start || b.end - a.end);
  let index = 0;
  const render = (from: number, to: number): string => {
    let text = '';
    let position = from;
    while (index < ordered.length && ordered[index].start >= from && ordered[index].start <= to && ordered[index].end <= to) {
      const wrap = ordered[index++];
      text += source.slice(position, wrap.start);
      if (wrap.after === '' && wrap.end > wrap.start) {
        // A replacement (the import written over a blank line's whitespace).
        text += wrap.before;
      } else {
        text += wrap.before + render(wrap.start, wrap.end) + wrap.after;
      }
      position = wrap.end;
    }
    return text + source.slice(position, to);
  };
  return render(0, source.length);
}

/** Where the probe's import goes without moving a line, or undefined when nowhere. */
function importPlacement(model: SemanticModel, source: string): { at: number; end?: number; text: string } | undefined {
  const statement = `import ${PROBE_MODULE} as ${PROBE_NAME}`;
  const statements = model.root.node.namedChildren.filter((n) => n.type !== 'comment');
  if (statements.length === 0) return undefined;
  // After the docstring and `from __future__` imports, which must come first.
  let leading: SyntaxNode | undefined;
  for (const [index, node] of statements.entries()) {
    const docstring = index === 0 && node.type === 'expression_statement' && node.namedChildren.length === 1 && ['string', 'concatenated_string'].includes(node.namedChildren[0].type);
    if (docstring || node.type === 'future_import_statement') leading = node;
    else break;
  }
  if (leading) return { at: leading.endIndex, text: `; ${statement}` };

  // A blank or comment line before the first statement (not a shebang or an encoding line).
  const first = statements[0];
  const lines = source.slice(0, first.startIndex).split('\n');
  let offset = 0;
  for (const [index, line] of lines.entries()) {
    const last = index === lines.length - 1;
    const content = line.replace(/\r$/, '');
    const shebang = index === 0 && content.startsWith('#!');
    const coding = index <= 1 && /^[ \t\f]*#.*?coding[:=]/.test(content);
    if (!last && !shebang && !coding) {
      if (/^[ \t\f]*$/.test(content)) return { at: offset, end: offset + content.length, text: statement };
      if (/^[ \t\f]*#/.test(content)) {
        const indent = /^[ \t\f]*/.exec(content)![0].length;
        return { at: offset, end: offset + indent, text: `${statement}  ` };
      }
    }
    offset += line.length + 1;
  }
  // In front of a first statement that is a simple one and starts its line.
  const lineStart = source.lastIndexOf('\n', first.startIndex - 1) + 1;
  if (SIMPLE_STATEMENTS.has(first.type) && lineStart === first.startIndex) return { at: first.startIndex, text: `${statement}; ` };
  return undefined;
}

const SIMPLE_STATEMENTS = new Set([
  'expression_statement',
  'import_statement',
  'import_from_statement',
  'assert_statement',
  'pass_statement',
  'global_statement',
  'nonlocal_statement',
  'delete_statement',
  'raise_statement',
  'print_statement',
  'exec_statement',
  'type_alias_statement',
]);
