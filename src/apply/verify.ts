import type { ListOptions } from '../live/paginate.js';
import { fetchLiveState } from '../live/state.js';
import type { Action, DesiredState, LiveIntegration, LiveState, Plan } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { PlanError } from '../plan/match.js';
import { planState, type PlanOptions } from '../plan/planner.js';
import { describeChanges } from '../plan/render/symbols.js';
import type { PerformContext } from './perform.js';
import { deleteLoser, disableLoser, integrationKey, losers, orgKey } from './repair.js';
import type { ActionResult, Remaining, Verification } from './report.js';

// After the writes, one fresh listing checks that the apply converged: duplicates this run
// created beside another writer's are repaired first, then the same pure planner plans again.
// What is left is reported with its reason. A saved plan has no file to plan from: each done
// action's effect is checked in the listing instead.

export interface VerifyOptions {
  /** the file the plan was made from (absent for a saved plan) */
  desired?: DesiredState;
  planOptions?: PlanOptions;
  list?: ListOptions;
}

export async function verifyApply(plan: Plan, results: ActionResult[], ctx: PerformContext, opts: VerifyOptions): Promise<{ verification: Verification; repairs: ActionResult[] }> {
  const before = ctx.client.stats.requests;
  const live = await fetchLiveState(ctx.client, opts.list);
  const repairs: ActionResult[] = [];
  // losers another writer made are its to remove by the same rule: planned as if gone
  let othersToRemove = 0;
  const orgName = new Map(live.organisations.map((o) => [o.id, o.name]));
  for (const l of losers(live.integrations, integrationKey, ctx)) {
    if (!l.ours) othersToRemove++;
    else repairs.push(await disableLoser(ctx, l, orgName.get(l.loser.organisation_id) ?? l.loser.organisation_id));
    if (!l.ours || repairs.at(-1)!.outcome === 'done') l.loser.status = 'DISABLED';
  }
  const used = new Set(live.integrations.map((i) => i.organisation_id));
  for (const l of losers(live.organisations, orgKey, ctx)) {
    if (l.ours && used.has(l.loser.id)) continue; // not empty: it cannot go, and the re-plan says so
    if (!l.ours) othersToRemove++;
    else repairs.push(await deleteLoser(ctx, l));
    if (!l.ours || repairs.at(-1)!.outcome === 'done') live.organisations = live.organisations.filter((o) => o !== l.loser);
  }
  const remaining = opts.desired ? replan(opts.desired, live, opts.planOptions ?? {}, results) : effects(plan, results, live);
  return { verification: { converged: remaining.length === 0, requests: ctx.client.stats.requests - before, remaining, others_to_remove: othersToRemove }, repairs };
}

/** The pending actions a re-plan still finds, but deletes this run found blocked. */
function replan(desired: DesiredState, live: LiveState, options: PlanOptions, results: ActionResult[]): Remaining[] {
  let again: Plan;
  try {
    again = planState(desired, live, options).plan;
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    return e.problems.map((p) => ({ address: p.path ?? '', kind: 'plan_error' as const, reason: p.message }));
  }
  const byAddress = new Map(results.map((r) => [r.address, r]));
  const foundBlocked = new Set(results.filter((r) => r.outcome === 'blocked').flatMap((r) => (r.id ? [r.id] : [])));
  return again.actions
    .filter((a) => a.status === 'pending' && !(a.kind === 'delete_organisation' && a.id && foundBlocked.has(a.id)))
    .map((a) => ({ address: a.address, kind: a.kind, reason: why(a, byAddress.get(a.address)) }));
}

function why(a: Action, r: ActionResult | undefined): string {
  const change = describeChanges(a).join(', ') || a.kind.replace('_', ' ');
  if (!r) return `still to do (${change}): it was not in the plan; another writer changed it meanwhile`;
  if (r.outcome !== 'done') return `still to do (${change}): ${r.outcome} above`;
  return `still to do (${change}) although the write was done: ${r.notes?.length ? r.notes.join('; ') : 'the server did not keep it'}`;
}

/** Without the file: each done action's effect, looked for in the fresh listing. */
function effects(plan: Plan, results: ActionResult[], live: LiveState): Remaining[] {
  const orgs = new Map(live.organisations.map((o) => [o.id, o]));
  const ints = new Map(live.integrations.map((i) => [i.id, i]));
  const byAddress = new Map(plan.actions.map((a) => [a.address, a]));
  const out: Remaining[] = [];
  for (const r of results) {
    const a = byAddress.get(r.address);
    if (!a || r.outcome !== 'done') continue;
    const missing = (what: string) => out.push({ address: a.address, kind: a.kind, reason: `done, but the fresh listing shows ${what}` });
    const body = a.body ?? {};
    const int = (id: string | null): LiveIntegration | undefined => (id ? ints.get(id) : undefined);
    switch (a.kind) {
      case 'create_organisation':
        if (!orgs.has(r.id!)) missing(`no organisation ${r.id}`);
        break;
      case 'rename_organisation': {
        const o = orgs.get(a.id!);
        if (!o || orgNameKey(o.name) !== orgNameKey(String(body.name))) missing(o ? `it named ${JSON.stringify(o.name)}` : `no organisation ${a.id}`);
        break;
      }
      case 'create_integration':
      case 'replace_integration':
        if (int(r.id)?.status !== 'ENABLED') missing(`no ENABLED integration ${r.id}`);
        if (a.kind === 'replace_integration' && int(a.id)?.status === 'ENABLED') missing(`${a.id} still ENABLED`);
        break;
      case 'update_integration': {
        const i = int(a.id);
        if (!i) missing(`no integration ${a.id}`);
        else if (body.status === 'DISABLED' && i.status !== 'DISABLED') missing(`${a.id} still ${i.status}`);
        else if (typeof body.name === 'string' && intNameKey(i.name) !== intNameKey(body.name)) missing(`it named ${JSON.stringify(i.name)}`);
        break;
      }
      case 'delete_organisation':
        if (orgs.has(a.id!)) missing(`organisation ${a.id} still there`);
        break;
    }
  }
  return out;
}
