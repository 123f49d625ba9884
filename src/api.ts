// PURE. The API's vocabulary in one table: every operation cbsync sends, with its method,
// path and body. The planner's request budget and the client's typed calls (live/api.ts) both
// read it, so no endpoint is written anywhere else in src/ (the emulator keeps its own,
// independent reading of the API pages).

export const ORGANISATIONS = '/v1/organisations';
export const INTEGRATIONS = '/v1/integrations';
export type Collection = typeof ORGANISATIONS | typeof INTEGRATIONS;
export const COLLECTIONS: readonly Collection[] = [ORGANISATIONS, INTEGRATIONS];

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Operation {
  method: Method;
  collection: Collection;
  /** on one object (`/v1/organisations/{id}`) rather than the collection */
  item: boolean;
}

export const OPERATIONS = {
  listOrganisations: { method: 'GET', collection: ORGANISATIONS, item: false },
  createOrganisation: { method: 'POST', collection: ORGANISATIONS, item: false },
  renameOrganisation: { method: 'PATCH', collection: ORGANISATIONS, item: true },
  deleteOrganisation: { method: 'DELETE', collection: ORGANISATIONS, item: true },
  listIntegrations: { method: 'GET', collection: INTEGRATIONS, item: false },
  createIntegration: { method: 'POST', collection: INTEGRATIONS, item: false },
  updateIntegration: { method: 'PATCH', collection: INTEGRATIONS, item: true },
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPERATIONS;

/** `POST /v1/integrations`, `PATCH /v1/integrations/{id}`: the unit a rate limit and the budget count. */
export const endpoint = (op: Operation) => `${op.method} ${op.collection}${op.item ? '/{id}' : ''}`;

export const listOperation = (collection: Collection): Operation => (collection === ORGANISATIONS ? OPERATIONS.listOrganisations : OPERATIONS.listIntegrations);
export const createOperation = (collection: Collection): Operation => (collection === ORGANISATIONS ? OPERATIONS.createOrganisation : OPERATIONS.createIntegration);

/** `/v1/organisations/org_1?limit=5` -> `GET /v1/organisations/{id}`; a path outside the API keeps its own. */
export function endpointOf(method: string, path: string): string {
  const p = path.split('?')[0]!.replace(/^https?:\/\/[^/]+/, '').replace(/\/+$/, '');
  for (const c of COLLECTIONS) {
    if (p.endsWith(c)) return `${method} ${c}`;
    const at = p.lastIndexOf(`${c}/`);
    if (at !== -1 && !p.slice(at + c.length + 1).includes('/')) return `${method} ${c}/{id}`;
  }
  return `${method} ${p}`;
}

// ---- request bodies (the API pages: what POST and PATCH accept) ----

export interface IntegrationFields {
  name: string;
  type: 'CUSTOM_ORDERS';
  status: 'ENABLED' | 'DISABLED';
  merchant_ids: string[];
}

export const bodies = {
  createOrganisation: (name: string) => ({ name }),
  /** sent as the file writes it: the server decides the [TEST] prefix */
  renameOrganisation: (name: string) => ({ name }),
  createIntegration: (organisationId: string, fields: IntegrationFields) => ({ ...fields, organisation_id: organisationId }),
  /** only `name` and `status: DISABLED` may be patched */
  updateIntegration: (change: { name?: string; disable?: boolean }) => ({ ...(change.name !== undefined ? { name: change.name } : {}), ...(change.disable ? { status: 'DISABLED' as const } : {}) }),
};
