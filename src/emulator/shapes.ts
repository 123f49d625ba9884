import { STATUS_CODES } from 'node:http';
import type { ErrorShape, ListShape } from './choices.js';

export { ERROR_SHAPE_CHOICES, ERROR_SHAPES, FAILED_READ_ANSWERS, LIST_SHAPES, SLOW_COMMIT_ANSWERS } from './choices.js';
export type { ErrorShape, FailedReadAnswer, ListShape, SlowCommitAnswer } from './choices.js';

// Body shapes the emulator can answer with, so clients are tried against every envelope
// a client must read.





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
export function errorBody(shape: ErrorShape, status: number, code: string, message: string, field?: string): [string, string] {
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
    case 'html':
      return ['text/html', gatewayPage(status)];
  }
}

// nginx's own spellings where they differ from Node's
const NGINX_REASONS: Record<number, string> = {
  401: 'Authorization Required',
  405: 'Not Allowed',
  408: 'Request Time-out',
  413: 'Request Entity Too Large',
  504: 'Gateway Time-out',
};

/** nginx's built-in error page, CRLF line ends included (a client must not show "<html>\r"). */
export function gatewayPage(status: number): string {
  const title = `${status} ${NGINX_REASONS[status] ?? STATUS_CODES[status] ?? 'Error'}`;
  return [
    '<html>',
    `<head><title>${title}</title></head>`,
    '<body>',
    `<center><h1>${title}</h1></center>`,
    '<hr><center>nginx</center>',
    '</body>',
    '</html>',
    '',
  ].join('\r\n');
}
