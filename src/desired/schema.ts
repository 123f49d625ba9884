import type { ErrorObject } from 'ajv';
import type { Plan } from '../model.js';
import { applyReport, desiredState, plan, validate } from './validators.generated.js';

// The shipped JSON Schemas (schema/*.json, which editors read through the yaml-language-server
// modeline) as validation code compiled ahead of time by ajv (scripts/validators.mjs, `npm run
// schemas`): starting cbsync never loads or runs the schema compiler. The desired-state
// validator leaves out rules cbsync checks itself with better messages and positions
// (credential-like keys, repeated merchant ids): it reads every object of every file.

export const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const VALIDATORS: Record<'desired-state' | 'plan' | 'validate' | 'apply-report', Validator> = { 'desired-state': desiredState, plan, validate, 'apply-report': applyReport };

export const schemaValidator = (name: keyof typeof VALIDATORS): Validator => VALIDATORS[name];

/** A saved plan as cbsync writes it: the schema holds one shape per action kind, so this guard is exact. */
export const isPlan = (data: unknown): data is Plan => plan(data);
