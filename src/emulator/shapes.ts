// Body shapes the emulator can answer with, so clients are tried against every envelope
// a client must read.

export const LIST_SHAPES = ['items', 'results', 'data', 'array'] as const;
export type ListShape = (typeof LIST_SHAPES)[number];

export const ERROR_SHAPES = ['code', 'detail', 'detail-object', 'detail-list', 'error', 'errors', 'text'] as const;
export type ErrorShape = (typeof ERROR_SHAPES)[number];

export interface Page {
  items: unknown[];
  count: number;
  offset: number;
  limit: number;
  /** builds an absolute URL for another page of the same list */
  pageUrl: (offset: number) => string;
}

export function listBody(shape: ListShape, p: Page): unknown {
  const end = p.offset + p.items.length;
  switch (shape) {
    case 'items':
      return { items: p.items, count: p.count };
    case 'results':
      return {
        results: p.items,
        count: p.count,
        next: end < p.count && p.limit > 0 ? p.pageUrl(end) : null,
        previous: p.offset > 0 ? p.pageUrl(Math.max(0, p.offset - Math.max(p.limit, 1))) : null,
      };
    case 'data':
      // no total on purpose: a client must page on has_more alone
      return { data: p.items, has_more: end < p.count };
    case 'array':
      return p.items;
  }
}

/** Returns [content-type, body text]. */
export function errorBody(shape: ErrorShape, code: string, message: string, field?: string): [string, string] {
  const json = (v: unknown): [string, string] => ['application/json', JSON.stringify(v)];
  switch (shape) {
    case 'code':
      return json({ code, message });
    case 'detail':
      return json({ detail: message });
    case 'detail-object':
      return json({ detail: { code, message } });
    case 'detail-list':
      return json({ detail: [{ loc: ['body', field ?? '__root__'], msg: message, type: code }] });
    case 'error':
      return json({ error: { code, message } });
    case 'errors':
      return json({ errors: [{ code, message, field: field ?? null }] });
    case 'text':
      return ['text/plain; charset=utf-8', `${code}: ${message}\n`];
  }
}
