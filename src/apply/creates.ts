import type { ApiClient } from '../live/client.js';
import { decoderFor, type Collection } from '../live/decode.js';
import { ApiError } from '../live/errors.js';
import { listObjects } from '../live/state.js';
import type { LiveIntegration, LiveOrganisation } from '../model.js';
import { keptFirst } from './kept.js';

// Creates that cannot be duplicated. A POST whose outcome is unknown (timeout, dropped
// connection, 5xx) is not looked up alone: it waits beside the other uncertain creates of
// its collection, and they are resolved together by one listing, taken once the run's own
// POSTs to that collection have settled. Only the ones not found are sent again; a create
// that happened is never reported failed. Ids the run already knows (the plan's live state,
// objects it created or adopted) are never adopted.

export type LiveObject = LiveOrganisation | LiveIntegration;

export interface Created {
  id: string;
  /** the object as the server answered it (or as the resolving listing showed it) */
  object: LiveObject;
  /** found by the resolving listing after an ambiguous POST, not created twice */
  recovered?: boolean;
}

/** POSTs of one create at most, each sent again only when a listing shows it did not happen. */
export const POST_ATTEMPTS = 3;

interface Pending {
  matches: (o: LiveObject) => boolean;
  resolve: (found: LiveObject[]) => void;
  reject: (e: unknown) => void;
}

/** One collection's creates: what is in flight, what is uncertain, the last listing. */
class Gate {
  /** POSTs queued for a slot or on the wire */
  private inflight = 0;
  private pending: Pending[] = [];
  private listing: Promise<void> | null = null;
  /** the latest listing, and whether a POST was sent since */
  last: LiveObject[] | null = null;
  postsSinceListing = 0;

  constructor(
    private readonly list: () => Promise<LiveObject[]>,
    private readonly claimed: Set<string>,
  ) {}

  begin() {
    this.inflight++;
    this.postsSinceListing++;
  }

  end() {
    this.inflight--;
    this.maybeList();
  }

  /** Waits for the next resolving listing; resolves with the unclaimed objects that match. */
  uncertain(matches: (o: LiveObject) => boolean): Promise<LiveObject[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ matches, resolve, reject });
      this.maybeList();
    });
  }

  /** A fresh listing of the collection (the latest one when no POST went out since). */
  async current(): Promise<LiveObject[]> {
    if (this.last && this.postsSinceListing === 0) return this.last;
    await this.read();
    return this.last!;
  }

  private maybeList() {
    if (this.inflight > 0 || this.pending.length === 0 || this.listing) return;
    const batch = this.pending.splice(0);
    this.listing = this.read()
      .then(
        () => {
          for (const p of batch) {
            const found = this.last!.filter((o) => !this.claimed.has(o.id) && p.matches(o));
            for (const o of found) this.claimed.add(o.id);
            p.resolve(found);
          }
        },
        (e) => batch.forEach((p) => p.reject(e)),
      )
      .finally(() => {
        this.listing = null;
        this.maybeList();
      });
  }

  private async read() {
    this.postsSinceListing = 0;
    this.last = await this.list();
  }
}

export class Creates {
  /** ids that existed before the run: never one of its creates */
  readonly known: Set<string>;
  readonly claimed: Set<string>;
  /** every id this run created or adopted: the duplicates it may have to repair */
  readonly ours = new Set<string>();
  private readonly gates = new Map<Collection, Gate>();

  constructor(
    private readonly client: ApiClient,
    /** ids known before the run (the plan's live state and the objects it acts on) */
    known: Iterable<string>,
  ) {
    this.known = new Set(known);
    this.claimed = new Set(this.known);
  }

  gate(collection: Collection): Gate {
    let g = this.gates.get(collection);
    if (!g) {
      g = new Gate(() => listObjects(this.client, collection), this.claimed);
      this.gates.set(collection, g);
    }
    return g;
  }

  /**
   * POSTs `body`; after an ambiguous failure waits for the batch listing: found (the oldest
   * of several) is adopted, absent is sent again, at most POST_ATTEMPTS times in all.
   */
  async create(collection: Collection, body: Record<string, unknown>, matches: (o: LiveObject) => boolean, slot: <T>(fn: () => Promise<T>) => Promise<T>): Promise<Created> {
    const gate = this.gate(collection);
    let last: unknown;
    for (let attempt = 1; attempt <= POST_ATTEMPTS; attempt++) {
      gate.begin();
      let data: unknown;
      try {
        data = (await slot(() => this.client.request('POST', collection, { body }))).data;
      } catch (e) {
        if (!(e instanceof ApiError) || !e.ambiguous) {
          gate.end();
          throw e;
        }
        last = e;
        const found = gate.uncertain(matches);
        gate.end();
        const candidates = await found;
        if (candidates.length) {
          for (const o of candidates) this.ours.add(o.id);
          const kept = keptFirst(candidates)[0]!;
          return { id: kept.id, object: kept, recovered: true };
        }
        continue;
      }
      gate.end();
      // a create proves itself with the object it made: `200 {}` is not "done"
      const object = decoderFor(collection)(data, `POST ${collection}`);
      this.claimed.add(object.id);
      this.ours.add(object.id);
      return { id: object.id, object };
    }
    const e = last as ApiError;
    throw e.withMessage(`${e.message}; sent ${POST_ATTEMPTS} times, and a listing after each showed it was not created`, { ambiguous: false });
  }
}
