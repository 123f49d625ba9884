import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

// The shipped JSON Schemas, compiled once, in strict mode. The same files serve editors
// through the yaml-language-server modeline.

export const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

const compiled = new Map<string, ValidateFunction>();

export function schemaValidator(name: 'desired-state' | 'plan' | 'validate' | 'apply-report'): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const schema = JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMA_DIR), 'utf8'));
    const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
    v = ajv.compile(schema);
    compiled.set(name, v);
  }
  return v;
}
