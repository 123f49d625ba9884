import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Mode } from '../model.js';

// The emulator's seed: the whole account, including what the API never shows (merchants,
// enrolments, data providers, alerts) so that delete blocking can be tried for real.

export type KeyKind = 'admin' | 'group' | 'organisation';

export interface SeedKey {
  key: string;
  level: KeyKind;
  abilities?: string[];
  /** group keys: organisations assigned to the group */
  organisations?: string[];
  /** organisation keys: the organisation the key belongs to */
  organisation?: string;
  /** who the rate limit counts against: keys with the same owner share one budget.
   *  Defaults to the key's own group (or its organisation, for organisation keys). */
  owner?: string;
}

export interface SeedIntegration {
  id?: string;
  name: string;
  type?: string;
  status?: string;
  merchant_ids?: string[];
}

export interface SeedOrganisation {
  id?: string;
  name: string;
  merchants?: string[];
  enrolments?: number;
  data_providers?: number;
  alerts?: number;
  integrations?: SeedIntegration[];
}

export interface Seed {
  mode?: Mode;
  keys?: SeedKey[];
  organisations?: SeedOrganisation[];
}

export class SeedError extends Error {
  readonly code = 'SEED_INVALID';
}

export function loadSeedFile(path: string): Seed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SeedError(`${path}: cannot read seed file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let data: unknown;
  try {
    // JSON is YAML too, but a large JSON seed is read far faster as JSON
    data = path.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (e) {
    throw new SeedError(`${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  return checkSeed(data ?? {}, path);
}

const KEY_LEVELS: KeyKind[] = ['admin', 'group', 'organisation'];

/** Light structural checks: the seed is written by people trying cbsync, so say what is wrong. */
export function checkSeed(data: unknown, where = 'seed'): Seed {
  const fail = (msg: string): never => {
    throw new SeedError(`${where}: ${msg}`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('must be a mapping');
  const seed = data as Seed;
  if (seed.mode !== undefined && seed.mode !== 'LIVE' && seed.mode !== 'TEST') fail('mode must be LIVE or TEST');
  for (const [i, k] of (seed.keys ?? []).entries()) {
    if (typeof k?.key !== 'string' || !k.key) fail(`keys[${i}].key must be a non-empty string`);
    if (!KEY_LEVELS.includes(k.level)) fail(`keys[${i}].level must be one of ${KEY_LEVELS.join(', ')}`);
    if (k.level === 'organisation' && typeof k.organisation !== 'string') {
      fail(`keys[${i}].organisation is required for an organisation key`);
    }
  }
  for (const [i, o] of (seed.organisations ?? []).entries()) {
    if (typeof o?.name !== 'string') fail(`organisations[${i}].name must be a string`);
    for (const [j, it] of (o.integrations ?? []).entries()) {
      if (typeof it?.name !== 'string') fail(`organisations[${i}].integrations[${j}].name must be a string`);
    }
  }
  return seed;
}
