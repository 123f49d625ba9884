import { createHash } from 'node:crypto';
import type { KeyLevel, LiveIntegration, LiveOrganisation } from '../model.js';

/**
 * A hash of exactly the live fields a plan depends on, in a canonical order. A saved plan
 * carries it; `apply --plan` refuses when the live state no longer hashes the same.
 */
export function liveFingerprint(keyLevel: KeyLevel, orgs: LiveOrganisation[], ints: LiveIntegration[]): string {
  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const canonical = {
    keyLevel,
    organisations: [...orgs].sort(byId).map((o) => [o.id, o.name]),
    integrations: [...ints]
      .sort(byId)
      .map((i) => [i.id, i.organisation_id, i.name, i.type, i.status, [...i.merchant_ids].sort()]),
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(canonical)).digest('hex')}`;
}
