import {
  ACTION_ORDER,
  CUSTOM_ORDERS,
  type Action,
  type DesiredState,
  type LiveState,
  type Plan,
  type PlanSummary,
  type UnmanagedIntegration,
} from '../model.js';
import { byText, intNameKey, orgNameKey, plural } from '../names.js';
import { matchState, PlanError, sameSet, type MatchResult, type OrganisationMatch } from './match.js';
import { safetyViolations } from './safety.js';
import { requestBudget, type BudgetInputs } from './budget.js';
import { integrationAddress, orgAddress } from './address.js';
import { selectState, type Target } from './select.js';

// PURE. (desired, live, options) -> Plan. Same inputs, same plan, same order.

export interface PlanOptions {
  /** --allow-replace; the file's allow_replace also turns it on */
  allowReplace?: boolean;
  /** what the request budget knows beyond the plan: rates, and the listing's own cost (live.listing by default) */
  budget?: BudgetInputs;
  /** --target: plan only these addresses (see select.ts) */
  targets?: Target[];
}

export interface Planned {
  plan: Plan;
  /** the pairing the plan was made from; the diff renderer reuses it */
  match: MatchResult;
  /** the states planned: the selected parts when there are targets */
  desired: DesiredState;
  live: LiveState;
}

/** Selection (--target), matching and planning: what `plan`, `apply` and apply's closing check all do. */
export function planState(desired: DesiredState, live: LiveState, options: PlanOptions = {}): Planned {
  const sel = options.targets?.length ? selectState(desired, live, options.targets) : null;
  const d = sel?.desired ?? desired;
  const l = sel?.live ?? live;
  const match = matchState(d, l);
  return { plan: buildPlan(d, l, options, match, { listed: desired.organisations.length, partial: sel?.partial }), match, desired: d, live: l };
}

/** What the plan of a selection knows of the whole: how many organisations the file lists, which are only partly selected. */
interface Scope {
  listed: number;
  partial?: Set<string>;
}

/** `m` lets a caller that also renders a diff match once and pass the result to both. */
export function buildPlan(desired: DesiredState, live: LiveState, options: PlanOptions = {}, m: MatchResult = matchState(desired, live), scope?: Scope): Plan {
  const warnings = [...m.warnings];
  if (desired.mode && live.mode && desired.mode !== live.mode) {
    m.problems.unshift({ path: 'mode', message: `the file is for a ${desired.mode} partner but the live partner mode is ${live.mode}: refusing to plan` });
  } else if (desired.mode && !live.mode) {
    const why = live.keyLevel === 'organisation' ? 'an organisation-level key cannot read organisations' : 'no organisation is visible';
    warnings.push(`the partner mode cannot be read (${why}), so mode: ${desired.mode} is not checked; creates go ahead`);
  }
  if (m.problems.length) throw new PlanError(m.problems);

  const allowReplace = options.allowReplace || desired.allowReplace;
  const actions: Action[] = [];
  const unmanaged: UnmanagedIntegration[] = [];
  const taken = new Set<string>();
  /** addresses are unique: a live namesake gets its id appended */
  const unique = (address: string, id: string | null) => {
    const a = taken.has(address) && id ? `${address}#${id}` : address;
    taken.add(a);
    return a;
  };
  for (const om of m.organisations) unique(orgAddress(om.desired.name), om.live?.id ?? null);

  for (const om of m.organisations) planOrganisation(om, { actions, unmanaged, unique, allowReplace, pruneIntegrations: desired.prune.integrations });

  if (desired.prune.organisations) {
    for (const o of m.unlistedOrganisations) {
      const theirs = m.integrationsOf.get(o.id) ?? [];
      const action: Action = { kind: 'delete_organisation', address: unique(orgAddress(o.name), o.id), id: o.id, changes: { name: { from: o.name, to: null } }, depends_on: [], status: 'pending' };
      if (theirs.length) {
        const other = theirs.filter((i) => i.type !== CUSTOM_ORDERS).length;
        action.status = 'blocked';
        action.code = 'HAS_INTEGRATIONS';
        action.reason = `has ${plural(theirs.length, 'integration')}${other ? ` (${other} not CUSTOM_ORDERS)` : ''}, which can never be deleted: list the organisation in the file, or add it to ignore`;
      }
      actions.push(action);
    }
  }

  // an organisation selected only for some integrations is not renamed by this plan
  const planned = scope?.partial?.size ? actions.filter((a) => !(a.kind === 'rename_organisation' && scope.partial!.has(a.address))) : actions;
  const rank = (a: Action) => ACTION_ORDER.indexOf(a.kind);
  planned.sort((a, b) => rank(a) - rank(b) || byText(a.address, b.address));
  return {
    format_version: 1,
    summary: summarise(planned),
    actions: planned,
    warnings,
    unmanaged,
    safety: { max_destructive_percent: desired.safety.maxDestructivePercent, violations: safetyViolations(desired, live, m, planned, scope?.listed) },
    key_level: live.keyLevel,
    live_fingerprint: live.fingerprint,
    budget: requestBudget(planned, { listing: live.listing, ...options.budget }),
    selection: options.targets?.length ? options.targets.map((t) => t.text) : null,
    stale_pins: m.organisations.flatMap((om) =>
      om.integrations.flatMap(({ desired: di, live: li, stalePin }) => (stalePin && li ? [{ file: di.file, path: di.path, name: di.name, id: stalePin, live_id: li.id }] : [])),
    ),
  };
}

interface Sink {
  actions: Action[];
  unmanaged: UnmanagedIntegration[];
  unique: (address: string, id: string | null) => string;
  allowReplace: boolean;
  pruneIntegrations: boolean;
}

function planOrganisation(om: OrganisationMatch, sink: Sink) {
  const { desired: d, live: lo } = om;
  const address = orgAddress(d.name);
  const { actions } = sink;
  if (!lo) {
    actions.push({ kind: 'create_organisation', address, id: null, file: d.file, path: d.path, changes: { name: { from: null, to: d.name } }, body: { name: d.name }, depends_on: [], status: 'pending' });
  } else if (orgNameKey(lo.name) !== orgNameKey(d.name)) {
    // sent as the file writes it: the server decides the prefix, and comparisons ignore it
    actions.push({ kind: 'rename_organisation', address, id: lo.id, file: d.file, path: d.path, changes: { name: { from: lo.name, to: d.name } }, body: { name: d.name }, depends_on: [], status: 'pending' });
  }
  const orgRef = { organisation: address, organisation_id: lo?.id ?? null };
  for (const { desired: di, live: li } of om.integrations) {
    const iaddr = sink.unique(integrationAddress(address, di.name), li?.id ?? null);
    if (!li) {
      const body = { name: di.name, type: CUSTOM_ORDERS, status: di.status, merchant_ids: [...di.merchant_ids] };
      actions.push({
        kind: 'create_integration',
        address: iaddr,
        id: null,
        file: di.file,
        path: di.path,
        ...orgRef,
        changes: { name: { from: null, to: di.name }, status: { from: null, to: di.status }, merchant_ids: { from: null, to: [...di.merchant_ids] } },
        body,
        depends_on: lo ? [] : [address],
        status: 'pending',
      });
      continue;
    }
    const changes: Action['changes'] = {};
    if (intNameKey(li.name) !== intNameKey(di.name)) changes.name = { from: li.name, to: di.name };
    // a disabled integration is history: its immutable fields are not compared
    const merchantsDiffer = di.status === 'ENABLED' && !sameSet(li.merchant_ids, di.merchant_ids);
    const reenable = di.status === 'ENABLED' && li.status !== 'ENABLED';
    if (merchantsDiffer || reenable) {
      if (merchantsDiffer) changes.merchant_ids = { from: [...li.merchant_ids], to: [...di.merchant_ids] };
      if (reenable) changes.status = { from: li.status, to: 'ENABLED' };
      const why = [merchantsDiffer && 'merchant_ids cannot be changed in place', reenable && 'a DISABLED integration cannot be re-enabled'].filter(Boolean).join(' and ');
      actions.push({
        kind: 'replace_integration',
        address: iaddr,
        id: li.id,
        file: di.file,
        path: di.path,
        ...orgRef,
        changes,
        body: { name: di.name, type: CUSTOM_ORDERS, status: 'ENABLED', merchant_ids: [...di.merchant_ids] },
        depends_on: [],
        status: sink.allowReplace ? 'pending' : 'unreconcilable',
        reason: sink.allowReplace
          ? `${why}: a new integration is created, then ${li.status === 'ENABLED' ? `${li.id} is disabled` : `${li.id} stays disabled`}`
          : `${why}; set allow_replace: true (or pass --allow-replace) to create a new integration and disable this one`,
      });
      continue;
    }
    if (li.status === 'ENABLED' && di.status === 'DISABLED') changes.status = { from: 'ENABLED', to: 'DISABLED' };
    if (Object.keys(changes).length) {
      const body: Record<string, unknown> = {};
      if (changes.name) body.name = di.name;
      if (changes.status) body.status = 'DISABLED';
      actions.push({ kind: 'update_integration', address: iaddr, id: li.id, file: di.file, path: di.path, ...orgRef, changes, body, depends_on: [], status: 'pending' });
    }
  }
  for (const li of [...om.unlisted].sort((a, b) => byText(a.name, b.name) || byText(a.id, b.id))) {
    if (!sink.pruneIntegrations || li.status !== 'ENABLED') continue;
    actions.push({
      kind: 'update_integration',
      address: sink.unique(integrationAddress(address, li.name), li.id),
      id: li.id,
      ...orgRef,
      changes: { status: { from: 'ENABLED', to: 'DISABLED' } },
      body: { status: 'DISABLED' },
      depends_on: [],
      status: 'pending',
      reason: 'not listed in the file (prune.integrations)',
    });
  }
  for (const { live: li, successor, file, path } of om.leftovers) {
    actions.push({
      kind: 'update_integration',
      address: sink.unique(integrationAddress(address, li.name), li.id),
      id: li.id,
      file,
      path,
      ...orgRef,
      changes: { status: { from: 'ENABLED', to: 'DISABLED' } },
      body: { status: 'DISABLED' },
      depends_on: [],
      status: 'pending',
      reason: `an interrupted replace left it ENABLED; its successor ${successor.id} has the file's name and merchants`,
    });
  }
  for (const li of om.unmanaged) {
    sink.unmanaged.push({ address: integrationAddress(address, li.name), id: li.id, type: li.type, status: li.status });
  }
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

