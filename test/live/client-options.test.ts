import { describe, expect, it } from 'vitest';
import { checkApiUrl, createClient, DEFAULT_API_URL } from '../../src/live/client.js';
import { ApiError, ConfigError } from '../../src/live/errors.js';
import { ADMIN, caught, withEmulator } from '../helpers.js';
import { testClient } from './helpers.js';
import { httpApi } from './servers.js';

// The library with the CLI's defaults (seen: no baseUrl threw a TypeError, no apiKey sent
// `Bearer undefined`), the Idempotency-Key of a create, and how long a failed write took.

describe('defaults as the CLI has them', () => {
  it('without baseUrl: CHARGEBACKSTOP_API_URL, else the production API', () => {
    expect(createClient({ apiKey: ADMIN, env: {} }).baseUrl).toBe(DEFAULT_API_URL);
    expect(DEFAULT_API_URL).toBe('https://api.chargebackstop.com');
    expect(createClient({ apiKey: ADMIN, env: { CHARGEBACKSTOP_API_URL: 'http://127.0.0.1:4010' } }).baseUrl).toBe('http://127.0.0.1:4010');
    expect(createClient({ apiKey: ADMIN, baseUrl: 'https://api.example.com/', env: { CHARGEBACKSTOP_API_URL: 'http://127.0.0.1:4010' } }).baseUrl).toBe('https://api.example.com');
  });

  it.each([
    ['no apiKey and none in env', {}],
    ['an empty apiKey', { apiKey: '' }],
    ['a blank key in env', { env: { CHARGEBACKSTOP_API_KEY: '  ' } }],
  ])('%s: a ConfigError saying to set CHARGEBACKSTOP_API_KEY, before any request', (_what, opts) => {
    const make = () => createClient({ baseUrl: 'http://127.0.0.1:9', env: {}, ...opts });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow('no API key: set CHARGEBACKSTOP_API_KEY in the environment (or pass apiKey)');
  });

  it('without apiKey: CHARGEBACKSTOP_API_KEY from env, sent as the bearer key', () =>
    withEmulator({}, async (emu) => {
      const r = await createClient({ baseUrl: emu.url, maxRpm: 0, env: { CHARGEBACKSTOP_API_KEY: ADMIN } }).request('GET', '/v1/organisations');
      expect(r.status).toBe(200);
    }));

  it('env defaults to process.env', () => {
    const saved = process.env.CHARGEBACKSTOP_API_KEY;
    process.env.CHARGEBACKSTOP_API_KEY = ADMIN;
    try {
      expect(() => createClient({ baseUrl: 'http://127.0.0.1:9' })).not.toThrow();
    } finally {
      if (saved === undefined) delete process.env.CHARGEBACKSTOP_API_KEY;
      else process.env.CHARGEBACKSTOP_API_KEY = saved;
    }
  });
});

describe('the scheme hint for a URL without one', () => {
  it.each([
    ['127.0.0.1:4010', 'http://127.0.0.1:4010'],
    ['localhost:4010', 'http://localhost:4010'],
    ['localhost', 'http://localhost'],
    ['[::1]:4010', 'http://[::1]:4010'],
    ['api.chargebackstop.com', 'https://api.chargebackstop.com'],
    ['api.example.com:8443/v1', 'https://api.example.com:8443/v1'],
  ])('%s: %s', (raw, hint) => {
    expect(() => checkApiUrl(raw)).toThrow(`not a valid API URL: ${raw}; add the scheme, e.g. ${hint}`);
    expect(() => checkApiUrl(hint)).not.toThrow(); // and the hint is accepted
  });
});

describe('Idempotency-Key', () => {
  it('sent on POST, the same on every attempt; never on other methods', async () => {
    let posts = 0;
    const api = await httpApi((req, res) => {
      // the first POST meets a 429: it surely did not take effect, and is sent again
      if (req.method === 'POST' && ++posts === 1) return void res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"code":"RATE_LIMITED","message":"slow"}');
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end('{"id":"org_1","name":"x"}');
    });
    try {
      const c = testClient(api.url, ADMIN);
      await c.request('POST', '/v1/organisations', { body: { name: 'x' }, idempotencyKey: 'cbsync-3f2a' });
      await c.request('PATCH', '/v1/organisations/org_1', { body: { name: 'y' }, idempotencyKey: 'cbsync-nope' });
      await c.request('POST', '/v1/organisations', { body: { name: 'z' } });
      expect(api.hits).toEqual(['POST /v1/organisations', 'POST /v1/organisations', 'PATCH /v1/organisations/org_1', 'POST /v1/organisations']);
      expect(api.headers.map((h) => h['idempotency-key'])).toEqual(['cbsync-3f2a', 'cbsync-3f2a', undefined, undefined]);
    } finally {
      await api.close();
    }
  });
});

describe('how long a failed write took', () => {
  const slow = (ms: number, status: number) =>
    httpApi((_q, res) => {
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{"code":"UPSTREAM","message":"gateway"}'), ms);
    });

  it.each([502, 503, 504])('a POST answered %i after 150 ms: ambiguous, elapsedMs at least 150', async (status) => {
    const api = await slow(150, status);
    try {
      const e = await caught(testClient(api.url, ADMIN).request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toMatchObject({ status, ambiguous: true });
      expect(e.elapsedMs).toBeGreaterThanOrEqual(145);
      expect(e.withMessage('told again').elapsedMs).toBe(e.elapsedMs);
    } finally {
      await api.close();
    }
  });

  it('a POST that times out: ambiguous, elapsedMs at least the timeout', async () => {
    const api = await slow(2000, 201);
    try {
      const e = await caught(testClient(api.url, ADMIN, { timeoutMs: 200 }).request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'timeout', ambiguous: true });
      expect(e.elapsedMs).toBeGreaterThanOrEqual(195);
    } finally {
      await api.close();
    }
  });

  it('a POST whose connection is dropped: ambiguous, with elapsedMs', () =>
    withEmulator({ ambiguousRate: 1 }, async (emu) => {
      const e = await caught(testClient(emu.url, ADMIN).request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'network', ambiguous: true });
      expect(e.elapsedMs).toEqual(expect.any(Number));
    }));
});
