import { describe, expect, it } from 'vitest';
import { ERROR_SHAPES } from '../../src/emulator/shapes.js';
import { checkApiUrl, retryAfterMs } from '../../src/live/client.js';
import { ApiError, ConfigError, readErrorBody } from '../../src/live/errors.js';
import { fetchLiveState } from '../../src/live/state.js';
import { ADMIN, GROUP, ORGKEY, caught, closedPort, expectNoKey, withEmulator } from '../helpers.js';
import { testClient } from './helpers.js';


describe('key level and scope', () => {
  it('admin partner key: every organisation, mode read from them', () =>
    withEmulator({}, async (emu) => {
      const live = await fetchLiveState(testClient(emu.url, ADMIN));
      expect(live.keyLevel).toBe('partner');
      expect(live.organisations.map((o) => o.id)).toEqual(['org_a', 'org_b', 'org_empty']);
      expect(live.mode).toBe('TEST');
      expect(live.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    }));

  it('non-admin group key: only assigned organisations and their integrations', () =>
    withEmulator({}, async (emu) => {
      const live = await fetchLiveState(testClient(emu.url, GROUP));
      expect(live.organisations.map((o) => o.id)).toEqual(['org_a']);
      expect(new Set(live.integrations.map((i) => i.organisation_id))).toEqual(new Set(['org_a']));
    }));

  it('organisation key: found out from a 401 on organisations and a 200 on integrations', () =>
    withEmulator({}, async (emu) => {
      const live = await fetchLiveState(testClient(emu.url, ORGKEY));
      expect(live.keyLevel).toBe('organisation');
      expect(live.organisations).toEqual([]);
      expect(live.organisationId).toBe('org_a');
      expect(live.mode).toBeNull();
    }));

  it('invalid key: both 401, reported as such', () =>
    withEmulator({}, async (emu) => {
      const e = await caught(fetchLiveState(testClient(emu.url, 'cbs_not_a_key')));
      expect(e.status).toBe(401);
      expect(e.message).toMatch(/invalid API key/);
    }));

  it('missing organisations:read ability: 403 naming it', () =>
    withEmulator({ seed: { keys: [{ key: 'k_noread', level: 'admin', abilities: [] }] } }, async (emu) => {
      const e = await caught(fetchLiveState(testClient(emu.url, 'k_noread')));
      expect(e.status).toBe(403);
      expect(e.message).toContain('organisations:read');
    }));

  it('the fingerprint changes with live state and only with it', () =>
    withEmulator({}, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      const a = await fetchLiveState(client);
      const b = await fetchLiveState(client);
      expect(a.fingerprint).toBe(b.fingerprint);
      await client.request('PATCH', '/v1/integrations/int_a1', { body: { name: 'Orders v2' } });
      expect((await fetchLiveState(client)).fingerprint).not.toBe(a.fingerprint);
    }));
});

describe('errors', () => {
  it.each(ERROR_SHAPES)('reads status and code from the %s error shape', (errorShape) =>
    withEmulator({ errorShape }, async (emu) => {
      const e = await caught(testClient(emu.url, ADMIN).request('POST', '/v1/integrations', { body: { organisation_id: 'org_a', name: 'x', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_b1'] } }));
      expect(e).toBeInstanceOf(ApiError);
      expect(e.status).toBe(422);
      if (errorShape !== 'detail') expect(e.code).toBe('INVALID_MERCHANT_IDS');
      expect(e.message).toMatch(/belong|mer_b1/);
      expect(e.summary).toMatch(/^POST \/v1\/integrations: 422/);
    }));

  it.each([
    ['{"code":"X_Y","message":"m"}', 'X_Y', 'm'],
    ['{"detail":"plain"}', null, 'plain'],
    ['{"detail":{"code":"D","message":"dm"}}', 'D', 'dm'],
    ['{"detail":[{"loc":["body","name"],"msg":"too short","type":"value_error"}]}', 'value_error', 'name: too short'],
    ['{"error":{"code":"E","message":"em"}}', 'E', 'em'],
    ['{"errors":[{"code":"F","message":"fm","field":"name"}]}', 'F', 'name: fm'],
    ['<html>Bad gateway</html>', null, 'HTML page: Bad gateway'], // by its text, not its markup (issue 20)
    ['', null, 'empty answer'],
  ])('readErrorBody(%s)', (text, code, message) => {
    expect(readErrorBody(text)).toEqual({ code, message });
  });

  it('a non-JSON success answer is an error, not an empty list', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_q, r) => r.end('<html>maintenance</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as any).port;
      const e = await caught(fetchLiveState(testClient(`http://127.0.0.1:${port}`, ADMIN)));
      expect(e.kind).toBe('non_json');
    } finally {
      server.close();
    }
  });

  it('the key is scrubbed even when a server echoes it', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((q, r) => {
      r.statusCode = 400;
      r.end(JSON.stringify({ code: 'BAD', message: `you sent ${q.headers.authorization}` }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const lines: string[] = [];
      const client = testClient(`http://127.0.0.1:${(server.address() as any).port}`, ADMIN, { debug: (l) => lines.push(l) });
      const e = await caught(client.request('GET', '/v1/organisations'));
      expect(e.message).toContain('[redacted]');
      expectNoKey(e.message, e.summary, ...lines);
      expect(lines.length).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });
});

describe('retry policy', () => {
  it('a POST is not retried after a 503 (it may have taken effect): ambiguous', () =>
    withEmulator({ failRate: 1 }, async (emu) => {
      const e = await caught(testClient(emu.url, ADMIN).request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e.ambiguous).toBe(true);
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBe(1);
    }));

  it('a POST answered by a dropped connection is ambiguous', () =>
    withEmulator({ ambiguousRate: 1 }, async (emu) => {
      const e = await caught(testClient(emu.url, ADMIN).request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e.ambiguous).toBe(true);
      expect(e.kind).toBe('network');
    }));

  it('a POST answered 429 is retried after Retry-After', () =>
    withEmulator({ rateLimit: 1, rateWindowMs: 200 }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      await client.request('POST', '/v1/organisations', { body: { name: 'one' } });
      const r = await client.request('POST', '/v1/organisations', { body: { name: 'two' } });
      expect(r.status).toBe(201);
      expect(client.stats.rateLimited).toBe(1);
    }));

  it('a refused connection is retried, then reported as refused (not ambiguous)', async () => {
    const port = await closedPort();
    const client = testClient(`http://127.0.0.1:${port}`, ADMIN, { retries: 2 });
    const e = await caught(client.request('POST', '/v1/organisations', { body: { name: 'x' } }));
    expect(e.kind).toBe('refused');
    expect(e.ambiguous).toBe(false);
    expect(client.stats.requests).toBe(3);
  });

  it('reads, PATCH and DELETE are retried through 503s', () =>
    withEmulator({ failRate: 0.5, randomSeed: 9 }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      for (let i = 0; i < 10; i++) await client.request('PATCH', '/v1/integrations/int_a1', { body: { name: `n${i}` } });
      expect(emu.stats.failed).toBeGreaterThan(0);
      await client.request('DELETE', '/v1/organisations/org_empty');
    }));

  it('a DELETE whose first try was dropped is done when the retry answers 404', () =>
    withEmulator({ ambiguousRate: 1 }, async (emu) => {
      const r = await testClient(emu.url, ADMIN).request('DELETE', '/v1/organisations/org_empty');
      expect(r.status).toBe(204);
      expect(emu.store.orgs.has('org_empty')).toBe(false);
    }));

  it('times out a silent server', () =>
    withEmulator({ latencyMs: 500 }, async (emu) => {
      const e = await caught(testClient(emu.url, ADMIN, { timeoutMs: 50, retries: 1 }).request('GET', '/v1/organisations'));
      expect(e.kind).toBe('timeout');
    }));

  it('Retry-After in seconds and as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
  });
});

describe('API URL', () => {
  it.each(['http://127.0.0.1:4010', 'http://localhost', 'http://[::1]:8080', 'https://api.chargebackstop.com'])('accepts %s', (u) => {
    expect(() => checkApiUrl(u)).not.toThrow();
  });
  it.each(['http://api.chargebackstop.com', 'http://10.0.0.1', 'ftp://x', 'not a url'])('refuses %s', (u) => {
    expect(() => checkApiUrl(u)).toThrow(ConfigError);
  });
});

describe('DELETE idempotence is precise', () => {
  it('a 404 after a 429 is not taken for success (the 429 surely did not delete)', () =>
    withEmulator({ rateLimit: 1, rateWindowMs: 200 }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      await client.request('GET', '/v1/organisations'); // uses the GET budget only
      await client.request('DELETE', '/v1/organisations/org_empty');
      // the second DELETE meets a 429 first, then a 404: that is a real 404
      const e = await caught(client.request('DELETE', '/v1/organisations/org_empty'));
      expect(e.status).toBe(404);
      expect(client.stats.rateLimited).toBe(1);
    }));
});

describe('429 with a very long Retry-After', () => {
  it('fails with a clear message instead of stalling', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_q, res) => {
      res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' });
      res.end('{"code":"RATE_LIMITED","message":"slow down"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const e = await caught(testClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`, ADMIN).request('GET', '/v1/organisations'));
      expect(e.status).toBe(429);
      expect(e.message).toBe('rate limited; the server answered 429 with Retry-After 3600 s: 1 h is more than --max-wait (5 min)');
    } finally {
      server.close();
    }
  });
});
