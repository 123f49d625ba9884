import type { ListOptions } from '../live/paginate.js';
import { fetchLiveState } from '../live/state.js';
import type { ActionResult, DesiredState, LiveState, Plan, Remaining, Verification } from '../model.js';
import { plural } from '../text.js';
import { integrationAddress, orgAddress } from '../plan/address.js';
import type { PerformContext } from './perform.js';
import { effects, replan } from './remaining.js';
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
  allowReplace?: boolean;
  /** under --target, what the selection acted on: looked at again whatever names became */
  subjects?: ReadonlySet<string> | null;
  /** addresses whose failure left the outcome unknown: the listing may show them made */
  uncertain: ReadonlySet<string>;
  list?: ListOptions;
  /** how long another writer is given to remove its duplicate before the check reports it */
  settleMs: number;
}

export interface Checked {
  verification: Verification;
  repairs: ActionResult[];
  /** addresses of results with an unknown outcome that the listing shows done */
  confirmed: Set<string>;
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
    if (l.ours) repairs.push(await disableLoser(ctx, l, org)), ctx.replacedBy.set(l.loser.id, l.kept.id);
    else foreign.push({ address: integrationAddress(orgAddress(org), l.loser.name), reason: `integration ${l.loser.id}, made by another writer, duplicates ${l.kept.id}, which this run keeps: disable ${l.loser.id} (or pin the one to keep with \`id:\`)` });
    if (!l.ours || repairs.at(-1)?.outcome === 'done') l.loser.status = 'DISABLED';
  }
  const used = new Set(live.integrations.map((i) => i.organisation_id));
  for (const l of losers(live.organisations, orgKey, ctx)) {
    if (l.ours && used.has(l.loser.id)) continue; // not empty: it cannot go, and the re-plan says so
    if (l.ours) repairs.push(await deleteLoser(ctx, l)), ctx.replacedBy.set(l.loser.id, l.kept.id);
    else foreign.push({ address: orgAddress(l.loser.name), reason: `organisation ${l.loser.id}, made by another writer, duplicates ${l.kept.id}, which this run keeps: delete ${l.loser.id} (or pin the one to keep with \`id:\`)` });
    if (!l.ours || repairs.at(-1)?.outcome === 'done') live.organisations = live.organisations.filter((o) => o !== l.loser);
  }
  return { live, foreign };
}

export async function verifyApply(plan: Plan, results: ActionResult[], ctx: PerformContext, opts: VerifyOptions): Promise<Checked> {
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
  const left = opts.desired
    ? replan(opts.desired, seen.live, results, { allowReplace: opts.allowReplace, subjects: opts.subjects, uncertain: opts.uncertain })
    : effects(plan, results, seen.live, opts.uncertain);
  const remaining: Remaining[] = [...seen.foreign.map((f) => ({ address: f.address, kind: 'duplicate' as const, reason: f.reason })), ...left.remaining];
  const verification: Verification = {
    status: remaining.length ? 'not_verified' : 'verified',
    ...(remaining.length ? { reason: `a fresh listing shows ${plural(remaining.length, 'thing')} left to do` } : {}),
    converged: remaining.length === 0,
    requests: ctx.client.stats.requests - before,
    remaining,
  };
  return { verification, repairs, confirmed: left.confirmed };
}
