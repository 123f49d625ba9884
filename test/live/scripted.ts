import { hostile, json, type Hostile } from './hostile.js';

// A listing served from a script: what the server holds, how it pages, and how it lies. Lies
// are applied to what is served, never to what is held, so a test can tell the listing that
// read the account from one that read the lie. Another writer is scripted too: writes happen
// after a given number of list requests, as if others created and deleted while pages were read.

export interface Obj {
  id: string;
  name: string;
}

/** items/count, results/count/next, data/total/has_more, data/has_more (no total), a bare array */
export const SHAPES = ['items', 'results', 'data-total', 'data', 'array'] as const;
export type Shape = (typeof SHAPES)[number];

export interface Write {
  /** the write happens just before the list request with this index (0 = the first) is answered */
  before: number;
  op: 'delete' | 'create';
  /** where, taken modulo the list's length (+1 for a create) */
  at: number;
}

export interface Script {
  /** the objects held at the start, in the server's order */
  objects: Obj[];
  shape: Shape;
  /** the most objects a page holds, whatever `limit` asks (a silent cap) */
  cap: number;
  /** `count` says the truth plus `lie`, or a fixed number whatever is held */
  count?: { lie: number } | { fixed: number };
  /** positions served as a copy of the object at another position (a repeat in place of an object) */
  repeats?: { at: number; of: number }[];
  /** positions counted but never served (missing objects) */
  missing?: number[];
  /** the last page says there is more (has_more true or a next link) */
  moreAtEnd?: boolean;
  /** a page that reaches this position says there is no more, though there is */
  endAt?: number;
  writes?: Write[];
}

export interface Scripted extends Hostile {
  /** what is held now */
  held: () => Obj[];
  /** every object held at any time, and those held all along */
  ever: Map<string, Obj>;
  stable: () => Set<string>;
  /** list requests answered for the scripted collection */
  lists: () => number;
  /** what is served now, lies applied (positions as pages see them) */
  served: () => Obj[];
  reportedCount: () => number;
}

export async function scripted(script: Script, path = '/v1/organisations'): Promise<Scripted> {
  const held = [...script.objects];
  const ever = new Map(held.map((o) => [o.id, o]));
  const deleted = new Set<string>();
  const writes = [...(script.writes ?? [])].sort((a, b) => a.before - b.before);
  let lists = 0;
  let created = 0;

  const served = (): Obj[] => {
    const missing = new Set(script.missing ?? []);
    const out = held.map((o, i) => {
      const r = script.repeats?.find((x) => x.at === i);
      return r && held[r.of] ? held[r.of]! : o;
    });
    return out.filter((_, i) => !missing.has(i));
  };
  const reportedCount = () => {
    const c = script.count;
    return !c ? held.length : 'fixed' in c ? c.fixed : Math.max(0, held.length + c.lie);
  };

  const server = await hostile((req, res, url) => {
    // the other collection is empty, so that commands reading both can run against the script
    if (req.method === 'GET' && url.pathname !== path && /^\/v1\/(organisations|integrations)$/.test(url.pathname)) return json(res, 200, { items: [], count: 0 });
    if (req.method !== 'GET' || url.pathname !== path) return json(res, 404, { code: 'NOT_FOUND', message: 'no such endpoint' });
    const n = lists++;
    while (writes.length && writes[0]!.before <= n) {
      const w = writes.shift()!;
      if (w.op === 'delete' && held.length) {
        const [gone] = held.splice(w.at % held.length, 1);
        deleted.add(gone!.id);
      } else if (w.op === 'create') {
        const o = { id: `new_${created++}`, name: `Created ${created}` };
        held.splice(w.at % (held.length + 1), 0, o);
        ever.set(o.id, o);
      }
    }
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const all = served();
    const items = all.slice(offset, offset + Math.min(limit, script.cap));
    const count = reportedCount();
    const end = offset + items.length;
    let more = end < all.length;
    if (script.endAt !== undefined && end >= script.endAt) more = false;
    if (script.moreAtEnd && !more) more = true;
    const self = `${server.url}${path}`;
    const next = more ? `${self}?limit=${limit}&offset=${end}` : null;
    switch (script.shape) {
      case 'items':
        return json(res, 200, { items, count });
      case 'results':
        return json(res, 200, { results: items, count, next, previous: offset > 0 ? `${self}?limit=${limit}&offset=${Math.max(0, offset - limit)}` : null });
      case 'data-total':
        return json(res, 200, { data: items, total: count, has_more: more });
      case 'data':
        return json(res, 200, { data: items, has_more: more });
      case 'array':
        return json(res, 200, items);
    }
  });
  return {
    ...server,
    held: () => [...held],
    ever,
    stable: () => new Set(script.objects.map((o) => o.id).filter((id) => !deleted.has(id))),
    lists: () => lists,
    served,
    reportedCount,
  };
}
