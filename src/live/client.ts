import { FetchError, ofetch, type $Fetch } from 'ofetch';
import { ApiError, ConfigError, readErrorBody, type FailureKind } from './errors.js';
import { endpointOf, Pacer, WaitRefused, type EndpointPacing, type Rate, type RateMode } from './pacer.js';
import { redactor } from './redact.js';

export const DEFAULT_API_URL = 'https://api.chargebackstop.com';
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  /** per request, for the whole answer: headers and body */
  timeoutMs?: number;
  /** 'auto' (default): paced once the server shows its limit; N: at most N per window per endpoint; 0: off */
  maxRpm?: RateMode;
  /** the window of a numeric maxRpm (a minute); shorter only in tests and benchmarks */
  rateWindowMs?: number;
  /** pacing: no single wait, and no run of 429s without a success, longer than this (default 5 min); else the request fails (kind 'rate_limited') */
  maxWaitMs?: number;
  /** pacing: every wait longer than 10 s is announced here (endpoint, reason, resume time) */
  onNotice?: (line: string) => void;
  /** further attempts after network errors, timeouts and 5xx (429s have their own budget) */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
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
  readonly origin: string;
  readonly stats: ClientStats;
  readonly redact: (text: string) => string;
  /** the limit known for each endpoint: from rate headers, learned from 429s, or capped */
  readonly rates: () => Record<string, Rate>;
  /** by endpoint: requests, 429s, the rate it ran at, the time held back, its pace and limit now */
  readonly pacing: () => Record<string, EndpointPacing>;
  /** `path` is relative to the API URL, or an absolute URL on the API's own origin */
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;
const MAX_429_WAITS = 30;
const MAX_REDIRECTS = 5;

const configError = (message: string) => new ConfigError(message);

/**
 * The base URL, refusing plain http except for loopback hosts (the key must not travel in
 * clear) and any user info (a key there would be printed); the URL is never echoed with it.
 */
export function checkApiUrl(raw: string): URL {
  const shown = raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1...@');
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // fall through: a host without a scheme gets a hint
  }
  if (!url || (!raw.includes('://') && !/^https?:$/.test(url.protocol))) {
    const hint = /^[\w.-]+(:\d+)?(\/.*)?$/.test(raw) ? `; add the scheme, e.g. https://${shown}` : '';
    throw configError(`not a valid API URL: ${shown}${hint}`);
  }
  if (url.username || url.password) {
    throw configError('the API URL must not hold a user name or password: set the key in CHARGEBACKSTOP_API_KEY');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url;
  if (url.protocol === 'http:') throw configError(`refusing plain http to ${url.host}: use https (http is allowed only for loopback hosts)`);
  throw configError(`unsupported API URL scheme ${url.protocol}`);
}

/** What undici reports under ofetch's FetchError: the error's name, system code and message. */
function causeOf(e: unknown): { name?: string; code?: string; message?: string } {
  const err = (e instanceof FetchError ? e.cause : e) as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  return { name: err?.name, code: err?.cause?.code ?? err?.code, message: err?.cause?.message ?? err?.message };
}

function classifyNetworkError(e: unknown): FailureKind {
  const { code } = causeOf(e);
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unresolved';
  return 'network';
}

/** Failures after which the request surely never reached the server (a POST may be sent again). */
const NEVER_SENT: FailureKind[] = ['refused', 'unresolved'];

/** Retry-After in seconds or as an HTTP date, in ms. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** One exchange's outcome: an answer read whole, or a failure before it was. */
type Exchange = { ok: true; status: number; headers: Headers; text: string } | { ok: false; kind: FailureKind; message: string; status?: number };

export function createClient(options: ClientOptions): ApiClient {
  const base = checkApiUrl(options.baseUrl);
  const baseUrl = base.href.replace(/\/+$/, '');
  const redact = redactor(options.apiKey);
  const debug = options.debug ? (l: string) => options.debug!(redact(l)) : undefined;
  const random = options.random ?? Math.random;
  const retries = options.retries ?? 5;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const backoffBase = options.backoffBaseMs ?? 200;
  const backoffMax = options.backoffMaxMs ?? 5000;
  // pacing (src/live/pacer.ts): waits beyond maxWaitMs are refused, longer than 10 s announced
  const onNotice = options.onNotice ? (l: string) => options.onNotice!(redact(l)) : undefined;
  const pacer = new Pacer({ mode: options.maxRpm ?? 'auto', capWindowMs: options.rateWindowMs, maxWaitMs: options.maxWaitMs, onNotice });
  const stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0, byEndpoint: {} };
  // One configured instance: base URL, bearer key, JSON bodies. Its own retry and timeout are
  // off: POST needs a retry policy it cannot express, and its timeout stops at the headers,
  // while ours covers the body too. Redirects are never followed by fetch (see below).
  const fetcher: $Fetch = ofetch.create({
    baseURL: baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
    retry: false,
    ignoreResponseError: true,
    responseType: 'stream',
    redirect: 'manual',
  });
  const backoff = (attempt: number) => Math.min(backoffMax, backoffBase * 2 ** (attempt - 1)) * (0.5 + random() / 2);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Sends once and reads the whole answer within the timeout and the size limit. */
  async function exchange(method: string, target: string, opts: RequestOptions): Promise<Exchange> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetcher.raw<ReadableStream<Uint8Array> | null>(target, { method, body: opts.body as any, query: opts.query, signal: controller.signal });
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > maxBytes) {
        await res._data?.cancel().catch(() => {});
        return { ok: false, kind: 'too_large', status: res.status, message: tooLarge(declared) };
      }
      const text = await readCapped(res._data ?? null, maxBytes);
      if (text === null) return { ok: false, kind: 'too_large', status: res.status, message: tooLarge() };
      // data is decoded exactly as sent: the key is scrubbed where text is printed, never here
      return { ok: true, status: res.status, headers: res.headers, text };
    } catch (e) {
      if (controller.signal.aborted) return { ok: false, kind: 'timeout', message: `no complete answer within ${timeoutMs} ms` };
      const kind = classifyNetworkError(e);
      const { code, message } = causeOf(e);
      const text =
        kind === 'refused' ? `connection refused by ${base.origin}` : kind === 'unresolved' ? `cannot resolve the host of ${base.origin}` : `connection failed (${code ?? message ?? 'unknown'})`;
      return { ok: false, kind, message: text };
    } finally {
      clearTimeout(timer);
    }
  }

  const tooLarge = (bytes?: number) =>
    `the answer is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB${bytes ? ` (${Math.round(bytes / 1024 / 1024)} MiB declared)` : ''}: refused, not retried (raise --max-answer-mib if it is expected)`;

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const isPost = method === 'POST';
    const endpoint = endpointOf(method, path);
    let target = path;
    let query = opts.query;
    const shown = () => (query ? `${target}?${new URLSearchParams(query as Record<string, string>)}` : target);
    const fail = (msg: string, status: number | null, code: string | null, kind: FailureKind, ambiguous = false) =>
      new ApiError(redact(msg), { status, code, method, path: redact(shown()), kind, ambiguous });
    let failures = 0;
    let waits429 = 0;
    let redirects = 0;
    /** an earlier attempt failed in a way that may have reached the server */
    let mayHaveApplied = false;
    /** the code of the last 429, for a wait refused after it */
    let limitedCode: string | null | undefined;
    for (let attempt = 1; ; attempt++) {
      const sentAt = await pacer.acquire(endpoint).catch((e: unknown) => {
        throw e instanceof WaitRefused ? fail(e.message, limitedCode === undefined ? null : 429, limitedCode ?? null, 'rate_limited') : e;
      });
      stats.requests++;
      stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
      if (attempt > 1) stats.retries++;
      const started = Date.now();
      debug?.(`-> ${method} ${shown()}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      const x = await exchange(method, target, { ...opts, query });
      if (!x.ok) {
        debug?.(`<- ${method} ${shown()}: ${x.message}`);
        if (x.kind === 'too_large') {
          // a write answered 2xx happened even if its answer cannot be read
          throw fail(x.message, x.status ?? null, null, x.kind, isPost && !!x.status && x.status < 300);
        }
        // A POST may have taken effect unless the request surely never left.
        if (isPost && !NEVER_SENT.includes(x.kind)) throw fail(x.message, null, null, x.kind, true);
        if (!NEVER_SENT.includes(x.kind)) mayHaveApplied = true;
        if (++failures > retries) throw fail(x.message, null, null, x.kind);
        await sleep(backoff(failures));
        continue;
      }
      const { status, text, headers } = x;
      debug?.(`<- ${status} ${method} ${shown()} (${Date.now() - started} ms)`);
      const retryAfter = status === 429 ? retryAfterMs(headers.get('retry-after')) : null;
      pacer.observe(endpoint, sentAt, status, headers, retryAfter);
      if (status >= 200 && status < 300) {
        if (!text) return { status, data: null as T, attempts: attempt };
        try {
          return { status, data: JSON.parse(text) as T, attempts: attempt };
        } catch {
          throw fail(`non-JSON answer: ${text.trim().slice(0, 120)}`, status, null, 'non_json', isPost);
        }
      }
      if (status >= 300 && status < 400) {
        const next = redirectTarget(headers.get('location'), target);
        // A write is never redirected: fetch would turn a POST into a GET after 301-303, and
        // resend the body elsewhere after 307/308. Nothing was written where we meant it.
        if (method !== 'GET') {
          throw fail(`answered ${status} with a redirect${next ? ` to ${next.origin}${next.pathname}` : ''}; writes are never redirected, so nothing was written (check the API URL)`, status, null, 'redirect');
        }
        if (!next) throw fail(`answered ${status} without a usable Location`, status, null, 'redirect');
        if (next.origin !== base.origin) {
          throw fail(`redirected from ${base.origin} to ${next.origin}: not followed (the key never goes to another origin)`, status, null, 'redirect');
        }
        if (++redirects > MAX_REDIRECTS) throw fail(`more than ${MAX_REDIRECTS} redirects`, status, null, 'redirect');
        target = next.href;
        query = undefined;
        continue;
      }
      // A DELETE retried after a failure that may have gone through: 404 means it did.
      if (status === 404 && method === 'DELETE' && mayHaveApplied) return { status: 204, data: null as T, attempts: attempt };
      const info = readErrorBody(text);
      if (status === 429) {
        stats.rateLimited++;
        waits429++;
        limitedCode = info.code;
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

  /** Location resolved against the URL that answered. */
  function redirectTarget(location: string | null, from: string): URL | null {
    if (!location) return null;
    try {
      return new URL(location, /^https?:\/\//i.test(from) ? from : `${baseUrl}${from}`);
    } catch {
      return null;
    }
  }

  return { baseUrl, origin: base.origin, stats, redact, rates: () => pacer.rates(), pacing: () => pacer.pacing(), request };
}

/** The body as text, or null when it grows past `limit` bytes (the rest is not read). */
async function readCapped(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<string | null> {
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
