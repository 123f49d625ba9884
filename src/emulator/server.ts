import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Mode } from '../model.js';
import { fate } from './random.js';
import { rateLimiter, type EmulatorRateOptions } from './ratelimit.js';
import { checkSeed, loadSeedFile, type Seed } from './seed.js';
import { errorBody, listBody, type ErrorShape, type ListShape } from './shapes.js';
import { ApiProblem, integrationJson, orgJson, Store, type Caller } from './store.js';

export { RATE_HEADER_STYLES, RATE_WINDOW_KINDS, type RateHeaderStyle } from './ratelimit.js';

export interface EmulatorOptions extends EmulatorRateOptions {
  port?: number;
  host?: string;
  /** seed data, or a path to a seed YAML file */
  seed?: Seed | string;
  /** overrides the seed's mode */
  mode?: Mode;
  latencyMs?: number;
  /** silently caps `limit` (default: no cap) */
  maxPageSize?: number;
  /** probability of a 503 before doing anything */
  failRate?: number;
  /** probability that a write is applied and then the connection is dropped */
  ambiguousRate?: number;
  listShape?: ListShape;
  errorShape?: ErrorShape;
  /** whether PATCH of an organisation name adds the [TEST] prefix (default on) */
  patchPrefix?: boolean;
  randomSeed?: number;
  /** store names trimmed (Django REST Framework's default) */
  trimNames?: boolean;
  /** another writer: this many delete-and-create pairs in all, one on each list page read past offset 0 */
  churn?: number;
  /** origin used in `next`/`previous` links (default: the request's own); for tests */
  nextOrigin?: string;
  /** test hook, awaited before each authenticated request is handled; returning a problem answers with it */
  onRequest?: (info: RequestInfo, store: Store) => void | ForcedAnswer | Promise<void | ForcedAnswer>;
}

/** What a test hook may answer instead of handling the request (a targeted fault). */
export interface ForcedAnswer {
  status: number;
  code: string;
  message: string;
}

export interface RequestInfo {
  method: string;
  endpoint: string;
  path: string;
  query: URLSearchParams;
}

export interface EmulatorStats {
  requests: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
  failed: number;
  ambiguous: number;
  /** objects sent in list pages, in all */
  itemsListed: number;
}

export interface RunningEmulator {
  url: string;
  port: number;
  store: Store;
  stats: EmulatorStats;
  close: () => Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const DEFAULT_LIMIT = 50;

interface Route {
  template: string;
  methods: string[];
  id?: string;
}

function matchRoute(pathname: string): Route | undefined {
  const m = /^\/v1\/(organisations|integrations)(?:\/([^/]+))?\/?$/.exec(pathname);
  if (!m) return undefined;
  const [, resource, id] = m;
  if (id === undefined) return { template: `/v1/${resource}`, methods: ['GET', 'POST'] };
  const methods = resource === 'organisations' ? ['GET', 'PATCH', 'DELETE'] : ['GET', 'PATCH'];
  return { template: `/v1/${resource}/{id}`, methods, id: decodeURIComponent(id) };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = typeof options.seed === 'string' ? loadSeedFile(options.seed) : checkSeed(options.seed ?? {});
  const randomSeed = options.randomSeed ?? 1;
  const store = new Store(seed, {
    mode: options.mode ?? seed.mode ?? 'TEST',
    patchPrefix: options.patchPrefix ?? true,
    randomSeed,
    trimNames: options.trimNames ?? false,
  });
  let churnLeft = options.churn ?? 0;
  const stats: EmulatorStats = { requests: 0, byEndpoint: {}, rateLimited: 0, failed: 0, ambiguous: 0, itemsListed: 0 };
  const listShape = options.listShape ?? 'items';
  const errorShape = options.errorShape ?? 'code';
  const occurrences = new Map<string, number>();

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const sendProblem = (res: ServerResponse, p: ApiProblem, headers: Record<string, string> = {}) => {
    const [type, text] = errorBody(errorShape, p.code, p.message, p.field);
    res.writeHead(p.status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const rateLimited = rateLimiter(options);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator');
    stats.requests++;
    const route = matchRoute(url.pathname);
    if (!route) return sendProblem(res, new ApiProblem(404, 'NOT_FOUND', `No such endpoint: ${url.pathname}`));
    const endpoint = `${method} ${route.template}`;
    stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
    if (options.latencyMs) await sleep(options.latencyMs);
    if (!route.methods.includes(method)) {
      return sendProblem(res, new ApiProblem(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${route.template}`), {
        allow: route.methods.join(', '),
      });
    }
    let caller: Caller;
    try {
      caller = store.authenticate(req.headers.authorization);
    } catch (e) {
      return sendProblem(res, e as ApiProblem);
    }
    const rate = rateLimited(`${caller.owner}|${endpoint}`);
    for (const [k, v] of Object.entries(rate.headers)) res.setHeader(k, v);
    if (rate.retryAfter !== null) {
      stats.rateLimited++;
      return sendProblem(res, new ApiProblem(429, 'RATE_LIMITED', 'Too many requests'), { 'retry-after': String(rate.retryAfter) });
    }
    let text: string;
    try {
      text = await readBody(req);
    } catch (e) {
      res.setHeader('connection', 'close');
      return sendProblem(res, e as ApiProblem);
    }
    const identity = `${method} ${url.pathname}${url.search} ${text}`;
    const n = (occurrences.get(identity) ?? 0) + 1;
    occurrences.set(identity, n);
    if (options.failRate && fate(randomSeed, 'fail', identity, n) < options.failRate) {
      stats.failed++;
      return sendProblem(res, new ApiProblem(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable'));
    }
    const forced = await options.onRequest?.({ method, endpoint, path: url.pathname, query: url.searchParams }, store);
    if (forced) return sendProblem(res, new ApiProblem(forced.status, forced.code, forced.message));
    try {
      let body: unknown;
      if (method === 'POST' || method === 'PATCH') {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ApiProblem(400, 'INVALID_JSON', 'Request body is not valid JSON');
        }
      }
      const origin = options.nextOrigin ?? `http://${req.headers.host ?? 'localhost'}`;
      const [status, payload] = dispatch(store, caller, method, route, url, body, origin);
      const isWrite = method !== 'GET';
      if (isWrite && options.ambiguousRate && fate(randomSeed, 'ambiguous', identity, n) < options.ambiguousRate) {
        stats.ambiguous++;
        req.socket.destroy(); // the write took effect; the client never hears about it
        return;
      }
      if (status === 204) {
        res.writeHead(204);
        res.end();
      } else sendJson(res, status, payload);
    } catch (e) {
      if (e instanceof ApiProblem) return sendProblem(res, e);
      sendProblem(res, new ApiProblem(500, 'INTERNAL', 'Internal emulator error'));
    }
  };

  function dispatch(
    s: Store,
    caller: Caller,
    method: string,
    route: Route,
    url: URL,
    body: unknown,
    origin: string,
  ): [number, unknown] {
    // slice first, serialise only the page: a page costs its own size, not the collection's
    const page = <T,>(list: () => T[], toJson: (x: T) => unknown) => {
      const limit = Math.min(parseIntParam(url, 'limit') ?? DEFAULT_LIMIT, options.maxPageSize ?? Infinity);
      const offset = parseIntParam(url, 'offset') ?? 0;
      let all = list(); // checks the caller may list at all
      if (churnLeft > 0 && offset > 0) {
        const collection = route.template === '/v1/organisations' ? 'organisations' : 'integrations';
        if (s.churn(caller, collection, offset, fate(randomSeed, 'churn', churnLeft))) {
          churnLeft--;
          all = list();
        }
      }
      const items = all.slice(offset, offset + limit).map(toJson);
      stats.itemsListed += items.length;
      const pageUrl = (o: number) => `${origin}${route.template}?limit=${limit}&offset=${o}`;
      return listBody(listShape, { items, count: all.length, offset, limit, pageUrl });
    };
    switch (`${method} ${route.template}`) {
      case 'GET /v1/organisations':
        return [200, page(() => s.listOrgs(caller), orgJson)];
      case 'POST /v1/organisations':
        return [201, orgJson(s.createOrg(caller, body))];
      case 'GET /v1/organisations/{id}':
        return [200, orgJson(s.getOrg(caller, route.id!))];
      case 'PATCH /v1/organisations/{id}':
        return [200, orgJson(s.patchOrg(caller, route.id!, body))];
      case 'DELETE /v1/organisations/{id}':
        s.deleteOrg(caller, route.id!);
        return [204, null];
      case 'GET /v1/integrations':
        return [200, page(() => s.listIntegrations(caller), integrationJson)];
      case 'POST /v1/integrations':
        return [201, integrationJson(s.createIntegration(caller, body))];
      case 'GET /v1/integrations/{id}':
        return [200, integrationJson(s.getIntegration(caller, route.id!))];
      case 'PATCH /v1/integrations/{id}':
        return [200, integrationJson(s.patchIntegration(caller, route.id!, body))];
    }
    throw new ApiProblem(405, 'METHOD_NOT_ALLOWED', 'Method not allowed');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendProblem(res, new ApiProblem(500, 'INTERNAL', 'Internal emulator error'));
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    store,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseIntParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new ApiProblem(400, 'INVALID_PAGINATION', `${name} must be a non-negative integer`, name);
  }
  return Number(raw);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      req.resume();
      return reject(new ApiProblem(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MiB'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiProblem(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MiB'));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
