/**
 * RC102 check-then-act: a test of shared state followed by an action that relies on it
 * (`if k not in d: d[k] = ...`, `if q: q.pop()`, `if x is None: x = make()`,
 * `if not os.path.exists(p): os.makedirs(p)`), while concurrent code can change the state in
 * between, with no lock common to both.
 */
import type { CompoundPattern } from '../../concurrency/facts.js';
import { raceConflicts } from '../../concurrency/races.js';
import { accessNodes } from '../../concurrency/summary.js';
import type { SyntaxNode } from '../../parser/parser.js';
import type { ProjectIndex } from '../../project/project-index.js';
import type { Scope } from '../../semantic/scope.js';
import type { FixDraft, PendingFinding, Resolution, Rule, RuleContext } from '../rule.js';
import { deferSites, lockWords, otherWords, relatedLocations, siteContextWords, stateWords } from './race-findings.js';

const PATTERNS: ReadonlySet<CompoundPattern> = new Set([
  'insert-if-absent',
  'remove-if-present',
  'read-if-present',
  'pop-if-nonempty',
  'init-if-unset',
  'create-if-missing',
  'remove-if-exists',
]);

const WORDS: Record<string, { consequence: string; advice: string }> = {
  'insert-if-absent': {
    consequence: 'two threads can both find it missing and both insert (the work done twice, one value silently replaced)',
    advice: 'Use one atomic call (`d.setdefault(k, v)`), or hold one lock around the check and the insert.',
  },
  'remove-if-present': {
    consequence: 'another thread can remove it between the check and the removal (KeyError or ValueError)',
    advice: 'Remove without the check (`d.pop(k, None)`, or catch the error), or hold one lock around both.',
  },
  'read-if-present': {
    consequence: 'another thread can remove it between the check and the read (KeyError)',
    advice: 'Read once (`v = d.get(k)`), or hold one lock around both.',
  },
  'pop-if-nonempty': {
    consequence: 'another thread can take the last item between the check and the pop (IndexError or KeyError)',
    advice: 'Pop and catch the error (`try: item = q.pop()` / `except IndexError:`), use a `queue.Queue`, or hold one lock around both.',
  },
  'init-if-unset': {
    consequence: 'two threads can both see it unset and both run the initialisation, and another thread can see it half-built (set, but not filled in yet)',
    advice: 'Initialise it before the threads start, or hold a lock around the check and the whole initialisation (and fill the object in before publishing it).',
  },
  'create-if-missing': {
    consequence: 'another thread can create it between the check and the creation (FileExistsError)',
    advice: 'Create it without the check: `os.makedirs(path, exist_ok=True)` (or `path.mkdir(exist_ok=True)`).',
  },
  'remove-if-exists': {
    consequence: 'another thread can remove it between the check and the removal (FileNotFoundError)',
    advice: 'Remove it without the check and catch `FileNotFoundError` (or `path.unlink(missing_ok=True)`).',
  },
};

export const checkThenAct: Rule = {
  meta: {
    code: 'RC102',
    name: 'check-then-act',
    category: 'race',
    summary: 'Check of shared state and the action relying on it can be separated by another thread',
    fix: 'sometimes',
    docs: {
      what:
        'A test of shared state followed by an action that is only right if the test still holds, where code ' +
        'running at the same time can change the state in between and no common lock is held: ' +
        '`if k not in d: d[k] = ...` (also `d.get(k) is None`, `seen.add`), `if k in d: del d[k]` or `return d[k]`, ' +
        '`if items: items.pop()` (also `len(items) > 0`, `while q: q.popleft()`), lazy initialisation ' +
        'that does harm when two threads run it (`if _config is None: _config = {}` followed by filling `_config` in, ' +
        'which publishes a half-built object; `if not started: started = True` guarding work meant to run once; a ' +
        'value computed twice the same way is left alone), and the file-system versions ' +
        '`if not os.path.exists(p): os.makedirs(p)` and `if os.path.exists(p): os.remove(p)`. Shared state, ' +
        'concurrent code and locks are found as for RC101; the other side must change the state in a way that ' +
        'breaks the check (an insert for insert-if-absent, a removal for pop-if-nonempty), which includes the same ' +
        'code in another instance of a thread started in a loop or per item. Double-checked locking (the act holds a ' +
        'lock and tests the state again) is not reported. In asyncio tasks only a check-then-act with an `await` ' +
        'between the check and the act is reported. Processes share the file system, so only the file-system ' +
        'patterns count between them.',
      why:
        'Each operation is atomic on its own, but the pair is not: the GIL can pass to another thread between the ' +
        'check and the act, so the act runs on a state the check did not see. The results are duplicate work, a ' +
        'value silently replaced, two "singletons", or an exception (KeyError, IndexError, FileExistsError) that ' +
        'appears once in thousands of runs. This holds under the GIL; free-threaded builds (3.13t+) make it more ' +
        'frequent.',
      example: [
        'import os',
        'from concurrent.futures import ThreadPoolExecutor',
        '',
        'def save(name, data):',
        '    folder = os.path.join("out", name[0])',
        '    if not os.path.isdir(folder):',
        '        os.makedirs(folder)',
        '    with open(os.path.join(folder, name), "w") as f:',
        '        f.write(data)',
        '',
        'with ThreadPoolExecutor() as pool:',
        '    pool.map(save, ["a1", "a2"], ["x", "y"])',
      ].join('\n'),
      fixed: [
        'import os',
        'from concurrent.futures import ThreadPoolExecutor',
        '',
        'def save(name, data):',
        '    folder = os.path.join("out", name[0])',
        '    os.makedirs(folder, exist_ok=True)',
        '    with open(os.path.join(folder, name), "w") as f:',
        '        f.write(data)',
        '',
        'with ThreadPoolExecutor() as pool:',
        '    pool.map(save, ["a1", "a2"], ["x", "y"])',
      ].join('\n'),
      fixSafety:
        'A fix is offered for directory creation only: `if not os.path.isdir(p): os.makedirs(p)` (or `mkdir`, or ' +
        'pathlib\'s `if not p.is_dir(): p.mkdir()`) becomes one `os.makedirs(p, exist_ok=True)` (`p.mkdir(exist_ok=True)`). ' +
        'It is safe after an `isdir`/`is_dir` check. After `exists`, it is unsafe: when `p` is an existing regular ' +
        'file, the original skips the creation silently, while `exist_ok=True` raises `FileExistsError`. No fix is ' +
        'offered when the `if` has an `else`, more than the one call, or comments inside. For the other patterns ' +
        'the right fix (an atomic call, a lock, initialising earlier) depends on the code around it.',
    },
  },

  check(context: RuleContext): void {
    deferSites(context, PATTERNS, undefined, (access) => {
      if (access.pattern !== 'create-if-missing') return undefined;
      const node = accessNodes(context.model).get(access.offset);
      return node ? makedirsFix(context, node.node, node.scope) : undefined;
    });
  },

  resolve(pending: PendingFinding, project: ProjectIndex): Resolution | undefined {
    const conflicts = raceConflicts(project).get(String(pending.data.siteId));
    if (!conflicts || conflicts.length === 0) return undefined;
    const [first] = conflicts;
    const { site } = first;
    const words = WORDS[site.access.pattern ?? ''] ?? WORDS['insert-if-absent'];
    const act = site.access.actLine ? `, acting at line ${site.access.actLine}` : '';
    const task = site.context.side === 'task';
    const processes = conflicts.some((c) => c.site.context.entry.kind === 'process' || c.other.context.entry.kind === 'process');
    const consequence = processes ? words.consequence.replace(/another thread|two threads/, (m) => m.replace('thread', 'process')) : words.consequence;
    const message =
      `Check-then-act on ${stateWords(site.access)} (\`${site.access.code}\`${act}) is not atomic: ${siteContextWords(site)}, and ${otherWords(first)}, ` +
      `with no common lock${lockWords(first)}; ${consequence}${task ? ' (the `await` in between lets other tasks run)' : ''}. ${words.advice}`;
    return { message, related: relatedLocations(conflicts) };
  },
};

/**
 * `if not os.path.isdir(p): os.makedirs(p)` -> `os.makedirs(p, exist_ok=True)`. `node` is the
 * `if` condition.
 */
function makedirsFix(context: RuleContext, condition: SyntaxNode, scope: Scope): FixDraft | undefined {
  const statement = condition.parent;
  if (statement?.type !== 'if_statement' || statement.childForFieldName('condition') !== condition) return undefined;
  if (statement.namedChildren.some((c) => c.type === 'else_clause' || c.type === 'elif_clause' || c.type === 'comment')) return undefined;
  const body = statement.childForFieldName('consequence');
  const statements = body?.namedChildren ?? [];
  if (statements.length !== 1 || statements[0].type !== 'expression_statement' || body!.descendantsOfType('comment').length > 0) return undefined;
  const call = statements[0].namedChildren[0];
  if (call?.type !== 'call' || statements[0].namedChildren.length !== 1) return undefined;
  const callee = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  if (!callee || !args) return undefined;
  const name = context.model.qualifiedNameOf(callee, scope);
  const isPathMkdir = callee.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'mkdir' && !name?.startsWith('os.');
  if (name !== 'os.makedirs' && !isPathMkdir) return undefined;
  const positional = args.namedChildren.filter((a) => a.type !== 'keyword_argument' && a.type !== 'comment');
  if (args.namedChildren.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return undefined;
  if (name === 'os.makedirs' && positional.length !== 1) return undefined;
  if (isPathMkdir && positional.length !== 0) return undefined;
  // The check: `not os.path.isdir(p)` is safe, `not os.path.exists(p)` is not (p may be a file).
  let check = condition;
  while (check.type === 'parenthesized_expression' && check.namedChildren.length === 1) check = check.namedChildren[0];
  if (check.type !== 'not_operator') return undefined;
  const tested = check.childForFieldName('argument');
  const testCallee = tested?.type === 'call' ? tested.childForFieldName('function') : undefined;
  if (!testCallee) return undefined;
  const testName = context.model.qualifiedNameOf(testCallee, scope);
  const testMethod = testCallee.type === 'attribute' ? testCallee.childForFieldName('attribute')?.text : undefined;
  const isDirCheck = testName === 'os.path.isdir' || (isPathMkdir && testMethod === 'is_dir');
  const existsCheck = testName === 'os.path.exists' || (isPathMkdir && testMethod === 'exists');
  if (!isDirCheck && !existsCheck) return undefined;
  const inner = args.text.slice(1, -1).replace(/,\s*$/, '');
  const separator = inner.trim() === '' ? '' : ', ';
  const replacement = `${callee.text}(${inner}${separator}exist_ok=True)`;
  return {
    applicability: isDirCheck ? 'safe' : 'unsafe',
    message: `Replace the check and the creation with \`${replacement}\``,
    edits: [{ start: statement.startIndex, end: statement.endIndex, text: replacement }],
  };
}
