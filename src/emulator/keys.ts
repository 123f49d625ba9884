import { ApiProblem } from './problem.js';
import type { KeyKind, SeedKey } from './seed.js';

// API keys and what each may reach: the key levels and abilities of the two API pages.

export interface Caller {
  key: string;
  level: KeyKind;
  abilities: Set<string>;
  /** group keys: assigned organisations (grows when the key creates one) */
  assigned: Set<string>;
  /** organisation keys */
  organisation?: string;
  owner: string;
}

const ORG_ABILITIES = ['organisations:read', 'organisations:write'];

export function callerFromSeed(k: SeedKey): Caller {
  const abilities = new Set(k.abilities ?? (k.level === 'organisation' ? [] : ORG_ABILITIES));
  // integrations abilities are enabled automatically for every key
  abilities.add('integrations:read');
  abilities.add('integrations:write');
  return {
    key: k.key,
    level: k.level,
    abilities,
    assigned: new Set(k.organisations ?? []),
    organisation: k.organisation,
    // rate limits count per organisation or per partner group (each key its own group unless the seed says)
    owner: k.owner ?? (k.level === 'organisation' ? `org:${k.organisation}` : `group:${k.key}`),
  };
}

export function authenticate(keys: Map<string, Caller>, header: string | undefined): Caller {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const caller = m ? keys.get(m[1]!) : undefined;
  if (!caller) throw new ApiProblem(401, 'UNAUTHORISED', 'Invalid or missing API key');
  return caller;
}

/** The Organisations API: partner-level keys only, each call with its ability. */
export function requireOrgApi(caller: Caller, ability: string) {
  if (caller.level === 'organisation') {
    throw new ApiProblem(401, 'UNAUTHORISED', 'Organisation-level keys cannot access the Organisations API');
  }
  if (!caller.abilities.has(ability)) {
    throw new ApiProblem(403, 'MISSING_ABILITY', `API key is missing the ${ability} ability`);
  }
}
