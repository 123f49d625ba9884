import pLimit from 'p-limit';
import type { ApiClient } from './client.js';
import { readEnvelope } from './envelope.js';
import { ApiError } from './errors.js';

// Listings that cannot miss an object. Pages are read with an overlap of one item: each page
// must share an object with the one before it. In a fixed order, two pages that share an
// object cover everything between them, so every object that existed for the whole listing
// is seen even while others create and delete (a create balanced by a delete keeps `count`
// the same, and counting could not see it). Pages that do not link get a bridge page read
// between them; if that fails the listing is read again once, then the run stops: nothing is
// planned from a partial listing. After the first page tells the total and the server's real
// page size (it may cap `limit` silently), the other pages are fetched concurrently.

/** Pages in flight per listing once the total is known (organisations and integrations each). */
export const DEFAULT_LIST_CONCURRENCY = 64;
export const DEFAULT_PAGE_SIZE = 500;
/** bridge pages tried between two pages that do not link, before reading everything again */
const MAX_BRIDGE_PAGES = 4;
/** sequential pages at most, as a guard against a server that never ends a listing */
const MAX_SEQUENTIAL_PAGES = 200_000;

export interface ListOptions {
  pageSize?: number;
  concurrency?: number;
  /** whole-listing attempts when pages cannot be linked */
  attempts?: number;
}

export interface Identified {
  id: string;
}

/** Checks one raw item; `where` names the request (`GET /v1/organisations`). */
export type Decoder<T> = (raw: unknown, where: string) => T;

interface Page<T> {
  offset: number;
  items: T[];
  ids: Set<string>;
  count: number | null;
  next: string | null | undefined;
  hasMore: boolean | null;
  /** arrival order: a later read of an object wins */
  seq: number;
}

/** The world moved too much between pages: the listing is read again. */
class Inconsistent extends Error {}

export async function listAll<T extends Identified>(client: ApiClient, path: string, decode: Decoder<T>, opts: ListOptions = {}): Promise<T[]> {
  const attempts = opts.attempts ?? 2;
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      return await new Listing(client, path, decode, opts).read();
    } catch (e) {
      if (!(e instanceof Inconsistent)) throw e;
      last = e.message;
    }
  }
  throw new ApiError(`the listing could not be shown complete after ${attempts} attempts (${last}); nothing was planned from it`, { method: 'GET', path, kind: 'incomplete_listing' });
}

const shares = <T>(a: Page<T>, b: Page<T>) => {
  for (const id of b.ids) if (a.ids.has(id)) return true;
  return false;
};

class Listing<T extends Identified> {
  private seq = 0;
  /** the server's real page size, from the first page */
  private step = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly path: string,
    private readonly decode: Decoder<T>,
    private readonly opts: ListOptions,
  ) {}

  /** A listing the server answers wrongly stops at once, without reading it again. */
  private broken(message: string): ApiError {
    return new ApiError(message, { method: 'GET', path: this.path, kind: 'incomplete_listing' });
  }

  private async page(offset: number, limit: number, url?: string): Promise<Page<T>> {
    const res = url ? await this.client.request('GET', url) : await this.client.request('GET', this.path, { query: { limit, offset } });
    const env = readEnvelope(res.data);
    if (!env) {
      const keys = res.data && typeof res.data === 'object' ? Object.keys(res.data).join(', ') : typeof res.data;
      throw new ApiError(`unrecognised list body (${keys || 'empty'})`, { status: 200, method: 'GET', path: this.path, kind: 'non_json' });
    }
    const where = `GET ${this.path}`;
    const items = env.items.map((raw) => this.decode(raw, where));
    return { offset, items, ids: new Set(items.map((i) => i.id)), count: env.count, next: env.next, hasMore: env.hasMore, seq: this.seq++ };
  }

  async read(): Promise<T[]> {
    const first = await this.page(0, this.opts.pageSize ?? DEFAULT_PAGE_SIZE);
    this.step = first.items.length;
    const pages = first.count !== null ? await this.byCount(first) : await this.sequential(first);
    const byId = new Map<string, T>();
    for (const p of pages.sort((a, b) => a.seq - b.seq)) for (const it of p.items) byId.set(it.id, it);
    return [...byId.values()];
  }

  /** A page at a later offset that repeats the first page: the server ignores `offset`. */
  private checkAdvances(p: Page<T>, first: Page<T>) {
    if (p.offset > 0 && p.items.length > 0 && p.items[0]!.id === first.items[0]?.id && p.items.length === first.items.length && [...p.ids].every((id) => first.ids.has(id))) {
      throw this.broken(`the server ignores offset: the page at offset ${p.offset} repeats the first page`);
    }
  }

  /** The total is known: plan every page, fetch them concurrently, link them. */
  private async byCount(first: Page<T>): Promise<Page<T>[]> {
    const total = first.count!;
    const step = this.step;
    if (step === 0) {
      if (total > 0) throw new Inconsistent(`empty first page but count ${total}`);
      return [first];
    }
    if (step >= total && first.hasMore !== true) return [first];
    if (step < 2) return this.singles(first, total);
    const stride = step - 1;
    const offsets: number[] = [];
    for (let o = 0; o + step < total; ) offsets.push((o += stride));
    const limit = pLimit(this.opts.concurrency ?? DEFAULT_LIST_CONCURRENCY);
    let stop = false;
    const fetched = await Promise.all(
      offsets.map((o) =>
        limit(async () => {
          if (stop) return null;
          const p = await this.page(o, step);
          try {
            this.checkAdvances(p, first);
          } catch (e) {
            stop = true; // start no further page of a listing that cannot succeed
            throw e;
          }
          return p;
        }),
      ),
    );
    const chain = [first];
    for (const p of fetched) {
      if (!p || p.items.length === 0) continue;
      const prev = chain.at(-1)!;
      if (!shares(prev, p)) chain.push(...(await this.bridge(prev, p)));
      chain.push(p);
    }
    // a full last page while the server counts more: objects were created meanwhile
    let last = chain.at(-1)!;
    while (last.items.length >= step && (last.count ?? 0) > last.offset + last.items.length) {
      const p = await this.page(last.offset + last.items.length - 1, step);
      if (p.items.length === 0) break;
      if (!shares(last, p)) chain.push(...(await this.bridge(last, p)));
      chain.push(p);
      last = p;
    }
    return chain;
  }

  /**
   * Pages between `a` and `b` that link them: the first centred on a's last item (objects may
   * have moved either way), then onwards with an overlap of one.
   */
  private async bridge(a: Page<T>, b: Page<T>): Promise<Page<T>[]> {
    const out: Page<T>[] = [];
    let cur = a;
    for (let i = 0; i < MAX_BRIDGE_PAGES; i++) {
      const lastPos = cur.offset + cur.items.length - 1;
      const p = await this.page(i === 0 ? Math.max(0, lastPos - Math.floor(this.step / 2)) : lastPos, this.step);
      if (!shares(cur, p)) break;
      out.push(p);
      if (shares(p, b) || p.items.length < this.step) return out;
      cur = p;
    }
    throw new Inconsistent(`objects moved between the pages at offsets ${a.offset} and ${b.offset}`);
  }

  /** A server that serves one item a page cannot overlap pages: every page, then the count. */
  private async singles(first: Page<T>, total: number): Promise<Page<T>[]> {
    const limit = pLimit(this.opts.concurrency ?? DEFAULT_LIST_CONCURRENCY);
    const rest = await Promise.all(Array.from({ length: total - 1 }, (_, i) => limit(() => this.page(i + 1, 1))));
    const ids = new Set([...first.ids, ...rest.flatMap((p) => [...p.ids])]);
    if (ids.size !== total) throw new Inconsistent(`${ids.size} distinct objects read but count is ${total}`);
    return [first, ...rest];
  }

  /**
   * No total: one page after the other until the server says the end (has_more false, next
   * null, or an empty page; a short page alone is not the end). A same-origin `next` is
   * followed (a cursor); otherwise offsets with an overlap of one, each page linked to the last.
   */
  private async sequential(first: Page<T>): Promise<Page<T>[]> {
    const chain = [first];
    const seen = new Set(first.ids);
    const visited = new Set<string>();
    let cur = first;
    for (let n = 0; n < MAX_SEQUENTIAL_PAGES; n++) {
      if (cur.items.length === 0 || cur.hasMore === false || cur.next === null) return chain;
      const nextUrl = typeof cur.next === 'string' ? this.sameOrigin(cur.next) : null;
      let p: Page<T>;
      if (nextUrl) {
        if (visited.has(nextUrl)) throw this.broken(`the server's next link repeats (${nextUrl})`);
        visited.add(nextUrl);
        p = await this.page(cur.offset + cur.items.length, 0, nextUrl);
      } else {
        const overlap = cur.items.length >= 2 ? 1 : 0;
        p = await this.page(cur.offset + cur.items.length - overlap, this.opts.pageSize ?? DEFAULT_PAGE_SIZE);
        this.checkAdvances(p, first);
        if (p.items.length <= overlap && [...p.ids].every((id) => seen.has(id))) return chain; // only the overlap: the end
        if (overlap && !shares(cur, p)) {
          this.step = Math.max(2, cur.items.length);
          for (const b of await this.bridge(cur, p)) chain.push(b), b.ids.forEach((id) => seen.add(id));
        }
      }
      if (p.items.length > 0 && [...p.ids].every((id) => seen.has(id))) {
        throw this.broken(`the page at offset ${p.offset} brought no new object: the server does not page as asked`);
      }
      p.ids.forEach((id) => seen.add(id));
      chain.push(p);
      cur = p;
    }
    throw this.broken(`the listing did not end after ${MAX_SEQUENTIAL_PAGES} pages`);
  }

  /** A `next` link is followed only on the API's own origin: the bearer key never goes elsewhere. */
  private sameOrigin(next: string): string | null {
    try {
      const url = new URL(next, this.client.origin);
      return url.origin === this.client.origin ? url.href : null;
    } catch {
      return null;
    }
  }
}
