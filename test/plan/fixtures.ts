import { loadDesiredText } from '../../src/desired/load.js';
import type { Action, DesiredState, LiveIntegration, LiveOrganisation, LiveState } from '../../src/model.js';

/** A desired state from YAML (flow style keeps cases on one line); `version: 1` is implied. */
export function desired(yaml: string): DesiredState {
  const r = loadDesiredText(`version: 1\n${yaml}\n`, 'case.yaml');
  if (!r.state) throw new Error(`bad case file: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.state;
}

export const org = (id: string, name: string): LiveOrganisation => ({ id, name, mode: 'TEST' });

export function int(id: string, orgId: string, name: string, o: { status?: string; m?: string[]; type?: string } = {}): LiveIntegration {
  return { id, organisation_id: orgId, name, type: o.type ?? 'CUSTOM_ORDERS', status: o.status ?? 'ENABLED', merchant_ids: o.m ?? ['m1'] };
}

export function live(orgs: LiveOrganisation[], ints: LiveIntegration[] = [], extra: Partial<LiveState> = {}): LiveState {
  return { keyLevel: 'partner', organisations: orgs, integrations: ints, mode: orgs.length ? 'TEST' : null, fingerprint: 'sha256:test', ...extra };
}

/** `kind address id [status:code]`: one line per action, easy to read in a table. */
export function line(a: Action): string {
  return [a.kind, a.address, a.id ?? '', a.status === 'pending' ? '' : `[${a.status}${a.code ? `:${a.code}` : ''}]`].filter(Boolean).join(' ');
}
