import type { Action, ActionResult, DesiredState, LiveIntegration, LiveState, Plan, Remaining } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { PlanError } from '../plan/match.js';
import { planState } from '../plan/planner.js';
import { describeChanges } from '../plan/render/symbols.js';
import { subjectOf } from '../plan/select.js';

// What a fresh listing still shows to do after an apply. With the file: the same pure planner
// plans again, over what the selection acted on (by id and entry, whatever names became).
// Without it (a saved plan): each action's effect is looked for. Either way a write whose
// answer was lost (its outcome unknown) is confirmed when the listing shows it made.

export interface Left {
  remaining: Remaining[];
  /** addresses of results with an unknown outcome that the listing shows done */
  confirmed: Set<string>;
}

export interface ReplanOptions {
  allowReplace?: boolean;
  /** under --target, what the selection acted on; null: everything */
  subjects?: ReadonlySet<string> | null;
  /** addresses whose failure left the outcome unknown */
  uncertain: ReadonlySet<string>;
}

/** The pending actions a re-plan still finds (deletes this run found blocked aside). */
export function replan(desired: DesiredState, live: LiveState, results: ActionResult[], opts: ReplanOptions): Left {
  let again: Plan;
  try {
    again = planState(desired, live, { allowReplace: opts.allowReplace }).plan;
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    return { remaining: e.problems.map((p) => ({ address: p.path ?? '', kind: 'plan_error' as const, reason: p.message })), confirmed: new Set() };
  }
  const byAddress = new Map(results.map((r) => [r.address, r]));
  const foundBlocked = new Set(results.filter((r) => r.outcome === 'blocked').flatMap((r) => (r.id ? [r.id] : [])));
  const left = again.actions.filter(
    (a) => a.status === 'pending' && (!opts.subjects || opts.subjects.has(subjectOf(a))) && !(a.kind === 'delete_organisation' && a.id && foundBlocked.has(a.id)),
  );
  const pending = new Set(left.map((a) => a.address));
  return {
    remaining: left.map((a) => ({ address: a.address, kind: a.kind, reason: why(a, byAddress.get(a.address)) })),
    confirmed: new Set([...opts.uncertain].filter((address) => !pending.has(address))),
  };
}

function why(a: Action, r: ActionResult | undefined): string {
  const change = describeChanges(a).join(', ') || a.kind.replace('_', ' ');
  if (!r) return `still to do (${change}): it was not in the plan; another writer changed it meanwhile`;
  if (r.outcome !== 'done') return `still to do (${change}): ${r.outcome} above`;
  return `still to do (${change}) although the write was done: ${r.notes?.length ? r.notes.join('; ') : 'the server did not keep it'}`;
}

/** Without the file: each action's effect, looked for in the fresh listing. */
export function effects(plan: Plan, results: ActionResult[], live: LiveState, uncertain: ReadonlySet<string>): Left {
  const orgs = new Map(live.organisations.map((o) => [o.id, o]));
  const ints = new Map(live.integrations.map((i) => [i.id, i]));
  const byAddress = new Map(plan.actions.map((a) => [a.address, a]));
  const int = (id: string | null): LiveIntegration | undefined => (id ? ints.get(id) : undefined);
  const confirmed = new Set<string>();
  const remaining = results.flatMap((r): Remaining[] => {
    const a = byAddress.get(r.address);
    if (!a || r.outcome === 'blocked') return [];
    if (r.outcome === 'done') return missingEffects(a, r.id, orgs, int).map((what) => ({ address: a.address, kind: a.kind, reason: `done, but the fresh listing shows ${what}` }));
    // a write whose answer was lost may have been made: its effect tells (a create's id is unknown)
    const creates = a.kind === 'create_organisation' || a.kind === 'create_integration' || a.kind === 'replace_integration';
    if (uncertain.has(r.address) && !creates && missingEffects(a, a.id, orgs, int).length === 0) return void confirmed.add(r.address), [];
    return [{ address: a.address, kind: a.kind, reason: `still to do (${describeChanges(a).join(', ') || a.kind.replace('_', ' ')}): ${r.outcome} above` }];
  });
  return { remaining, confirmed };
}

/** What the listing shows instead of an action's effect (nothing when the effect is there). `id`: the object made or acted on. */
function missingEffects(a: Action, id: string | null, orgs: Map<string, { name: string }>, int: (id: string | null) => LiveIntegration | undefined): string[] {
  switch (a.kind) {
    case 'create_organisation':
      return id && orgs.has(id) ? [] : [`no organisation ${id}`];
    case 'rename_organisation': {
      const o = orgs.get(a.id);
      if (!o) return [`no organisation ${a.id}`];
      return orgNameKey(o.name) === orgNameKey(a.body.name) ? [] : [`it named ${JSON.stringify(o.name)}`];
    }
    case 'create_integration':
    case 'replace_integration': {
      const out = int(id)?.status === 'ENABLED' ? [] : [`no ENABLED integration ${id}`];
      if (a.kind === 'replace_integration' && int(a.id)?.status === 'ENABLED') out.push(`${a.id} still ENABLED`);
      return out;
    }
    case 'update_integration': {
      const i = int(a.id);
      if (!i) return [`no integration ${a.id}`];
      if (a.body.status === 'DISABLED' && i.status !== 'DISABLED') return [`${a.id} still ${i.status}`];
      return a.body.name !== undefined && intNameKey(i.name) !== intNameKey(a.body.name) ? [`it named ${JSON.stringify(i.name)}`] : [];
    }
    case 'delete_organisation':
      return orgs.has(a.id) ? [`organisation ${a.id} still there`] : [];
  }
}
