import type { LiveIntegration, Mode } from '../model.js';
import { authenticate, callerFromSeed, type Caller } from './keys.js';
import { ApiProblem } from './problem.js';
import { idPart } from './random.js';
import type { Seed } from './seed.js';

// The emulated account: its records, who may see which, and the name rules both resources
// share. The endpoints' rules live in organisations.ts and integrations.ts.

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
    for (const k of seed.keys ?? []) this.keys.set(k.key, callerFromSeed(k));
  }

  /** How many ids were drawn so far (names made up by the churn knob use it). */
  get idsDrawn(): number {
    return this.counter;
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

  /** Says that records came or went outside insertOrg/insertIntegration. */
  changed() {
    this.membership++;
  }

  // ---- authentication and scope ----

  authenticate(header: string | undefined): Caller {
    return authenticate(this.keys, header);
  }

  canSeeOrg(caller: Caller, orgId: string): boolean {
    if (!this.orgs.has(orgId)) return false;
    if (caller.level === 'admin') return true;
    if (caller.level === 'group') return caller.assigned.has(orgId);
    return caller.organisation === orgId;
  }

  visibleOrg(caller: Caller, id: string): OrgRecord {
    const org = this.orgs.get(id);
    if (!org || !this.canSeeOrg(caller, id)) {
      throw new ApiProblem(404, 'NOT_FOUND', `Organisation ${id} does not exist or is not accessible`);
    }
    return org;
  }

  visibleIntegration(caller: Caller, id: string): IntegrationRecord {
    const rec = this.integrations.get(id);
    if (!rec || !this.canSeeOrg(caller, rec.organisation_id)) {
      throw new ApiProblem(404, 'NOT_FOUND', `Integration ${id} does not exist`);
    }
    return rec;
  }

  /** Visible records in creation order, cached until membership changes (pages stay O(page)). */
  visibleTo(caller: Caller) {
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

  // ---- names ----

  /** A name as the server keeps it: trimmed with --trim-names (and then still required). */
  stored(name: string, field: string): string {
    if (!this.options.trimNames) return name;
    const trimmed = name.trim();
    if (!trimmed) throw new ApiProblem(422, 'VALIDATION_MIN_LENGTH', 'This field may not be blank.', field);
    return trimmed;
  }

  withPrefix(name: string): string {
    return this.options.mode === 'TEST' && !name.startsWith(TEST_PREFIX) ? `${TEST_PREFIX} ${name}` : name;
  }
}
