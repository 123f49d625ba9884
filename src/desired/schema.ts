import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

// The shipped JSON Schemas, compiled once, in strict mode. The same files serve editors
// through the yaml-language-server modeline.

export const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/**
 * Rules the desired-state schema states for editors that cbsync checks itself, with better
 * messages and positions (credential-like keys, repeated merchant ids): left out of the
 * compiled validator, which reads every object of every file and need not do them twice.
 */
const EDITOR_ONLY = new Set(['propertyNames', 'uniqueItems']);

const withoutEditorOnly = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(withoutEditorOnly) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !EDITOR_ONLY.has(k)).map(([k, x]) => [k, withoutEditorOnly(x)])) : v;

const compiled = new Map<string, ValidateFunction>();

export function schemaValidator(name: 'desired-state' | 'plan' | 'validate' | 'apply-report'): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const schema = JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), 'utf8'));
    const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
    v = ajv.compile(name === 'desired-state' ? withoutEditorOnly(schema) : schema);
    compiled.set(name, v);
  }
  return v;
}
