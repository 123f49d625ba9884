import { randomUUID } from 'node:crypto';
import type { Collection } from '../api.js';
import { list, type LiveObject } from '../live/api.js';
import type { ApiClient } from '../live/client.js';
import { ApiError } from '../live/errors.js';
import type { ListOptions } from '../live/paginate.js';
import { keptFirst } from './kept.js';

// Creates that cannot be duplicated (Guarantee 6). A POST whose outcome is unknown (a
// timeout, a dropped connection, a 502/503/504 from a gateway that may still be passing the
// write on) is not sent again until listings spread over time show it did not happen: it
// waits beside the other uncertain creates of its collection, and they are looked for
// together, once the run's own POSTs there have settled, then again with backoff until each
// has been looked for at least as long as its failed request took and at least SETTLE_MS.
// Only then is a create not found sent again, with the same Idempotency-Key. A create that
// happened is never reported failed; ids the run already knows are never adopted.

/** POSTs of one create at most, each sent again only when listings show it did not happen. */
export const POST_ATTEMPTS = 3;
/** Resends answered 409 (the same Idempotency-Key still in progress) waited out at most, besides POST_ATTEMPTS. */
const MAX_BUSY = 10;
/** How long an uncertain create is looked for at least, before it is taken as not made. */
export const SETTLE_MS = 10_000;
/** The first pause between two listings that look for uncertain creates; it doubles up to LOOK_MAX_MS. */
const LOOK_FIRST_MS = 250;
const LOOK_MAX_MS = 2_000;

export interface Created<T extends LiveObject> {
  id: string;
  /** the object as the server answered it (or as the resolving listing showed it) */
  object: T;
  /** found by a listing after an uncertain POST, not created twice */
  recovered?: boolean;
  /** POSTs sent before it was found: the closing check looks for a late twin of the others */
  resent?: number;
}

export interface CreatesOptions {
  list?: ListOptions;
  /** the least time an uncertain create is looked for (default SETTLE_MS) */
  settleMs?: number;
  /** Ctrl-C, SIGTERM: nothing is sent again, and nobody waits any longer for an uncertain create */
  signal?: AbortSignal;
}

/** An uncertain create whose looking was cut short: it may or may not have been made. */
class Unknown extends Error {}

interface Pending {
  matches: (o: LiveObject) => boolean;
  /** no sooner than this is it taken as not made */
  deadline: number;
  resolve: (found: LiveObject[]) => void;
  reject: (e: unknown) => void;
}

/** One collection's creates: what is in flight, what is uncertain, the last listing. */
class Gate {
  /** POSTs queued for a slot or on the wire */
  private inflight = 0;
  private pending: Pending[] = [];
  private listing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pause = LOOK_FIRST_MS;
  /** the latest listing, and whether a POST was sent since */
  private last: LiveObject[] | null = null;
  private postsSinceListing = 0;

  constructor(
    private readonly read: () => Promise<LiveObject[]>,
    private readonly claimed: Set<string>,
  ) {}

  begin() {
    this.inflight++;
    this.postsSinceListing++;
  }

  end() {
    this.inflight--;
    this.look();
  }

  /** Resolves with the unclaimed objects that match, or with none once `deadline` has passed unseen. */
  uncertain(matches: (o: LiveObject) => boolean, deadline: number): Promise<LiveObject[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ matches, deadline, resolve, reject });
      this.look();
    });
  }

  /** Stops looking: every waiting create is told its outcome stays unknown. */
  cancel(why: string) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.splice(0).forEach((p) => p.reject(new Unknown(why)));
  }

  /** A fresh listing of the collection (the latest one when no POST went out since). */
  async current(): Promise<LiveObject[]> {
    if (this.last && this.postsSinceListing === 0) return this.last;
    return this.refresh();
  }

  private async refresh(): Promise<LiveObject[]> {
    this.postsSinceListing = 0;
    const objects = await this.read();
    this.last = objects;
    return objects;
  }

  /** One round: list once the run's POSTs here have settled, settle what it can, plan the next round. */
  private look() {
    if (this.inflight > 0 || this.pending.length === 0 || this.listing || this.timer) return;
    // only a listing that began after a create's deadline can show it did not happen
    const began = Date.now();
    this.listing = this.refresh()
      .then(
        (objects) => {
          for (const p of [...this.pending]) {
            const found = objects.filter((o) => !this.claimed.has(o.id) && p.matches(o));
            if (!found.length && began < p.deadline) continue;
            for (const o of found) this.claimed.add(o.id);
            this.pending.splice(this.pending.indexOf(p), 1);
            p.resolve(found);
          }
        },
        // the listing failed: what was uncertain stays so (never "failed" with the listing's error)
        (e) => this.pending.splice(0).forEach((p) => p.reject(new Unknown(`the listing that looks for it failed (${e instanceof ApiError ? e.summary : String(e)})`))),
      )
      .finally(() => {
        this.listing = null;
        if (!this.pending.length) return void (this.pause = LOOK_FIRST_MS);
        // look again with backoff, and once more right at the earliest deadline
        const wait = Math.max(0, Math.min(this.pause, Math.min(...this.pending.map((p) => p.deadline)) - Date.now()));
        this.pause = Math.min(this.pause * 2, LOOK_MAX_MS);
        this.timer = setTimeout(() => {
          this.timer = null;
          this.look();
        }, wait);
      });
  }
}

export class Creates {
  /** ids that existed before the run: never one of its creates */
  readonly known: Set<string>;
  readonly claimed: Set<string>;
  /** every id this run created or adopted: the duplicates it may have to repair */
  readonly ours = new Set<string>();
  /** creates whose outcome was unknown: a fresh object matching one is this run's, even if it landed late */
  readonly uncertain: ((o: LiveObject) => boolean)[] = [];
  /** until when an uncertain create this run gave up waiting for might still land late */
  settlesAt = 0;
  private readonly gates = new Map<Collection, Gate>();
  private readonly settleMs: number;

  constructor(
    private readonly client: ApiClient,
    /** ids known before the run (the plan's live state and the objects it acts on) */
    known: Iterable<string>,
    private readonly opts: CreatesOptions = {},
  ) {
    this.known = new Set(known);
    this.claimed = new Set(this.known);
    this.settleMs = opts.settleMs ?? SETTLE_MS;
    opts.signal?.addEventListener('abort', () => {
      for (const g of this.gates.values()) g.cancel('the run was interrupted before a listing showed it');
    });
  }

  gate(collection: Collection): Gate {
    let g = this.gates.get(collection);
    if (!g) {
      g = new Gate(() => list(this.client, collection, this.opts.list), this.claimed);
      this.gates.set(collection, g);
    }
    return g;
  }

  /** A fresh object this run made, whether it knows its id or only that an uncertain create matches it. */
  isOurs = (o: LiveObject) => this.ours.has(o.id) || (!this.known.has(o.id) && this.uncertain.some((m) => m(o)));

  /**
   * Sends `post` (with one Idempotency-Key for every attempt); after an uncertain failure waits
   * for the listings: found (the oldest of several) is adopted, not found is sent again, at most
   * POST_ATTEMPTS times in all.
   */
  async create<T extends LiveObject>(collection: Collection, post: (idempotencyKey: string) => Promise<T>, matches: (o: LiveObject) => o is T, slot: <R>(fn: () => Promise<R>) => Promise<R>): Promise<Created<T>> {
    const gate = this.gate(collection);
    const idempotencyKey = randomUUID();
    let sent = 0;
    let busy = 0;
    /** the latest time an attempt of this create whose outcome is unknown may still land */
    let lateUntil = 0;
    /** when each attempt whose outcome is unknown failed */
    const failures: number[] = [];
    for (;;) {
      gate.begin();
      const started = Date.now();
      let object: T;
      try {
        object = await slot(() => post(idempotencyKey));
      } catch (e) {
        // a resend answered 409 under its Idempotency-Key: the first attempt is still running
        const inProgress = sent > 0 && e instanceof ApiError && e.status === 409 && busy++ < MAX_BUSY;
        if (!(e instanceof ApiError) || !(e.ambiguous || inProgress)) {
          gate.end();
          throw e;
        }
        if (!inProgress) sent++;
        this.uncertain.push(matches);
        const window = Math.max(this.settleMs, e.elapsedMs ?? Date.now() - started);
        lateUntil = Date.now() + window;
        failures.push(Date.now());
        const found = gate.uncertain(matches, Date.now() + window);
        gate.end();
        let candidates: T[];
        try {
          candidates = (await found).filter(matches);
        } catch (cut) {
          if (!(cut instanceof Unknown)) throw cut;
          this.settlesAt = Math.max(this.settlesAt, lateUntil);
          throw e.withMessage(`${e.message}; its outcome is unknown: ${cut.message}; it may have been made (plan again to see)`, { ambiguous: true });
        }
        const [kept, ...others] = keptFirst(candidates);
        if (kept) {
          for (const o of [kept, ...others]) this.ours.add(o.id);
          // another attempt of it may land later still, about as late as this one did: the closing
          // check waits that long (and half as long again), finds it as this run's, and repairs it
          const lag = Date.now() - (failures[0] ?? Date.now());
          for (const at of failures.slice(1)) this.settlesAt = Math.max(this.settlesAt, lateUntil, at + lag * 1.5);
          return { id: kept.id, object: kept, recovered: true, ...(sent > 1 ? { resent: sent } : {}) };
        }
        // not seen in time: the first attempt may still land late; the closing check waits that long again
        this.settlesAt = Math.max(this.settlesAt, lateUntil);
        if (sent >= POST_ATTEMPTS) {
          throw e.withMessage(`${e.message}; sent ${POST_ATTEMPTS} times, and listings for at least ${(this.settleMs / 1000).toFixed(1)} s after each showed it was not created`, { ambiguous: false });
        }
        // interrupted: nothing is sent again (it may still land)
        if (this.opts.signal?.aborted) throw e.withMessage(`${e.message}; not sent again: the run was interrupted (plan again to see whether it was made)`, { ambiguous: true });
        continue;
      }
      gate.end();
      // a create proves itself with a new object: an id the run already knew (or already took) was not made by it
      if (this.claimed.has(object.id)) {
        throw new ApiError(`the server answered the create with ${object.id}, an object ${this.known.has(object.id) ? 'that existed before this run' : 'this run already holds'}: not taken as created (plan again)`, { method: 'POST', path: collection, kind: 'invalid_answer' });
      }
      this.claimed.add(object.id);
      this.ours.add(object.id);
      return { id: object.id, object };
    }
  }
}
