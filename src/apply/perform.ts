import type { ApiClient } from '../live/client.js';
import { ApiError } from '../live/errors.js';
import { decoderFor, objectPath, type Collection } from '../live/decode.js';
import { listObjects } from '../live/state.js';
import { CUSTOM_ORDERS, type Action } from '../model.js';
import { intNameKey, orgNameKey } from '../names.js';
import { sameSet } from '../plan/match.js';

// One function per action kind. Writes are made safe to repeat: PATCH and DELETE are
// retried by the client; a POST whose outcome is unknown is followed by a look-up by name
// before it is ever sent again, so nothing is created twice.

export interface PerformContext {
  client: ApiClient;
  /** ids of organisations created in this run, by address */
  created: Map<string, string>;
  /** every live id the plan acts on: never the object a create is looking for */
  planned: Set<string>;
}

export interface Performed {
  id: string | null;
  recovered?: boolean;
}

const POST_ATTEMPTS = 3;
type Named = { id: string; name: string };

/** POST; after an ambiguous failure, look the object up; only when absent is it sent again. */
async function createOnce(client: ApiClient, path: Collection, body: Record<string, unknown>, lookup: () => Promise<Named | null>): Promise<Performed> {
  let last: unknown;
  for (let attempt = 1; attempt <= POST_ATTEMPTS; attempt++) {
    try {
      const res = await client.request('POST', path, { body });
      // a create proves itself with the object it made: `200 {}` is not "done"
      return { id: decoderFor(path)(res.data, `POST ${path}`).id };
    } catch (e) {
      if (!(e instanceof ApiError) || !e.ambiguous) throw e;
      last = e;
      const found = await lookup();
      if (found) return { id: found.id, recovered: true };
    }
  }
  throw last;
}

function single(found: Named[], what: string): Named | null {
  if (found.length > 1) {
    throw new ApiError(`after an ambiguous create, ${found.length} matching ${what} exist (${found.map((f) => f.id).join(', ')}); not creating another`, null, 'AMBIGUOUS_CREATE', 'POST', what);
  }
  return found[0] ?? null;
}

async function createIntegration(a: Action, ctx: PerformContext): Promise<Performed> {
  const orgId = a.organisation_id ?? (a.organisation ? ctx.created.get(a.organisation) : undefined);
  if (!orgId) throw new ApiError(`the organisation ${a.organisation} has no id`, null, null, 'POST', '/v1/integrations');
  const body: Record<string, unknown> = { ...a.body, organisation_id: orgId };
  const wanted = (body.merchant_ids as string[]) ?? [];
  return createOnce(ctx.client, '/v1/integrations', body, async () => {
    const all = await listObjects(ctx.client, '/v1/integrations');
    return single(
      all.filter(
        (i) =>
          !ctx.planned.has(i.id) && // e.g. a replace's old integration, or one being renamed away
          i.organisation_id === orgId &&
          intNameKey(i.name) === intNameKey(String(body.name)) &&
          i.type === CUSTOM_ORDERS &&
          i.status === body.status &&
          sameSet(i.merchant_ids, wanted),
      ),
      'integrations',
    );
  });
}

export async function perform(a: Action, ctx: PerformContext): Promise<Performed> {
  const { client } = ctx;
  switch (a.kind) {
    case 'create_organisation': {
      const name = String(a.body?.name);
      const r = await createOnce(client, '/v1/organisations', { name }, async () => {
        const all = await listObjects(client, '/v1/organisations');
        // an organisation the plan renames may still carry this name: it is not ours
        return single(all.filter((o) => !ctx.planned.has(o.id) && orgNameKey(o.name) === orgNameKey(name)), 'organisations');
      });
      if (r.id) ctx.created.set(a.address, r.id);
      return r;
    }
    case 'rename_organisation':
      await client.request('PATCH', objectPath('/v1/organisations', a.id), { body: a.body });
      return { id: a.id };
    case 'create_integration':
      return createIntegration(a, ctx);
    case 'update_integration':
      await client.request('PATCH', objectPath('/v1/integrations', a.id), { body: a.body });
      return { id: a.id };
    case 'replace_integration': {
      const created = await createIntegration(a, ctx);
      // the old one is disabled unless it already was (re-enabling is what made this a replace)
      if (a.changes.status?.from !== 'DISABLED') {
        try {
          await client.request('PATCH', objectPath('/v1/integrations', a.id), { body: { status: 'DISABLED' } });
        } catch (e) {
          if (e instanceof ApiError) {
            throw new ApiError(`created ${created.id} but could not disable ${a.id}: ${e.message}`, e.status, e.code, e.method, e.path, e.kind);
          }
          throw e;
        }
      }
      return created;
    }
    case 'delete_organisation':
      await client.request('DELETE', objectPath('/v1/organisations', a.id));
      return { id: a.id };
  }
}
