import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { planCommand } from '../../src/commands/plan.js';
import { createClient } from '../../src/live/client.js';
import { ConfigError } from '../../src/live/errors.js';
import { ADMIN, caught, testIo, withEmulator } from '../helpers.js';
import { testClient } from './helpers.js';
import { connectProxy, httpApi, httpsApiForFile } from './servers.js';

// Proxies as CI runners have them (seen: HTTPS_PROXY ignored, the API unreachable, no CONNECT
// in the proxy's log). The API here has a name only the proxy can resolve, as behind squid:
// a request that bypasses the proxy cannot reach it.

const HOST = 'api.cbsync.test';
const dir = mkdtempSync(`${tmpdir()}/cbsync-proxy-`);
const DESIRED = `${dir}/desired.yaml`;
writeFileSync(DESIRED, 'version: 1\norganisations: [{name: New}]\n');

const tls = httpsApiForFile(HOST);

/** A client for the API with these environment variables and the test CA. */
const client = (env: Record<string, string>, extra = {}) => testClient(tls.url, ADMIN, { env, ca: tls.ca.cert, ...extra });

describe('HTTPS_PROXY', () => {
  it.each(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'])('%s: every request goes through the proxy (one CONNECT per connection)', async (name) => {
    const proxy = await connectProxy();
    try {
      const c = client({ [name]: proxy.url });
      for (let i = 0; i < 3; i++) expect((await c.request('GET', '/v1/organisations')).data).toEqual({ items: [], count: 0 });
      await c.request('POST', '/v1/organisations', { body: { name: 'x' } });
      expect(proxy.connects.length).toBeGreaterThan(0);
      expect(new Set(proxy.connects)).toEqual(new Set([`${HOST}:${tls.api.port}`]));
    } finally {
      await proxy.close();
    }
  });

  it('without a proxy the API cannot be reached: the host does not resolve, said at once', async () => {
    const c = client({});
    const e = await caught(c.request('GET', '/v1/organisations'));
    expect(e.kind).toBe('unresolved');
    expect(e.message).toContain('set HTTPS_PROXY if the API is reached through a proxy');
    expect(c.stats.requests).toBe(1);
  });

  it('plain http (the emulator on loopback) goes through HTTP_PROXY too', () =>
    withEmulator({}, async (emu) => {
      const proxy = await connectProxy();
      try {
        await testClient(emu.url, ADMIN, { env: { HTTP_PROXY: proxy.url } }).request('GET', '/v1/organisations');
        expect(proxy.connects).toEqual([new URL(emu.url).host]);
      } finally {
        await proxy.close();
      }
    }));

  it('a proxy that is down: refused, naming the proxy', async () => {
    const proxy = await connectProxy();
    await proxy.close();
    const e = await caught(client({ HTTPS_PROXY: proxy.url }, { retries: 1 }).request('GET', '/v1/organisations'));
    expect(e.kind).toBe('refused');
    expect(e.message).toBe(`connection refused by the proxy ${proxy.url} (is the proxy running, and HTTPS_PROXY right?)`);
  });

  it('a proxy whose host does not resolve: said at once, naming the proxy and its variable', async () => {
    const c = client({ HTTP_PROXY: 'http://proxy.invalid:3128' }, { retries: 3 });
    const e = await caught(c.request('GET', '/v1/organisations'));
    expect(e.kind).toBe('unresolved');
    expect(e.message).toBe('cannot resolve the host of the proxy http://proxy.invalid:3128 (ENOTFOUND: no such host; check HTTP_PROXY)');
    expect(c.stats.requests).toBe(1);
  });

  it('a proxy refusing the tunnel: the request never reached the API, so even a POST is tried again, then reported', async () => {
    const proxy = await connectProxy(undefined, 403);
    try {
      const c = client({ HTTPS_PROXY: proxy.url }, { retries: 2 });
      const e = await caught(c.request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'proxy', ambiguous: false, status: null });
      expect(e.message).toBe(`the proxy ${proxy.url} refused the tunnel to ${HOST}:${tls.api.port} (403)`);
      expect(proxy.connects).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy URL without a scheme is taken as http://, as curl does; a broken one is a ConfigError', async () => {
    const proxy = await connectProxy();
    try {
      await client({ HTTPS_PROXY: `127.0.0.1:${proxy.port}` }).request('GET', '/v1/organisations');
      expect(proxy.connects).toHaveLength(1);
      expect(() => client({ HTTPS_PROXY: 'http://user:hunter2hunter2@[bad' })).toThrow(ConfigError);
      expect(() => client({ HTTPS_PROXY: 'http://user:hunter2hunter2@[bad' })).toThrow(/^HTTPS_PROXY is not a valid proxy URL: what follows the last @ is not a host:port \(its value is not shown/);
      expect(() => client({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' })).toThrow('HTTPS_PROXY: unsupported proxy scheme socks5: (http:// or https://)');
      expect(() => client({ https_proxy: 'http://u:pa/ss@wd@[bad' })).toThrow(/^HTTPS_PROXY is not a valid proxy URL: what follows the last @ is not a host:port /);
      expect(() => client({ HTTPS_PROXY: 'http://u:100%@proxy:3128' })).toThrow('HTTPS_PROXY: the user or password holds a malformed %-escape (write % as %25)');
    } finally {
      await proxy.close();
    }
  });
});

describe('NO_PROXY', () => {
  // bypassed: the client connects directly and cannot resolve the name; proxied: it gets through
  it.each([
    ['', 'proxied'],
    [HOST, 'direct'],
    [HOST.toUpperCase(), 'direct'],
    ['cbsync.test', 'direct'], // a domain covers its subdomains, as curl reads it
    ['.cbsync.test', 'direct'],
    ['*.cbsync.test', 'direct'],
    ['*', 'direct'],
    ['localhost, 127.0.0.1 ,api.cbsync.test', 'direct'],
    ['PORT', 'direct'], // api.cbsync.test:<its port>
    [`${HOST}:1`, 'proxied'], // another port
    ['other.test,localhost', 'proxied'],
    ['bsync.test', 'proxied'], // not a domain boundary
    ['api.cbsync.test.example', 'proxied'],
    // a domain written .name or *.name covers the name itself too, as curl reads it (seen: proxied)
    ['.api.cbsync.test', 'direct'],
    ['*.api.cbsync.test', 'direct'],
    // a trailing dot (a fully qualified name) changes nothing
    ['api.cbsync.test.', 'direct'],
    ['.cbsync.test.', 'direct'],
    ['*.bsync.test', 'proxied'],
  ])('NO_PROXY=%j: %s', async (value, expected) => {
    const proxy = await connectProxy();
    try {
      const noProxy = value === 'PORT' ? `${HOST}:${tls.api.port}` : value;
      for (const name of ['NO_PROXY', 'no_proxy']) {
        const c = client({ HTTPS_PROXY: proxy.url, [name]: noProxy });
        const got = await c.request('GET', '/v1/organisations').then(
          () => 'proxied',
          (e) => (e.kind === 'unresolved' ? 'direct' : `failed: ${e.message}`),
        );
        expect(got).toBe(expected);
      }
      expect(proxy.connects.length > 0).toBe(expected === 'proxied');
    } finally {
      await proxy.close();
    }
  });
});

describe('NO_PROXY for loopback and IPv6 hosts', () => {
  // a proxy that drops every CONNECT: a request through it fails as kind proxy, one that bypasses it reaches the API
  it.each([
    ['::1', 'http://[::1]:PORT', 'direct'], // a bare IPv6 address, as curl and Go accept it (seen: proxied)
    ['0:0:0:0:0:0:0:1', 'http://[::1]:PORT', 'direct'],
    ['[::1]', 'http://[::1]:PORT', 'direct'],
    ['[::1]:PORT', 'http://[::1]:PORT', 'direct'],
    ['[::1]:1', 'http://[::1]:PORT', 'proxied'],
    ['::2', 'http://[::1]:PORT', 'proxied'],
    ['.localhost', 'http://localhost:PORT', 'direct'],
    ['*.localhost', 'http://localhost:PORT', 'direct'],
    ['localhost.', 'http://localhost:PORT', 'direct'],
    ['127.0.0.1', 'http://localhost:PORT', 'proxied'], // names and addresses are not resolved
  ])('NO_PROXY=%j, API %s: %s', async (noProxy, base, expected) => {
    const v6 = base.includes('[::1]');
    const api = await httpApi(undefined, v6 ? '::1' : '127.0.0.1');
    const proxy = await connectProxy(undefined, 'drop');
    try {
      const c = testClient(base.replace('PORT', String(api.port)), ADMIN, { env: { HTTP_PROXY: proxy.url, NO_PROXY: noProxy.replace('PORT', String(api.port)) }, retries: 0 });
      const got = await c.request('GET', '/v1/organisations').then(
        () => 'direct',
        (e) => (e.kind === 'proxy' ? 'proxied' : `failed: ${e.message}`),
      );
      expect(got).toBe(expected);
      expect(proxy.connects.length > 0).toBe(expected === 'proxied');
      expect(api.hits.length > 0).toBe(expected === 'direct');
    } finally {
      await proxy.close();
      await api.close();
    }
  });
});

describe('a proxy with a user and password', () => {
  const PASSWORD = 'pr0xy-S3cret:/@x';
  const credentials = `build-bot:${PASSWORD}`;
  const proxyUrl = (port: number, password = PASSWORD) => `http://build-bot:${encodeURIComponent(password)}@127.0.0.1:${port}`;

  it('sends Proxy-Authorization (the password decoded from the URL)', async () => {
    const proxy = await connectProxy(credentials);
    try {
      await client({ HTTPS_PROXY: proxyUrl(proxy.port) }).request('GET', '/v1/organisations');
      expect(proxy.auth).toEqual([`Basic ${Buffer.from(credentials).toString('base64')}`]);
      expect(tls.api.headers.at(-1)?.['proxy-authorization']).toBeUndefined(); // the API never sees it
    } finally {
      await proxy.close();
    }
  });

  it('the password appears in no output: plan --debug through the proxy, and a proxy that refuses it', () =>
    withEmulator({}, async (emu) => {
      const proxy = await connectProxy(credentials);
      const outputs: string[] = [];
      try {
        for (const password of [PASSWORD, 'wrong-pr0xy-S3cret']) {
          // the emulator speaks plain http on loopback: HTTP_PROXY carries it
          const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN, HTTP_PROXY: proxyUrl(proxy.port, password) });
          const code = await planCommand([DESIRED], { maxRpm: 0, debug: true, retries: 1 }, io);
          outputs.push(io.out(), io.err());
          expect(io.err()).toContain(`debug: proxy for http:// requests: http://127.0.0.1:${proxy.port}\n`);
          if (password === PASSWORD) {
            expect(code).toBe(0);
            expect(io.out()).toContain('+ create_organisation  organisation["New"]');
          } else {
            expect(code).toBe(1);
            expect(io.err()).toContain(`: proxy: the proxy http://127.0.0.1:${proxy.port} refused the user name and password in its URL (407)\n`);
          }
        }
        expect(proxy.connects.length).toBeGreaterThan(2);
        for (const text of outputs) {
          for (const form of [PASSWORD, encodeURIComponent(PASSWORD), 'wrong-pr0xy-S3cret', Buffer.from(credentials).toString('base64')]) expect(text).not.toContain(form);
        }
      } finally {
        await proxy.close();
      }
    }));

  it("client.redact hides the proxy's password (8 characters or more) and the user info of any URL", () => {
    const c = createClient({ apiKey: ADMIN, env: { HTTPS_PROXY: proxyUrl(3128) } });
    const text = c.redact(`a ${PASSWORD} b ${encodeURIComponent(PASSWORD)} c http://build-bot:${encodeURIComponent(PASSWORD)}@proxy:3128/ d https://someone:else@host/x`);
    expect(text).toBe('a [redacted] b [redacted] c http://...@proxy:3128/ d https://...@host/x');
    // a short password is not scrubbed from ordinary words, and never printed by the client either
    expect(createClient({ apiKey: ADMIN, env: { HTTPS_PROXY: 'http://u:pass@proxy:3128' } }).redact('password')).toBe('password');
  });

  it('a proxy asking for credentials that were not given says how to give them', async () => {
    const proxy = await connectProxy(credentials);
    try {
      const c = client({ HTTPS_PROXY: proxy.url }, { retries: 3 });
      const e = await caught(c.request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'proxy', ambiguous: false, status: null });
      expect(e.message).toBe(`the proxy ${proxy.url} asks for credentials (407): give them in the proxy URL, as user:password@ before its host`);
      expect(c.stats.requests).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
