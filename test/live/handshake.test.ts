import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyNetworkError, type Where } from '../../src/live/network.js';
import { ADMIN, caught } from '../helpers.js';
import { makeCa, type Ca } from './certs.js';
import { testClient } from './helpers.js';
import { connectProxy, httpApi, httpsApi } from './servers.js';

// TLS handshakes that fail: https:// to a port that speaks plain http (seen: retried for 5 s,
// then "connection failed (ERR_SSL_WRONG_VERSION_NUMBER)", and a POST counted as "outcome
// unknown"). A handshake that fails cannot heal and sent nothing: one attempt, not ambiguous,
// said in words. The same error after the request was sent stays what it was.

let ca: Ca;
beforeAll(async () => {
  ca = await makeCa();
});

const NOT_TLS = (host: string) => `the server at ${host} does not speak TLS (https:// to a plain http port?) (ERR_SSL_WRONG_VERSION_NUMBER)`;

describe('https:// to a port that speaks plain http', () => {
  it.each(['GET', 'POST', 'DELETE'])('%s: kind tls, one attempt, not ambiguous, said in words', async (method) => {
    const api = await httpApi();
    try {
      const host = `127.0.0.1:${api.port}`;
      const c = testClient(`https://${host}`, ADMIN, { retries: 5 });
      const e = await caught(c.request(method, '/v1/organisations', method === 'POST' ? { body: { name: 'x' } } : {}));
      expect(e).toMatchObject({ kind: 'tls', ambiguous: false, status: null });
      expect(e.message).toBe(NOT_TLS(host));
      expect(e.summary).toBe(`${method} /v1/organisations: TLS: ${NOT_TLS(host)}`);
      expect(c.stats.requests).toBe(1);
      expect(api.hits).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('through a proxy: the handshake through the proxy failed (the proxy, or what is behind it)', async () => {
    const api = await httpApi();
    const proxy = await connectProxy();
    try {
      const c = testClient(`https://127.0.0.1:${api.port}`, ADMIN, { env: { HTTPS_PROXY: proxy.url }, retries: 5 });
      const e = await caught(c.request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({
        kind: 'tls',
        ambiguous: false,
        message: `the TLS handshake with 127.0.0.1:${api.port} through the proxy ${proxy.url} failed: what came through the tunnel is not TLS (the proxy, or what is behind it, does not speak TLS) (ERR_SSL_WRONG_VERSION_NUMBER)`,
      });
      expect(proxy.connects).toEqual([`127.0.0.1:${api.port}`]);
    } finally {
      await proxy.close();
      await api.close();
    }
  });

  it('an https:// proxy URL for a plain http proxy names the proxy and its variable', async () => {
    const proxy = await connectProxy();
    try {
      const url = `https://127.0.0.1:${proxy.port}`;
      const c = testClient('https://api.cbsync.test', ADMIN, { env: { HTTPS_PROXY: url }, retries: 5 });
      const e = await caught(c.request('GET', '/v1/organisations'));
      expect(e).toMatchObject({ kind: 'tls', ambiguous: false });
      expect(e.message).toBe(`the proxy ${url} does not speak TLS (an https:// proxy URL for a plain http proxy? write http:// in HTTPS_PROXY) (ERR_SSL_WRONG_VERSION_NUMBER)`);
      expect(c.stats.requests).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('other handshakes that fail', () => {
  it('a server that speaks only TLS 1.1 or older: no version in common, one attempt', async () => {
    const api = await httpsApi(await ca.issue(), undefined, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    try {
      const c = testClient(api.url, ADMIN, { ca: ca.cert, retries: 5 });
      const e = await caught(c.request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'tls', ambiguous: false });
      expect(e.message).toMatch(/^the TLS handshake with 127\.0\.0\.1:\d+ failed: the server and Node share no TLS version \(Node speaks TLS 1\.2 and 1\.3\) \(ERR_SSL_\w+\)$/);
      expect(c.stats.requests).toBe(1);
      expect(api.hits).toEqual([]);
    } finally {
      await api.close();
    }
  });
});

/**
 * An HTTPS API behind a TCP relay that, once the API has the request, writes bytes that are not
 * TLS to the client: the client's TLS fails after the request was sent.
 */
async function corruptAfterRequest(cert: { cert: string; key: string }) {
  const clients = new Set<Socket>();
  const api = await httpsApi(cert, () => {
    for (const c of clients) c.write('HTTP/1.1 200 OK\r\n\r\nnot TLS at all');
  });
  const relay = createTcpServer((client: Socket) => {
    clients.add(client);
    const upstream = connect(api.port, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => (clients.delete(client), upstream.destroy()));
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    hits: api.hits,
    close: async () => {
      for (const c of clients) c.destroy();
      await new Promise<void>((r) => relay.close(() => r()));
      await api.close();
    },
  };
}

describe('a TLS error after the request was sent', () => {
  it('is not a handshake failure: a POST stays ambiguous (it may have been applied)', async () => {
    const api = await corruptAfterRequest(await ca.issue());
    try {
      const c = testClient(api.url, ADMIN, { ca: ca.cert, retries: 5, timeoutMs: 5000 });
      const e = await caught(c.request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'network', ambiguous: true });
      expect(api.hits).toEqual(['POST /v1/organisations']);
    } finally {
      await api.close();
    }
  });
});

describe('classifyNetworkError: a TLS code is a handshake failure only while connecting', () => {
  const where: Where = { host: 'api.example.com', port: '443', origin: 'https://api.example.com', proxy: null };
  const failed = (code: string, message = 'x') => new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });

  it.each([
    ['ERR_SSL_WRONG_VERSION_NUMBER', '', 'the server at api.example.com does not speak TLS (https:// to a plain http port?) (ERR_SSL_WRONG_VERSION_NUMBER)'],
    ['EPROTO', 'write EPROTO 1:error:0A00010B:SSL routines:ssl3_get_record:wrong version number', 'the server at api.example.com does not speak TLS (https:// to a plain http port?) (EPROTO)'],
    ['ERR_SSL_PACKET_LENGTH_TOO_LONG', '', 'the server at api.example.com does not speak TLS (https:// to a plain http port?) (ERR_SSL_PACKET_LENGTH_TOO_LONG)'],
    ['EPROTO', 'write EPROTO 1:error:0A000410:SSL routines::sslv3 alert handshake failure', 'the TLS handshake with api.example.com failed: sslv3 alert handshake failure (EPROTO)'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', '', 'the TLS handshake with api.example.com failed: the server and Node share no TLS version or cipher (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', '', 'the TLS handshake with api.example.com failed: the server asks for a client certificate, which cbsync does not send (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)'],
    ['ERR_SSL_BAD_KEY_SHARE', '', 'the TLS handshake with api.example.com failed: bad key share (ERR_SSL_BAD_KEY_SHARE)'],
  ])('%s (%s) while connecting: kind tls', (code, message, words) => {
    expect(classifyNetworkError(failed(code, message), where, 'api.example.com:443')).toEqual({ kind: 'tls', code, message: words });
  });

  it('the same codes after the connection was open: a network failure, as before', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', 'EPROTO']) {
      expect(classifyNetworkError(failed(code), where, null)).toEqual({ kind: 'network', code, message: `connection failed (${code})` });
    }
  });
});
