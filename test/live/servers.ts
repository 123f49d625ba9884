import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { afterAll, beforeAll } from 'vitest';
import { makeCa, type Ca, type ServerCert } from './certs.js';

// Servers for the network tests: an HTTPS API stand-in and a CONNECT proxy. Each records what
// reached it, so a test shows where requests went and what they carried.

export interface Running {
  url: string;
  port: number;
  close: () => Promise<void>;
}

function track(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
}

async function listen(server: Server, scheme: string, host = '127.0.0.1'): Promise<Running> {
  const close = track(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return { url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`, port, close };
}

export interface Api extends Running {
  /** `METHOD /path` of every request that reached the API */
  hits: string[];
  /** the headers of each request */
  headers: IncomingMessage['headers'][];
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const listing: Handler = (_q, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"items":[],"count":0}');
};

/** An HTTPS server with this certificate (and the CA's, when the chain is sent), answering empty listings by default; `tls`: more TLS options (versions, ciphers). */
export async function httpsApi(cert: ServerCert, handler: Handler = listing, tls: SecureContextOptions = {}): Promise<Api> {
  const hits: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server = createHttpsServer({ ...tls, cert: cert.cert, key: cert.key }, (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    headers.push(req.headers);
    handler(req, res);
  });
  return { ...(await listen(server, 'https')), hits, headers };
}

/** A plain http server (a gateway's error page, or a port that speaks http), on 127.0.0.1 or `host` (`::1`). */
export async function httpApi(handler: Handler = listing, host?: string): Promise<Api> {
  const hits: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server = createHttpServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    headers.push(req.headers);
    handler(req, res);
  });
  return { ...(await listen(server, 'http', host)), hits, headers };
}

export interface Proxy extends Running {
  /** the target of every CONNECT (`127.0.0.1:4443`) */
  connects: string[];
  /** the Proxy-Authorization header of each CONNECT */
  auth: (string | undefined)[];
}

/**
 * A forward proxy for https: tunnels CONNECT to its target, as squid does. It resolves every
 * host name to 127.0.0.1 (its own view of the network: names only it knows). With
 * `credentials` (`user:password`) it answers 407 to a CONNECT without them; with `refuse`, that
 * status to every CONNECT, or with 'drop' it closes the connection without answering (as a
 * proxy does when its upstream is down, or to drop what it denies). With 'ok-close' it answers
 * 200 and then closes the tunnel (its upstream failed after it said yes); with 'ok-text', it
 * answers 200 and writes its own plain-text error into the tunnel. With `cert`, it is an
 * https:// proxy (the client speaks TLS to it).
 */
export async function connectProxy(credentials?: string, refuse?: number | 'drop' | 'ok-close' | 'ok-text', cert?: ServerCert): Promise<Proxy> {
  const connects: string[] = [];
  const auth: (string | undefined)[] = [];
  const only: Handler = (_q, res) => {
    res.writeHead(405);
    res.end('this proxy only tunnels');
  };
  const server = cert ? createHttpsServer({ cert: cert.cert, key: cert.key }, only) : createHttpServer(only);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    auth.push(req.headers['proxy-authorization']);
    if (credentials && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(credentials).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (refuse === 'drop') return void client.destroy();
    if (refuse === 'ok-close') return void client.end('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (refuse === 'ok-text') return void client.end('HTTP/1.1 200 Connection Established\r\n\r\nHTTP/1.1 502 Bad Gateway\r\nContent-Length: 23\r\n\r\nupstream connect failed');
    if (refuse) return void client.end(`HTTP/1.1 ${refuse} Refused\r\nContent-Length: 0\r\n\r\n`);
    const port = Number((req.url ?? '').split(':').pop());
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return { ...(await listen(server, cert ? 'https' : 'http')), connects, auth };
}

/**
 * A throwaway CA and an https API for `host` signed by it, made once for the file (beforeAll)
 * and closed after it; read its fields inside the tests.
 */
export function httpsApiForFile(host: string): { ca: Ca; api: Api; url: string } {
  const made = {} as { ca: Ca; api: Api; url: string };
  beforeAll(async () => {
    made.ca = await makeCa();
    made.api = await httpsApi(await made.ca.issue({ hosts: [host] }));
    made.url = `https://${host}:${made.api.port}`;
  });
  afterAll(() => made.api.close());
  return made;
}
