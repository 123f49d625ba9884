import { INTEGRATIONS, ORGANISATIONS } from '../api.js';
import * as api from '../live/api.js';
import type { LiveObject } from '../live/api.js';
import type { ApiClient } from '../live/client.js';
import { ApiError } from '../live/errors.js';
import { CUSTOM_ORDERS, type Action, type CreateIntegrationAction, type LiveIntegration, type LiveOrganisation, type ReplaceIntegrationAction } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { sameSet } from '../plan/match.js';
import type { Creates } from './creates.js';

// One function per action kind, over the typed calls of live/api.ts. PATCH and DELETE are
// retried by the client; creates go through Creates, so an uncertain POST is looked for before
// it is ever sent again. Every answer that carries a name is compared with the name sent.

export interface PerformContext {
  client: ApiClient;
  creates: Creates;
  /** runs requests inside the run's concurrency limit */
  slot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** ids of organisations created in this run, by address (once settled: the kept one) */
  created: Map<string, string>;
  /** resolves once the run's organisation creates have settled and namesakes are resolved */
  orgsSettled: () => Promise<void>;
  /** this run's duplicates repaired: the loser's id, and the id kept in its place */
  replacedBy: Map<string, string>;
}

export interface Performed {
  id: string | null;
  recovered?: boolean;
  /** POSTs sent before it was found (a late twin of the others is the closing check's to find) */
  resent?: number;
  /** what the server did differently from what was asked */
  notes?: string[];
}

/** A server that stored another name than the one sent: the file cannot converge as written. */
function storedName(key: (name: string) => string, sent: string | undefined, answer: unknown): string[] {
  const name = answer && typeof answer === 'object' && 'name' in answer ? answer.name : undefined;
  if (sent === undefined || typeof name !== 'string' || key(name) === key(sent)) return [];
  return [`the server stored the name as ${JSON.stringify(name)} (sent ${JSON.stringify(sent)}): the file will not converge until it says ${JSON.stringify(name)}`];
}

const isOrganisation = (o: LiveObject): o is LiveOrganisation => !('organisation_id' in o);
const isIntegration = (o: LiveObject): o is LiveIntegration => 'organisation_id' in o;

async function createOrganisation(ctx: PerformContext, address: string, name: string): Promise<Performed> {
  const matches = (o: LiveObject): o is LiveOrganisation => isOrganisation(o) && orgNameKey(o.name) === orgNameKey(name);
  const r = await ctx.creates.create(ORGANISATIONS, (idempotencyKey) => api.createOrganisation(ctx.client, name, { idempotencyKey }), matches, ctx.slot);
  ctx.created.set(address, r.id);
  return { id: r.id, recovered: r.recovered, resent: r.resent, notes: storedName(orgNameKey, name, r.object) };
}

async function createIntegration(ctx: PerformContext, a: CreateIntegrationAction | ReplaceIntegrationAction): Promise<Performed> {
  if (!a.organisation_id) await ctx.orgsSettled(); // its organisation is new: use the kept one
  const orgId = a.organisation_id ?? ctx.created.get(a.organisation);
  if (!orgId) throw new ApiError(`the organisation ${a.organisation} has no id`, { method: 'POST', path: INTEGRATIONS });
  const fields = a.body;
  const matches = (o: LiveObject): o is LiveIntegration =>
    isIntegration(o) && o.organisation_id === orgId && intNameKey(o.name) === intNameKey(fields.name) && o.type === CUSTOM_ORDERS && o.status === fields.status && sameSet(o.merchant_ids, fields.merchant_ids);
  const r = await ctx.creates.create(INTEGRATIONS, (idempotencyKey) => api.createIntegration(ctx.client, orgId, fields, { idempotencyKey }), matches, ctx.slot);
  return { id: r.id, recovered: r.recovered, resent: r.resent, notes: storedName(intNameKey, fields.name, r.object) };
}

export async function perform(a: Action, ctx: PerformContext): Promise<Performed> {
  switch (a.kind) {
    case 'create_organisation':
      return createOrganisation(ctx, a.address, a.body.name);
    case 'rename_organisation': {
      const answer = await ctx.slot(() => api.renameOrganisation(ctx.client, a.id, a.body.name));
      return { id: a.id, notes: storedName(orgNameKey, a.body.name, answer) };
    }
    case 'create_integration':
      return createIntegration(ctx, a);
    case 'update_integration': {
      const answer = await ctx.slot(() => api.updateIntegration(ctx.client, a.id, { name: a.body.name, disable: a.body.status === 'DISABLED' }));
      return { id: a.id, notes: storedName(intNameKey, a.body.name, answer) };
    }
    case 'replace_integration': {
      const created = await createIntegration(ctx, a);
      // the old one is disabled unless it already was (re-enabling is what made this a replace)
      if (a.changes.status?.from !== 'DISABLED') {
        try {
          await ctx.slot(() => api.updateIntegration(ctx.client, a.id, { disable: true }));
        } catch (e) {
          if (e instanceof ApiError) throw e.withMessage(`created ${created.id} but could not disable ${a.id}: ${e.message}`, { ambiguous: false });
          throw e;
        }
      }
      return created;
    }
    case 'delete_organisation':
      await ctx.slot(() => api.deleteOrganisation(ctx.client, a.id));
      return { id: a.id };
  }
}
