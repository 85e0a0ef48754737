/**
 * What the generated code of one rewrite is written with: the module it goes into, the names
 * and imports it adds, and its layout. The loop rewrites (`RewriteContext`) and the
 * comprehension rewrites share it, so that the helpers they both write (the ordered map, the
 * pool block, the item timeout) come out the same.
 */
import type { Edit } from '../diagnostics/finding.js';
import type { SemanticModel } from '../semantic/model.js';
import type { ImportPlan, NameAllocator } from './module-setup.js';

export interface CodeWriter {
  model: SemanticModel;
  source: string;
  names: NameAllocator;
  imports: ImportPlan;
  newline: string;
  /** One level of indentation, as the file writes it. */
  unit: string;
  /** The oldest Python the generated code must run on. */
  targetVersion: [number, number];
  /** Module-level additions (constants, helpers), each its own edit. */
  moduleEdits: Edit[];
  /** Seconds each item may take, if the user asked for a limit (`item-timeout`). */
  itemTimeout?: number;
  /** Set once the constant holding those seconds is written: its name. */
  timeoutVariable?: string;
}
