/**
 * The arguments of a call, split once for every analysis that reads them: positional ones
 * (with `*args` splats as written), keyword ones by name, every value in order, and whether a
 * splat hides which parameter an argument lands on.
 */
import type { SyntaxNode } from '../parser/parser.js';

export interface CallArguments {
  /** Positional arguments as written, `*args` splats included; a lone generator argument (`f(x for x in y)`) is one. */
  positional: SyntaxNode[];
  /** Positional arguments before the first `*args`: the only ones whose position is known. */
  known: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
  /** Every value the call passes, in order: positional arguments, splats, keyword values. */
  inputs: SyntaxNode[];
  /** A `*args` or `**kwargs` is present. */
  splat: boolean;
}

export function callArguments(call: SyntaxNode): CallArguments {
  const result: CallArguments = { positional: [], known: [], keywords: new Map(), inputs: [], splat: false };
  const args = call.childForFieldName('arguments');
  if (args?.type === 'generator_expression') {
    result.positional.push(args);
    result.known.push(args);
    result.inputs.push(args);
    return result;
  }
  for (const argument of args?.namedChildren ?? []) {
    if (argument.type === 'comment') continue;
    if (argument.type === 'keyword_argument') {
      const name = argument.childForFieldName('name')?.text;
      const value = argument.childForFieldName('value');
      if (value) result.inputs.push(value);
      if (name && value) result.keywords.set(name, value);
      continue;
    }
    result.inputs.push(argument);
    if (argument.type === 'dictionary_splat') {
      result.splat = true;
      continue;
    }
    if (argument.type === 'list_splat') result.splat = true;
    result.positional.push(argument);
    if (!result.splat) result.known.push(argument);
  }
  return result;
}
