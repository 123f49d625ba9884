import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOrganisation } from '../../src/live/decode.js';
import { ApiError } from '../../src/live/errors.js';
import { listAll, newListingStats, type ListOptions } from '../../src/live/paginate.js';
import { testClient } from '../live/helpers.js';
import { scripted, SHAPES, type Obj, type Script, type Scripted } from '../live/scripted.js';
import { listingArbitraries, PROPERTY_BOUNDS, type Case } from './listing-arbitraries.js';
import { reported } from './listing-report.js';

// G4 and G5 at the listing level, over real HTTP against a scripted server: for every server
// behaviour generated, the listing returns exactly the objects the server holds, each decoded
// exactly as sent (a name holding the API key in any form stays as it is), or fails with an
// ApiError naming the endpoint; never more than a bounded number of requests or objects held.
// LISTING_PROPERTY_RUNS raises the number of runs, LISTING_PROPERTY_SEED changes the seed (npm run
// bench runs many more).

const RUNS = Number(process.env.LISTING_PROPERTY_RUNS ?? 0) || undefined;
const SEED = Number(process.env.LISTING_PROPERTY_SEED ?? 0) || undefined;
const PATH = '/v1/organisations';

interface Outcome {
  items: Obj[] | null;
  error: unknown;
  stats: ReturnType<typeof newListingStats>;
}

async function read(server: Scripted, key: string, opts: ListOptions): Promise<Outcome> {
  const stats = newListingStats();
  try {
    const items = await listAll(testClient(server.url, key, { retries: 0 }), PATH, decodeOrganisation, { ...PROPERTY_BOUNDS, ...opts, stats });
    return { items, error: null, stats };
  } catch (error) {
    return { items: null, error, stats };
  }
}

const ids = (xs: Obj[]) => [...new Set(xs.map((x) => x.id))].sort();

/** What every listing owes, whatever the server did. */
function bounded(server: Scripted, out: Outcome) {
  if (out.error) {
    expect(out.error).toBeInstanceOf(ApiError); // never a crash, a stack trace or another error
    expect((out.error as ApiError).path).toBe(PATH);
  }
  expect(server.lists()).toBeLessThanOrEqual(2 * PROPERTY_BOUNDS.maxPages);
  expect(out.stats.maxHeld).toBeLessThanOrEqual(PROPERTY_BOUNDS.maxObjects);
  expect(out.stats.maxBytesHeld).toBeLessThanOrEqual(PROPERTY_BOUNDS.maxBytes);
}

/** Each object read as the server sent it, name included. */
function exact(out: Outcome, sent: Map<string, Obj>) {
  for (const o of out.items!) expect(o).toEqual(sent.get(o.id));
}

const counted = (s: Script) => s.shape !== 'data' && s.shape !== 'array';
const signals = (s: Script) => s.shape !== 'items' && s.shape !== 'array';

/** A server consistent about what it serves: no id twice, a count that is the number served. */
const selfConsistent = (s: Script, served: Obj[], count: number) => new Set(served.map((o) => o.id)).size === served.length && (!counted(s) || count === served.length);

/** No lie at all: it serves what it holds, counts it, and says the end where it is. */
const truthful = (s: Script, served: Obj[], count: number) =>
  selfConsistent(s, served, count) && served.length === s.objects.length && served.every((o, i) => o === s.objects[i]) && !(signals(s) && (s.moreAtEnd || s.endAt !== undefined));

/**
 * Lies no reader can see, because every answer the server gave is about a smaller world: a
 * count lower than what is served that exactly fills the first page, or (without a count) a
 * page saying "no more" early. Reading that smaller world is right by the server's own word.
 */
function hiddenPrefixes(s: Script, served: Obj[], count: number, pageSize: number): number[] {
  const first = Math.min(s.cap, pageSize, served.length);
  const out: number[] = [];
  if (counted(s) && count < served.length && count === first && first < pageSize) out.push(count);
  if (s.shape === 'data' && s.endAt !== undefined) for (let j = s.endAt; j <= served.length; j++) out.push(j);
  return out;
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A still server, lying or not: what it holds, or what it consistently serves, or an ApiError. */
async function still({ script, key, opts }: Case) {
  const server = await scripted(script);
  try {
    const served = server.served();
    const count = server.reportedCount();
    const out = await read(server, key, opts);
    bounded(server, out);
    if (truthful(script, served, count)) expect(out.error).toBeNull();
    if (out.items) {
      // exactly what is held; or what is served, when the server is consistent about it (no
      // reader can tell); or a smaller world every answer agreed on
      const got = ids(out.items);
      expect(got.length).toBe(out.items.length);
      const acceptable = [ids(script.objects), ...(selfConsistent(script, served, count) ? [ids(served)] : [])];
      for (const j of hiddenPrefixes(script, served, count, opts.pageSize!)) if (new Set(served.slice(0, j).map((o) => o.id)).size === j) acceptable.push(ids(served.slice(0, j)));
      expect(acceptable.some((a) => same(a, got))).toBe(true);
      exact(out, new Map(served.map((o) => [o.id, o])));
    }
    if (counted(script) && count > PROPERTY_BOUNDS.maxObjects) expect(server.lists()).toBeLessThanOrEqual(2); // an absurd count stops at its first page
  } finally {
    await server.close();
  }
}

/** An honest server while another writer works: every object held all along, nothing never held. */
async function moving({ script, key, opts }: Case) {
  const server = await scripted(script);
  try {
    const out = await read(server, key, opts);
    bounded(server, out);
    if (out.items) {
      const got = new Set(out.items.map((o) => o.id));
      expect([...server.stable()].filter((id) => !got.has(id))).toEqual([]);
      expect([...got].filter((id) => !server.ever.has(id))).toEqual([]);
      expect(got.size).toBe(out.items.length);
      exact(out, server.ever);
    }
  } finally {
    await server.close();
  }
}

const check = (name: string, arb: fc.Arbitrary<Case>, body: (c: Case) => Promise<void>, seed: number, runs: number) =>
  reported(name, (tried) =>
    fc.assert(
      fc.asyncProperty(arb, async (c) => {
        tried();
        await body(c);
      }),
      { seed: SEED ?? seed, numRuns: RUNS ?? runs },
    ),
  );

describe('a listing adds up or stops (G4, G5), over real HTTP', () => {
  it('a server that stays still: exactly what it serves, or an ApiError naming the endpoint', () => check('a still server, lying or not', listingArbitraries.still, still, 1717, 120));

  it('while another writer creates and deletes: every object held all along is read, nothing never held, or an ApiError', () =>
    check('an honest server while another writer creates and deletes', listingArbitraries.moving, moving, 2929, 80));

  it('the generators reach every envelope, lie and writer (the properties are not vacuous)', () => {
    const samples = fc.sample(listingArbitraries.still, { seed: 1717, numRuns: 300 });
    for (const shape of SHAPES) expect(samples.some((s) => s.script.shape === shape)).toBe(true);
    expect(samples.some((s) => s.script.count && 'fixed' in s.script.count && s.script.count.fixed > PROPERTY_BOUNDS.maxObjects)).toBe(true);
    for (const lie of ['repeats', 'missing', 'moreAtEnd', 'endAt'] as const) expect(samples.some((s) => s.script[lie] !== undefined)).toBe(true);
    expect(samples.some((s) => s.script.objects.some((o) => o.name.includes(s.key)))).toBe(true);
    const writers = fc.sample(listingArbitraries.moving, { seed: 2929, numRuns: 100 });
    expect(writers.filter((c) => c.script.writes!.some((w) => w.before <= 3)).length).toBeGreaterThan(50);
  });
});
