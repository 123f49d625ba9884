import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyNetworkError, type Where } from '../../src/live/network.js';
import { DEFAULT_LIMITS, decide, type PolicyState } from '../../src/live/policy.js';
import { ADMIN, caught } from '../helpers.js';
import { check } from '../properties/run.js';
import { makeCa } from './certs.js';
import { testClient } from './helpers.js';
import { connectProxy, httpsApi, httpsApiForFile } from './servers.js';

// What a proxy does after it answers the CONNECT, and an https:// proxy's own certificate.
// Seen: a proxy answering 200 and then closing the tunnel gave "connection failed
// (ECONNRESET)", naming no proxy, and a create was counted "outcome unknown" though nothing was
// sent; one writing its own text into the tunnel made cbsync blame the API ("the server at ...
// does not speak TLS"); the library's `ca` was not used for an https:// proxy, and the proxy's
// refused certificate was reported as the API's.

const HOST = 'api.cbsync.test';
const tls = httpsApiForFile(HOST);

const POST = { body: { name: 'x' } };

describe('a proxy that answers the CONNECT with 200, then', () => {
  it('closes the tunnel: named as the proxy, and a POST is tried again (nothing was sent), then reported not ambiguous', async () => {
    const proxy = await connectProxy(undefined, 'ok-close');
    try {
      const c = testClient(tls.url, ADMIN, { env: { HTTPS_PROXY: proxy.url }, ca: tls.ca.cert, retries: 2 });
      const e = await caught(c.request('POST', '/v1/organisations', POST));
      expect(e).toMatchObject({ kind: 'proxy', ambiguous: false, status: null });
      expect(e.message).toMatch(new RegExp(`^through the proxy ${proxy.url}: the tunnel to ${HOST}:${tls.api.port} closed before the TLS handshake ended \\((ECONNRESET|EPIPE)\\)$`));
      expect(proxy.connects).toHaveLength(3);
      expect(tls.api.hits).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('writes plain text into the tunnel: the handshake through the proxy failed, not the API blamed; one attempt', async () => {
    const proxy = await connectProxy(undefined, 'ok-text');
    try {
      const c = testClient(tls.url, ADMIN, { env: { HTTPS_PROXY: proxy.url }, ca: tls.ca.cert, retries: 3 });
      const e = await caught(c.request('POST', '/v1/organisations', POST));
      expect(e).toMatchObject({ kind: 'tls', ambiguous: false });
      expect(e.message).toBe(
        `the TLS handshake with ${HOST}:${tls.api.port} through the proxy ${proxy.url} failed: what came through the tunnel is not TLS (the proxy, or what is behind it, does not speak TLS) (ERR_SSL_WRONG_VERSION_NUMBER)`,
      );
      expect(proxy.connects).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('a failure after the request went through the tunnel', () => {
  it('stays ambiguous for a POST (it may have been applied)', async () => {
    const cut = await httpsApi(await tls.ca.issue({ hosts: [HOST] }), (req) => req.socket.destroy());
    const proxy = await connectProxy();
    try {
      const c = testClient(`https://${HOST}:${cut.port}`, ADMIN, { env: { HTTPS_PROXY: proxy.url }, ca: tls.ca.cert, retries: 3 });
      const e = await caught(c.request('POST', '/v1/organisations', POST));
      expect(e).toMatchObject({ kind: 'network', ambiguous: true });
      expect(cut.hits).toEqual(['POST /v1/organisations']);
    } finally {
      await proxy.close();
      await cut.close();
    }
  });
});

describe('an https:// proxy', () => {
  it("createClient({ ca }) trusts that CA for the proxy's certificate too", async () => {
    const proxy = await connectProxy(undefined, undefined, await tls.ca.issue());
    try {
      const c = testClient(tls.url, ADMIN, { env: { HTTPS_PROXY: proxy.url }, ca: tls.ca.cert });
      expect((await c.request('GET', '/v1/organisations')).data).toEqual({ items: [], count: 0 });
      expect(proxy.url).toMatch(/^https:/);
      expect(proxy.connects).toEqual([`${HOST}:${tls.api.port}`]);
    } finally {
      await proxy.close();
    }
  });

  // seen: createClient({ ca }) for the API replaced Node's store, NODE_EXTRA_CA_CERTS with it, for the proxy too
  it('signed by the NODE_EXTRA_CA_CERTS CA, with the library\'s ca for the API: both trusted', async () => {
    const other = await makeCa('the company CA');
    const proxy = await connectProxy(undefined, undefined, await other.issue());
    const file = join(mkdtempSync(join(tmpdir(), 'cbsync-ca-')), 'company.pem');
    writeFileSync(file, other.cert);
    const before = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = file;
    try {
      const c = testClient(tls.url, ADMIN, { env: { HTTPS_PROXY: proxy.url }, ca: tls.ca.cert });
      expect((await c.request('GET', '/v1/organisations')).data).toEqual({ items: [], count: 0 });
      expect(proxy.connects).toEqual([`${HOST}:${tls.api.port}`]);
    } finally {
      if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = before;
      await proxy.close();
    }
  });

  it('whose certificate is refused: the proxy is named (with its variable), not the API; one attempt', async () => {
    const other = await makeCa('another CA');
    const proxy = await connectProxy(undefined, undefined, await other.issue());
    try {
      const c = testClient(tls.url, ADMIN, { env: { https_proxy: `https://bot:pr0xy-pw-1234@127.0.0.1:${proxy.port}` }, ca: tls.ca.cert, retries: 3 });
      const e = await caught(c.request('POST', '/v1/organisations', POST));
      expect(e).toMatchObject({ kind: 'certificate', ambiguous: false });
      expect(e.message).toMatch(new RegExp(`^the TLS certificate of the proxy ${proxy.url} \\(HTTPS_PROXY\\) (cannot be verified|is issued by)`));
      expect(e.message).not.toContain(HOST);
      expect(e.message).not.toContain('pr0xy-pw');
      expect(proxy.connects).toEqual([]);
      expect(c.stats.requests).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('classifyNetworkError through a proxy: only a failure while connecting may be retried as unsent', () => {
  const proxy = { variable: 'HTTPS_PROXY', hostname: 'proxy.internal', port: '3128', shown: 'http://proxy.internal:3128', password: '' };
  const state = (method: string): PolicyState => ({ method, url: new URL('https://api.example.com/v1/x'), origin: 'https://api.example.com', failures: 0, redirects: 0, mayHaveApplied: false });
  const failed = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code }) });
  const CODES = ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', 'EPROTO', 'EHOSTUNREACH'];

  it('the tunnel to the API closing during the handshake: kind proxy, and a POST is sent again', () => {
    const where: Where = { host: 'api.example.com', port: '443', origin: 'https://api.example.com', proxy };
    const f = classifyNetworkError(failed('ECONNRESET'), where, 'api.example.com:443');
    expect(f).toEqual({ kind: 'proxy', code: 'ECONNRESET', message: 'through the proxy http://proxy.internal:3128: the tunnel to api.example.com:443 closed before the TLS handshake ended (ECONNRESET)' });
    expect(decide(state('POST'), { answered: false, ...f }, DEFAULT_LIMITS, 0)).toMatchObject({ action: 'retry' });
  });

  it('any failure after the connection was open (the request may have been sent) leaves a POST ambiguous, proxied or not', () =>
    check(
      fc.property(fc.constantFrom(...CODES), fc.boolean(), fc.constantFrom('api.example.com', 'api.example.com:8443', '[::1]:8443'), (code, proxied, host) => {
        const url = new URL(`https://${host}`);
        const where: Where = { host: url.host, port: url.port || '443', origin: url.origin, proxy: proxied ? proxy : null };
        const f = classifyNetworkError(failed(code), where, null);
        expect(f.kind).toBe('network');
        expect(decide(state('POST'), { answered: false, ...f }, DEFAULT_LIMITS, 0)).toMatchObject({ action: 'fail', ambiguous: true });
      }),
      { numRuns: 100, seed: 20_261_130 },
    ));
});
