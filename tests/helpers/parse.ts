/** Test helpers: parse Python text and build its semantic model with the real catalogue. */
import { loadCatalogue } from '../../src/catalogue/load.js';
import type { Catalogue } from '../../src/catalogue/schema.js';
import { getParser, parse } from '../../src/parser/parser.js';
import { SemanticModel } from '../../src/semantic/model.js';
import type { SyntaxNode } from '../../src/parser/parser.js';

let catalogue: Catalogue | undefined;

export function testCatalogue(): Catalogue {
  catalogue ??= loadCatalogue();
  return catalogue;
}

export async function modelOf(
  code: string,
  options: { moduleName?: string; isPackage?: boolean; projectModules?: string[] } = {},
): Promise<SemanticModel> {
  const parser = await getParser();
  const { root } = parse(parser, code);
  return new SemanticModel(root, {
    moduleName: options.moduleName ?? 'app',
    isPackage: options.isPackage ?? false,
    catalogue: testCatalogue(),
    projectModules: new Set(options.projectModules ?? [options.moduleName ?? 'app']),
  });
}

/** The call whose source text is exactly `text` (the first one). */
export function callNamed(model: SemanticModel, text: string) {
  const call = model.calls.find((c) => c.node.text === text);
  if (!call) throw new Error(`no call ${text}; calls: ${model.calls.map((c) => c.node.text).join(', ')}`);
  return call;
}

/** Callee qualified name of the call written as `text`. */
export function calleeOf(model: SemanticModel, text: string): string | undefined {
  return model.calleeName(callNamed(model, text));
}

export function nodeAt(model: SemanticModel, text: string): SyntaxNode {
  const index = model.root.node.text.indexOf(text);
  if (index < 0) throw new Error(`no ${text}`);
  return model.root.node.descendantForIndex(index, index + text.length);
}
