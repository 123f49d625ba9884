import { FetchError, ofetch, type $Fetch } from 'ofetch';
import { ApiError, readErrorBody, redactor, type FailureKind } from './errors.js';
import { endpointOf, Pacer } from './pacer.js';

export const DEFAULT_API_URL = 'https://api.chargebackstop.com';

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  /** per request, until the answer's headers arrive */
  timeoutMs?: number;
  /** requests per minute per endpoint; 0 turns pacing off. Default 100, the documented limit. */
  maxRpm?: number;
  /** the pacing window (a minute); shorter only in tests and benchmarks */
  rateWindowMs?: number;
  /** further attempts after network errors, timeouts and 5xx (429s have their own budget) */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
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
}

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

export interface ApiClient {
  readonly baseUrl: string;
  readonly origin: string;
  readonly stats: ClientStats;
  readonly redact: (text: string) => string;
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;
const MAX_429_WAITS = 30;
/** a Retry-After longer than this fails the request instead of stalling a pipeline */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** The base URL, refusing plain http except for loopback hosts (the key must not travel in clear). */
export function checkApiUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError(`not a valid API URL: ${raw}`, null, null, 'CONFIG', raw, 'config');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw new ApiError(`refusing plain http to ${url.host}: use https (http is allowed only for loopback hosts)`, null, null, 'CONFIG', raw, 'config');
  }
  throw new ApiError(`unsupported API URL scheme ${url.protocol}`, null, null, 'CONFIG', raw, 'config');
}

/** What undici reports under ofetch's FetchError: the error's name, system code and message. */
function causeOf(e: unknown): { name?: string; code?: string; message?: string } {
  const err = (e instanceof FetchError ? e.cause : e) as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  return { name: err?.name, code: err?.cause?.code ?? err?.code, message: err?.cause?.message ?? err?.message };
}

function classifyNetworkError(e: unknown): FailureKind {
  const { name, code } = causeOf(e);
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unresolved';
  return 'network';
}

/** Failures after which the request surely never reached the server (a POST may be sent again). */
const NEVER_SENT: FailureKind[] = ['refused', 'unresolved'];

function networkMessage(kind: FailureKind, e: unknown, origin: string): string {
  if (kind === 'timeout') return 'no answer before the timeout';
  if (kind === 'refused') return `connection refused by ${origin}`;
  if (kind === 'unresolved') return `cannot resolve the host of ${origin}`;
  const { code, message } = causeOf(e);
  return `connection failed (${code ?? message ?? 'unknown'})`;
}

/** Retry-After in seconds or as an HTTP date, in ms. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function createClient(options: ClientOptions): ApiClient {
  const base = checkApiUrl(options.baseUrl);
  const baseUrl = base.href.replace(/\/+$/, '');
  const redact = redactor(options.apiKey);
  const debug = options.debug ? (l: string) => options.debug!(redact(l)) : undefined;
  const random = options.random ?? Math.random;
  const retries = options.retries ?? 5;
  const backoffBase = options.backoffBaseMs ?? 200;
  const backoffMax = options.backoffMaxMs ?? 5000;
  const pacer = new Pacer(options.maxRpm ?? 100, options.rateWindowMs ?? 60_000);
  const stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 };
  // One configured instance: base URL, bearer key, timeout, JSON bodies. Its own retry is off
  // because POST needs a policy it cannot express (retry only when the write surely did not happen).
  const fetcher: $Fetch = ofetch.create({
    baseURL: baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
    timeout: options.timeoutMs ?? 30_000,
    retry: false,
    ignoreResponseError: true,
    responseType: 'text',
  });
  const backoff = (attempt: number) => Math.min(backoffMax, backoffBase * 2 ** (attempt - 1)) * (0.5 + random() / 2);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const isPost = method === 'POST';
    const endpoint = endpointOf(method, path);
    const shown = opts.query ? `${path}?${new URLSearchParams(opts.query as Record<string, string>)}` : path;
    const fail = (msg: string, status: number | null, code: string | null, kind: FailureKind, ambiguous = false) =>
      new ApiError(redact(msg), status, code, method, shown, kind, ambiguous);
    let failures = 0;
    let waits429 = 0;
    /** an earlier attempt failed in a way that may have reached the server */
    let mayHaveApplied = false;
    for (let attempt = 1; ; attempt++) {
      await pacer.acquire(endpoint);
      stats.requests++;
      if (attempt > 1) stats.retries++;
      const started = Date.now();
      debug?.(`-> ${method} ${shown}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      let res;
      try {
        res = await fetcher.raw<string>(path, { method, body: opts.body as any, query: opts.query });
      } catch (e) {
        const kind = classifyNetworkError(e);
        const msg = networkMessage(kind, e, base.origin);
        debug?.(`<- ${method} ${shown}: ${msg}`);
        // A POST may have taken effect unless the request surely never left.
        if (isPost && !NEVER_SENT.includes(kind)) throw fail(msg, null, null, kind, true);
        if (!NEVER_SENT.includes(kind)) mayHaveApplied = true;
        if (++failures > retries) throw fail(msg, null, null, kind);
        await sleep(backoff(failures));
        continue;
      }
      const status = res.status;
      const text = typeof res._data === 'string' ? res._data : '';
      debug?.(`<- ${status} ${method} ${shown} (${Date.now() - started} ms)`);
      if (status >= 200 && status < 300) {
        if (!text) return { status, data: null as T, attempts: attempt };
        try {
          return { status, data: JSON.parse(text) as T, attempts: attempt };
        } catch {
          throw fail(`non-JSON answer: ${text.trim().slice(0, 120)}`, status, null, 'non_json');
        }
      }
      // A DELETE retried after a failure that may have gone through: 404 means it did.
      if (status === 404 && method === 'DELETE' && mayHaveApplied) return { status: 204, data: null as T, attempts: attempt };
      const info = readErrorBody(text);
      if (status === 429) {
        stats.rateLimited++;
        waits429++;
        const wait = retryAfterMs(res.headers.get('retry-after')) ?? backoff(waits429);
        if (wait > MAX_RETRY_AFTER_MS) throw fail(`rate limited; the server asks to wait ${Math.round(wait / 1000)} s`, status, info.code, 'http');
        pacer.pause(endpoint, wait);
        if (waits429 <= MAX_429_WAITS) continue; // a 429 surely did not take effect, POST included
      } else if (status >= 500) {
        if (isPost) throw fail(info.message, status, info.code, 'http', true);
        mayHaveApplied = true;
        if (++failures <= retries) {
          await sleep(backoff(failures));
          continue;
        }
      }
      throw fail(info.message, status, info.code, 'http');
    }
  }

  return { baseUrl, origin: base.origin, stats, redact, request };
}
