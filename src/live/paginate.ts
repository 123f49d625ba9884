import type { ApiClient } from './client.js';
import { ApiError } from './errors.js';
import { Disagreement, Reading, weigh, type Page } from './pages.js';

// Listings planned from only when they add up (guarantee G4). This file is the one place where
// a listing is judged: `Ledger` checks every page and the whole, `listAll` decides whether to
// read again or stop. How pages are requested (overlapping pages, waves, bridges) is pages.ts.
//
// Adding up means:
// (1) Every page is a possible snapshot: no id twice; with a count, exactly
//     min(page size, count - offset) objects; `has_more` and `next` say "more" exactly when
//     offset + objects < count; without a count, "more" is never followed by nothing new.
// (2) Two linked pages keep the order of the objects they share, and an object read on an
//     earlier page never comes back beyond the link (in a fixed order it cannot).
// (3) The distinct objects number between the least and the largest count the pages gave.
//     Another writer can push that out by one for each place it moves objects by while pages
//     are read (an object deleted after it was read and one created before the end was: the
//     count stays, one more object is read); objects met at two positions show those moves. A
//     reading only inside that slack is taken when it is read again and the account is seen
//     to have changed: a server telling the same inconsistent story twice is wrong, not busy.
// (4) Pages of one object cannot overlap (nothing shows a move): such a reading is taken
//     only when a second reading finds the same.
// (5) Bounded: a reading holds at most maxObjects objects and maxBytes, and reads at most
//     maxPages pages; a count beyond them stops at the first page.
// A reading that does not add up is read again once; then the run stops with one line naming
// the endpoint and the figures. A server that answers wrongly beyond doubt (it ignores
// offset, its next link loops) stops the run at once.

export { DEFAULT_LIST_CONCURRENCY, DEFAULT_PAGE_SIZE } from './pages.js';
/** One reading's bounds: twice the largest account cbsync is built for (500,000 integrations). */
export const LISTING_BOUNDS = { maxObjects: 1_000_000, maxPages: 20_000, maxBytes: 256 * 1024 * 1024 } as const;

export interface ListOptions {
  pageSize?: number;
  concurrency?: number;
  /** readings of a listing that does not add up before the run stops (default 2) */
  attempts?: number;
  maxObjects?: number;
  maxPages?: number;
  /** estimated bytes of the decoded objects held (one byte a character) */
  maxBytes?: number;
  /** added to as listings go (shared by the listings given the same object) */
  stats?: ListingStats;
}

export interface ListingStats {
  readings: number;
  /** list requests sent (a page retried by the client counts once) */
  pages: number;
  /** objects received, repeats included */
  objectsRead: number;
  /** the most objects, and estimated bytes, one reading held at once */
  maxHeld: number;
  maxBytesHeld: number;
}

export const newListingStats = (): ListingStats => ({ readings: 0, pages: 0, objectsRead: 0, maxHeld: 0, maxBytesHeld: 0 });

export interface Identified {
  id: string;
}

/** Checks one raw item; `where` names the request (`GET /v1/organisations`). */
export type Decoder<T> = (raw: unknown, where: string) => T;

export interface Verdict<T> {
  items: T[];
  problem: string | null;
  /** the only problem is a distinct count inside the slack of what was seen to move */
  withinMotion: boolean;
  /** pages that could not overlap: taken only when read twice alike */
  unconfirmed: boolean;
  /** what was read, to tell one reading from another */
  fingerprint: string;
}

const fmt = (n: number) => n.toLocaleString('en');
export const objects = (n: number) => `${fmt(n)} object${n === 1 ? '' : 's'}`;
const mib = (n: number) => (n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MiB` : `${+(n / 1024).toFixed(1)} KiB`);

export async function listAll<T extends Identified>(client: ApiClient, path: string, decode: Decoder<T>, opts: ListOptions = {}): Promise<T[]> {
  const attempts = Math.max(1, opts.attempts ?? 2);
  const stats = opts.stats ?? newListingStats();
  const seen: Verdict<T>[] = [];
  for (let i = 1; i <= attempts; i++) {
    const ledger = new Ledger<T>(opts, stats);
    const v = await new Reading(client, path, decode, ledger, opts).verdict();
    const prev = seen.at(-1);
    if (!v.problem && (!v.unconfirmed || (prev && !prev.problem && prev.fingerprint === v.fingerprint))) return v.items;
    // inside the slack of what moved, and the account changed since the last reading: busy, not wrong
    if (v.withinMotion && prev && prev.fingerprint !== v.fingerprint) return v.items;
    seen.push(v);
  }
  const told = (v: Verdict<T>) => v.problem ?? `pages of one object cannot overlap, and ${attempts === 1 ? 'the listing was read once' : 'two readings differ'} (${objects(v.items.length)} read)`;
  const [first, last] = [told(seen[0]!), told(seen.at(-1)!)];
  const again = attempts === 1 || seen.at(-1)!.unconfirmed ? '' : first === last ? ' (the same when read again)' : ` (when first read: ${first})`;
  throw new ApiError(`${last}${again}; nothing was planned from it`, { method: 'GET', path, kind: 'incomplete_listing' });
}

/** What one reading has read, and whether it adds up. */
export class Ledger<T extends Identified> {
  /** the server's real page size, from the first page (0 until then) */
  step = 0;
  /** pages are judged against a count */
  byCount = false;
  /** pages were read that could not overlap */
  unlinked = false;
  requests = 0;
  /** the count of the page that arrived last */
  latest = 0;
  private readonly tally = new Map<string, T>();
  private tallyBytes = 0;
  /** objects and bytes in pages received but not yet joined or dropped */
  private loose = 0;
  private looseBytes = 0;
  private minCount = Infinity;
  private maxCount = -Infinity;
  /** places objects were seen to move between linked pages */
  private moved = 0;
  private readonly notes: string[] = [];
  readonly bounds: { maxObjects: number; maxPages: number; maxBytes: number };

  constructor(
    opts: ListOptions,
    private readonly stats: ListingStats,
  ) {
    const given = Object.entries({ maxObjects: opts.maxObjects, maxPages: opts.maxPages, maxBytes: opts.maxBytes }).filter(([, v]) => v !== undefined);
    this.bounds = { ...LISTING_BOUNDS, ...Object.fromEntries(given) };
    stats.readings++;
  }

  get size(): number {
    return this.tally.size;
  }

  has(id: string): boolean {
    return this.tally.has(id);
  }

  note(problem: string) {
    this.notes.push(problem);
  }

  /** Before a request: (5) the pages bound. */
  request() {
    if (this.requests >= this.bounds.maxPages) throw new Disagreement(`the listing needed more than ${fmt(this.bounds.maxPages)} pages (${objects(this.tally.size)} read)`);
    this.requests++;
    this.stats.pages++;
  }

  /** A page as it arrives: (5) the bounds on what is held, then (1) the page as a snapshot. */
  received(p: Page<T>) {
    const n = p.items.length;
    this.stats.objectsRead += n;
    // a page that would take the reading past its bounds is dropped, never held
    const held = this.tally.size + this.loose + n;
    const heldBytes = this.tallyBytes + this.looseBytes + p.bytes;
    if (held > this.bounds.maxObjects) throw new Disagreement(`the listing would hold more than ${objects(this.bounds.maxObjects)} (${fmt(this.requests)} pages read)`);
    if (heldBytes > this.bounds.maxBytes) throw new Disagreement(`the listing would hold more than ${mib(this.bounds.maxBytes)} of objects (${objects(held)}, ${fmt(this.requests)} pages read)`);
    this.loose += n;
    this.looseBytes += p.bytes;
    this.stats.maxHeld = Math.max(this.stats.maxHeld, held);
    this.stats.maxBytesHeld = Math.max(this.stats.maxBytesHeld, heldBytes);
    if (p.repeated) this.note(`the page at offset ${fmt(p.offset)} holds ${JSON.stringify(p.repeated.slice(0, 60))} twice`);
    if (p.count !== null) this.snapshot(p, p.count);
  }

  private snapshot(p: Page<T>, c: number) {
    const { offset: o } = p;
    const n = p.items.length;
    this.minCount = Math.min(this.minCount, c);
    this.maxCount = Math.max(this.maxCount, c);
    this.latest = c;
    if (p.seq === 0) {
      if (n > c) this.note(`the first page holds ${objects(n)} but the server counted ${fmt(c)}`);
      else if (n === 0 && c > 0) this.note(`the first page is empty but the server counted ${fmt(c)}`);
    } else if (this.byCount) {
      const due = Math.min(this.step, Math.max(0, c - o));
      if (n > due) this.note(o + n > c ? `the page at offset ${fmt(o)} holds ${objects(n)} but the server counted ${fmt(c)}` : `the page at offset ${fmt(o)} holds ${objects(n)}, more than the ${fmt(this.step)} of a page`);
      else if (n < due) this.note(`the page at offset ${fmt(o)} holds ${objects(n)} where the server's count of ${fmt(c)} means ${fmt(due)}`);
    }
    const more = o + n < c;
    if (p.hasMore !== null && p.hasMore !== more) this.note(`the page at offset ${fmt(o)} says has_more ${p.hasMore} but ends ${more ? 'before' : 'at'} the count of ${fmt(c)}`);
    if (p.next !== undefined && (p.next !== null) !== more) this.note(`the page at offset ${fmt(o)} ${more ? 'has no' : 'has a'} next link but ends ${more ? 'before' : 'at'} the count of ${fmt(c)}`);
  }

  /**
   * (2) Links `p` to `prev` when they share an object, and takes its objects: shared ones by
   * the later read, others only when new. The places shared objects moved by add to `moved`.
   * False (nothing taken) when they share nothing. Without `prev` the page is taken as it is.
   */
  join(prev: Page<T> | null, p: Page<T>): boolean {
    let first = -1;
    if (prev) {
      let last = -1;
      let shift = -1;
      for (const [id, j] of p.at) {
        const i = prev.at.get(id);
        if (i === undefined) continue;
        if (i < last) this.note(`objects changed order between the pages at offsets ${fmt(prev.offset)} and ${fmt(p.offset)}`);
        if (first < 0) first = j;
        last = i;
        shift = Math.max(shift, Math.abs(p.offset + j - (prev.offset + i)));
      }
      if (shift < 0) return false;
      this.moved += shift;
    }
    p.items.forEach((it, j) => {
      const old = this.tally.get(it.id);
      if (old && prev?.at.has(it.id) && prev.seq > p.seq) return; // the earlier read of the two
      if (old && prev && !prev.at.has(it.id) && j > first) {
        return this.note(`${JSON.stringify(it.id.slice(0, 60))} came back at offset ${fmt(p.offset + j)}, after the pages linked`);
      }
      if (old) this.tallyBytes -= weigh(old);
      this.tally.set(it.id, it);
      this.tallyBytes += weigh(it);
    });
    return true;
  }

  /** Pages received so far are joined or dropped. */
  settle() {
    this.loose = 0;
    this.looseBytes = 0;
  }

  /** (3), (4): the distinct objects against the counts; the first problem met, with the figures. */
  judge(): Verdict<T> {
    const d = this.tally.size;
    const items = [...this.tally.values()];
    let problem = this.notes[0] ?? null;
    let withinMotion = false;
    if (this.maxCount >= 0 && (d < this.minCount || d > this.maxCount)) {
      const said = this.minCount === this.maxCount ? fmt(this.minCount) : `between ${fmt(this.minCount)} and ${fmt(this.maxCount)}`;
      const moved = this.moved ? `; objects seen to move by ${fmt(this.moved)} place${this.moved === 1 ? '' : 's'}` : '';
      const head = `${fmt(d)} distinct object${d === 1 ? '' : 's'} read but the server counted ${said} (${fmt(this.requests)} page${this.requests === 1 ? '' : 's'}${moved})`;
      withinMotion = !problem && d >= this.minCount - this.moved && d <= this.maxCount + this.moved;
      problem = problem ? `${head}: ${problem}` : head;
    }
    const unconfirmed = !problem && this.unlinked;
    return { items, problem, withinMotion, unconfirmed, fingerprint: problem || unconfirmed ? this.fingerprint() : '' };
  }

  /** What was read, independent of order: the ids (hashed) and the counts. */
  private fingerprint(): string {
    let sum = 0;
    let xor = 0;
    for (const id of this.tally.keys()) {
      let h = 0x811c9dc5;
      for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
      sum = (sum + h) | 0;
      xor ^= h;
    }
    return `${this.tally.size}:${sum}:${xor}:${this.minCount}:${this.maxCount}`;
  }
}
