import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// Servers that are not the emulator: a framework with other defaults, a proxy, a hostile host.
// Each records what reached it, so a test can show that nothing was sent where it must not be.

export interface Hostile {
  url: string;
  /** `METHOD /path?query` of every request received */
  hits: string[];
  /** the Authorization headers received */
  auth: (string | undefined)[];
  close: () => Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => void | Promise<void>;

export async function hostile(handler: Handler): Promise<Hostile> {
  const hits: string[] = [];
  const auth: (string | undefined)[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${req.method} ${url.pathname}${url.search}`);
    auth.push(req.headers.authorization);
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      await handler(req, res, url, body);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    auth,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/**
 * A proxy in front of `target` (the emulator) that may rewrite each JSON answer: what a
 * server with other field names, or a broken gateway, would send for the same state.
 */
export function jsonProxy(
  target: string,
  rewrite: (method: string, path: string, status: number, body: any) => { status?: number; body?: unknown } | void,
  /** may change a request body before it is forwarded, or answer it without forwarding */
  before?: (method: string, path: string, body: any) => { body?: unknown; answer?: { status: number; body: unknown } } | void,
): Promise<Hostile> {
  return hostile(async (req, res, url, raw) => {
    let body = raw;
    const pre = before?.(req.method!, url.pathname, raw ? JSON.parse(raw) : undefined) ?? {};
    if (pre.answer) return json(res, pre.answer.status, pre.answer.body);
    if (pre.body !== undefined) body = JSON.stringify(pre.body);
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'content-type']) if (req.headers[h]) headers[h] = String(req.headers[h]);
    const up = await fetch(`${target}${url.pathname}${url.search}`, { method: req.method, headers, body: body || undefined });
    const text = await up.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    const out = rewrite(req.method!, url.pathname, up.status, parsed) ?? {};
    if (up.status === 204 && out.body === undefined) {
      res.writeHead(out.status ?? 204);
      return void res.end();
    }
    json(res, out.status ?? up.status, out.body !== undefined ? out.body : parsed);
  });
}

/** Runs `fn` with a jsonProxy in front of `target` (rewriting answers, and maybe requests), closing it afterwards. */
export async function withProxy<T>(
  target: string,
  rewrite: Parameters<typeof jsonProxy>[1],
  ...rest: [fn: (proxy: Hostile) => Promise<T>] | [before: Parameters<typeof jsonProxy>[2], fn: (proxy: Hostile) => Promise<T>]
): Promise<T> {
  const [before, fn] = rest.length === 1 ? [undefined, rest[0]] : rest;
  const proxy = await jsonProxy(target, rewrite, before);
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}
