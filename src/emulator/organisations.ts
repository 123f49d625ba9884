import { requireOrgApi, type Caller } from './keys.js';
import { ApiProblem, asObject, requireName } from './problem.js';
import type { OrgRecord, Store } from './store.js';

// The Organisations API page: partner-level keys only; names without a maximum; the [TEST]
// prefix in TEST mode; mode read-only; deletion blocked by any dependent.

export function listOrgs(s: Store, caller: Caller): OrgRecord[] {
  requireOrgApi(caller, 'organisations:read');
  return s.visibleTo(caller).orgs;
}

export function getOrg(s: Store, caller: Caller, id: string): OrgRecord {
  requireOrgApi(caller, 'organisations:read');
  return s.visibleOrg(caller, id);
}

export function createOrg(s: Store, caller: Caller, body: unknown): OrgRecord {
  requireOrgApi(caller, 'organisations:write');
  const name = s.stored(requireName(asObject(body), 'name', { max: Infinity }), 'name');
  const org = s.insertOrg(s.withPrefix(name));
  if (caller.level === 'group') caller.assigned.add(org.id); // a group key sees what it creates
  s.changed();
  return org;
}

export function patchOrg(s: Store, caller: Caller, id: string, body: unknown): OrgRecord {
  requireOrgApi(caller, 'organisations:write');
  const org = s.visibleOrg(caller, id);
  const obj = asObject(body);
  if ('mode' in obj) throw new ApiProblem(422, 'VALIDATION_READ_ONLY', 'mode is not updatable', 'mode');
  const name = s.stored(requireName(obj, 'name', { max: Infinity }), 'name');
  org.name = s.options.patchPrefix ? s.withPrefix(name) : name;
  org.updated_at = new Date().toISOString();
  return org;
}

export function deleteOrg(s: Store, caller: Caller, id: string): void {
  requireOrgApi(caller, 'organisations:write');
  const org = s.visibleOrg(caller, id);
  const integrations = [...s.integrations.values()].filter((i) => i.organisation_id === id).length;
  const blockers: [string, number, string][] = [
    ['HAS_MERCHANTS', org.merchants.size, 'merchants'],
    ['HAS_ENROLMENTS', org.enrolments, 'active enrolments'],
    ['HAS_INTEGRATIONS', integrations, 'integrations'],
    ['HAS_DATA_PROVIDERS', org.data_providers, 'data providers'],
    ['HAS_ALERTS', org.alerts, 'alerts'],
  ];
  for (const [code, count, what] of blockers) {
    if (count > 0) throw new ApiProblem(422, code, `Organisation has ${what} and cannot be deleted`);
  }
  s.orgs.delete(id);
  s.changed();
}

export function orgJson(o: OrgRecord) {
  return {
    id: o.id,
    name: o.name,
    mode: o.mode,
    created_at: o.created_at,
    updated_at: o.updated_at,
    links: [{ rel: 'self', uri: `/v1/organisations/${o.id}` }],
  };
}
