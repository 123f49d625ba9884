// The mechanics of one exchange: undici's fetch through a dispatcher that honours the proxy
// variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, either case) and extra trusted CAs, wrapped by
// ofetch for the base URL, bearer key and JSON bodies; the answer read whole, within the
// timeout and the size limit. Deciding what to do with the outcome is policy.ts's.

import { subscribe } from 'node:diagnostics_channel';
import { createFetch, type $Fetch } from 'ofetch';
import type { Dispatcher } from 'undici';
import { closeDispatcher, opened } from './dispatchers.js';
import type { FailureKind } from './errors.js';
import { classifyNetworkError, type Where } from './network.js';
import { dispatcherFor, proxySettings, type Env } from './proxy.js';

export type { Env } from './proxy.js';

/** One exchange's outcome: an answer read whole, or a failure before it was. */
export type Exchange =
  | { ok: true; status: number; headers: Headers; text: string }
  | { ok: false; kind: FailureKind; message: string; code?: string; status?: number };

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxBytes: number;
  env: Env;
  /** PEM certificate authorities trusted besides Node's built-in ones */
  ca?: string | string[];
}

export interface SendOptions {
  body?: unknown;
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
  /** cuts the request in flight (a read the interrupt need not wait for): answered as kind 'interrupted' */
  cancel?: AbortSignal;
}

export interface Transport {
  send(method: string, target: string, opts: SendOptions): Promise<Exchange>;
  /** the proxy for the API's requests, shown without user info, for --debug */
  readonly proxyLine: string | null;
  /** the proxies' passwords, to be scrubbed from anything printed */
  readonly secrets: string[];
  /** ends every connection (a request in flight fails); no request may follow */
  close(): Promise<void>;
}

export function createTransport(options: TransportOptions): Transport {
  const { timeoutMs, maxBytes } = options;
  const ca = options.ca === undefined ? undefined : ([] as string[]).concat(options.ca);
  const base = new URL(options.baseUrl);
  // read now, so a bad proxy variable is a ConfigError before any request
  const proxies = proxySettings(options.env, base);
  const { proxy, via, noProxy } = proxies;
  // failures name the proxy only when the API's requests go through it
  const where: Where = { host: base.host, port: base.port || (base.protocol === 'https:' ? '443' : '80'), origin: base.origin, proxy: via };
  let fetcher: Promise<$Fetch> | undefined;
  let dispatcher: Dispatcher | undefined;
  // undici is loaded with the first request: a command that sends none does not pay for it
  const fetcherOnce = () => (fetcher ??= makeFetcher());

  // undici's own fetch with our dispatcher (not Node's bundled copy, whose dispatcher would not
  // match). Its own retry and timeout are off: POST needs a retry policy it cannot express, and
  // its timeout stops at the headers, while ours covers the body too. Redirects are never
  // followed by fetch: policy.ts decides.
  async function makeFetcher(): Promise<$Fetch> {
    const undici = await import('undici');
    watchConnects();
    const d = (dispatcher = dispatcherFor(undici, proxies, ca));
    opened(d);
    const fetch = ((input: any, init: any) => undici.fetch(input, { ...init, dispatcher: d })) as unknown as typeof globalThis.fetch;
    return createFetch({ fetch, Headers: undici.Headers as unknown as typeof Headers, AbortController }).create({
      baseURL: options.baseUrl,
      headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
      retry: false,
      ignoreResponseError: true,
      responseType: 'stream',
      redirect: 'manual',
    });
  }

  const tooLarge = (bytes?: number) =>
    `the answer is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB${bytes ? ` (${Math.round(bytes / 1024 / 1024)} MiB declared)` : ''}: refused, not retried (raise --max-answer-mib if it is expected)`;

  /** Sends once and reads the whole answer within the timeout and the size limit. */
  async function send(method: string, target: string, opts: SendOptions): Promise<Exchange> {
    const fetcher = await fetcherOnce();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const cut = () => controller.abort();
    opts.cancel?.addEventListener('abort', cut, { once: true });
    if (opts.cancel?.aborted) controller.abort();
    try {
      const res = await fetcher.raw<ReadableStream<Uint8Array> | null>(target, { method, body: opts.body as any, query: opts.query, headers: opts.headers, signal: controller.signal });
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
      if (opts.cancel?.aborted) return { ok: false, kind: 'interrupted', message: 'cut short: the run was interrupted while it read' };
      if (controller.signal.aborted) return { ok: false, kind: 'timeout', message: `no complete answer within ${timeoutMs} ms` };
      return { ok: false, ...classifyNetworkError(e, where, connectingTo(e)) };
    } finally {
      clearTimeout(timer);
      opts.cancel?.removeEventListener('abort', cut);
    }
  }

  return {
    send,
    proxyLine: proxy ? `proxy for ${base.protocol}// requests: ${proxy.shown}${via ? (noProxy ? ` (not for NO_PROXY: ${noProxy})` : '') : ` (not used: NO_PROXY=${noProxy} names ${base.hostname}, so requests go directly)`}` : null,
    secrets: proxies.passwords,
    async close() {
      await fetcher?.catch(() => {});
      if (dispatcher) await closeDispatcher(dispatcher);
    },
  };
}

/** Errors undici reported while opening a connection (no byte of the request sent yet), with the host:port it was opening. */
const connectFailures = new WeakMap<object, string>();
let watching = false;

/** undici tells each failure to connect on a diagnostics channel (the innermost first: a proxy's before the tunnel's). */
function watchConnects(): void {
  if (watching) return;
  watching = true;
  subscribe('undici:client:connectError', (message) => {
    const { error, connectParams: p } = message as { error: unknown; connectParams: { hostname: string; port: string | number; protocol: string } };
    if (error && typeof error === 'object' && !connectFailures.has(error)) {
      connectFailures.set(error, `${String(p.hostname).replace(/^\[(.*)\]$/, '$1')}:${p.port || (p.protocol === 'https:' ? 443 : 80)}`);
    }
  });
}

/** The host:port whose connection failed with this error (or one of its causes), or null when it failed later. */
function connectingTo(e: unknown): string | null {
  let c = e;
  for (let depth = 0; c && typeof c === 'object' && depth < 8; depth++, c = (c as { cause?: unknown }).cause) {
    const host = connectFailures.get(c);
    if (host) return host;
  }
  return null;
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
