import type { ApiClient } from './client.js';
import { readEnvelope } from './envelope.js';
import { ApiError } from './errors.js';
import type { Decoder, Identified, Ledger, ListOptions, Verdict } from './paginate.js';

// How a listing's pages are requested; paginate.ts judges what they hold. Pages overlap by one
// object and each must share an object with the one before it: in a fixed order two pages that
// share an object cover everything between them, so every object that existed for the whole
// listing is read while others create and delete. Pages that do not link get bridge pages
// between them. The first page tells the count and the server's real page size (it may cap
// `limit` silently); further pages are planned from the end of what is linked, one wave of
// `concurrency` pages at a time, never all from `count`.

/** bridge pages tried between two pages that do not link, before reading everything again */
const MAX_BRIDGE_PAGES = 4;

export interface Page<T> {
  offset: number;
  items: T[];
  /** id -> index in the page */
  at: Map<string, number>;
  /** an id the page holds twice */
  repeated: string | null;
  count: number | null;
  next: string | null | undefined;
  hasMore: boolean | null;
  /** arrival order: a later read of an object wins */
  seq: number;
  bytes: number;
}

/** A reading that does not add up and cannot go on: read again, then reported. */
export class Disagreement extends Error {}

/** Pages in flight per listing (organisations and integrations each): one wave. */
export const DEFAULT_LIST_CONCURRENCY = 64;
export const DEFAULT_PAGE_SIZE = 500;

/** One reading of a listing, start to end. */
export class Reading<T extends Identified> {
  private seq = 0;
  private readonly pageSize: number;
  private readonly wave: number;

  constructor(
    private readonly client: ApiClient,
    private readonly path: string,
    private readonly decode: Decoder<T>,
    private readonly ledger: Ledger<T>,
    opts: ListOptions,
  ) {
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
    this.wave = Math.max(1, opts.concurrency ?? DEFAULT_LIST_CONCURRENCY);
  }

  async verdict(): Promise<Verdict<T>> {
    try {
      const first = await this.page(0, this.pageSize);
      this.ledger.step = first.items.length;
      this.ledger.join(null, first);
      this.ledger.settle();
      if (first.count === null) await this.sequential(first);
      else await this.counted(first);
    } catch (e) {
      if (!(e instanceof Disagreement)) throw e;
      return { items: [], problem: e.message, withinMotion: false, unconfirmed: false, fingerprint: e.message };
    }
    return this.ledger.judge();
  }

  /** A server that answers wrongly beyond doubt (a next link that loops) stops the run at once. */
  private broken(message: string): ApiError {
    return new ApiError(message, { method: 'GET', path: this.path, kind: 'incomplete_listing' });
  }

  private async page(offset: number, limit: number, url?: string): Promise<Page<T>> {
    this.ledger.request();
    const res = url ? await this.client.request('GET', url) : await this.client.request('GET', this.path, { query: { limit, offset } });
    const read = readEnvelope(res.data);
    if (!read) {
      const keys = res.data && typeof res.data === 'object' ? Object.keys(res.data).join(', ') : typeof res.data;
      throw new ApiError(`unrecognised list body (${keys || 'empty'})`, { status: 200, method: 'GET', path: this.path, kind: 'non_json' });
    }
    if (!read.ok) throw new ApiError(read.problem, { status: 200, method: 'GET', path: this.path, kind: 'invalid_answer' });
    const env = read.envelope;
    const where = `GET ${this.path}`;
    const items = env.items.map((raw) => this.decode(raw, where));
    const at = new Map<string, number>();
    let repeated: string | null = null;
    let bytes = 0;
    items.forEach((it, i) => {
      if (at.has(it.id)) repeated ??= it.id;
      else at.set(it.id, i);
      bytes += weigh(it);
    });
    const p: Page<T> = { offset, items, at, repeated, count: env.count, next: env.next, hasMore: env.hasMore, seq: this.seq++, bytes };
    this.ledger.received(p);
    return p;
  }

  /**
   * A page at a later offset that repeats the first page: the server ignores `offset` (or as
   * many objects were created before them meanwhile: read again).
   */
  private checkAdvances(p: Page<T>, first: Page<T>) {
    if (p.offset > 0 && p.items.length > 0 && p.items[0]!.id === first.items[0]?.id && p.items.length === first.items.length && [...p.at.keys()].every((id) => first.at.has(id))) {
      throw new Disagreement(`the server seems to ignore offset: the page at offset ${p.offset} repeats the first page`);
    }
  }

  /** A page after which the listing goes on: the first page short of the count, or any full page. */
  private full(p: Page<T>): boolean {
    const n = p.items.length;
    return n > 0 && (p.seq === 0 ? n >= this.pageSize || n < (p.count ?? 0) : n >= this.ledger.step);
  }

  /** Pages at `offsets`, all in flight at once (one wave); the wave ends before any failure is told. */
  private async fetch(offsets: number[], first: Page<T>): Promise<Page<T>[]> {
    let failure: { e: unknown } | null = null;
    const settled = await Promise.allSettled(
      offsets.map(async (o) => {
        try {
          const p = await this.page(o, this.ledger.step);
          this.checkAdvances(p, first);
          return p;
        } catch (e) {
          failure ??= { e }; // the first failure in time is the one told
          throw e;
        }
      }),
    );
    if (failure) throw (failure as { e: unknown }).e;
    return settled.map((s) => (s as PromiseFulfilledResult<Page<T>>).value);
  }

  /** The count is known: waves of pages planned from the end of what is linked. */
  private async counted(first: Page<T>) {
    const ledger = this.ledger;
    ledger.byCount = true;
    const c = first.count!;
    const step = ledger.step;
    const { maxObjects, maxPages } = ledger.bounds;
    if (c > maxObjects) throw new Disagreement(`the server counted ${c.toLocaleString('en')} objects, more than a listing may hold (${maxObjects.toLocaleString('en')}); its first page held ${step}`);
    if (!this.full(first)) return;
    const need = step === 1 ? c : 1 + Math.ceil(Math.max(0, c - step) / (step - 1));
    if (need > maxPages) throw new Disagreement(`the server counted ${c.toLocaleString('en')} objects in pages of ${step}: ${need.toLocaleString('en')} pages, more than a listing may read (${maxPages.toLocaleString('en')})`);
    // one object a page cannot overlap: every page is read, and a second reading must agree
    ledger.unlinked = step === 1;
    const stride = step === 1 ? 1 : step - 1;
    let tail = first;
    let stepsBack = 0;
    while (this.full(tail)) {
      const offsets: number[] = [];
      for (let o = tail.offset + stride; ; o += stride) {
        offsets.push(o);
        if (offsets.length >= this.wave || o + step > ledger.latest) break;
      }
      const from = tail;
      for (const p of await this.fetch(offsets, first)) {
        if (p.items.length === 0) continue; // past the end (the ledger says whether the count agrees)
        if (step === 1 ? ledger.join(null, p) : ledger.join(tail, p)) tail = p;
        else tail = await this.bridge(tail, p);
      }
      ledger.settle();
      if (tail !== from) stepsBack = 0;
      else if (step === 1) return;
      else {
        // Past a full page only empty pages: objects moved down (deleted before it), so read
        // where its last object now is and go on from there.
        if (++stepsBack > MAX_BRIDGE_PAGES) throw new Disagreement(`objects moved past the page at offset ${tail.offset} by more than ${MAX_BRIDGE_PAGES} pages could follow`);
        tail = await this.stepBack(tail, ledger.latest);
        ledger.settle();
      }
    }
  }

  /**
   * The page centred where the last object of `tail` should now be (before `end`, the count),
   * after pages past it came back empty: objects before it were deleted meanwhile.
   */
  private async stepBack(tail: Page<T>, end: number): Promise<Page<T>> {
    const step = this.ledger.step;
    const lastPos = Math.min(tail.offset + tail.items.length - 1, end - 1);
    const p = await this.page(Math.max(0, lastPos - Math.floor(step / 2)), step);
    if (!this.ledger.join(tail, p)) throw new Disagreement(`objects moved past the page at offset ${tail.offset}: none of its objects could be found again`);
    return p;
  }

  /**
   * Pages from `a` towards `b` that link them: the first centred on a's last object (objects
   * may have moved either way), then onwards with an overlap of one. Returns the new tail: `b`,
   * or the last bridge page when the end came first and `b` holds only objects read already.
   */
  private async bridge(a: Page<T>, b: Page<T>): Promise<Page<T>> {
    const step = this.ledger.step;
    let cur = a;
    for (let i = 0; i < MAX_BRIDGE_PAGES; i++) {
      const lastPos = cur.offset + cur.items.length - 1;
      const p = await this.page(i === 0 ? Math.max(0, lastPos - Math.floor(step / 2)) : lastPos, step);
      if (!this.ledger.join(cur, p)) break;
      if (this.ledger.join(p, b)) return b;
      if (p.items.length < step) {
        if ([...b.at.keys()].every((id) => this.ledger.has(id))) return p;
        break;
      }
      cur = p;
    }
    throw new Disagreement(`objects moved between the pages at offsets ${a.offset} and ${b.offset} by more than ${MAX_BRIDGE_PAGES} bridge pages could link`);
  }

  /**
   * No count: one page after the other until the server says the end (has_more false, next
   * null, or an empty page; a short page alone is not the end). A same-origin `next` is
   * followed (a cursor); otherwise offsets with an overlap of one, each page linked to the last.
   */
  private async sequential(first: Page<T>) {
    const ledger = this.ledger;
    const visited = new Set<string>();
    let cur = first;
    let stepsBack = 0;
    /** the most objects a page held: the server's page size, as far as is known */
    let widest = first.items.length;
    for (;;) {
      if (cur.items.length === 0 || cur.hasMore === false || cur.next === null) return;
      const saidMore = cur.hasMore === true || typeof cur.next === 'string';
      const nothing = () => saidMore && ledger.note(`the page at offset ${cur.offset} says there is more, but the next page brings nothing new`);
      const nextUrl = typeof cur.next === 'string' ? this.sameOrigin(cur.next) : null;
      const fresh = (q: Page<T>) => [...q.at.keys()].some((id) => !ledger.has(id));
      let p: Page<T>;
      if (nextUrl) {
        // a cursor: pages cannot overlap, each must bring something new
        if (visited.has(nextUrl)) throw this.broken(`the server's next link repeats (${nextUrl})`);
        visited.add(nextUrl);
        p = await this.page(cur.offset + cur.items.length, 0, nextUrl);
        if (p.items.length === 0) return void nothing();
        if (!fresh(p)) throw new Disagreement(`the page at ${nextUrl} brought no new object: the server does not page as asked`);
        ledger.join(null, p);
      } else if (cur.items.length < 2) {
        // one object a page cannot overlap: a second reading must agree
        ledger.unlinked = true;
        p = await this.page(cur.offset + cur.items.length, this.pageSize);
        this.checkAdvances(p, first);
        if (p.items.length === 0) return void nothing();
        if (!fresh(p)) throw new Disagreement(`the page at offset ${p.offset} brought no new object: the server does not page as asked`);
        ledger.join(null, p);
      } else {
        p = await this.page(cur.offset + cur.items.length - 1, this.pageSize);
        this.checkAdvances(p, first);
        ledger.step = widest = Math.max(widest, cur.items.length, p.items.length);
        const brings = fresh(p);
        if (ledger.join(cur, p)) {
          if (!brings && p.items.length < widest) return void nothing(); // only what was read, and short: the end
          // a full page of objects read already: objects were created before them meanwhile
          if (brings) stepsBack = 0;
          else if (++stepsBack > MAX_BRIDGE_PAGES) throw new Disagreement(`objects moved past the page at offset ${cur.offset} by more than ${MAX_BRIDGE_PAGES} pages could follow`);
        } else if (brings) p = await this.bridge(cur, p);
        else {
          // nothing where the last object should be: objects moved down (deleted before it)
          if (++stepsBack > MAX_BRIDGE_PAGES) throw new Disagreement(`objects moved past the page at offset ${cur.offset} by more than ${MAX_BRIDGE_PAGES} pages could follow`);
          p = await this.stepBack(cur, Infinity);
        }
      }
      ledger.settle();
      cur = p;
    }
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

/** Estimated bytes of a decoded object (paginate.ts bounds them): strings at a byte a character. */
export function weigh(x: object): number {
  let n = 32;
  for (const v of Object.values(x)) {
    if (typeof v === 'string') n += v.length + 8;
    else if (Array.isArray(v)) for (const s of v) n += (typeof s === 'string' ? s.length : 0) + 8;
    else n += 8;
  }
  return n;
}
