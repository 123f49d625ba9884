import type { Caller } from './keys.js';
import { ApiProblem, asObject, requireName, requireString } from './problem.js';
import type { IntegrationRecord, Store } from './store.js';

// The Integrations API page: every key level (its abilities are always on), scoped to the
// organisations the key reaches; CUSTOM_ORDERS only; PATCH may only disable or rename.

export function listIntegrations(s: Store, caller: Caller): IntegrationRecord[] {
  return s.visibleTo(caller).integrations;
}

export function getIntegration(s: Store, caller: Caller, id: string): IntegrationRecord {
  return s.visibleIntegration(caller, id);
}

export function createIntegration(s: Store, caller: Caller, body: unknown): IntegrationRecord {
  const obj = asObject(body);
  const orgId = requireString(obj, 'organisation_id');
  const name = s.stored(requireName(obj, 'name', { max: 255 }), 'name');
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
  const org = s.orgs.get(orgId);
  if (!org || !s.canSeeOrg(caller, orgId)) {
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
  return s.insertIntegration({ organisation_id: orgId, name, type, status, merchant_ids: [...merchantIds] });
}

export function patchIntegration(s: Store, caller: Caller, id: string, body: unknown): IntegrationRecord {
  const rec = s.visibleIntegration(caller, id);
  const obj = asObject(body);
  const hasName = obj.name !== undefined;
  const hasStatus = obj.status !== undefined;
  if (!hasName && !hasStatus) {
    throw new ApiProblem(422, 'MISSING_UPDATE_FIELDS', 'Provide at least one of status or name');
  }
  if (rec.type !== 'CUSTOM_ORDERS') {
    throw new ApiProblem(422, 'INVALID_INTEGRATION_TYPE', `Integration ${id} is of type ${rec.type}; only CUSTOM_ORDERS integrations can be updated`);
  }
  const name = hasName ? s.stored(requireName(obj, 'name', { max: 255 }), 'name') : undefined;
  if (hasStatus && obj.status !== 'DISABLED') {
    throw new ApiProblem(422, 'VALIDATION_ENUM', 'status can only be set to DISABLED', 'status');
  }
  if (name !== undefined) rec.name = name;
  if (hasStatus) rec.status = 'DISABLED';
  rec.updated_at = new Date().toISOString();
  return rec;
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
