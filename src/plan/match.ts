import {
  CUSTOM_ORDERS,
  type DesiredIntegration,
  type DesiredOrganisation,
  type DesiredState,
  type LiveIntegration,
  type LiveOrganisation,
  type LiveState,
} from '../model.js';
import { groupBy } from '../group.js';
import { intNameKey, orgNameKey } from '../names.js';
import { byText } from '../text.js';

// PURE. Pairs desired objects with live ones. Problems are collected, not thrown,
// so a plan error lists every ambiguity at once.

export interface PlanProblem {
  /** the file and YAML path of the entry it concerns */
  file?: string;
  path?: string;
  message: string;
}

export class PlanError extends Error {
  readonly code = 'PLAN_ERROR';
  constructor(readonly problems: PlanProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

export interface IntegrationMatch {
  desired: DesiredIntegration;
  live: LiveIntegration | null;
  /** the file pins this id, but a replace made `live` its successor */
  stalePin?: string;
}

/** An old integration a replace was interrupted before disabling, beside its successor. */
export interface Leftover {
  live: LiveIntegration;
  successor: LiveIntegration;
  /** the file and YAML path of the entry that pins it */
  file: string;
  path: string;
}

export interface OrganisationMatch {
  desired: DesiredOrganisation;
  /** null: to be created */
  live: LiveOrganisation | null;
  integrations: IntegrationMatch[];
  /** CUSTOM_ORDERS integrations of this organisation the file does not list */
  unlisted: LiveIntegration[];
  /** integrations of other types: read-only */
  unmanaged: LiveIntegration[];
  /** pinned, still ENABLED, replaced by a successor: to be disabled as the replace intended */
  leftovers: Leftover[];
}

export interface MatchResult {
  organisations: OrganisationMatch[];
  /** visible, not listed, not ignored */
  unlistedOrganisations: LiveOrganisation[];
  ignoredOrganisations: LiveOrganisation[];
  /** every live integration, grouped by organisation id (for blockers and the diff) */
  integrationsOf: Map<string, LiveIntegration[]>;
  problems: PlanProblem[];
  warnings: string[];
}

const ids = (xs: { id: string }[]) => xs.map((x) => x.id).join(', ');

/** Same members, any order (lists of merchant ids: short, without repeats in practice). */
export function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 1) return a[0] === b[0];
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

export function matchState(desired: DesiredState, live: LiveState): MatchResult {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const at = (d: { file: string; path: string }, message: string) => problems.push({ file: d.file, path: d.path, message });
  const integrationsOf = groupBy(live.integrations, (i) => i.organisation_id);
  const integrationById = new Map(live.integrations.map((i) => [i.id, i]));

  let listedLive: (LiveOrganisation | null)[];
  let unlistedOrganisations: LiveOrganisation[] = [];
  let ignoredOrganisations: LiveOrganisation[] = [];

  // an organisation-level key's own problem says it all: no integration is matched after it
  // (an organisation that stands unmatched would make every pin read as "moved")
  let orgKeyFailed = false;
  if (live.keyLevel === 'organisation') {
    const before = problems.length;
    listedLive = matchOwnOrganisation(desired, live, problems, warnings);
    orgKeyFailed = problems.length > before;
  } else {
    const ignoreIds = new Set(desired.ignore.organisations);
    const ignoreNames = new Set(desired.ignore.organisations.map(orgNameKey));
    const isIgnored = (o: LiveOrganisation) => ignoreIds.has(o.id) || ignoreNames.has(orgNameKey(o.name));
    const byId = new Map(live.organisations.map((o) => [o.id, o]));
    const byName = groupBy(live.organisations, (o) => orgNameKey(o.name));
    const used = new Set<string>();
    listedLive = desired.organisations.map(() => null);
    // pinned ids first, so that a name never claims an organisation another entry pins
    desired.organisations.forEach((d, i) => {
      if (!d.id) return;
      const o = byId.get(d.id);
      if (!o) return at(d, `organisation id "${d.id}" not found, or not visible to this key`);
      if (isIgnored(o)) return at(d, `organisation ${o.id} ("${o.name}") is listed here and also matched by ignore: remove one`);
      listedLive[i] = o;
      used.add(o.id);
    });
    desired.organisations.forEach((d, i) => {
      if (d.id) return;
      const name = orgNameKey(d.name);
      const candidates = (byName.get(name) ?? []).filter((o) => !used.has(o.id));
      if (candidates.length > 1) {
        return at(d, `${candidates.length} live organisations are named "${name}" (${ids(candidates)}): pin one with \`id:\``);
      }
      const o = candidates[0];
      if (!o) return;
      if (isIgnored(o)) return at(d, `organisation ${o.id} ("${o.name}") is listed here and also matched by ignore: remove one`);
      listedLive[i] = o;
      used.add(o.id);
    });
    for (const o of live.organisations) {
      if (used.has(o.id)) continue;
      (isIgnored(o) ? ignoredOrganisations : unlistedOrganisations).push(o);
    }
    const order = (a: LiveOrganisation, b: LiveOrganisation) => byText(orgNameKey(a.name), orgNameKey(b.name)) || byText(a.id, b.id);
    unlistedOrganisations = unlistedOrganisations.sort(order);
    ignoredOrganisations = ignoredOrganisations.sort(order);
  }

  const organisations = desired.organisations.map((d, i): OrganisationMatch => {
    const lo = listedLive[i] ?? null;
    const theirs = lo ? (integrationsOf.get(lo.id) ?? []) : [];
    const custom = theirs.filter((x) => x.type === CUSTOM_ORDERS);
    const used = new Set<string>();
    const integrations: IntegrationMatch[] = d.integrations.map((di) => ({ desired: di, live: null }));
    const leftovers: Leftover[] = [];
    const sameName = (x: LiveIntegration, di: DesiredIntegration) => intNameKey(x.name) === intNameKey(di.name);
    const carriesFile = (x: LiveIntegration, di: DesiredIntegration) => x.status === 'ENABLED' && sameName(x, di) && sameSet(x.merchant_ids, di.merchant_ids);
    // pinned integration ids first
    integrations.forEach((m) => {
      const di = m.desired;
      if (!di.id || orgKeyFailed) return;
      const li = integrationById.get(di.id);
      if (!li) return at(di, `integration id "${di.id}" not found, or not visible to this key`);
      if (!lo || li.organisation_id !== lo.id) {
        return at(di, `integration ${di.id} belongs to organisation ${li.organisation_id}${lo ? `, not ${lo.id}` : ''}: integrations cannot be moved between organisations`);
      }
      if (li.type !== CUSTOM_ORDERS) return at(di, `integration ${di.id} is of type ${li.type}: only CUSTOM_ORDERS integrations can be managed`);
      used.add(li.id);
      m.live = li;
      // A replace made the pinned integration's successor: one ENABLED integration with the
      // file's name and merchants. That one is the match, or every run would replace again;
      // a pin still ENABLED was left so by an interrupted replace and is disabled as intended.
      const wouldReplace = li.status !== 'ENABLED' || !sameSet(li.merchant_ids, di.merchant_ids);
      if (di.status !== 'ENABLED' || !wouldReplace) return;
      const successors = custom.filter((x) => x.id !== li.id && carriesFile(x, di));
      if (successors.length !== 1) return;
      m.live = successors[0]!;
      m.stalePin = li.id;
      used.add(m.live.id);
      if (li.status === 'ENABLED') leftovers.push({ live: li, successor: m.live, file: di.file, path: di.path });
      warnings.push(`${di.file}: ${di.path}: pinned integration ${li.id} was replaced by ${m.live.id}; update its id in the file (apply --write-ids does it)`);
    });
    integrations.forEach((m) => {
      const di = m.desired;
      if (di.id || !lo) return;
      const candidates = custom.filter((x) => !used.has(x.id) && sameName(x, di));
      if (candidates.length === 0) return;
      let pick: LiveIntegration | undefined;
      const enabled = candidates.filter((x) => x.status === 'ENABLED');
      if (candidates.length === 1) pick = candidates[0];
      else if (enabled.length === 1) pick = enabled[0]; // the others are disabled namesakes: history
      else if (enabled.length > 1) {
        // an interrupted replace leaves the old one ENABLED beside its successor: the one with
        // the file's merchants is the match; the others stay unlisted (pruned when prune is on)
        const exact = enabled.filter((x) => carriesFile(x, di));
        if (exact.length !== 1 || di.status !== 'ENABLED') {
          return at(di, `${enabled.length} ENABLED integrations are named "${di.name}" (${ids(enabled)}): pin one with \`id:\``);
        }
        m.live = exact[0]!;
        used.add(m.live.id);
        for (const c of candidates) if (c.status !== 'ENABLED') used.add(c.id);
        return;
      } else if (di.status === 'DISABLED') pick = candidates[0]; // all disabled, as wanted
      else {
        return at(di, `only DISABLED integrations are named "${di.name}" (${ids(candidates)}): pin the one to replace with \`id:\`, or rename this entry`);
      }
      // namesakes of the pick are history and need nothing
      for (const c of candidates) used.add(c.id);
      m.live = pick!;
    });
    return {
      desired: d,
      live: lo,
      integrations,
      unlisted: custom.filter((x) => !used.has(x.id)),
      unmanaged: theirs.filter((x) => x.type !== CUSTOM_ORDERS),
      leftovers,
    };
  });
  return { organisations, unlistedOrganisations, ignoredOrganisations, integrationsOf, problems, warnings };
}

/** An organisation-level key sees one organisation's integrations and no organisation at all. */
function matchOwnOrganisation(desired: DesiredState, live: LiveState, problems: PlanProblem[], warnings: string[]): (LiveOrganisation | null)[] {
  const orgs = desired.organisations;
  if (orgs.length > 1) {
    problems.push({ path: 'organisations', message: `an organisation-level key manages one organisation's integrations; the file lists ${orgs.length} organisations (use a partner key to manage organisations)` });
    return orgs.map(() => null);
  }
  const d = orgs[0];
  if (!d) {
    warnings.push('organisation-level key: the file lists no organisation, so nothing is managed');
    return [];
  }
  const own = live.organisationId ?? null;
  if (d.id && own && d.id !== own) {
    problems.push({ file: d.file, path: d.path, message: `this key belongs to organisation ${own}, but the file pins ${d.id}` });
    return [null];
  }
  const id = d.id ?? own;
  if (!id) {
    problems.push({ file: d.file, path: d.path, message: 'an organisation-level key cannot create organisations or read them, and this one has no integrations to reveal its organisation: pin the organisation with `id:`' });
    return [null];
  }
  warnings.push('organisation-level key: organisations cannot be read, so the organisation name is not compared and nothing is renamed, created or deleted');
  return [{ id, name: d.name }];
}
