// Proxies as users set them: HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case), read from
// the environment the client is given, never printed with their user info; the agent that
// honours them is undici's own, with one repair (see tunnelClients).

import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { ConfigError } from './errors.js';
import { bypasses, parseNoProxy } from './no-proxy.js';
import { PROXY_NOT_SHOWN, shownIfPlain, unreadableReason } from './url.js';

export type Env = Record<string, string | undefined>;
type Undici = Pick<typeof import('undici'), 'Agent' | 'EnvHttpProxyAgent' | 'Pool'>;

export interface Proxy {
  /** the variable it came from (HTTPS_PROXY, HTTP_PROXY) */
  variable: string;
  /** the URL given to the agent (user info included) */
  uri: string;
  /** what may be printed: scheme, host and port */
  shown: string;
  hostname: string;
  port: string;
  password: string;
}

const FORM = '(write http://[user:password@]host:port)';

/**
 * A proxy variable as a URL (`proxy:3128` is taken as http://, as curl does). Its user info is
 * never echoed, whatever characters it holds: a value that cannot be read is shown only when no
 * part of it can be user info (see shownIfPlain), and a valid one by its scheme, host and port.
 */
export function readProxy(name: string, raw: string | undefined): Proxy | null {
  const value = raw?.trim();
  if (!value) return null;
  // `http:host` or `http:user:pw@host` would read as a host named `http` (or a user `http`)
  if (/^https?:(?!\/\/)/i.test(value)) throw new ConfigError(`${name}: write the scheme with two slashes ${FORM}`);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    const shown = shownIfPlain(withScheme);
    throw new ConfigError(`${name} is not a valid proxy URL: ${shown ?? `${unreadableReason(withScheme)} (${PROXY_NOT_SHOWN})`} ${FORM}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name}: unsupported proxy scheme ${url.protocol} (http:// or https://)`);
  // undici would say only "invalid url" at the first request; the path itself is not shown (an @ there may be a password's)
  if (url.pathname !== '/' || url.search || url.hash) throw new ConfigError(`${name}: a proxy URL has no path, query or fragment after host:port ${FORM}`);
  let password: string;
  try {
    password = decodeURIComponent(url.password);
    decodeURIComponent(url.username);
  } catch {
    throw new ConfigError(`${name}: the user or password holds a malformed %-escape (write % as %25)`);
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { variable: name, uri: url.href, shown: `${url.protocol}//${url.host}`, hostname: url.hostname, port, password };
}

const pick = (env: Env, name: string) => env[name.toLowerCase()] ?? env[name.toUpperCase()];

export interface ProxySettings {
  http: Proxy | null;
  /** HTTPS_PROXY, else HTTP_PROXY (undici's rule) */
  https: Proxy | null;
  /** the proxy for the API's scheme, if one is set (NO_PROXY may still bypass it) */
  proxy: Proxy | null;
  /** the proxy the API's requests go through: `proxy`, unless NO_PROXY names the API's host */
  via: Proxy | null;
  /** NO_PROXY as given (for --debug) */
  noProxy: string;
  /** the passwords of the proxies set, to be scrubbed from anything printed */
  passwords: string[];
}

/** The proxy variables for requests to `base`, read from `env` alone (either case); a bad one is a ConfigError. */
export function proxySettings(env: Env, base: URL): ProxySettings {
  const http = readProxy('HTTP_PROXY', pick(env, 'http_proxy'));
  // undici's rule: https requests use HTTP_PROXY when HTTPS_PROXY is not set
  const https = readProxy('HTTPS_PROXY', pick(env, 'https_proxy')) ?? http;
  const passwords = [...new Set([http, https].map((p) => p?.password ?? '').filter(Boolean))];
  const noProxy = (pick(env, 'no_proxy') ?? '').trim();
  const entries = parseNoProxy(noProxy);
  const proxy = base.protocol === 'https:' ? https : http;
  return { http, https, proxy, via: proxy && !bypasses(entries, base) ? proxy : null, noProxy, passwords };
}

/**
 * The dispatcher for every request (all go to the API's origin, never another: redirects
 * elsewhere are not followed): a plain agent when NO_PROXY names it or no proxy is set, else
 * undici's environment proxy agent through the proxy, fed from the settings alone (NO_PROXY is
 * decided here, by `bypasses`, not by undici, which reads `.name` as subdomains only). The CA
 * given is trusted for the API and for an https:// proxy alike.
 */
export function dispatcherFor(undici: Undici, { http, https, via }: ProxySettings, ca: string[] | undefined): Dispatcher {
  const tls = ca ? { ca: [...rootCertificates, ...extraCaCerts(), ...ca] } : undefined;
  if (!via) return new undici.Agent(tls ? { connect: tls } : {});
  // The values are passed explicitly (empty for none) so the agent never reads process.env itself.
  return quietly(
    () =>
      new undici.EnvHttpProxyAgent({
        httpProxy: http?.uri ?? '',
        httpsProxy: https?.uri ?? '',
        noProxy: '',
        // connect: the API without a proxy; requestTls: the API through a tunnel; proxyTls: an https:// proxy
        ...(tls ? { connect: tls, requestTls: tls, proxyTls: tls } : {}),
        // read by each ProxyAgent; the plain Agent and its pools ignore it
        ...({ clientFactory: tunnelClients(undici) } as object),
      }),
  );
}

/**
 * The CAs Node trusts besides its bundle: NODE_EXTRA_CA_CERTS (read by Node at start). A `ca`
 * given replaces Node's whole store for its connections, so they are added back (seen: the
 * library's `ca` for the API made an https:// proxy signed by the NODE_EXTRA_CA_CERTS CA refused).
 */
function extraCaCerts(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return []; // Node warned of it at start, and trusts none of it either
  }
}

/** What undici 8 throws when a proxy drops a CONNECT (UND_ERR_PRX_CONN, nodejs/undici#5441); kept here for undici 6. */
export class ProxyConnectionError extends Error {
  readonly code = 'UND_ERR_PRX_CONN';
  constructor(cause: unknown) {
    super('the proxy closed the connection without answering CONNECT', { cause });
    this.name = 'ProxyConnectionError';
  }
}

/**
 * The pool that opens tunnels through a proxy, as undici's ProxyAgent makes it, with one repair.
 * A proxy that closes a CONNECT without answering (its upstream is down, or it drops what it
 * denies) fails undici 6's tunnel with a socket error (UND_ERR_SOCKET), which its client takes
 * for a dropped keep-alive connection: the request stays queued and the client reconnects at
 * once, forever (nodejs/undici#3897: 270,000 CONNECTs in 40 s, a request that never settles, a
 * process that never exits). Any other error fails the queued requests, as undici 8 does here.
 */
function tunnelClients(undici: Undici) {
  return (origin: URL, options: object) => {
    const pool = new undici.Pool(origin, options);
    const connect = pool.connect.bind(pool) as (opts: object) => Promise<unknown>;
    // ProxyAgent calls connect(opts) alone, and awaits it
    return Object.assign(pool, {
      connect: (opts: object) =>
        connect(opts).catch((e: unknown) => {
          throw (e as { code?: string } | null)?.code === 'UND_ERR_SOCKET' ? new ProxyConnectionError(e) : e;
        }),
    });
  };
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
