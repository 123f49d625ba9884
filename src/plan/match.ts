import {
  type DesiredIntegration,
  type DesiredOrganisation,
  type DesiredState,
  type LiveIntegration,
  type LiveOrganisation,
  type LiveState,
} from '../model.js';
import { groupBy } from '../group.js';
import { matchIntegrations } from './match-integrations.js';

export { sameSet } from './match-integrations.js';
import { orgNameKey } from '../names.js';
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

/** What matching finds besides pairs: problems (each where its entry is written) and warnings. */
export interface Findings {
  problems: PlanProblem[];
  warnings: string[];
  at: (d: { file: string; path: string }, message: string) => void;
}

export function matchState(desired: DesiredState, live: LiveState): MatchResult {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const found: Findings = { problems, warnings, at: (d, message) => problems.push({ file: d.file, path: d.path, message }) };
  const integrationsOf = groupBy(live.integrations, (i) => i.organisation_id);
  const integrationById = new Map(live.integrations.map((i) => [i.id, i]));

  // an organisation-level key's own problem says it all: no integration is matched after it
  // (an organisation that stands unmatched would make every pin read as "moved")
  let orgKeyFailed = false;
  let orgs: Pick<MatchResult, 'unlistedOrganisations' | 'ignoredOrganisations'> & { listedLive: (LiveOrganisation | null)[] };
  if (live.keyLevel === 'organisation') {
    orgs = { listedLive: matchOwnOrganisation(desired, live, problems, warnings), unlistedOrganisations: [], ignoredOrganisations: [] };
    orgKeyFailed = problems.length > 0;
  } else orgs = matchOrganisations(desired, live, found);

  const organisations = desired.organisations.map((d, i) => matchIntegrations(d, orgs.listedLive[i] ?? null, { integrationsOf, integrationById, pinsMatched: !orgKeyFailed }, found));
  return { organisations, unlistedOrganisations: orgs.unlistedOrganisations, ignoredOrganisations: orgs.ignoredOrganisations, integrationsOf, problems, warnings };
}

/** A partner key: each entry paired by pin, then by name among the rest; every other organisation unlisted or ignored. */
function matchOrganisations(desired: DesiredState, live: LiveState, found: Findings) {
  const ignoreIds = new Set(desired.ignore.organisations);
  const ignoreNames = new Set(desired.ignore.organisations.map(orgNameKey));
  const isIgnored = (o: LiveOrganisation) => ignoreIds.has(o.id) || ignoreNames.has(orgNameKey(o.name));
  const byId = new Map(live.organisations.map((o) => [o.id, o]));
  const byName = groupBy(live.organisations, (o) => orgNameKey(o.name));
  const used = new Set<string>();
  const listedLive: (LiveOrganisation | null)[] = desired.organisations.map(() => null);
  const claim = (d: DesiredOrganisation, i: number, o: LiveOrganisation) => {
    if (isIgnored(o)) return found.at(d, `organisation ${o.id} ("${o.name}") is listed here and also matched by ignore: remove one`);
    listedLive[i] = o;
    used.add(o.id);
  };
  // pinned ids first, so that a name never claims an organisation another entry pins
  desired.organisations.forEach((d, i) => {
    if (!d.id) return;
    const o = byId.get(d.id);
    if (!o) return found.at(d, `organisation id "${d.id}" not found, or not visible to this key`);
    claim(d, i, o);
  });
  desired.organisations.forEach((d, i) => {
    if (d.id) return;
    const name = orgNameKey(d.name);
    const candidates = (byName.get(name) ?? []).filter((o) => !used.has(o.id));
    if (candidates.length > 1) return found.at(d, `${candidates.length} live organisations are named "${name}" (${ids(candidates)}): pin one with \`id:\``);
    if (candidates[0]) claim(d, i, candidates[0]);
  });
  const order = (a: LiveOrganisation, b: LiveOrganisation) => byText(orgNameKey(a.name), orgNameKey(b.name)) || byText(a.id, b.id);
  const rest = live.organisations.filter((o) => !used.has(o.id)).sort(order);
  return { listedLive, unlistedOrganisations: rest.filter((o) => !isIgnored(o)), ignoredOrganisations: rest.filter(isIgnored) };
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
