#!/usr/bin/env node
// Writes docs/rules/<CODE>.md for every rule, and docs/rules/README.md as the index,
// from each rule module's own metadata. Run after `npm run build`; a test checks they are current.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rulePage, rulesIndex } from '../dist/docs/rule-page.js';
import { ALL_RULES } from '../dist/rules/registry.js';

const directory = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'rules');
mkdirSync(directory, { recursive: true });
for (const rule of ALL_RULES) writeFileSync(join(directory, `${rule.meta.code}.md`), rulePage(rule.meta));
writeFileSync(join(directory, 'README.md'), rulesIndex(ALL_RULES.map((r) => r.meta)));
console.log(`wrote ${ALL_RULES.length} rule pages to ${directory}`);
