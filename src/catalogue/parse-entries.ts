import { ENTRY_FIELDS, type CatalogueEntry } from './schema.js';
import { CatalogueError } from './errors.js';

type FieldName = keyof CatalogueEntry;

/** `module.Name.attr`, optionally ending in `.*` for a wildcard. */
const QUALIFIED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const WILDCARD_SUFFIX = '.*';

/** Fields whose value names another qualified name, so it must look like one. */
const NAME_VALUED_FIELDS: ReadonlySet<FieldName> = new Set(['returns', 'enterReturns', 'asyncAlternative', 'yields']);

const FIELD_NAMES = Object.keys(ENTRY_FIELDS) as FieldName[];

export function camelToSnake(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function snakeToCamel(field: string): string {
  return field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function isQualifiedNameKey(key: string): boolean {
  const base = key.endsWith(WILDCARD_SUFFIX) ? key.slice(0, -WILDCARD_SUFFIX.length) : key;
  return QUALIFIED_NAME.test(base);
}

function describe(value: unknown): string {
  if (isPlainTable(value)) return 'a table';
  if (Array.isArray(value)) return 'an array';
  return JSON.stringify(value) ?? String(value);
}

/** Field spelling in the origin's convention: snake_case in TOML, camelCase in already-parsed settings. */
type Spelling = 'snake' | 'camel';

function spell(field: FieldName, spelling: Spelling): string {
  return spelling === 'snake' ? camelToSnake(field) : field;
}

function unknownFieldMessage(rawField: string, value: unknown, spelling: Spelling): string {
  const known = FIELD_NAMES.map((field) => spell(field, spelling)).join(', ');
  let hint = '';
  const otherSpelling = spelling === 'snake' ? camelToSnake(rawField) : snakeToCamel(rawField);
  if (otherSpelling !== rawField && FIELD_NAMES.some((field) => spell(field, spelling) === otherSpelling)) {
    hint = ` (did you mean "${otherSpelling}"?)`;
  } else if (isPlainTable(value)) {
    // `[time.sleep]` unquoted makes nested tables; the name must be one quoted key.
    hint = ' (quote the whole qualified name as one key, e.g. ["time.sleep"])';
  }
  return `unknown field "${rawField}"${hint}; known fields: ${known}`;
}

function validateValue(field: FieldName, value: unknown, spelling: Spelling): string | undefined {
  const accepted = ENTRY_FIELDS[field];
  const name = spell(field, spelling);
  if (accepted === 'boolean') {
    return typeof value === 'boolean' ? undefined : `"${name}" must be true or false, got ${describe(value)}`;
  }
  if (accepted === 'positions') {
    const valid =
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((item) => Number.isInteger(item) && item >= 0) &&
      new Set(value).size === value.length;
    return valid ? undefined : `"${name}" must be a non-empty list of distinct argument positions (0 is the first argument), got ${Array.isArray(value) ? JSON.stringify(value) : describe(value)}`;
  }
  if (accepted === 'string') {
    if (typeof value !== 'string' || value.trim() === '') {
      return `"${name}" must be a non-empty string, got ${describe(value)}`;
    }
    if (NAME_VALUED_FIELDS.has(field) && !QUALIFIED_NAME.test(value)) {
      return `"${name}" must be a qualified name such as "module.Type", got ${describe(value)}`;
    }
    return undefined;
  }
  if (typeof value === 'string' && accepted.includes(value)) return undefined;
  const choices = accepted.map((choice) => `"${choice}"`).join(', ');
  return `"${name}" must be one of ${choices}, got ${describe(value)}`;
}

function parseEntry(key: string, raw: unknown, origin: string, spelling: Spelling): CatalogueEntry {
  if (!isQualifiedNameKey(key)) {
    throw new CatalogueError('not a qualified name (expected e.g. "module.function" or "module.*")', origin, key);
  }
  if (!isPlainTable(raw)) {
    throw new CatalogueError(`entry must be a table of fields, got ${describe(raw)}`, origin, key);
  }
  const entry: Record<string, unknown> = {};
  for (const [rawField, value] of Object.entries(raw)) {
    const field = (spelling === 'snake' ? snakeToCamel(rawField) : rawField) as FieldName;
    const knownField = FIELD_NAMES.includes(field) && spell(field, spelling) === rawField;
    if (!knownField) throw new CatalogueError(unknownFieldMessage(rawField, value, spelling), origin, key);
    const problem = validateValue(field, value, spelling);
    if (problem !== undefined) throw new CatalogueError(problem, origin, key);
    entry[field] = Array.isArray(value) ? Object.freeze([...value]) : value;
  }
  return entry as CatalogueEntry;
}

/**
 * Converts a TOML table of catalogue entries (qualified name -> snake_case fields) into
 * validated `CatalogueEntry` values. `origin` names the file or configuration section in errors.
 */
export function parseCatalogueEntries(table: Record<string, unknown>, origin: string): Record<string, CatalogueEntry> {
  return parseTable(table, origin, 'snake');
}

/** Validates entries that are already camelCase (user entries from resolved settings). */
export function validateCamelCaseEntries(table: Record<string, unknown>, origin: string): Record<string, CatalogueEntry> {
  return parseTable(table, origin, 'camel');
}

function parseTable(table: Record<string, unknown>, origin: string, spelling: Spelling): Record<string, CatalogueEntry> {
  if (!isPlainTable(table)) throw new CatalogueError(`expected a table of entries, got ${describe(table)}`, origin);
  // No prototype, so a key such as "__proto__" stays an ordinary key.
  const entries: Record<string, CatalogueEntry> = Object.create(null);
  for (const [key, raw] of Object.entries(table)) entries[key] = parseEntry(key, raw, origin, spelling);
  return entries;
}
