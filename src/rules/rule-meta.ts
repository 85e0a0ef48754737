import type { Category } from '../diagnostics/finding.js';

/** Documentation every rule carries; `concur explain`, `concur rules`, SARIF and docs/rules are made from it. */
export interface RuleDocs {
  /** What the rule finds. */
  what: string;
  /** Why it matters. */
  why: string;
  /** Python code the rule flags. */
  example: string;
  /** The same code, fixed. */
  fixed: string;
  /** What the automatic fix does, and when it is unsafe (or why there is none). */
  fixSafety: string;
}

export interface RuleMeta {
  /** Stable code, e.g. "AS101". Two letters name the family, three digits the rule. */
  code: string;
  /** kebab-case name, e.g. "blocking-call-in-async". */
  name: string;
  category: Category;
  /** One line, shown by `concur rules` and as SARIF shortDescription. */
  summary: string;
  /** Whether the rule can offer a fix, and of which kind at best. */
  fix: 'none' | 'safe' | 'unsafe' | 'sometimes';
  docs: RuleDocs;
}
