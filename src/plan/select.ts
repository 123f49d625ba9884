import { CUSTOM_ORDERS, type Action, type DesiredState, type LiveIntegration, type LiveState } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { orgAddress } from './address.js';
import type { IntegrationMatch, MatchResult, OrganisationMatch } from './match.js';

// PURE. --target: a part of the plan, as Terraform's -target. An address selects
// organisations (`organisation["Acme*"]`, with all their integrations) or integrations
// (`organisation["Acme"].integration["Shop*"]`); `*` matches any run of characters inside
// the quoted name.
//
// Guarantee 1 is enforced here: the selection is made AFTER the whole file is matched and
// planned, through the same pairing the planner used. A name selects a pair of (file entry,
// live object) by either of its names, so the old live name of a renamed organisation selects
// its rename, never a delete; the selected plan is a subset of the whole plan (plus the creates
// a selected create depends on), so a selection never adds a destructive action. A target that
// selects nothing is an error, never "No changes".

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

/** Targets that select nothing: the selection is a mistake (a typo must not read as "No changes"). */
export class SelectionError extends Error {
  readonly code = 'SELECTION';
  constructor(
    readonly targets: string[],
    /** they name only organisations the file ignores */
    ignoredOnly = false,
  ) {
    const which = `${targets.map((t) => `--target ${t}`).join(', ')} ${targets.length === 1 ? 'selects' : 'select'} nothing`;
    super(
      ignoredOnly
        ? `${which}: it names only organisations the file ignores, which cbsync never plans (remove them from ignore to manage them)`
        : `${which}: no organisation or integration in the files or the live account matches (names compare without the [TEST] prefix; * matches any characters)`,
    );
  }
}

export interface Selected {
  actions: Action[];
  /** the selected part of the pairing, and of both states (for the diff, the safety guard and the budget) */
  match: MatchResult;
  desired: DesiredState;
  live: LiveState;
  /** addresses of the listed organisations selected, whole or for some integrations */
  organisations: Set<string>;
  /** `file#path` of the file entries selected */
  entries: Set<string>;
  /** what the selection acts on (see subjectOf): apply's closing check looks at these again, whatever their names become */
  subjects: Set<string>;
}

const entryKey = (e: { file?: string; path?: string }) => `entry#${e.file}#${e.path}`;

/** What an action acts on: its file entry for a create, else its live object. */
export function subjectOf(a: Action): string {
  if (a.kind === 'create_organisation' || a.kind === 'create_integration') return entryKey(a);
  return a.kind === 'rename_organisation' || a.kind === 'delete_organisation' ? `org#${a.id}` : `int#${a.id}`;
}

export function selectPlan(actions: Action[], m: MatchResult, desired: DesiredState, live: LiveState, targets: Target[]): Selected {
  const used = new Set<Target>();
  /** the targets among `ts` whose organisation pattern matches one of `names`, marked as used when `also` holds */
  const select = (ts: Target[], names: string[], also: (t: Target) => boolean = () => true) =>
    ts.filter((t) => names.some((n) => t.organisation.test(orgNameKey(n))) && also(t) && (used.add(t), true)).length > 0;
  const named = (names: string[]) => (t: Target) => names.some((n) => t.integration!.test(intNameKey(n)));
  const whole = targets.filter((t) => !t.integration);
  const partial = targets.filter((t) => t.integration);

  const keys = new Set<string>();
  const pairs: OrganisationMatch[] = [];
  /** live organisations selected with everything they hold */
  const wholeOrgs = new Set<string>();
  for (const om of m.organisations) {
    const names = [om.desired.name, ...(om.live ? [om.live.name] : [])];
    if (select(whole, names)) {
      keys.add(entryKey(om.desired));
      if (om.live) keys.add(`org#${om.live.id}`), wholeOrgs.add(om.live.id);
      pairs.push(selectIntegrations(om, () => true, keys));
      continue;
    }
    const before = used.size;
    const picked = selectIntegrations(om, (ints) => select(partial, names, named(ints)), keys);
    for (const u of om.unmanaged) select(partial, names, named([u.name]));
    if (used.size > before || picked.integrations.length || picked.unlisted.length) pairs.push(picked);
  }
  // unlisted organisations: only an organisation address selects them (to be pruned); an
  // integration address naming what they hold selects something that needs nothing
  const unlisted = m.unlistedOrganisations.filter((o) => select(whole, [o.name]));
  for (const o of unlisted) keys.add(`org#${o.id}`), wholeOrgs.add(o.id);
  for (const o of m.unlistedOrganisations) {
    select(whole, [o.name]);
    select(partial, [o.name], named((m.integrationsOf.get(o.id) ?? []).map((i) => i.name)));
  }

  // an ignored organisation is never planned: a target that names only ignored ones selects nothing
  const missed = targets.filter((t) => !used.has(t));
  if (missed.length) {
    const ignored = missed.filter((t) => m.ignoredOrganisations.some((o) => t.organisation.test(orgNameKey(o.name))));
    throw new SelectionError(missed.map((t) => t.text), ignored.length === missed.length);
  }

  const chosen = new Set(actions.filter((a) => keys.has(subjectOf(a))));
  // a selected create may depend on its organisation's create: that comes too (creates only)
  const byAddress = new Map(actions.map((a) => [a.address, a]));
  for (const a of [...chosen]) for (const d of a.depends_on) if (byAddress.get(d)?.kind === 'create_organisation') chosen.add(byAddress.get(d)!);

  const liveOrgs = new Set([...pairs.flatMap((p) => (p.live ? [p.live.id] : [])), ...unlisted.map((o) => o.id)]);
  // other types stay whole: they are read-only, and they block deleting their organisation
  const keepInt = (i: LiveIntegration) => liveOrgs.has(i.organisation_id) && (wholeOrgs.has(i.organisation_id) || i.type !== CUSTOM_ORDERS || keys.has(`int#${i.id}`));
  return {
    actions: actions.filter((a) => chosen.has(a)),
    match: { ...m, organisations: pairs, unlistedOrganisations: unlisted, ignoredOrganisations: [] },
    desired: { ...desired, organisations: pairs.map((p) => ({ ...p.desired, integrations: p.integrations.map((x) => x.desired) })) },
    live: { ...live, organisations: live.organisations.filter((o) => liveOrgs.has(o.id)), integrations: live.integrations.filter(keepInt) },
    organisations: new Set(pairs.map((p) => orgAddress(p.desired.name))),
    entries: new Set(pairs.flatMap((p) => p.integrations.map((x) => `${x.desired.file}#${x.desired.path}`))),
    subjects: new Set([...keys, ...[...chosen].map(subjectOf)]),
  };
}

/**
 * The integrations of a listed organisation that `pick` selects by any of their names (the
 * file's, the live one's, the pinned one's a replace left behind), their keys added.
 */
function selectIntegrations(om: OrganisationMatch, pick: (names: string[]) => boolean, keys: Set<string>): OrganisationMatch {
  const leftOf = (im: IntegrationMatch) => om.leftovers.filter((l) => l.file === im.desired.file && l.path === im.desired.path);
  const integrations = om.integrations.filter((im) => {
    const names = [im.desired.name, ...(im.live ? [im.live.name] : []), ...leftOf(im).map((l) => l.live.name)];
    if (!pick(names)) return false;
    keys.add(entryKey(im.desired));
    if (im.live) keys.add(`int#${im.live.id}`);
    for (const l of leftOf(im)) keys.add(`int#${l.live.id}`);
    return true;
  });
  const unlisted = om.unlisted.filter((li) => pick([li.name]) && (keys.add(`int#${li.id}`), true));
  return { ...om, integrations, unlisted, leftovers: om.leftovers.filter((l) => keys.has(`int#${l.live.id}`)) };
}
