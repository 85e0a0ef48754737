/** The official SARIF 2.1.0 schema as an Ajv validator, shared by the SARIF renderer tests and the CLI tests. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

/**
 * The official SARIF 2.1.0 schema, as shipped by @microsoft/jest-sarif. It is draft-04: Ajv 8 reads it
 * once its draft-04 `$schema` is dropped and its `id` is spelled `$id` (it uses no other draft-04-only keyword).
 * `unicodeRegExp: false` because one of its patterns (for `language`) is not valid with the `u` flag.
 */
export function sarifValidator(): ValidateFunction {
  const schemaPath = createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const { $schema: _draft04, id, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  // ajv-formats is CommonJS; its plugin function is `.default` under NodeNext's view of the module.
  ajvFormats.default(ajv);
  return ajv.compile({ ...schema, $id: id } as AnySchema);
}
