import { ACTION_ORDER, CUSTOM_ORDERS, type Action, type DesiredState, type LiveState, type Plan, type PlanSummary, type StalePin, type UnmanagedIntegration } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { byText, plural } from '../text.js';
import { blocked, createIntegration, createOrganisation, deleteOrganisation, renameOrganisation, replaceIntegration, updateIntegration, type OrganisationRef } from './actions.js';
import { integrationAddress, orgAddress } from './address.js';
import { requestBudget, type BudgetInputs } from './budget.js';
import { matchState, PlanError, sameSet, type IntegrationMatch, type MatchResult, type OrganisationMatch } from './match.js';
import { safetyViolations } from './safety.js';
import { selectPlan, type Target } from './select.js';

// PURE. (desired, live, options) -> Plan. Same inputs, same plan, same order. Neither input
// is changed.

export interface PlanOptions {
  /** --allow-replace; the file's allow_replace also turns it on */
  allowReplace?: boolean;
  /** what the request budget knows beyond the plan: rates, and the listing's own cost (live.listing by default) */
  budget?: BudgetInputs;
  /** --target: plan only these addresses (see select.ts) */
  targets?: Target[];
}

export interface PlannedState {
  plan: Plan;
  /** the pairing the plan shows (the selected part under --target); the diff renderer reuses it */
  match: MatchResult;
  /** the states planned: the selected parts when there are targets */
  desired: DesiredState;
  live: LiveState;
  /** under --target, what the selection acts on (select.ts subjectOf); null for the whole plan */
  subjects: Set<string> | null;
}

/**
 * Matching, planning and selection: what `plan`, `apply` and apply's closing check all do.
 * The whole file is matched and planned first; a selection then keeps a part of that plan
 * (Guarantee 1: a selection never adds a destructive action the whole plan lacks).
 */
export function planState(desired: DesiredState, live: LiveState, options: PlanOptions = {}): PlannedState {
  const match = matchState(desired, live);
  const whole = planActions(desired, live, options, match);
  if (!options.targets?.length) return { plan: assemble(desired, live, match, whole, options), match, desired, live, subjects: null };
  const sel = selectPlan(whole.actions, match, desired, live, options.targets);
  const part: Planned = { ...whole, actions: sel.actions, unmanaged: whole.unmanaged.filter((u) => sel.organisations.has(u.organisation)), stalePins: whole.stalePins.filter((p) => sel.entries.has(`${p.file}#${p.path}`)) };
  return { plan: assemble(desired, sel.live, sel.match, part, options, desired.organisations.length), match: sel.match, desired: sel.desired, live: sel.live, subjects: sel.subjects };
}

/** The whole plan, without selection (the pure core; `m` lets a caller that also renders a diff match once). */
export function buildPlan(desired: DesiredState, live: LiveState, options: PlanOptions = {}, m: MatchResult = matchState(desired, live)): Plan {
  return assemble(desired, live, m, planActions(desired, live, options, m), options);
}

interface Planned {
  actions: Action[];
  warnings: string[];
  unmanaged: (UnmanagedIntegration & { organisation: string })[];
  stalePins: StalePin[];
}

/** Every action the file asks for, in the order they run; a plan error when matching found problems. */
function planActions(desired: DesiredState, live: LiveState, options: PlanOptions, m: MatchResult): Planned {
  const warnings = [...m.warnings];
  const problems = [...m.problems];
  if (desired.mode && live.mode && desired.mode !== live.mode) {
    problems.unshift({ path: 'mode', message: `the file is for a ${desired.mode} partner but the live partner mode is ${live.mode}: refusing to plan` });
  } else if (desired.mode && !live.mode) {
    const why = live.keyLevel === 'organisation' ? 'an organisation-level key cannot read organisations' : 'no organisation is visible';
    warnings.push(`the partner mode cannot be read (${why}), so mode: ${desired.mode} is not checked; creates go ahead`);
  }
  if (problems.length) throw new PlanError(problems);

  const sink: Sink = { actions: [], unmanaged: [], unique: uniqueAddresses(m), allowReplace: !!(options.allowReplace || desired.allowReplace), pruneIntegrations: desired.prune.integrations };
  for (const om of m.organisations) planOrganisation(om, sink);
  if (desired.prune.organisations) for (const o of m.unlistedOrganisations) sink.actions.push(pruneOrganisation(o, m, sink.unique));

  const rank = (a: Action) => ACTION_ORDER.indexOf(a.kind);
  const actions = sink.actions.sort((a, b) => rank(a) - rank(b) || byText(a.address, b.address));
  const stalePins = m.organisations.flatMap((om) =>
    om.integrations.flatMap(({ desired: di, live: li, stalePin }) => (stalePin && li ? [{ file: di.file, path: di.path, name: di.name, id: stalePin, live_id: li.id }] : [])),
  );
  return { actions, warnings, unmanaged: sink.unmanaged, stalePins };
}

/** The plan document: summary, safety and budget computed from the actions it holds. */
function assemble(desired: DesiredState, live: LiveState, m: MatchResult, p: Planned, options: PlanOptions, listed = desired.organisations.length): Plan {
  return {
    format_version: 1,
    summary: summarise(p.actions),
    actions: p.actions,
    warnings: p.warnings,
    unmanaged: p.unmanaged.map(({ organisation: _, ...u }) => u),
    safety: { max_destructive_percent: desired.safety.maxDestructivePercent, violations: safetyViolations(desired, live, m, p.actions, listed) },
    key_level: live.keyLevel,
    live_fingerprint: live.fingerprint,
    budget: requestBudget(p.actions, { listing: live.listing, ...options.budget }),
    selection: options.targets?.length ? options.targets.map((t) => t.text) : null,
    stale_pins: p.stalePins,
  };
}

/** Addresses are unique: a live namesake gets its id appended. Listed organisations claim theirs first. */
function uniqueAddresses(m: MatchResult) {
  const taken = new Set<string>();
  const unique = (address: string, id: string | null) => {
    const a = taken.has(address) && id ? `${address}#${id}` : address;
    taken.add(a);
    return a;
  };
  for (const om of m.organisations) unique(orgAddress(om.desired.name), om.live?.id ?? null);
  return unique;
}

interface Sink {
  actions: Action[];
  unmanaged: (UnmanagedIntegration & { organisation: string })[];
  unique: (address: string, id: string | null) => string;
  allowReplace: boolean;
  pruneIntegrations: boolean;
}

/** An unlisted organisation: deleted, or blocked while it has integrations (they can never be deleted). */
function pruneOrganisation(o: LiveState['organisations'][number], m: MatchResult, unique: Sink['unique']): Action {
  const action = deleteOrganisation(unique(orgAddress(o.name), o.id), o);
  const theirs = m.integrationsOf.get(o.id) ?? [];
  if (!theirs.length) return action;
  const other = theirs.filter((i) => i.type !== CUSTOM_ORDERS).length;
  return blocked(action, 'HAS_INTEGRATIONS', `has ${plural(theirs.length, 'integration')}${other ? ` (${other} not CUSTOM_ORDERS)` : ''}, which can never be deleted: list the organisation in the file, or add it to ignore`);
}

function planOrganisation(om: OrganisationMatch, sink: Sink) {
  const { desired: d, live: lo } = om;
  const address = orgAddress(d.name);
  if (!lo) sink.actions.push(createOrganisation(address, d));
  // sent as the file writes it: the server decides the prefix, and comparisons ignore it
  else if (orgNameKey(lo.name) !== orgNameKey(d.name)) sink.actions.push(renameOrganisation(address, lo, d));
  const org: OrganisationRef = { organisation: address, organisation_id: lo?.id ?? null };
  for (const im of om.integrations) planIntegration(im, org, lo ? [] : [address], sink);
  for (const li of [...om.unlisted].sort((a, b) => byText(a.name, b.name) || byText(a.id, b.id))) {
    if (!sink.pruneIntegrations || li.status !== 'ENABLED') continue;
    sink.actions.push(updateIntegration(sink.unique(integrationAddress(address, li.name), li.id), org, li, { disable: true }, undefined, 'not listed in the file (prune.integrations)'));
  }
  for (const { live: li, successor, file, path } of om.leftovers) {
    // disabling what the file pins is a replace's second half: only when replacing is allowed
    const action = updateIntegration(sink.unique(integrationAddress(address, li.name), li.id), org, li, { disable: true }, { file, path });
    const why = `an interrupted replace left it ENABLED; its successor ${successor.id} has the file's name and merchants`;
    sink.actions.push(sink.allowReplace ? { ...action, reason: why } : { ...action, status: 'unreconcilable', reason: `${why}; set allow_replace: true (or pass --allow-replace) to disable it as the replace meant` });
  }
  for (const li of om.unmanaged) sink.unmanaged.push({ address: integrationAddress(address, li.name), id: li.id, type: li.type, status: li.status, organisation: address });
}

function planIntegration({ desired: di, live: li }: IntegrationMatch, org: OrganisationRef, dependsOn: string[], sink: Sink) {
  const address = sink.unique(integrationAddress(org.organisation, di.name), li?.id ?? null);
  if (!li) return void sink.actions.push(createIntegration(address, org, di, dependsOn));
  const renamed = intNameKey(li.name) !== intNameKey(di.name);
  // a disabled integration is history: its immutable fields are not compared
  const merchantsDiffer = di.status === 'ENABLED' && !sameSet(li.merchant_ids, di.merchant_ids);
  const reenable = di.status === 'ENABLED' && li.status !== 'ENABLED';
  if (merchantsDiffer || reenable) {
    const changes: Action['changes'] = {};
    if (renamed) changes.name = { from: li.name, to: di.name };
    if (merchantsDiffer) changes.merchant_ids = { from: [...li.merchant_ids], to: [...di.merchant_ids] };
    if (reenable) changes.status = { from: li.status, to: 'ENABLED' };
    const why = [merchantsDiffer && 'merchant_ids cannot be changed in place', reenable && 'a DISABLED integration cannot be re-enabled'].filter(Boolean).join(' and ');
    const reason = sink.allowReplace
      ? `${why}: a new integration is created, then ${li.status === 'ENABLED' ? `${li.id} is disabled` : `${li.id} stays disabled`}`
      : `${why}; set allow_replace: true (or pass --allow-replace) to create a new integration and disable this one`;
    return void sink.actions.push(replaceIntegration(address, org, li, di, changes, { allowed: sink.allowReplace, reason }));
  }
  const disable = li.status === 'ENABLED' && di.status === 'DISABLED';
  if (renamed || disable) sink.actions.push(updateIntegration(address, org, li, { ...(renamed ? { name: di.name } : {}), disable }, di));
}

export function summarise(actions: Action[]): PlanSummary {
  const s: PlanSummary = { create: 0, rename: 0, disable: 0, replace: 0, delete: 0, blocked: 0, unreconcilable: 0 };
  for (const a of actions) {
    if (a.status === 'blocked') s.blocked++;
    else if (a.status === 'unreconcilable') s.unreconcilable++;
    else if (a.kind === 'create_organisation' || a.kind === 'create_integration') s.create++;
    else if (a.kind === 'rename_organisation') s.rename++;
    else if (a.kind === 'update_integration') a.changes.status ? s.disable++ : s.rename++;
    else if (a.kind === 'replace_integration') s.replace++;
    else s.delete++;
  }
  return s;
}
