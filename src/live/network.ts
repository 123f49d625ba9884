// PURE. Network failures told in words: what undici reports (an error with a chain of causes
// carrying a system or TLS code) becomes a failure kind, the code, and one line for people.

import type { FailureKind } from './errors.js';

export interface NetworkFailure {
  kind: FailureKind;
  code?: string;
  /** the status a proxy answered CONNECT with */
  status?: number;
  message: string;
}

/** What the message may name: the API's origin and the proxies in use (never with their user info). */
export interface Where {
  /** the host the request was for (`api.example.com:8443`) */
  host: string;
  /** the API's port (443 when not written) */
  port: string;
  origin: string;
  /** the proxy for the API's scheme, if one is set */
  proxy: { variable: string; hostname: string; port: string; shown: string; password: string } | null;
}

type Cause = { name?: string; code?: string; message?: string; hostname?: string; port?: number | string; cert?: { subjectaltname?: string }; cause?: unknown };

/** The error and its causes, outermost first (ofetch's FetchError, fetch's TypeError, the socket's error). */
function chain(e: unknown): Cause[] {
  const out: Cause[] = [];
  for (let c = e as Cause | undefined; c && typeof c === 'object' && out.length < 8; c = c.cause as Cause | undefined) out.push(c);
  return out;
}

/** Certificate problems by OpenSSL's code, in words; `trust` ones are fixed by trusting the CA. */
const CERTIFICATE: Record<string, { words: string; trust?: true }> = {
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { words: 'is issued by a certificate authority this machine does not trust', trust: true },
  UNABLE_TO_GET_ISSUER_CERT: { words: 'is issued by a certificate authority this machine does not trust', trust: true },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { words: 'cannot be verified: its issuer is not trusted here, or the server does not send the intermediate certificates', trust: true },
  SELF_SIGNED_CERT_IN_CHAIN: { words: 'chains to a self-signed certificate authority this machine does not trust (a private CA, or a proxy that inspects TLS)', trust: true },
  DEPTH_ZERO_SELF_SIGNED_CERT: { words: 'is self-signed and not trusted here', trust: true },
  CERT_UNTRUSTED: { words: 'is not trusted here', trust: true },
  CERT_HAS_EXPIRED: { words: 'has expired' },
  CERT_NOT_YET_VALID: { words: 'is not valid yet (is this machine’s clock right?)' },
  CERT_REVOKED: { words: 'has been revoked' },
  ERR_TLS_CERT_ALTNAME_INVALID: { words: 'is for another host name' },
  CERT_SIGNATURE_FAILURE: { words: 'has an invalid signature' },
  INVALID_CA: { words: 'is signed by an invalid certificate authority' },
  ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED: { words: 'uses a signature algorithm Node does not accept' },
};

export const CA_HINT = 'set NODE_EXTRA_CA_CERTS to the PEM file of the CA that signs it (a private or company CA)';

const PROXY_REFUSED = /Proxy response \((\d+)\)/;

/** TLS handshake failures by code: OpenSSL's (ERR_SSL_*), Node's (ERR_TLS_*), and EPROTO as older Nodes report them. */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;
/** What a TLS client reads when the other end answers in plain text (an http server's 400). */
const NOT_TLS = /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LAYER_FAILURE)$|wrong version number|packet length too long/i;
const HANDSHAKE: Record<string, string> = {
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the server and Node share no TLS version or cipher',
  ERR_SSL_NO_SHARED_CIPHER: 'the server and Node share no cipher',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'the server and Node share no TLS version (Node speaks TLS 1.2 and 1.3)',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'the server and Node share no TLS version (Node speaks TLS 1.2 and 1.3)',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'the server and Node share no TLS version (Node speaks TLS 1.2 and 1.3)',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server asks for a client certificate, which cbsync does not send',
  ERR_SSL_TLSV1_ALERT_UNRECOGNIZED_NAME: 'the server does not serve this host name',
  ERR_SSL_TLSV1_UNRECOGNIZED_NAME: 'the server does not serve this host name',
};

/**
 * A failure before any answer, from what fetch threw. `connecting` is the host:port being
 * connected to when it came (undici was still opening the connection: nothing of the request
 * was sent), or null when it came after.
 */
export function classifyNetworkError(e: unknown, where: Where, connecting: string | null = null): NetworkFailure {
  const causes = chain(e);
  const coded = causes.filter((c) => typeof c.code === 'string');
  const cert = coded.find((c) => CERTIFICATE[c.code!]);
  if (cert) {
    const { words, trust } = CERTIFICATE[cert.code!]!;
    const names = cert.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? cert.cert?.subjectaltname : undefined;
    const reason = names ? ` (it names ${names})` : '';
    // an https:// proxy presents its own certificate before any tunnel
    const proxy = atProxy(where, connecting);
    const whose = proxy ? `the proxy ${proxy.shown} (${proxy.variable})` : where.host;
    return { kind: 'certificate', code: cert.code, message: `the TLS certificate of ${whose} ${words}${reason} (${cert.code})${trust ? `: ${CA_HINT}` : ''}` };
  }
  const tls = connecting !== null ? coded.find((c) => TLS_CODE.test(c.code!)) : undefined;
  if (tls) return { kind: 'tls', code: tls.code, message: handshakeFailed(tls, where, connecting!) };
  if (coded.some((c) => c.code === 'UND_ERR_PRX_CONN')) {
    const proxy = where.proxy?.shown ?? 'in use';
    return { kind: 'proxy', message: `the proxy ${proxy} closed the connection without answering the CONNECT to ${where.host} (a proxy does so when it cannot reach the host, or drops what it denies)` };
  }
  const proxied = causes.map((c) => PROXY_REFUSED.exec(c.message ?? '')).find(Boolean);
  if (proxied) {
    const status = Number(proxied[1]);
    const proxy = where.proxy?.shown ?? '';
    const credentials = !!where.proxy?.password;
    const what =
      status !== 407 ? `refused the tunnel to ${where.host} (${status})` : credentials ? 'refused the user name and password in its URL (407)' : 'asks for credentials (407): give them in the proxy URL, as user:password@ before its host';
    return { kind: 'proxy', status, message: `the proxy ${proxy} ${what}` };
  }
  // The proxy said 200 to the CONNECT, then the tunnel closed before the TLS handshake with the
  // API ended (its upstream failed after it said yes): nothing of the request was sent.
  const closed = tunnelled(where, connecting) ? coded.find((c) => TUNNEL_CLOSED.test(c.code!)) : undefined;
  if (closed) {
    return { kind: 'proxy', code: closed.code, message: `through the proxy ${where.proxy!.shown}: the tunnel to ${target(where)} closed before the TLS handshake ended (${closed.code})` };
  }
  const sys = coded.find((c) => /^E[A-Z_]+$/.test(c.code!)) ?? coded[coded.length - 1];
  const code = sys?.code;
  const p = where.proxy;
  // a failure to reach the proxy itself names the proxy (its host name, or its address and port)
  const proxy = p && ((sys?.hostname && sys.hostname === p.hostname) || (sys?.port !== undefined && String(sys.port) === p.port && p.port !== where.port)) ? p : null;
  const whose = proxy ? `the proxy ${proxy.shown}` : where.origin;
  if (code === 'ECONNREFUSED') return { kind: 'refused', code, message: `connection refused by ${whose}${proxy ? ` (is the proxy running, and ${proxy.variable} right?)` : ''}` };
  if (code === 'ENOTFOUND') return { kind: 'unresolved', code, message: `cannot resolve the host of ${whose} (ENOTFOUND: no such host; ${proxy ? `check ${proxy.variable}` : 'check the URL, or set HTTPS_PROXY if the API is reached through a proxy'})` };
  if (code === 'EAI_AGAIN') return { kind: 'unresolved', code, message: `cannot resolve the host of ${whose} for now (EAI_AGAIN)` };
  const last = causes[causes.length - 1];
  return { kind: 'network', code, message: `connection failed (${code ?? last?.message ?? 'unknown'})` };
}

/** The API's host:port, as a tunnel to it is asked for. */
const target = (where: Where) => (/:\d+$/.test(where.host) ? where.host : `${where.host}:${where.port}`);
const bare = (h: string) => h.replace(/^\[(.*)\]$/, '$1');

/** Codes of a connection that closed under us. */
const TUNNEL_CLOSED = /^(ECONNRESET|EPIPE|ECONNABORTED|UND_ERR_SOCKET)$/;

/** The https:// proxy in use, when the failure came while connecting to it (its own TLS). */
function atProxy(where: Where, connecting: string | null): Where['proxy'] {
  const p = where.proxy;
  return p && p.shown.startsWith('https:') && connecting === `${bare(p.hostname)}:${p.port}` ? p : null;
}

/** Whether the failure came while opening the API's connection inside a proxy's tunnel (after the CONNECT, before TLS ended). */
function tunnelled(where: Where, connecting: string | null): boolean {
  return !!where.proxy && where.origin.startsWith('https:') && connecting !== null && !atProxy(where, connecting) && connecting === `${bare(new URL(where.origin).hostname)}:${where.port}`;
}

/** A TLS handshake that failed, in words: with the API, with an https:// proxy, or with the API through a proxy's tunnel. */
function handshakeFailed(c: Cause, where: Where, connecting: string): string {
  const proxy = atProxy(where, connecting);
  const through = !proxy && tunnelled(where, connecting) ? where.proxy : null;
  const notTls = NOT_TLS.test(c.code!) || (c.code === 'EPROTO' && NOT_TLS.test(c.message ?? ''));
  if (through) {
    const words = notTls ? 'what came through the tunnel is not TLS (the proxy, or what is behind it, does not speak TLS)' : handshakeWords(c);
    return `the TLS handshake with ${target(where)} through the proxy ${through.shown} failed: ${words} (${c.code})`;
  }
  const who = proxy ? `the proxy ${proxy.shown}` : `the server at ${where.host}`;
  if (notTls) {
    const hint = proxy ? `an https:// proxy URL for a plain http proxy? write http:// in ${proxy.variable}` : 'https:// to a plain http port?';
    return `${who} does not speak TLS (${hint}) (${c.code})`;
  }
  return `the TLS handshake with ${who.replace(/^the server at /, '')} failed: ${handshakeWords(c)} (${c.code})`;
}

function handshakeWords(c: Cause): string {
  // EPROTO carries OpenSSL's reason in its message only (`...:SSL routines:fn:reason`)
  const reason = c.code === 'EPROTO' ? (/SSL routines:[^:]*:([^:\n]+)/.exec(c.message ?? '')?.[1]?.trim() ?? 'a TLS protocol error') : undefined;
  return HANDSHAKE[c.code!] ?? reason ?? c.code!.replace(/^ERR_(SSL|TLS)_/, '').toLowerCase().replace(/_/g, ' ');
}
