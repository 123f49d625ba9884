// The mechanics of one exchange: undici's fetch through a dispatcher that honours the proxy
// variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, either case) and extra trusted CAs, wrapped by
// ofetch for the base URL, bearer key and JSON bodies; the answer read whole, within the
// timeout and the size limit. Deciding what to do with the outcome is policy.ts's.

import { rootCertificates } from 'node:tls';
import { createFetch, type $Fetch } from 'ofetch';
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, Headers as UndiciHeaders, type Dispatcher } from 'undici';
import { ConfigError, type FailureKind } from './errors.js';
import { classifyNetworkError, type Where } from './network.js';

export type Env = Record<string, string | undefined>;

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
}

export interface Transport {
  send(method: string, target: string, opts: SendOptions): Promise<Exchange>;
  /** the proxy for the API's requests, shown without user info, for --debug */
  readonly proxyLine: string | null;
  /** the proxies' passwords, to be scrubbed from anything printed */
  readonly secrets: string[];
}

export interface Proxy {
  /** the URL given to the agent (user info included) */
  uri: string;
  /** what may be printed: scheme, host and port */
  shown: string;
  hostname: string;
  port: string;
  password: string;
}

/** A proxy variable as a URL (`proxy:3128` is taken as http://, as curl does); never echoed with its user info. */
export function readProxy(name: string, raw: string | undefined): Proxy | null {
  const value = raw?.trim();
  if (!value) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`${name} is not a valid proxy URL: ${withScheme.replace(/\/\/[^/@]*@/, '//...@')} (write http://[user:password@]host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name}: unsupported proxy scheme ${url.protocol} (http:// or https://)`);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { uri: url.href, shown: `${url.protocol}//${url.host}`, hostname: url.hostname, port, password: decodeURIComponent(url.password) };
}

const pick = (env: Env, name: string) => env[name.toLowerCase()] ?? env[name.toUpperCase()];

/**
 * NO_PROXY as curl and Go read it: a bare domain covers its subdomains too (undici matches it
 * exactly, and only `.domain` or `*.domain` by suffix), so each bare name also gets its `.name`.
 */
export function noProxyList(raw: string | undefined): string {
  const entries = (raw ?? '').split(/[,\s]+/).filter(Boolean);
  const isName = (e: string) => /^[a-z0-9-]+(\.[a-z0-9-]+)*(:\d+)?$/i.test(e) && !/^[\d.]+(:\d+)?$/.test(e);
  return entries.flatMap((e) => (isName(e) ? [e, `.${e}`] : [e])).join(',');
}

interface Dispatch {
  dispatcher: Dispatcher;
  /** the proxy for the API's scheme, if one is set (NO_PROXY may still bypass it) */
  proxy: Proxy | null;
  noProxy: string;
}

/** The dispatcher for every request: undici's environment proxy agent, fed from `env` alone. */
function dispatcherFor(env: Env, scheme: string, ca: string[] | undefined): Dispatch {
  const http = readProxy('HTTP_PROXY', pick(env, 'http_proxy'));
  // undici's rule: https requests use HTTP_PROXY when HTTPS_PROXY is not set
  const https = readProxy('HTTPS_PROXY', pick(env, 'https_proxy')) ?? http;
  const tls = ca ? { ca: [...rootCertificates, ...ca] } : undefined;
  const noProxy = noProxyList(pick(env, 'no_proxy'));
  const proxy = scheme === 'https:' ? https : http;
  if (!http && !https) return { dispatcher: new Agent(tls ? { connect: tls } : {}), proxy, noProxy };
  // The values are passed explicitly (empty for none) so the agent never reads process.env itself.
  const dispatcher = quietly(
    () =>
      new EnvHttpProxyAgent({
        httpProxy: http?.uri ?? '',
        httpsProxy: https?.uri ?? '',
        noProxy,
        ...(tls ? { connect: tls, requestTls: tls } : {}),
      }),
  );
  return { dispatcher, proxy, noProxy };
}

/** undici 6 marks its environment proxy agent experimental with a process warning; a CLI must not print it. */
function quietly<T>(make: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' ? (rest[0] as { code?: string })?.code : rest[1];
    if (code !== 'UNDICI-EHPA') (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return make();
  } finally {
    process.emitWarning = emit;
  }
}

export function createTransport(options: TransportOptions): Transport {
  const { timeoutMs, maxBytes } = options;
  const ca = options.ca === undefined ? undefined : ([] as string[]).concat(options.ca);
  const base = new URL(options.baseUrl);
  const { dispatcher, proxy, noProxy } = dispatcherFor(options.env, base.protocol, ca);
  const where: Where = { host: base.host, port: base.port || (base.protocol === 'https:' ? '443' : '80'), origin: base.origin, proxy };
  // undici's own fetch with our dispatcher (not Node's bundled copy, whose dispatcher would not
  // match). Its own retry and timeout are off: POST needs a retry policy it cannot express, and
  // its timeout stops at the headers, while ours covers the body too. Redirects are never
  // followed by fetch: policy.ts decides.
  const fetch = ((input: any, init: any) => undiciFetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
  const fetcher: $Fetch = createFetch({ fetch, Headers: UndiciHeaders as unknown as typeof Headers, AbortController }).create({
    baseURL: options.baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
    retry: false,
    ignoreResponseError: true,
    responseType: 'stream',
    redirect: 'manual',
  });

  const tooLarge = (bytes?: number) =>
    `the answer is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB${bytes ? ` (${Math.round(bytes / 1024 / 1024)} MiB declared)` : ''}: refused, not retried (raise --max-answer-mib if it is expected)`;

  /** Sends once and reads the whole answer within the timeout and the size limit. */
  async function send(method: string, target: string, opts: SendOptions): Promise<Exchange> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
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
      if (controller.signal.aborted) return { ok: false, kind: 'timeout', message: `no complete answer within ${timeoutMs} ms` };
      return { ok: false, ...classifyNetworkError(e, where) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    send,
    proxyLine: proxy ? `proxy for ${base.protocol}// requests: ${proxy.shown}${noProxy ? ` (not for NO_PROXY: ${noProxy})` : ''}` : null,
    secrets: [readProxy('HTTP_PROXY', pick(options.env, 'http_proxy')), readProxy('HTTPS_PROXY', pick(options.env, 'https_proxy'))].map((p) => p?.password ?? '').filter(Boolean),
  };
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
