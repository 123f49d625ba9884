import { expect } from 'vitest';

// Raw HTTP for the knob tests: like helpers' rawApi, with request headers.

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export function api(base: string, key: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const h: Record<string, string> = { authorization: `Bearer ${key}`, ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}

/** nginx's built-in page for a status, as a gateway in front of the API sends it. */
export function expectGatewayPage(r: Reply, title: string) {
  expect(r.headers.get('content-type')).toBe('text/html');
  const expected = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  expect(r.text).toBe(expected);
  expect(r.headers.get('server')).toBe('nginx');
}
