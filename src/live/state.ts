import type { KeyLevel, LiveOrganisation, LiveState, Mode } from '../model.js';
import type { ApiClient } from './client.js';
import { ApiError } from './errors.js';
import { liveFingerprint } from './fingerprint.js';
import { endpoint, INTEGRATIONS, OPERATIONS, ORGANISATIONS } from '../api.js';
import { list } from './api.js';
import type { ListOptions } from './paginate.js';

export interface FetchedLiveState extends LiveState {
  warnings: string[];
}

/**
 * Reads everything a plan needs. Organisations and integrations are listed at the same time;
 * the key's level is found out from their answers: 401 on organisations with 200 on
 * integrations is an organisation-level key, 401 on both an invalid key.
 */
export async function fetchLiveState(client: ApiClient, opts: ListOptions = {}): Promise<FetchedLiveState> {
  const before = { ...client.stats.byEndpoint };
  const [orgs, ints] = await Promise.allSettled([list(client, ORGANISATIONS, opts), list(client, INTEGRATIONS, opts)]);
  const warnings: string[] = [];
  if (ints.status === 'rejected') {
    const e = ints.reason;
    if (e instanceof ApiError && e.status === 401) {
      throw e.withMessage('invalid API key (401 on both organisations and integrations)');
    }
    throw e;
  }
  let keyLevel: KeyLevel = 'partner';
  let organisations: LiveOrganisation[] = [];
  if (orgs.status === 'rejected') {
    const e = orgs.reason;
    if (!(e instanceof ApiError) || e.status !== 401) {
      if (e instanceof ApiError && e.status === 403) {
        throw e.withMessage(`the key may not read organisations (missing ability organisations:read): ${e.message}`);
      }
      throw e;
    }
    keyLevel = 'organisation';
  } else {
    organisations = orgs.value;
  }
  const integrations = ints.value;

  const modes = [...new Set(organisations.map((o) => o.mode).filter((m): m is string => !!m))];
  let mode: Mode | null = null;
  if (modes.length === 1 && (modes[0] === 'LIVE' || modes[0] === 'TEST')) mode = modes[0];
  else if (modes.length > 1) warnings.push(`visible organisations report several modes (${modes.join(', ')}); the partner mode cannot be read`);

  let organisationId: string | null = null;
  if (keyLevel === 'organisation') {
    const owners = [...new Set(integrations.map((i) => i.organisation_id))];
    organisationId = owners.length === 1 ? owners[0]! : null;
  }
  return {
    keyLevel,
    organisations,
    integrations,
    mode,
    organisationId,
    warnings,
    fingerprint: liveFingerprint(keyLevel, organisations, integrations),
    listing: Object.fromEntries(
      [OPERATIONS.listOrganisations, OPERATIONS.listIntegrations].map(endpoint).map((e) => [e, (client.stats.byEndpoint[e] ?? 0) - (before[e] ?? 0)]).filter(([, n]) => (n as number) > 0),
    ),
  };
}
