import type { ListOptions } from '../live/paginate.js';
import { fetchLiveState } from '../live/state.js';
import type { Action, ActionResult, DesiredState, LiveIntegration, LiveState, Plan, Remaining, Verification } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { plural } from '../text.js';
import { integrationAddress, orgAddress } from '../plan/address.js';
import { PlanError } from '../plan/match.js';
import { planState, type PlanOptions } from '../plan/planner.js';
import { describeChanges } from '../plan/render/symbols.js';
import type { PerformContext } from './perform.js';
import { deleteLoser, disableLoser, integrationKey, losers, orgKey } from './repair.js';

// After the writes, the closing check. It waits until this run's uncertain writes have settled
// (an uncertain create may land late), then lists afresh: duplicates this run made beside
// another writer's are repaired by the one rule both follow, then the same pure planner plans
// again. A duplicate another writer made is given the settle time to be removed by that
// writer (another apply removes its own at its check): the check looks again with backoff; if
// it is still there, the check says so, by name, with the remedy. "Verified" only when a listing really showed nothing left to do. A saved
// plan has no file to plan from: each done action's effect is looked for instead.

export interface VerifyOptions {
  /** the file the plan was made from (absent for a saved plan) */
  desired?: DesiredState;
  planOptions?: PlanOptions;
  list?: ListOptions;
  /** how long another writer is given to remove its duplicate before the check reports it */
  settleMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, 2 ** 31 - 1))));

/** Others' duplicates, as the check reports them: by name, with the remedy. */
interface Foreign {
  address: string;
  reason: string;
}

/** One fresh listing; this run's losing duplicates repaired; others' planned as if gone, and returned. */
async function look(ctx: PerformContext, opts: VerifyOptions, repairs: ActionResult[]): Promise<{ live: LiveState; foreign: Foreign[] }> {
  const live = await fetchLiveState(ctx.client, opts.list);
  const foreign: Foreign[] = [];
  const orgName = new Map(live.organisations.map((o) => [o.id, o.name]));
  for (const l of losers(live.integrations, integrationKey, ctx)) {
    const org = orgName.get(l.loser.organisation_id) ?? l.loser.organisation_id;
    if (l.ours) repairs.push(await disableLoser(ctx, l, org));
    else foreign.push({ address: integrationAddress(orgAddress(org), l.loser.name), reason: `integration ${l.loser.id}, made by another writer, duplicates ${l.kept.id}, which this run keeps: disable ${l.loser.id} (or pin the one to keep with \`id:\`)` });
    if (!l.ours || repairs.at(-1)?.outcome === 'done') l.loser.status = 'DISABLED';
  }
  const used = new Set(live.integrations.map((i) => i.organisation_id));
  for (const l of losers(live.organisations, orgKey, ctx)) {
    if (l.ours && used.has(l.loser.id)) continue; // not empty: it cannot go, and the re-plan says so
    if (l.ours) repairs.push(await deleteLoser(ctx, l));
    else foreign.push({ address: orgAddress(l.loser.name), reason: `organisation ${l.loser.id}, made by another writer, duplicates ${l.kept.id}, which this run keeps: delete ${l.loser.id} (or pin the one to keep with \`id:\`)` });
    if (!l.ours || repairs.at(-1)?.outcome === 'done') live.organisations = live.organisations.filter((o) => o !== l.loser);
  }
  return { live, foreign };
}

export async function verifyApply(plan: Plan, results: ActionResult[], ctx: PerformContext, opts: VerifyOptions): Promise<{ verification: Verification; repairs: ActionResult[] }> {
  const before = ctx.client.stats.requests;
  await sleep(ctx.creates.settlesAt - Date.now());
  const repairs: ActionResult[] = [];
  let seen = await look(ctx, opts, repairs);
  // another apply removes its own duplicates at its own check: look again, with backoff, for a while
  for (let waited = 0, pause = 250; seen.foreign.length && waited < opts.settleMs; pause *= 2) {
    const wait = Math.min(pause, opts.settleMs - waited);
    await sleep(wait);
    waited += wait;
    seen = await look(ctx, opts, repairs);
  }
  const remaining: Remaining[] = [
    ...seen.foreign.map((f) => ({ address: f.address, kind: 'duplicate' as const, reason: f.reason })),
    ...(opts.desired ? replan(opts.desired, seen.live, opts.planOptions ?? {}, results) : effects(plan, results, seen.live)),
  ];
  const verification: Verification = {
    status: remaining.length ? 'not_verified' : 'verified',
    ...(remaining.length ? { reason: `a fresh listing shows ${plural(remaining.length, 'thing')} left to do` } : {}),
    converged: remaining.length === 0,
    requests: ctx.client.stats.requests - before,
    remaining,
  };
  return { verification, repairs };
}

/** The pending actions a re-plan still finds, but deletes this run found blocked. */
function replan(desired: DesiredState, live: LiveState, options: PlanOptions, results: ActionResult[]): Remaining[] {
  let again: Plan;
  try {
    // a target may select nothing now (what it named was deleted): that is done, not an error
    again = planState(desired, live, { ...options, lenientTargets: true }).plan;
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
  const int = (id: string | null): LiveIntegration | undefined => (id ? ints.get(id) : undefined);
  return results.flatMap((r) => {
    const a = byAddress.get(r.address);
    if (!a || r.outcome !== 'done') return [];
    return missingEffects(a, r, orgs, int).map((what) => ({ address: a.address, kind: a.kind, reason: `done, but the fresh listing shows ${what}` }));
  });
}

/** What the listing shows instead of an action's effect (nothing when the effect is there). */
function missingEffects(a: Action, r: ActionResult, orgs: Map<string, { name: string }>, int: (id: string | null) => LiveIntegration | undefined): string[] {
  switch (a.kind) {
    case 'create_organisation':
      return r.id && orgs.has(r.id) ? [] : [`no organisation ${r.id}`];
    case 'rename_organisation': {
      const o = orgs.get(a.id);
      if (!o) return [`no organisation ${a.id}`];
      return orgNameKey(o.name) === orgNameKey(a.body.name) ? [] : [`it named ${JSON.stringify(o.name)}`];
    }
    case 'create_integration':
    case 'replace_integration': {
      const out = int(r.id)?.status === 'ENABLED' ? [] : [`no ENABLED integration ${r.id}`];
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
