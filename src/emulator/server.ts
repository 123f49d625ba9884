import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Mode } from '../model.js';
import { Faults, type FaultOptions, type FaultStats } from './faults.js';
import { handleRequest, type Emulation } from './handler.js';
import { replies } from './http.js';
import { IdempotencyKeys } from './idempotency.js';
import { ApiProblem } from './problem.js';
import { rateLimiter, type EmulatorRateOptions } from './ratelimit.js';
import { checkSeed, loadSeedFile, type Seed } from './seed.js';
import type { ErrorShape, ListShape } from './shapes.js';
import { Store } from './store.js';

export { RATE_HEADER_STYLES, RATE_WINDOW_KINDS, type RateHeaderStyle } from './ratelimit.js';

export interface EmulatorOptions extends FaultOptions, EmulatorRateOptions {
  port?: number;
  /** address to listen on (default 127.0.0.1); a wildcard (0.0.0.0, ::) is reached as 127.0.0.1 */
  host?: string;
  /** seed data, or a path to a seed YAML file */
  seed?: Seed | string;
  /** overrides the seed's mode */
  mode?: Mode;
  latencyMs?: number;
  /** silently caps `limit` (default: no cap) */
  maxPageSize?: number;
  listShape?: ListShape;
  /** the API's own error shapes, or `html`: a gateway's page for every error */
  errorShape?: ErrorShape;
  /** whether PATCH of an organisation name adds the [TEST] prefix (default on) */
  patchPrefix?: boolean;
  randomSeed?: number;
  /** store names trimmed (Django REST Framework's default) */
  trimNames?: boolean;
  /** honour Idempotency-Key on POST, as Stripe does (default off: the API pages do not promise it) */
  idempotency?: boolean;
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

export interface EmulatorStats extends FaultStats {
  requests: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
  /** POSTs answered from the Idempotency-Key memory */
  replayed: number;
  /** objects sent in list pages, in all */
  itemsListed: number;
}

export interface RunningEmulator {
  /** a URL cbsync accepts (http on a loopback address for a wildcard host) */
  url: string;
  port: number;
  store: Store;
  stats: EmulatorStats;
  /** resolves once every slow write (slowCommitRate) has landed */
  settled: () => Promise<void>;
  close: () => Promise<void>;
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
  const stats: EmulatorStats = { requests: 0, byEndpoint: {}, rateLimited: 0, failed: 0, ambiguous: 0, slowCommits: 0, failedReads: 0, replayed: 0, itemsListed: 0 };
  const rateLimited = rateLimiter(options);
  const rateLimit = (bucket: string, res: ServerResponse): boolean => {
    const rate = rateLimited(bucket);
    for (const [k, v] of Object.entries(rate.headers)) res.setHeader(k, v);
    if (rate.retryAfter === null) return false;
    stats.rateLimited++;
    em.replies.problem(res, new ApiProblem(429, 'RATE_LIMITED', 'Too many requests'), { 'retry-after': String(rate.retryAfter) });
    return true;
  };

  const faults = new Faults(options, randomSeed, stats);
  const em: Emulation = {
    options,
    store,
    stats,
    faults,
    replies: replies(options.errorShape ?? 'code'),
    idempotency: options.idempotency ? new IdempotencyKeys() : undefined,
    rateLimit,
    occurrences: new Map(),
  };
  const server = createServer((req, res) => {
    handleRequest(em, req, res).catch(() => {
      if (!res.headersSent) em.replies.problem(res, new ApiProblem(500, 'INTERNAL', 'Internal emulator error'));
    });
  });
  const sockets = new Set<Socket>();
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
  return {
    url: `http://${reachableHost(host)}:${port}`,
    port,
    store,
    stats,
    settled: () => faults.settled(),
    close: () =>
      new Promise<void>((resolve) => {
        faults.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Whether listening on `host` means every interface (0.0.0.0, ::, or none given). */
export function isWildcardHost(host: string): boolean {
  return /^(0\.0\.0\.0|\[?(0*:)+0*\]?|)$/.test(host);
}

/** The host to print for a listening address: a wildcard is reached on loopback (cbsync speaks plain http only there). */
function reachableHost(host: string): string {
  if (isWildcardHost(host)) return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
