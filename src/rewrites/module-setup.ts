/**
 * What a loop rewrite adds to its module besides the loop: imports, the worker-count constant
 * read from the environment, fresh names that clash with nothing, and the
 * `if __name__ == "__main__":` guard a process pool needs.
 */
import type { Edit } from '../diagnostics/finding.js';
import { importEdit, referenceModule } from '../fixes/imports.js';
import type { SyntaxNode } from '../parser/parser.js';
import type { SemanticModel } from '../semantic/model.js';
import { RewriteRefused } from './loop-parts.js';
import { afterLineEnd } from './source-text.js';
import { importTimeCode, type MainGuard } from '../fixes/main-guard.js';

export { isMainGuard, type MainGuard } from '../fixes/main-guard.js';

/** The identifiers of each module, collected once: every rewrite of a file starts from them. */
const identifiersOf = new WeakMap<SyntaxNode, ReadonlySet<string>>();

/** Hands out names that no identifier of the module uses yet. */
export class NameAllocator {
  private readonly taken: Set<string>;

  constructor(root: SyntaxNode) {
    let known = identifiersOf.get(root);
    if (!known) {
      known = new Set(root.descendantsOfType('identifier').map((id) => id.text));
      identifiersOf.set(root, known);
    }
    this.taken = new Set(known);
  }

  fresh(base: string): string {
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base}_${n}`;
    this.taken.add(name);
    return name;
  }

  isFree(name: string): boolean {
    return !this.taken.has(name);
  }
}

/** Imports the rewrite needs, as the names to write and the edits that add the missing ones. */
export class ImportPlan {
  readonly edits: Edit[] = [];

  constructor(private readonly model: SemanticModel) {}

  /** `os`, `functools`...: the name the module is bound to. */
  module(module: string): string {
    const reference = referenceModule(this.model, this.model.root, module);
    if (!reference) throw new RewriteRefused(`the name \`${module}\` is bound to something else in this module`);
    if (reference.importEdit) this.add(reference.importEdit);
    return reference.name;
  }

  /** `from concurrent.futures import ThreadPoolExecutor`: reused when present, refused when the name means something else. */
  from(module: string, name: string): string {
    const bindings = this.model.root.bindings.get(name) ?? [];
    if (bindings.length === 1 && bindings[0].kind === 'from-import' && bindings[0].target === `${module}.${name}`) return name;
    if (this.model.scopes.some((s) => s.bindings.has(name))) throw new RewriteRefused(`the name \`${name}\` is bound to something else in this module`);
    this.add(importEdit(this.model.root.node, `from ${module} import ${name}`));
    return name;
  }

  private add(edit: Edit): void {
    // With the other imports, not above them: isort and ruff would put it there too.
    const at = constantsOffset(this.model, this.model.root.node.text);
    const moved = { start: at, end: at, text: edit.text.replace(/^(\r?\n)+/, '') };
    if (!this.edits.some((e) => e.start === moved.start && e.text === moved.text)) this.edits.push(moved);
  }
}

/**
 * Where added imports and module-level constants go: after the leading imports (so that new
 * imports join them and `os` is bound before the constants), or where the first import would
 * go when there are none.
 */
export function constantsOffset(model: SemanticModel, source: string): number {
  let offset: number | undefined;
  let first = true;
  for (const child of model.root.node.namedChildren) {
    if (child.type === 'comment') continue;
    const docstring = first && child.type === 'expression_statement' && child.namedChildren[0]?.type === 'string';
    first = false;
    if (docstring || child.type === 'future_import_statement') continue;
    if (child.type === 'import_statement' || child.type === 'import_from_statement') {
      offset = afterLineEnd(source, child.endIndex - 1);
      continue;
    }
    break;
  }
  return offset ?? importEdit(model.root.node, '').start;
}

/** `int(os.environ.get("NAME", "8"))`, or the CPU count this process may use when unset. */
export function workersValue(os: string, variable: string, fallback: { kind: 'fixed'; count: number } | { kind: 'cpu-count' }, target: [number, number]): string {
  if (fallback.kind === 'fixed') return `int(${os}.environ.get("${variable}", "${fallback.count}"))`;
  const cpus =
    target[0] === 3 && target[1] >= 13
      ? `${os}.process_cpu_count() or 1`
      : `(len(${os}.sched_getaffinity(0)) if hasattr(${os}, "sched_getaffinity") else ${os}.cpu_count() or 1)`;
  return `int(${os}.environ.get("${variable}", "0")) or ${cpus}`;
}

/**
 * The top-level code that must move under `if __name__ == "__main__":` so that worker processes
 * (which import the main module under spawn and forkserver) do not run it again; undefined when
 * the module only defines things at import. Refused when definitions follow that code: moving
 * them under the guard would hide them from the workers.
 */
export function codeRunAtImport(model: SemanticModel, source: string): MainGuard | undefined {
  const found = importTimeCode(model, source);
  if ('refused' in found) throw new RewriteRefused(`a process pool needs ${found.refused}`);
  return found.guard;
}
