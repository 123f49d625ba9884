import { describe, expect, it } from 'vitest';
import { ADMIN, rawApi, withEmulator } from '../helpers.js';

describe('TEST prefix and mode', () => {
  it('LIVE mode stores names as sent', () =>
    withEmulator({ mode: 'LIVE' }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Real' });
      expect(r.body).toMatchObject({ name: 'Real', mode: 'LIVE' });
    }));

  it.each([
    [true, '[TEST] Renamed'],
    [false, 'Renamed'],
  ])('patchPrefix=%s: PATCH stores %s', (patchPrefix, expected) =>
    withEmulator({ patchPrefix }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('PATCH', '/v1/organisations/org_a', { name: 'Renamed' });
      expect(r.body.name).toBe(expected);
    }));
});

describe('error shapes', () => {
  const expectations: Record<string, (body: any, text: string) => void> = {
    code: (b) => expect(b).toMatchObject({ code: 'NOT_FOUND' }),
    detail: (b) => expect(typeof b.detail).toBe('string'),
    'detail-object': (b) => expect(b.detail.code).toBe('NOT_FOUND'),
    'detail-list': (b) => expect(b.detail[0].type).toBe('NOT_FOUND'),
    error: (b) => expect(b.error.code).toBe('NOT_FOUND'),
    errors: (b) => expect(b.errors[0].code).toBe('NOT_FOUND'),
    text: (b, t) => {
      expect(b).toBeUndefined();
      expect(t).toMatch(/^NOT_FOUND: /);
    },
  };
  it.each(Object.keys(expectations))('%s', (shape) =>
    withEmulator({ errorShape: shape as any }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('GET', '/v1/organisations/org_nope');
      expect(r.status).toBe(404);
      expectations[shape]!(r.body, r.text);
    }));
});

describe('fault knobs', () => {
  it('latency delays every answer', () =>
    withEmulator({ latencyMs: 120 }, async (emu) => {
      const t = Date.now();
      await rawApi(emu.url, ADMIN)('GET', '/v1/organisations');
      expect(Date.now() - t).toBeGreaterThanOrEqual(115);
    }));

  async function failurePattern(randomSeed: number) {
    return withEmulator({ failRate: 0.3, randomSeed }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await api('GET', `/v1/organisations?offset=${i}`)).status);
      return statuses;
    });
  }

  it('fail rate answers 503 before doing anything, reproducibly under a random seed', async () => {
    const a = await failurePattern(42);
    const b = await failurePattern(42);
    const c = await failurePattern(7);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const failures = a.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(30);
    expect(new Set(a)).toEqual(new Set([200, 503]));
  });

  it('a 503 changes nothing', () =>
    withEmulator({ failRate: 1 }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Never' });
      expect(r.status).toBe(503);
      expect([...emu.store.orgs.values()].some((o) => o.name.includes('Never'))).toBe(false);
    }));

  it('ambiguous writes are applied, then the connection drops', () =>
    withEmulator({ ambiguousRate: 1 }, async (emu) => {
      await expect(rawApi(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Ghost' })).rejects.toThrow();
      expect([...emu.store.orgs.values()].map((o) => o.name)).toContain('[TEST] Ghost');
      // reads are never dropped
      expect((await rawApi(emu.url, ADMIN)('GET', '/v1/organisations')).status).toBe(200);
      expect(emu.stats.ambiguous).toBe(1);
    }));

  it('rate limit: N per window per endpoint and key owner, then 429 with Retry-After', () =>
    withEmulator({ rateLimit: 3 }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await api('GET', '/v1/organisations')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const r = await api('GET', '/v1/organisations');
      expect(r.body.code).toBe('RATE_LIMITED');
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // another endpoint has its own budget
      expect((await api('GET', '/v1/integrations')).status).toBe(200);
      expect(emu.stats.rateLimited).toBe(2);
    }));

  it('rate limit windows refill', () =>
    withEmulator({ rateLimit: 2, rateWindowMs: 300 }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      await api('GET', '/v1/organisations');
      await api('GET', '/v1/organisations');
      expect((await api('GET', '/v1/organisations')).status).toBe(429);
      await new Promise((r) => setTimeout(r, 350));
      expect((await api('GET', '/v1/organisations')).status).toBe(200);
    }));
});

describe('seed', () => {
  it('the example seed loads and has one key of each level', () =>
    withEmulator({ seed: 'examples/emulator-seed.yaml' }, async (emu) => {
      const levels = [...emu.store.keys.values()].map((k) => k.level).sort();
      expect(levels).toEqual(['admin', 'group', 'organisation']);
      const types = new Set([...emu.store.integrations.values()].map((i) => i.type));
      expect(types.has('CUSTOM_ORDERS') && types.size > 1).toBe(true);
    }));

  it('a broken seed is a clear error', async () => {
    const { startEmulator } = await import('../../src/emulator/server.js');
    await expect(startEmulator({ seed: { keys: [{ key: 'k', level: 'root' as any }] } })).rejects.toThrow(/keys\[0\]\.level/);
    await expect(startEmulator({ seed: 'examples/nope.yaml' })).rejects.toThrow(/cannot read seed file/);
  });
});

describe('rate limit owners', () => {
  it('counts per partner group: another group key has its own budget, a shared owner shares it', () =>
    withEmulator(
      {
        rateLimit: 1,
        seed: {
          keys: [
            { key: 'k_one', level: 'admin' },
            { key: 'k_two', level: 'group', organisations: [] },
            { key: 'k_three', level: 'group', organisations: [], owner: 'group:k_one' },
          ],
        },
      },
      async (emu) => {
        expect((await rawApi(emu.url, 'k_one')('GET', '/v1/integrations')).status).toBe(200);
        expect((await rawApi(emu.url, 'k_two')('GET', '/v1/integrations')).status).toBe(200);
        expect((await rawApi(emu.url, 'k_three')('GET', '/v1/integrations')).status).toBe(429);
      },
    ));
});
