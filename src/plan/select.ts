import { CUSTOM_ORDERS, type DesiredState, type LiveState } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { orgAddress } from './address.js';

// PURE. --target: plan a part of the state, as Terraform's -target does. An address selects
// organisations (`organisation["Acme*"]`, with all their integrations) or integrations
// (`organisation["Acme"].integration["Shop*"]`); `*` matches any run of characters inside
// the quoted name. The filter runs before matching, on both sides, so nothing outside the
// selection is planned, and nothing outside it is ever pruned: an unlisted organisation is
// deleted only when an organisation address selects it, an unlisted integration disabled only
// when its organisation is selected whole or an integration address names it.

export interface Target {
  text: string;
  organisation: RegExp;
  /** absent: the whole organisation */
  integration?: RegExp;
}

const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');

/** `organisation["NAME"]` or `organisation["NAME"].integration["NAME"]`, names JSON-quoted. */
export function parseTarget(text: string): Target | string {
  const m = /^organisation\[("(?:[^"\\]|\\.)*")\](?:\.integration\[("(?:[^"\\]|\\.)*")\])?$/.exec(text.trim());
  if (!m) return `not an address: ${text} (write organisation["NAME"] or organisation["NAME"].integration["NAME"]; * matches any characters in a name)`;
  try {
    const org = JSON.parse(m[1]!) as string;
    const int = m[2] ? (JSON.parse(m[2]) as string) : undefined;
    return { text, organisation: glob(orgNameKey(org)), ...(int !== undefined ? { integration: glob(intNameKey(int)) } : {}) };
  } catch {
    return `not an address: ${text} (the name must be a JSON string)`;
  }
}

export interface Selection {
  desired: DesiredState;
  live: LiveState;
  /** addresses of organisations selected only for some of their integrations: never renamed here */
  partial: Set<string>;
}

export function selectState(desired: DesiredState, live: LiveState, targets: Target[]): Selection {
  const whole = targets.filter((t) => !t.integration);
  const wholeOrg = (name: string) => whole.some((t) => t.organisation.test(orgNameKey(name)));
  const intTargets = (orgName: string) => targets.filter((t) => t.integration && t.organisation.test(orgNameKey(orgName)));

  const partial = new Set<string>();
  const keepLiveOrg = new Set<string>();
  const keepLiveInts = new Map<string, (name: string, id: string) => boolean>();
  const organisations = desired.organisations.flatMap((d) => {
    // an organisation-level key reads no organisation: its own is the one
    const own = live.keyLevel === 'organisation' ? (d.id ?? live.organisationId) : null;
    const byName = own ? [{ id: own }] : live.organisations.filter((o) => (d.id ? o.id === d.id : orgNameKey(o.name) === orgNameKey(d.name)));
    if (wholeOrg(d.name)) {
      for (const o of byName) {
        keepLiveOrg.add(o.id);
        keepLiveInts.set(o.id, () => true);
      }
      return [d];
    }
    const ts = intTargets(d.name);
    if (!ts.length) return [];
    const pick = (name: string) => ts.some((t) => t.integration!.test(intNameKey(name)));
    const integrations = d.integrations.filter((i) => pick(i.name));
    const pinned = new Set(integrations.flatMap((i) => (i.id ? [i.id] : [])));
    const names = new Set(integrations.map((i) => intNameKey(i.name)));
    partial.add(orgAddress(d.name));
    for (const o of byName) {
      keepLiveOrg.add(o.id);
      keepLiveInts.set(o.id, (name, id) => pick(name) || pinned.has(id) || names.has(intNameKey(name)));
    }
    return [{ ...d, integrations }];
  });
  // unlisted live organisations: only an organisation address selects them (for pruning)
  for (const o of live.organisations) {
    if (!keepLiveOrg.has(o.id) && wholeOrg(o.name)) {
      keepLiveOrg.add(o.id);
      keepLiveInts.set(o.id, () => true);
    }
  }
  const integrations = live.integrations.filter((i) => {
    const keep = keepLiveInts.get(i.organisation_id);
    // other types stay whole: they are read-only, and they block deleting their organisation
    return keep ? i.type !== CUSTOM_ORDERS || keep(i.name, i.id) : false;
  });
  return {
    desired: { ...desired, organisations },
    live: { ...live, organisations: live.organisations.filter((o) => keepLiveOrg.has(o.id)), integrations },
    partial,
  };
}
