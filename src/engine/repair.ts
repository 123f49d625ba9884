import * as api from '../live/api.js';
import type { LiveObject } from '../live/api.js';
import { ApiError } from '../live/errors.js';
import { groupBy } from '../group.js';
import { CUSTOM_ORDERS, type ActionResult, type LiveIntegration, type LiveOrganisation } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { integrationAddress, orgAddress } from '../plan/address.js';
import type { PerformContext } from './perform.js';
import { keptFirst } from './kept.js';

// Duplicates that a concurrent writer caused, repaired by the one rule both runs apply (the
// oldest namesake is kept, then the lowest id): each run removes only its own losers, so two
// runs of one file end where one run would. Only objects new since the plan are considered.

export interface Loser<T> {
  loser: T;
  kept: T;
  /** created by this run (it removes it), or by another writer (which removes it by the same rule) */
  ours: boolean;
}

/**
 * Namesakes (same key) new since the plan, in groups that hold one of this run's objects (one
 * it knows, or one an uncertain create of its made late): each that loses the tie, whoever made it.
 */
export function losers<T extends LiveObject>(objects: T[], key: (o: T) => string, ctx: Pick<PerformContext, 'creates'>): Loser<T>[] {
  const fresh = objects.filter((o) => !ctx.creates.known.has(o.id));
  const out: Loser<T>[] = [];
  for (const group of groupBy(fresh, key).values()) {
    if (group.length < 2 || !group.some(ctx.creates.isOurs)) continue;
    const [kept, ...rest] = keptFirst(group);
    if (kept) for (const o of rest) out.push({ loser: o, kept, ours: ctx.creates.isOurs(o) });
  }
  return out;
}

export const orgKey = (o: LiveOrganisation) => orgNameKey(o.name);
/** Integrations are duplicates when ENABLED CUSTOM_ORDERS with one organisation, name and merchants. */
export const integrationKey = (i: LiveIntegration) =>
  i.type === CUSTOM_ORDERS && i.status === 'ENABLED' ? `${i.organisation_id}\u0000${intNameKey(i.name)}\u0000${[...i.merchant_ids].sort().join('\u0000')}` : `\u0001${i.id}`;

/** Deletes a losing organisation of this run's (still empty: nothing was created under it). */
export async function deleteLoser(ctx: PerformContext, { loser, kept }: Loser<LiveOrganisation>): Promise<ActionResult> {
  const base = { address: `${orgAddress(loser.name)}#${loser.id}`, kind: 'delete_organisation' as const, id: loser.id };
  try {
    await ctx.slot(() => api.deleteOrganisation(ctx.client, loser.id));
    return { ...base, outcome: 'done', message: `a duplicate this run created; another writer's ${kept.id} came first and is kept` };
  } catch (e) {
    return { ...base, outcome: 'failed', message: `a duplicate of ${kept.id} this run created could not be deleted: ${e instanceof ApiError ? e.summary : String(e)}` };
  }
}

/** Disables a losing integration of this run's: the same history a replace leaves. */
export async function disableLoser(ctx: PerformContext, { loser, kept }: Loser<LiveIntegration>, orgName: string): Promise<ActionResult> {
  const base = { address: `${integrationAddress(orgAddress(orgName), loser.name)}#${loser.id}`, kind: 'update_integration' as const, id: loser.id };
  try {
    await ctx.slot(() => api.updateIntegration(ctx.client, loser.id, { disable: true }));
    return { ...base, outcome: 'done', message: `a duplicate this run created, disabled; another writer's ${kept.id} came first and is kept` };
  } catch (e) {
    return { ...base, outcome: 'failed', message: `a duplicate of ${kept.id} this run created could not be disabled: ${e instanceof ApiError ? e.summary : String(e)}` };
  }
}
