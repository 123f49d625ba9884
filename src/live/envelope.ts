// Every list envelope a server may send, so that a change of envelope never reads as "no objects".

export interface Envelope {
  items: unknown[];
  /** total across all pages, when the server says it */
  count: number | null;
  /** absolute or relative URL of the next page; null when the server says there is none */
  next: string | null | undefined;
  hasMore: boolean | null;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

/** Returns null for a body that is no known list envelope. */
export function readEnvelope(data: unknown): Envelope | null {
  if (Array.isArray(data)) return { items: data, count: null, next: undefined, hasMore: null };
  if (typeof data !== 'object' || data === null) return null;
  const o = data as Record<string, unknown>;
  const hasMore = typeof o.has_more === 'boolean' ? o.has_more : null;
  const next = typeof o.next === 'string' ? o.next : o.next === null ? null : undefined;
  if (Array.isArray(o.items)) return { items: o.items, count: num(o.count) ?? num(o.total), next, hasMore };
  if (Array.isArray(o.results)) return { items: o.results, count: num(o.count) ?? num(o.total), next, hasMore };
  if (Array.isArray(o.data)) return { items: o.data, count: num(o.total) ?? num(o.count), next, hasMore };
  return null;
}
