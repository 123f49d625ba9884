import type { ApiClient } from '../live/client.js';
import { ApiError } from '../live/errors.js';
import { objectPath } from '../live/decode.js';
import { CUSTOM_ORDERS, type Action, type LiveIntegration } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { sameSet } from '../plan/match.js';
import type { Creates } from './creates.js';

// One function per action kind. PATCH and DELETE are retried by the client; creates go
// through Creates, so an uncertain POST is resolved by a listing before it is ever sent again.
// Every answer that carries a name is compared with the name sent.

export interface PerformContext {
  client: ApiClient;
  creates: Creates;
  /** runs requests inside the run's concurrency limit */
  slot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** ids of organisations created in this run, by address (once settled: the kept one) */
  created: Map<string, string>;
  /** resolves once the run's organisation creates have settled and namesakes are resolved */
  orgsSettled: () => Promise<void>;
}

export interface Performed {
  id: string | null;
  recovered?: boolean;
  /** what the server did differently from what was asked */
  notes?: string[];
}

/** A server that stored another name than the one sent: the file cannot converge as written. */
function storedName(kind: 'organisation' | 'integration', sent: unknown, answer: unknown): string[] {
  const name = answer && typeof answer === 'object' ? (answer as { name?: unknown }).name : undefined;
  if (typeof sent !== 'string' || typeof name !== 'string') return [];
  const key = kind === 'organisation' ? orgNameKey : intNameKey;
  if (key(name) === key(sent)) return [];
  return [`the server stored the name as ${JSON.stringify(name)} (sent ${JSON.stringify(sent)}): the file will not converge until it says ${JSON.stringify(name)}`];
}

async function patch(ctx: PerformContext, a: Action, kind: 'organisation' | 'integration', body = a.body): Promise<Performed> {
  const path = objectPath(kind === 'organisation' ? '/v1/organisations' : '/v1/integrations', a.id);
  const res = await ctx.slot(() => ctx.client.request('PATCH', path, { body }));
  return { id: a.id, notes: storedName(kind, body?.name, res.data) };
}

async function createIntegration(a: Action, ctx: PerformContext): Promise<Performed> {
  if (!a.organisation_id) await ctx.orgsSettled(); // its organisation is new: use the kept one
  const orgId = a.organisation_id ?? (a.organisation ? ctx.created.get(a.organisation) : undefined);
  if (!orgId) throw new ApiError(`the organisation ${a.organisation} has no id`, { method: 'POST', path: '/v1/integrations' });
  const body: Record<string, unknown> = { ...a.body, organisation_id: orgId };
  const wanted = (body.merchant_ids as string[]) ?? [];
  const r = await ctx.creates.create('/v1/integrations', body, (o) => {
    const i = o as LiveIntegration;
    return i.organisation_id === orgId && intNameKey(i.name) === intNameKey(String(body.name)) && i.type === CUSTOM_ORDERS && i.status === body.status && sameSet(i.merchant_ids, wanted);
  }, ctx.slot);
  return { id: r.id, recovered: r.recovered, notes: storedName('integration', body.name, r.object) };
}

export async function perform(a: Action, ctx: PerformContext): Promise<Performed> {
  switch (a.kind) {
    case 'create_organisation': {
      const name = String(a.body?.name);
      const r = await ctx.creates.create('/v1/organisations', { name }, (o) => orgNameKey(o.name) === orgNameKey(name), ctx.slot);
      ctx.created.set(a.address, r.id);
      return { id: r.id, recovered: r.recovered, notes: storedName('organisation', name, r.object) };
    }
    case 'rename_organisation':
      return patch(ctx, a, 'organisation');
    case 'create_integration':
      return createIntegration(a, ctx);
    case 'update_integration':
      return patch(ctx, a, 'integration');
    case 'replace_integration': {
      const created = await createIntegration(a, ctx);
      // the old one is disabled unless it already was (re-enabling is what made this a replace)
      if (a.changes.status?.from !== 'DISABLED') {
        try {
          await patch(ctx, a, 'integration', { status: 'DISABLED' });
        } catch (e) {
          if (e instanceof ApiError) {
            throw e.withMessage(`created ${created.id} but could not disable ${a.id}: ${e.message}`, { ambiguous: false });
          }
          throw e;
        }
      }
      return created;
    }
    case 'delete_organisation':
      await ctx.slot(() => ctx.client.request('DELETE', objectPath('/v1/organisations', a.id)));
      return { id: a.id };
  }
}
