// Every list envelope a server may send, so that a change of envelope never reads as "no objects":
// {items, count}, {results, count, next, previous}, {data, total?, has_more?} and a bare array.
// What the envelope says about the listing's size is read exactly: a `count` that is there but
// is no count (a string, a fraction, a negative number) is refused, never taken as "no count".

export interface Envelope {
  items: unknown[];
  /** total across all pages, when the server says it */
  count: number | null;
  /** absolute or relative URL of the next page; null when the server says there is none */
  next: string | null | undefined;
  hasMore: boolean | null;
}

export type EnvelopeReading = { ok: true; envelope: Envelope } | { ok: false; problem: string };

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

/** `count`/`total`: absent or null means "not said"; otherwise a whole number from 0 to 2^53 - 1. */
function countOf(o: Record<string, unknown>, field: string): number | null | string {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return `the list body's "${field}" is ${shown(v)}, not a count`;
}

/** Reads a list body; `null` for a body that is no known list envelope. */
export function readEnvelope(data: unknown): EnvelopeReading | null {
  if (Array.isArray(data)) return { ok: true, envelope: { items: data, count: null, next: undefined, hasMore: null } };
  if (typeof data !== 'object' || data === null) return null;
  const o = data as Record<string, unknown>;
  const items = Array.isArray(o.items) ? o.items : Array.isArray(o.results) ? o.results : Array.isArray(o.data) ? o.data : null;
  if (!items) return null;
  // {data} names its total `total`; the others `count` (either is read when the other is absent)
  const [a, b] = items === o.data && items !== o.items && items !== o.results ? ['total', 'count'] : ['count', 'total'];
  const first = countOf(o, a);
  const count = first === null ? countOf(o, b) : first;
  if (typeof count === 'string') return { ok: false, problem: count };
  if (o.has_more !== undefined && o.has_more !== null && typeof o.has_more !== 'boolean') return { ok: false, problem: `the list body's "has_more" is ${shown(o.has_more)}, not true or false` };
  if (o.next !== undefined && o.next !== null && typeof o.next !== 'string') return { ok: false, problem: `the list body's "next" is ${shown(o.next)}, not a URL` };
  return {
    ok: true,
    envelope: { items, count, next: typeof o.next === 'string' && o.next !== '' ? o.next : o.next === null || o.next === '' ? null : undefined, hasMore: typeof o.has_more === 'boolean' ? o.has_more : null },
  };
}
