import { bodies, OPERATIONS, type Collection, type IntegrationFields, type Operation } from '../api.js';
import type { LiveIntegration, LiveOrganisation } from '../model.js';
import type { ApiClient, ApiResponse } from './client.js';
import { decodeIntegration, decodeOrganisation, decoderFor, isValidId } from './decode.js';
import { ApiError, ConfigError } from './errors.js';
import { listAll, type ListOptions } from './paginate.js';

// Typed calls over the API's table (src/api.ts): the only way the engine reaches the API.
// Each sends what the table says and checks what comes back where it enters.

export type LiveObject = LiveOrganisation | LiveIntegration;

/** `/v1/organisations/{id}`, the id checked and percent-encoded: never the collection or a parent. */
export function objectPath(collection: Collection, id: unknown): string {
  if (!isValidId(id)) throw new ConfigError(`refusing to use ${JSON.stringify(id)} as an id in a URL under ${collection}`);
  return `${collection}/${encodeURIComponent(id)}`;
}

const send = (client: ApiClient, op: Operation, id: string | null, body?: unknown, idempotencyKey?: string): Promise<ApiResponse> =>
  client.request(op.method, op.item ? objectPath(op.collection, id) : op.collection, { ...(body !== undefined ? { body } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) });

/** Every object of a collection, each checked as it enters. */
export function list(client: ApiClient, collection: typeof OPERATIONS.listOrganisations.collection, opts?: ListOptions): Promise<LiveOrganisation[]>;
export function list(client: ApiClient, collection: typeof OPERATIONS.listIntegrations.collection, opts?: ListOptions): Promise<LiveIntegration[]>;
export function list(client: ApiClient, collection: Collection, opts?: ListOptions): Promise<LiveObject[]>;
export function list(client: ApiClient, collection: Collection, opts: ListOptions = {}): Promise<LiveObject[]> {
  return listAll<LiveObject>(client, collection, decoderFor(collection), opts);
}

export interface CreateOptions {
  /** sent as Idempotency-Key: the same for every attempt of one create */
  idempotencyKey?: string;
}

/** POSTs a create; the answer must carry the object it made (`200 {}` is not "created": its outcome is unknown). */
async function create<T>(client: ApiClient, op: Operation, body: Record<string, unknown>, decode: (raw: unknown, where: string) => T, opts: CreateOptions): Promise<T> {
  const answer = await send(client, op, null, body, opts.idempotencyKey);
  try {
    return decode(answer.data, `${op.method} ${op.collection}`);
  } catch (e) {
    // a success whose body is not the object (`201 {}`, `{"status": "ok"}`): the create may well
    // have happened, so its outcome is unknown (looked for, never simply sent again), not failed
    if (e instanceof ApiError) throw e.withMessage(`${e.message} in its ${answer.status} answer: it may have been made`, { ambiguous: true });
    throw e;
  }
}

export const createOrganisation = (client: ApiClient, name: string, opts: CreateOptions = {}) => create(client, OPERATIONS.createOrganisation, bodies.createOrganisation(name), decodeOrganisation, opts);

export const createIntegration = (client: ApiClient, organisationId: string, fields: IntegrationFields, opts: CreateOptions = {}) =>
  create(client, OPERATIONS.createIntegration, bodies.createIntegration(organisationId, fields), decodeIntegration, opts);

/** The answer's data (the object as the server now holds it, when it says). */
export const renameOrganisation = async (client: ApiClient, id: string, name: string): Promise<unknown> => (await send(client, OPERATIONS.renameOrganisation, id, bodies.renameOrganisation(name))).data;

export const deleteOrganisation = async (client: ApiClient, id: string): Promise<void> => void (await send(client, OPERATIONS.deleteOrganisation, id));

export const updateIntegration = async (client: ApiClient, id: string, change: { name?: string; disable?: boolean }): Promise<unknown> =>
  (await send(client, OPERATIONS.updateIntegration, id, bodies.updateIntegration(change))).data;
