import fc from 'fast-check';
import type { ListOptions } from '../../src/live/paginate.js';
import { SHAPES, type Obj, type Script, type Write } from '../live/scripted.js';

// Server behaviours for the listing properties: worlds, envelopes, caps, lies, other writers,
// and names that hold the API key in one form or another.

/** Small bounds, so that generated worlds reach them. */
export const PROPERTY_BOUNDS = { maxObjects: 60, maxPages: 50, maxBytes: 64 * 1024 } as const;

export interface Case {
  script: Script;
  key: string;
  opts: ListOptions;
}

const KEYS = ['K', 'cbs_prop_canary_5d2e8f7a', 'k+y/=%"'];

/** The key as it may sit inside a name: raw, inside a word ("Keep" for the key K), encoded. */
const keyForms = (k: string) => [k, `${k}eep`, 'Keep', `${k} ${k}`, encodeURIComponent(k), JSON.stringify(k), Buffer.from(`x:${k}`).toString('base64'), k.toLowerCase(), `[${k.slice(0, -1)}]`];

const names = (key: string) => fc.oneof(fc.constantFrom(...keyForms(key)), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }));

const world = (key: string, minLength: number) =>
  fc.array(names(key), { minLength, maxLength: 40 }).map((ns): Obj[] => ns.map((name, i) => ({ id: `org_${i}`, name })));

const sometimes = <T>(arb: fc.Arbitrary<T>, weight = 6) => fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const options = fc.record({
  pageSize: fc.oneof(fc.constant(500), fc.integer({ min: 2, max: 10 })),
  concurrency: fc.integer({ min: 1, max: 8 }),
});

const server = (caps: fc.Arbitrary<number>, minObjects: number) =>
  fc.constantFrom(...KEYS).chain((key) =>
    fc.record({
      key: fc.constant(key),
      objects: world(key, minObjects),
      shape: fc.constantFrom(...SHAPES),
      cap: caps,
      opts: options,
    }),
  );
const base = server(fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(500)), 0);
/** many pages, so that the writes fall while they are read */
const paged = server(fc.integer({ min: 1, max: 8 }), 6);

const lies = fc.record({
  count: sometimes(
    fc.oneof(
      fc.integer({ min: -3, max: 3 }).filter((x) => x !== 0).map((lie) => ({ lie })),
      fc.oneof(fc.integer({ min: 0, max: 80 }), fc.constantFrom(30_545_457, 2 ** 40, PROPERTY_BOUNDS.maxObjects + 1)).map((fixed) => ({ fixed })),
    ),
    3,
  ),
  repeats: sometimes(fc.array(fc.record({ at: fc.nat(45), of: fc.nat(45) }), { minLength: 1, maxLength: 2 })),
  missing: sometimes(fc.uniqueArray(fc.nat(45), { minLength: 1, maxLength: 2 })),
  moreAtEnd: sometimes(fc.constant(true)),
  endAt: sometimes(fc.nat(45)),
});

const drop = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export const listingArbitraries = {
  /** a server whose holdings do not change; it may lie about them */
  still: fc.tuple(base, lies).map(([b, l]): Case => ({ key: b.key, opts: b.opts, script: drop({ objects: b.objects, shape: b.shape, cap: b.cap, ...l }) })),
  /** an honest server while another writer creates and deletes between pages */
  moving: fc
    .tuple(paged, fc.array(fc.record({ before: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 25 })), op: fc.constantFrom('delete', 'create'), at: fc.nat(50) }), { minLength: 1, maxLength: 6 }))
    .map(([b, writes]): Case => ({ key: b.key, opts: b.opts, script: { objects: b.objects, shape: b.shape, cap: b.cap, writes: writes as Write[] } })),
};
