import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { ApiError, ConfigError, describeText, readErrorBody, type FailureKind } from './errors.js';
import { endpointOf } from '../api.js';
import { abortableTimer, Pacer, WaitInterrupted, WaitRefused, type EndpointPacing, type Rate, type RateMode } from './pacer.js';
import { decide, DEFAULT_LIMITS, retryAfterMs, type Attempt, type Decision, type PolicyLimits, type PolicyState } from './policy.js';
import { redactor } from './redact.js';
import { createTransport, type Env, type Exchange, type Transport } from './transport.js';
import { checkApiUrl, DEFAULT_API_URL } from './url.js';

export { retryAfterMs } from './policy.js';
export { checkApiUrl, DEFAULT_API_URL } from './url.js';

export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface ClientOptions {
  /** default: CHARGEBACKSTOP_API_URL from `env`, else https://api.chargebackstop.com */
  baseUrl?: string;
  /** default: CHARGEBACKSTOP_API_KEY from `env`; without either, a ConfigError */
  apiKey?: string;
  /** where the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and the defaults above are read; default process.env */
  env?: Env;
  /** PEM certificate authorities to trust besides Node's built-in ones (NODE_EXTRA_CA_CERTS does the same for the whole process) */
  ca?: string | string[];
  /** per request, for the whole answer: headers and body */
  timeoutMs?: number;
  /** 'auto' (default): paced once the server shows its limit; N: at most N per window per endpoint; 0: off */
  maxRpm?: RateMode;
  /** the rate-limit window assumed when the server does not say (a minute); shorter only in tests and benchmarks */
  rateWindowMs?: number;
  /** further attempts after network errors, timeouts and 5xx (429s have their own budget) */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** pacing: no single wait, and no run of 429s without a success, longer than this (default 5 min); else the request fails (kind 'rate_limited') */
  maxWaitMs?: number;
  /** pacing: every wait longer than 10 s is announced here (endpoint, reason, resume time) */
  onNotice?: (line: string) => void;
  /** the largest answer accepted; a larger one is refused and not retried (default 64 MiB) */
  maxAnswerBytes?: number;
  debug?: (line: string) => void;
  /** jitter source; tests pass a seeded one */
  random?: () => number;
}

export interface ApiResponse<T = unknown> {
  status: number;
  data: T;
  attempts: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number>;
  /** sent as the Idempotency-Key header, on POST only: keep it the same for every retry of one create */
  idempotencyKey?: string;
  /**
   * when it aborts (Ctrl-C, SIGTERM), a request still waiting (for its pacing turn, a
   * Retry-After, a backoff) is not sent: it fails with kind 'interrupted', ambiguous only if an
   * earlier attempt may have been applied. A write on the wire is let finish; a read (GET,
   * which changes nothing) is cut short.
   */
  signal?: AbortSignal;
}

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
  /** requests by endpoint (`POST /v1/integrations`) */
  byEndpoint: Record<string, number>;
}

export interface ApiClient {
  readonly baseUrl: string;
  /** which account this client speaks to: a hash of the API URL and the key (never the key itself) */
  readonly identity: string;
  readonly origin: string;
  readonly stats: ClientStats;
  /** scrubs the API key (and any proxy password) from text about to be printed */
  readonly redact: (text: string) => string;
  /** the limit known for each endpoint: from rate headers, learned from 429s, or capped */
  readonly rates: () => Record<string, Rate>;
  /** by endpoint: requests, 429s, the rate it ran at, the time held back, its pace and limit now */
  readonly pacing: () => Record<string, EndpointPacing>;
  /** `path` is relative to the API URL, or an absolute URL on the API's own origin */
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  /** ends every connection the client opened (a request in flight fails); no request may follow */
  close(): Promise<void>;
}

const MAX_429_WAITS = 30;

interface Setup {
  base: URL;
  identity: string;
  baseUrl: string;
  transport: Transport;
  pacer: Pacer;
  limits: PolicyLimits;
  redact: (text: string) => string;
  debug?: (line: string) => void;
  random: () => number;
  stats: ClientStats;
}

/** Options with the CLI's defaults filled in; what cannot work is a ConfigError before any request. */
function setUp(options: ClientOptions): Setup {
  const env = options.env ?? process.env;
  const apiKey = (options.apiKey ?? env.CHARGEBACKSTOP_API_KEY)?.trim();
  if (!apiKey) throw new ConfigError('no API key: set CHARGEBACKSTOP_API_KEY in the environment (or pass apiKey)');
  const base = checkApiUrl(options.baseUrl ?? env.CHARGEBACKSTOP_API_URL ?? DEFAULT_API_URL);
  const baseUrl = base.href.replace(/\/+$/, '');
  const transport = createTransport({
    baseUrl,
    apiKey,
    env,
    ca: options.ca,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxBytes: options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
  });
  // The key in every form; a proxy's password in its exact forms only (a person chose it: runs
  // of it are words), unless it is so short that scrubbing it would garble ordinary words (it
  // is never printed by the client: proxies are shown without user info, and user info in any
  // URL of a message is hidden).
  const scrubs = [redactor(apiKey), ...transport.secrets.filter((p) => p.length >= 8).map((p) => redactor(p, { runs: false }))];
  const redact = (text: string) => scrubs.reduce((t, scrub) => scrub(t), text).replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1...@');
  const debug = options.debug ? (l: string) => options.debug!(redact(l)) : undefined;
  if (transport.proxyLine) debug?.(transport.proxyLine);
  const limits: PolicyLimits = {
    ...DEFAULT_LIMITS,
    ...defined({ retries: options.retries, backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs }),
  };
  return {
    base,
    identity: createHash('sha256').update(`${baseUrl}\u0000${apiKey}`).digest('hex').slice(0, 16),
    baseUrl,
    transport,
    // waits beyond maxWaitMs are refused, longer than 10 s announced
    pacer: new Pacer({ mode: options.maxRpm ?? 'auto', capWindowMs: options.rateWindowMs, maxWaitMs: options.maxWaitMs, onNotice: options.onNotice ? (l) => options.onNotice!(redact(l)) : undefined }),
    limits,
    redact,
    debug,
    random: options.random ?? Math.random,
    stats: { requests: 0, retries: 0, rateLimited: 0, byEndpoint: {} },
  };
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The same client, with `signal` on every request (the engine's interrupt). */
export function withSignal(client: ApiClient, signal: AbortSignal): ApiClient {
  // each request in flight listens to it (a listing has up to 64 pages in flight): no leak warning
  setMaxListeners(0, signal);
  return { ...client, request: (method, path, opts) => client.request(method, path, { ...opts, signal }) };
}

/** The exchange as the policy sees it. */
const attemptOf = (x: Exchange): Attempt => (x.ok ? { answered: true, status: x.status, headers: x.headers } : { answered: false, kind: x.kind, code: x.code, status: x.status });

/** The URL a request path stands for (a Location is resolved against it). */
function urlOf(baseUrl: string, path: string, query?: Record<string, string | number>): URL {
  const url = new URL(/^https?:\/\//i.test(path) ? path : `${baseUrl}${path}`);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.append(k, String(v));
  return url;
}

type Fail = (message: string, status: number | null, code: string | null, kind: FailureKind, ambiguous: boolean) => ApiError;

/** The answer decoded (exactly as sent), or the failure the policy decided, told. */
function finish<T>(d: Extract<Decision, { action: 'done' | 'fail' }>, x: Exchange, attempt: number, fail: Fail, isPost: boolean): ApiResponse<T> {
  if (!x.ok) throw fail(d.action === 'fail' ? (d.message ?? x.message) : x.message, x.kind === 'too_large' ? (x.status ?? null) : null, null, x.kind, d.action === 'fail' && d.ambiguous);
  if (d.action === 'fail') {
    const info = d.message ? { message: d.message, code: null } : readErrorBody(x.text);
    throw fail(info.message, x.status, info.code, d.kind, d.ambiguous);
  }
  if (d.status !== x.status || !x.text) return { status: d.status, data: null as T, attempts: attempt };
  try {
    return { status: x.status, data: JSON.parse(x.text) as T, attempts: attempt };
  } catch {
    throw fail(`non-JSON answer: ${describeText(x.text)}`, x.status, null, 'non_json', isPost);
  }
}

export function createClient(options: ClientOptions = {}): ApiClient {
  const s = setUp(options);
  const { stats, pacer, transport, redact, debug } = s;
  /** the code of each endpoint's last 429: every request refused after it fails as it did */
  const codes429 = new Map<string, string | null>();

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const isPost = method === 'POST';
    const endpoint = endpointOf(method, path);
    const headers = isPost && opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : undefined;
    let target = path;
    let query = opts.query;
    let state: PolicyState = { method, url: urlOf(s.baseUrl, path, query), origin: s.base.origin, failures: 0, redirects: 0, mayHaveApplied: false };
    let waits429 = 0;
    const shown = () => (query ? `${target}?${new URLSearchParams(query as Record<string, string>)}` : target);
    const interrupted = () =>
      new ApiError(state.mayHaveApplied ? 'not sent again: the run was interrupted (an earlier attempt may have been applied)' : 'not sent: the run was interrupted while it waited', {
        method,
        path: redact(shown()),
        kind: 'interrupted',
        ambiguous: state.mayHaveApplied,
      });
    for (let attempt = 1; ; attempt++) {
      // ── pacing, before the request: a wait longer than --max-wait is refused, one the signal cuts is not sent ──
      const sentAt = await pacer.acquire(endpoint, opts.signal).catch((e: unknown) => {
        if (e instanceof WaitInterrupted) throw interrupted();
        if (!(e instanceof WaitRefused)) throw e;
        // the server's 429s, for every request of the endpoint (waiting or refused): `429 RATE_LIMITED: rate limited; ...`;
        // its rate headers: `rate limited: ...`; the user's own --max-rpm: `not sent: --max-rpm 1 allows ...`
        const after429 = e.by === '429';
        const kind = e.by === 'cap' ? 'not_sent' : 'rate_limited';
        throw new ApiError(redact(e.by === 'server' ? e.why : e.message), { status: after429 ? 429 : null, code: after429 ? (codes429.get(endpoint) ?? null) : null, method, path: redact(shown()), kind });
      });
      stats.requests++;
      stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
      if (attempt > 1) stats.retries++;
      const started = Date.now();
      debug?.(`-> ${method} ${shown()}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      // a read in flight is cut by the interrupt (it changes nothing); a write is let finish
      const x = await transport.send(method, target, { body: opts.body, query, headers, cancel: method === 'GET' ? opts.signal : undefined });
      if (!x.ok && x.kind === 'interrupted') throw new ApiError(x.message, { method, path: redact(shown()), kind: 'interrupted' });
      const elapsedMs = Date.now() - started;
      const fail: Fail = (message, status, code, kind, ambiguous) =>
        new ApiError(redact(message), { status, code, method, path: redact(shown()), kind, ambiguous, elapsedMs });
      debug?.(x.ok ? `<- ${x.status} ${method} ${shown()} (${elapsedMs} ms)` : `<- ${method} ${shown()}: ${x.message}`);
      if (x.ok) {
        // ── pacing, after the answer: what it says of the rate; a 429 is waited out by the pacer ──
        const retryAfter = x.status === 429 ? retryAfterMs(x.headers.get('retry-after'), Date.now(), x.headers.get('date')) : null;
        pacer.observe(endpoint, sentAt, x.status, x.headers, retryAfter);
        if (x.status === 429) {
          stats.rateLimited++;
          waits429++;
          codes429.set(endpoint, readErrorBody(x.text).code);
          if (waits429 <= MAX_429_WAITS) continue; // a 429 surely did not take effect, POST included
        }
        // ── end of pacing ──
      }
      const d: Decision = decide(state, attemptOf(x), s.limits, s.random());
      if (d.action === 'retry') {
        state = d.next;
        await abortableTimer(d.afterMs, opts.signal);
        if (opts.signal?.aborted) throw interrupted();
      } else if (d.action === 'follow') {
        state = d.next;
        target = d.to.href;
        query = undefined;
      } else {
        return finish<T>(d, x, attempt, fail, isPost);
      }
    }
  }

  return { baseUrl: s.baseUrl, identity: s.identity, origin: s.base.origin, stats, redact, rates: () => pacer.rates(), pacing: () => pacer.pacing(), request, close: () => transport.close() };
}
