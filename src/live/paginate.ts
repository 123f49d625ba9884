import pLimit from 'p-limit';
import type { ApiClient } from './client.js';
import { readEnvelope, type Envelope } from './envelope.js';
import { ApiError } from './errors.js';

// Safe listing: large pages, a server that silently caps `limit`, the remaining pages fetched
// concurrently once the first page tells the total, de-duplication by id and a check against
// the total. A listing that cannot be shown complete is retried once, then the run stops:
// destructive actions are never planned from a partial listing.

/** Pages in flight per listing once the total is known (organisations and integrations each). */
export const DEFAULT_LIST_CONCURRENCY = 64;

export interface ListOptions {
  pageSize?: number;
  concurrency?: number;
  /** whole-listing attempts when the result is inconsistent */
  attempts?: number;
}

export interface Identified {
  id: string;
}

class Inconsistent extends Error {}

export async function listAll<T extends Identified>(client: ApiClient, path: string, opts: ListOptions = {}): Promise<T[]> {
  const attempts = opts.attempts ?? 2;
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      return await listOnce<T>(client, path, opts);
    } catch (e) {
      if (!(e instanceof Inconsistent)) throw e;
      last = e.message;
    }
  }
  throw new ApiError(
    `the listing could not be shown complete after ${attempts} attempts (${last}); nothing was planned from it`,
    null,
    null,
    'GET',
    path,
    'incomplete_listing',
  );
}

async function getPage(client: ApiClient, path: string, offset: number, limit: number): Promise<Envelope> {
  const res = await client.request('GET', path, { query: { limit, offset } });
  return envelopeOf(res.data, path);
}

function envelopeOf(data: unknown, path: string): Envelope {
  const env = readEnvelope(data);
  if (!env) {
    const keys = data && typeof data === 'object' ? Object.keys(data).join(', ') : typeof data;
    throw new ApiError(`unrecognised list body (${keys || 'empty'})`, 200, null, 'GET', path, 'non_json');
  }
  for (const item of env.items) {
    if (typeof item !== 'object' || item === null || typeof (item as Identified).id !== 'string') {
      throw new ApiError('list item without a string id', 200, null, 'GET', path, 'non_json');
    }
  }
  return env;
}

async function listOnce<T extends Identified>(client: ApiClient, path: string, opts: ListOptions): Promise<T[]> {
  const pageSize = opts.pageSize ?? 500;
  const byId = new Map<string, T>();
  const add = (items: unknown[]) => {
    for (const it of items) byId.set((it as T).id, it as T);
  };
  const first = await getPage(client, path, 0, pageSize);
  add(first.items);
  const total = first.count;

  if (total !== null) {
    if (first.items.length === 0 && total > 0) throw new Inconsistent(`empty first page but count ${total}`);
    const step = first.items.length; // the server's real page size (it may cap `limit` silently)
    const limit = pLimit(opts.concurrency ?? DEFAULT_LIST_CONCURRENCY);
    const chunks: Promise<void>[] = [];
    for (let offset = step; offset < total; offset += step) {
      chunks.push(
        limit(async () => {
          // a chunk is fetched until covered, in case a page comes back shorter than the first
          for (let got = 0; got < step && offset + got < total; ) {
            const page = await getPage(client, path, offset + got, step - got);
            if (page.count !== total) throw new Inconsistent(`count changed from ${total} to ${page.count} while listing`);
            if (page.items.length === 0) return;
            add(page.items);
            got += page.items.length;
          }
        }),
      );
    }
    await Promise.all(chunks);
    if (byId.size !== total) throw new Inconsistent(`${byId.size} distinct objects read but count is ${total}`);
    return [...byId.values()];
  }

  // No total: walk sequentially until the server says the end (has_more false, next null,
  // or an empty page). A short page alone is not the end.
  let env = first;
  let offset = first.items.length;
  for (let guard = 0; guard < 100_000; guard++) {
    if (env.items.length === 0 || env.hasMore === false || env.next === null) return [...byId.values()];
    const next = env.next ? sameOriginNext(client, env.next) : null;
    env = next ? envelopeOf((await client.request('GET', next)).data, path) : await getPage(client, path, offset, pageSize);
    add(env.items);
    offset += env.items.length;
  }
  throw new Inconsistent('the listing did not end');
}

/** A `next` link is followed only on the API's own origin: the bearer key never goes elsewhere. */
function sameOriginNext(client: ApiClient, next: string): string | null {
  try {
    const url = new URL(next, client.origin);
    if (url.origin !== client.origin) return null;
    return url.href;
  } catch {
    return null;
  }
}
