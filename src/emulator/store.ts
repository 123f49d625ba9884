import type { LiveIntegration, Mode } from '../model.js';
import { idPart } from './random.js';
import type { KeyKind, Seed } from './seed.js';

// The emulated account and every rule of the two API pages. Handlers return plain values or
// throw ApiProblem; the HTTP layer turns those into responses in the configured body shape.

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

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

export interface OrgRecord {
  id: string;
  name: string;
  mode: Mode;
  created_at: string;
  updated_at: string;
  merchants: Set<string>;
  enrolments: number;
  data_providers: number;
  alerts: number;
}

/** An integration as the API shows it, plus its timestamps. */
export interface IntegrationRecord extends LiveIntegration {
  created_at: string;
  updated_at: string;
}

export interface StoreOptions {
  mode: Mode;
  /** whether PATCH /v1/organisations/{id} adds the [TEST] prefix like create does */
  patchPrefix: boolean;
  randomSeed: number;
  /** store names trimmed, as Django REST Framework's CharField does by default */
  trimNames?: boolean;
}

const ORG_ABILITIES = ['organisations:read', 'organisations:write'];
const TEST_PREFIX = '[TEST]';

export class Store {
  readonly orgs = new Map<string, OrgRecord>();
  readonly integrations = new Map<string, IntegrationRecord>();
  readonly keys = new Map<string, Caller>();
  private counter = 0;
  /** bumped whenever membership changes; with the sizes it stamps the visibility cache */
  private membership = 0;
  private visible = new Map<string, { stamp: string; orgs: OrgRecord[]; integrations: IntegrationRecord[] }>();

  constructor(
    seed: Seed,
    readonly options: StoreOptions,
  ) {
    for (const o of seed.organisations ?? []) {
      const org = this.insertOrg(o.name, o.id);
      for (const m of o.merchants ?? []) org.merchants.add(m);
      org.enrolments = o.enrolments ?? 0;
      org.data_providers = o.data_providers ?? 0;
      org.alerts = o.alerts ?? 0;
      for (const i of o.integrations ?? []) {
        const merchantIds = i.merchant_ids ?? [];
        for (const m of merchantIds) org.merchants.add(m); // an integration's merchants belong to its organisation
        this.insertIntegration({
          organisation_id: org.id,
          name: i.name,
          type: i.type ?? 'CUSTOM_ORDERS',
          status: i.status ?? 'ENABLED',
          merchant_ids: merchantIds,
          id: i.id,
        });
      }
    }
    for (const k of seed.keys ?? []) {
      const abilities = new Set(k.abilities ?? (k.level === 'organisation' ? [] : ORG_ABILITIES));
      // integrations abilities are enabled automatically for every key
      abilities.add('integrations:read');
      abilities.add('integrations:write');
      this.keys.set(k.key, {
        key: k.key,
        level: k.level,
        abilities,
        assigned: new Set(k.organisations ?? []),
        organisation: k.organisation,
        // rate limits count per organisation or per partner group (each key its own group unless the seed says)
        owner: k.owner ?? (k.level === 'organisation' ? `org:${k.organisation}` : `group:${k.key}`),
      });
    }
  }

  private newId(prefix: string, taken: Map<string, unknown>): string {
    for (;;) {
      const id = `${prefix}_${idPart(this.options.randomSeed, this.counter++)}`;
      if (!taken.has(id)) return id;
    }
  }

  insertOrg(name: string, id?: string): OrgRecord {
    const now = new Date().toISOString();
    const org: OrgRecord = {
      id: id ?? this.newId('org', this.orgs),
      name,
      mode: this.options.mode,
      created_at: now,
      updated_at: now,
      merchants: new Set(),
      enrolments: 0,
      data_providers: 0,
      alerts: 0,
    };
    this.orgs.set(org.id, org);
    this.membership++;
    return org;
  }

  insertIntegration(i: Omit<IntegrationRecord, 'id' | 'created_at' | 'updated_at'> & { id?: string }) {
    const now = new Date().toISOString();
    const rec: IntegrationRecord = { ...i, id: i.id ?? this.newId('int', this.integrations), created_at: now, updated_at: now };
    this.integrations.set(rec.id, rec);
    this.membership++;
    return rec;
  }

  // ---- authentication and scope ----

  authenticate(header: string | undefined): Caller {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const caller = m ? this.keys.get(m[1]!) : undefined;
    if (!caller) throw new ApiProblem(401, 'UNAUTHORISED', 'Invalid or missing API key');
    return caller;
  }

  private requireOrgApi(caller: Caller, ability: string) {
    if (caller.level === 'organisation') {
      throw new ApiProblem(401, 'UNAUTHORISED', 'Organisation-level keys cannot access the Organisations API');
    }
    if (!caller.abilities.has(ability)) {
      throw new ApiProblem(403, 'MISSING_ABILITY', `API key is missing the ${ability} ability`);
    }
  }

  canSeeOrg(caller: Caller, orgId: string): boolean {
    if (!this.orgs.has(orgId)) return false;
    if (caller.level === 'admin') return true;
    if (caller.level === 'group') return caller.assigned.has(orgId);
    return caller.organisation === orgId;
  }

  private visibleOrg(caller: Caller, id: string): OrgRecord {
    const org = this.orgs.get(id);
    if (!org || !this.canSeeOrg(caller, id)) {
      throw new ApiProblem(404, 'NOT_FOUND', `Organisation ${id} does not exist or is not accessible`);
    }
    return org;
  }

  private visibleIntegration(caller: Caller, id: string): IntegrationRecord {
    const rec = this.integrations.get(id);
    if (!rec || !this.canSeeOrg(caller, rec.organisation_id)) {
      throw new ApiProblem(404, 'NOT_FOUND', `Integration ${id} does not exist`);
    }
    return rec;
  }

  // ---- organisations ----

  listOrgs(caller: Caller): OrgRecord[] {
    this.requireOrgApi(caller, 'organisations:read');
    return this.visibleTo(caller).orgs;
  }

  /** Visible records in creation order, cached until membership changes (pages stay O(page)). */
  private visibleTo(caller: Caller) {
    const stamp = `${this.membership}:${this.orgs.size}:${this.integrations.size}:${caller.assigned.size}`;
    let v = this.visible.get(caller.key);
    if (!v || v.stamp !== stamp) {
      v = {
        stamp,
        orgs: [...this.orgs.values()].filter((o) => this.canSeeOrg(caller, o.id)),
        integrations: [...this.integrations.values()].filter((i) => this.canSeeOrg(caller, i.organisation_id)),
      };
      this.visible.set(caller.key, v);
    }
    return v;
  }

  getOrg(caller: Caller, id: string): OrgRecord {
    this.requireOrgApi(caller, 'organisations:read');
    return this.visibleOrg(caller, id);
  }

  createOrg(caller: Caller, body: unknown): OrgRecord {
    this.requireOrgApi(caller, 'organisations:write');
    const name = this.stored(requireName(asObject(body), 'name', { max: Infinity }), 'name');
    const org = this.insertOrg(this.withPrefix(name));
    if (caller.level === 'group') caller.assigned.add(org.id); // a group key sees what it creates
    this.membership++;
    return org;
  }

  patchOrg(caller: Caller, id: string, body: unknown): OrgRecord {
    this.requireOrgApi(caller, 'organisations:write');
    const org = this.visibleOrg(caller, id);
    const obj = asObject(body);
    if ('mode' in obj) throw new ApiProblem(422, 'VALIDATION_READ_ONLY', 'mode is not updatable', 'mode');
    const name = this.stored(requireName(obj, 'name', { max: Infinity }), 'name');
    org.name = this.options.patchPrefix ? this.withPrefix(name) : name;
    org.updated_at = new Date().toISOString();
    return org;
  }

  deleteOrg(caller: Caller, id: string): void {
    this.requireOrgApi(caller, 'organisations:write');
    const org = this.visibleOrg(caller, id);
    const integrations = [...this.integrations.values()].filter((i) => i.organisation_id === id).length;
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
    this.orgs.delete(id);
    this.membership++;
  }

  /** A name as the server keeps it: trimmed with --trim-names (and then still required). */
  private stored(name: string, field: string): string {
    if (!this.options.trimNames) return name;
    const trimmed = name.trim();
    if (!trimmed) throw new ApiProblem(422, 'VALIDATION_MIN_LENGTH', 'This field may not be blank.', field);
    return trimmed;
  }

  /**
   * Another writer (the --churn knob): removes one object listed before `offset` and adds one
   * at the end, so `count` stays the same while every later object moves down one place.
   * Organisations with integrations are left alone (they could not be deleted).
   */
  churn(caller: Caller, collection: 'organisations' | 'integrations', offset: number, pick: number): boolean {
    const v = this.visibleTo(caller);
    const n = this.counter;
    if (collection === 'organisations') {
      const used = new Set([...this.integrations.values()].map((i) => i.organisation_id));
      const candidates = v.orgs.slice(0, offset).filter((o) => !used.has(o.id));
      const victim = candidates[Math.floor(pick * candidates.length)];
      if (!victim) return false;
      this.orgs.delete(victim.id);
      const org = this.insertOrg(this.withPrefix(`Churn ${n}`));
      if (caller.level === 'group') caller.assigned.add(org.id);
    } else {
      const victim = v.integrations.slice(0, offset)[Math.floor(pick * Math.min(offset, v.integrations.length))];
      if (!victim) return false;
      this.integrations.delete(victim.id);
      this.insertIntegration({ ...victim, id: undefined, name: `Churn ${n}` });
    }
    this.membership++;
    return true;
  }

  private withPrefix(name: string): string {
    return this.options.mode === 'TEST' && !name.startsWith(TEST_PREFIX) ? `${TEST_PREFIX} ${name}` : name;
  }

  // ---- integrations (abilities always on) ----

  listIntegrations(caller: Caller): IntegrationRecord[] {
    return this.visibleTo(caller).integrations;
  }

  getIntegration(caller: Caller, id: string): IntegrationRecord {
    return this.visibleIntegration(caller, id);
  }

  createIntegration(caller: Caller, body: unknown): IntegrationRecord {
    const obj = asObject(body);
    const orgId = requireString(obj, 'organisation_id');
    const name = this.stored(requireName(obj, 'name', { max: 255 }), 'name');
    const type = requireString(obj, 'type');
    if (type !== 'CUSTOM_ORDERS') {
      throw new ApiProblem(422, 'VALIDATION_ENUM', 'type must be CUSTOM_ORDERS', 'type');
    }
    let status = 'ENABLED';
    if (obj.status !== undefined) {
      if (obj.status !== 'ENABLED' && obj.status !== 'DISABLED') {
        throw new ApiProblem(422, 'VALIDATION_ENUM', 'status must be ENABLED or DISABLED', 'status');
      }
      status = obj.status;
    }
    const merchantIds = obj.merchant_ids;
    if (merchantIds === undefined) throw new ApiProblem(422, 'VALIDATION_REQUIRED', 'merchant_ids is required', 'merchant_ids');
    if (!Array.isArray(merchantIds) || merchantIds.some((m) => typeof m !== 'string')) {
      throw new ApiProblem(422, 'VALIDATION_TYPE', 'merchant_ids must be an array of strings', 'merchant_ids');
    }
    if (merchantIds.length === 0) {
      throw new ApiProblem(422, 'VALIDATION_MIN_ITEMS', 'merchant_ids must not be empty', 'merchant_ids');
    }
    const org = this.orgs.get(orgId);
    if (!org || !this.canSeeOrg(caller, orgId)) {
      throw new ApiProblem(404, 'NOT_FOUND', `Organisation ${orgId} does not exist or is not accessible`);
    }
    if (new Set(merchantIds).size !== merchantIds.length) {
      throw new ApiProblem(422, 'DUPLICATE_MERCHANT_IDS', 'merchant_ids contains duplicate values', 'merchant_ids');
    }
    const foreign = (merchantIds as string[]).filter((m) => !org.merchants.has(m));
    if (foreign.length > 0) {
      throw new ApiProblem(
        422,
        'INVALID_MERCHANT_IDS',
        `Merchants do not exist or do not belong to organisation ${orgId}: ${foreign.join(', ')}`,
        'merchant_ids',
      );
    }
    return this.insertIntegration({ organisation_id: orgId, name, type, status, merchant_ids: [...merchantIds] });
  }

  patchIntegration(caller: Caller, id: string, body: unknown): IntegrationRecord {
    const rec = this.visibleIntegration(caller, id);
    const obj = asObject(body);
    const hasName = obj.name !== undefined;
    const hasStatus = obj.status !== undefined;
    if (!hasName && !hasStatus) {
      throw new ApiProblem(422, 'MISSING_UPDATE_FIELDS', 'Provide at least one of status or name');
    }
    if (rec.type !== 'CUSTOM_ORDERS') {
      throw new ApiProblem(422, 'INVALID_INTEGRATION_TYPE', `Integration ${id} is of type ${rec.type}; only CUSTOM_ORDERS integrations can be updated`);
    }
    const name = hasName ? this.stored(requireName(obj, 'name', { max: 255 }), 'name') : undefined;
    if (hasStatus && obj.status !== 'DISABLED') {
      throw new ApiProblem(422, 'VALIDATION_ENUM', 'status can only be set to DISABLED', 'status');
    }
    if (name !== undefined) rec.name = name;
    if (hasStatus) rec.status = 'DISABLED';
    rec.updated_at = new Date().toISOString();
    return rec;
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiProblem(422, 'VALIDATION_TYPE', 'Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function requireString(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (v === undefined || v === null) throw new ApiProblem(422, 'VALIDATION_REQUIRED', `${field} is required`, field);
  if (typeof v !== 'string') throw new ApiProblem(422, 'VALIDATION_TYPE', `${field} must be a string`, field);
  return v;
}

function requireName(obj: Record<string, unknown>, field: string, { max }: { max: number }): string {
  const v = requireString(obj, field);
  if (v.length < 1) throw new ApiProblem(422, 'VALIDATION_MIN_LENGTH', `${field} must be at least 1 character`, field);
  if (v.length > max) throw new ApiProblem(422, 'VALIDATION_MAX_LENGTH', `${field} must be at most ${max} characters`, field);
  return v;
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

export function integrationJson(i: IntegrationRecord) {
  return {
    id: i.id,
    organisation_id: i.organisation_id,
    name: i.name,
    type: i.type,
    status: i.status,
    merchant_ids: [...i.merchant_ids],
    created_at: i.created_at,
    updated_at: i.updated_at,
    links: [{ rel: 'self', uri: `/v1/integrations/${i.id}` }],
  };
}
