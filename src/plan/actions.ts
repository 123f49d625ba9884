import { bodies } from '../api.js';
import {
  CUSTOM_ORDERS,
  type Change,
  type CreateIntegrationAction,
  type CreateOrganisationAction,
  type DeleteOrganisationAction,
  type DesiredIntegration,
  type DesiredOrganisation,
  type IntegrationBody,
  type LiveIntegration,
  type LiveOrganisation,
  type RenameOrganisationAction,
  type ReplaceIntegrationAction,
  type UpdateIntegrationAction,
} from '../model.js';

// PURE. One small constructor per action kind: the planner says what, these say how each
// action looks (its body, changes and defaults), so the JSON plan keeps one shape per kind.

/** Where an entry of the file stands: carried by the actions that come from it. */
const origin = (d: { file: string; path: string }) => ({ file: d.file, path: d.path });

/** The owning organisation of an integration action. */
export interface OrganisationRef {
  organisation: string;
  organisation_id: string | null;
}

const integrationBody = (di: Pick<DesiredIntegration, 'name' | 'status' | 'merchant_ids'>, status = di.status): IntegrationBody => ({
  name: di.name,
  type: CUSTOM_ORDERS,
  status,
  merchant_ids: [...di.merchant_ids],
});

export function createOrganisation(address: string, d: DesiredOrganisation): CreateOrganisationAction {
  return { kind: 'create_organisation', address, id: null, ...origin(d), changes: { name: { from: null, to: d.name } }, body: bodies.createOrganisation(d.name), depends_on: [], status: 'pending' };
}

export function renameOrganisation(address: string, lo: LiveOrganisation, d: DesiredOrganisation): RenameOrganisationAction {
  return { kind: 'rename_organisation', address, id: lo.id, ...origin(d), changes: { name: { from: lo.name, to: d.name } }, body: bodies.renameOrganisation(d.name), depends_on: [], status: 'pending' };
}

export function deleteOrganisation(address: string, lo: LiveOrganisation): DeleteOrganisationAction {
  return { kind: 'delete_organisation', address, id: lo.id, changes: { name: { from: lo.name, to: null } }, depends_on: [], status: 'pending' };
}

/** `dependsOn`: the address of its organisation's create, when the organisation is new. */
export function createIntegration(address: string, org: OrganisationRef, di: DesiredIntegration, dependsOn: string[]): CreateIntegrationAction {
  return {
    kind: 'create_integration',
    address,
    id: null,
    ...origin(di),
    ...org,
    changes: { name: { from: null, to: di.name }, status: { from: null, to: di.status }, merchant_ids: { from: null, to: [...di.merchant_ids] } },
    body: integrationBody(di),
    depends_on: dependsOn,
    status: 'pending',
  };
}

/**
 * A rename and/or a disable in one PATCH. `di` is the file's entry when there is one (a pruned
 * integration has none); `reason` says why an action the file does not spell out is planned.
 */
export function updateIntegration(
  address: string,
  org: OrganisationRef,
  li: LiveIntegration,
  change: { name?: string; disable?: boolean },
  di?: { file: string; path: string },
  reason?: string,
): UpdateIntegrationAction {
  const changes: Record<string, Change> = {};
  if (change.name !== undefined) changes.name = { from: li.name, to: change.name };
  if (change.disable) changes.status = { from: 'ENABLED', to: 'DISABLED' };
  return {
    kind: 'update_integration',
    address,
    id: li.id,
    ...(di ? origin(di) : {}),
    ...org,
    changes,
    body: bodies.updateIntegration(change),
    depends_on: [],
    status: 'pending',
    ...(reason ? { reason } : {}),
  };
}

/** The file's integration made anew (ENABLED, the file's merchants), the old one then disabled unless it is already. */
export function replaceIntegration(
  address: string,
  org: OrganisationRef,
  li: LiveIntegration,
  di: DesiredIntegration,
  changes: Record<string, Change>,
  verdict: { allowed: boolean; reason: string },
): ReplaceIntegrationAction {
  return {
    kind: 'replace_integration',
    address,
    id: li.id,
    ...origin(di),
    ...org,
    changes,
    body: integrationBody(di, 'ENABLED'),
    depends_on: [],
    status: verdict.allowed ? 'pending' : 'unreconcilable',
    reason: verdict.reason,
  };
}

/** A delete the API would refuse: blocked, with the code and the remedy. */
export function blocked<T extends DeleteOrganisationAction>(a: T, code: string, reason: string): T {
  return { ...a, status: 'blocked', code, reason };
}
