import { describe, expect, it } from 'vitest';
import { ADMIN, withEmulator } from '../helpers.js';
import { api, expectGatewayPage } from './wire.js';

// A gateway in front of the API: slow commits (issue 19), a closing listing that fails
// (issue 19), and nginx's HTML error pages (issue 20).

const names = async (base: string) => ((await api(base, ADMIN)('GET', '/v1/organisations?limit=1000')).body.items as { name: string }[]).map((o) => o.name);

describe('slow commits (--slow-commit-rate, --commit-delay, --slow-commit-answer)', () => {
  it("504: nginx's Gateway Time-out page, and the create lands later, unseen in listings until then", () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 300 }, async (emu) => {
      const r = await api(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Slow One' });
      expect(r.status).toBe(504);
      expectGatewayPage(r, '504 Gateway Time-out');
      expect(await names(emu.url)).not.toContain('[TEST] Slow One');
      expect(emu.stats.slowCommits).toBe(1);
      await emu.settled();
      expect((await names(emu.url)).filter((n) => n === '[TEST] Slow One')).toHaveLength(1);
    }));

  it('drop: the connection is dropped, and the create still lands', () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 250, slowCommitAnswer: 'drop' }, async (emu) => {
      await expect(api(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Dropped' })).rejects.toThrow();
      expect(await names(emu.url)).not.toContain('[TEST] Dropped');
      await emu.settled();
      expect(await names(emu.url)).toContain('[TEST] Dropped');
    }));

  it('PATCH and DELETE land late too; reads are never slow', () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 250 }, async (emu) => {
      const call = api(emu.url, ADMIN);
      expect((await call('PATCH', '/v1/integrations/int_a1', { status: 'DISABLED' })).status).toBe(504);
      expect((await call('DELETE', '/v1/organisations/org_empty')).status).toBe(504);
      expect((await call('GET', '/v1/integrations/int_a1')).body.status).toBe('ENABLED');
      expect((await call('GET', '/v1/organisations/org_empty')).status).toBe(200);
      await emu.settled();
      expect((await call('GET', '/v1/integrations/int_a1')).body.status).toBe('DISABLED');
      expect((await call('GET', '/v1/organisations/org_empty')).status).toBe(404);
    }));

  it('a slow write the API refuses when it lands changes nothing', () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 50 }, async (emu) => {
      const body = { organisation_id: 'org_a', name: 'Foreign', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_b1'] };
      expect((await api(emu.url, ADMIN)('POST', '/v1/integrations', body)).status).toBe(504);
      await emu.settled();
      expect([...emu.store.integrations.values()].map((i) => i.name)).not.toContain('Foreign');
    }));

  it('a write still waiting when the emulator closes never lands', async () => {
    let landed = true;
    await withEmulator({ slowCommitRate: 1, commitDelayMs: 100 }, async (emu) => {
      await api(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Never' });
      await emu.close();
      await emu.settled(); // resolves: nothing is waiting any more
      await new Promise((r) => setTimeout(r, 150));
      landed = [...emu.store.orgs.values()].some((o) => o.name.includes('Never'));
    });
    expect(landed).toBe(false);
  });

  async function slowPattern(randomSeed: number) {
    return withEmulator({ slowCommitRate: 0.4, commitDelayMs: 50, randomSeed }, async (emu) => {
      const call = api(emu.url, ADMIN);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await call('POST', '/v1/organisations', { name: `S${i}` })).status);
      await emu.settled();
      const all = await names(emu.url);
      // every write landed exactly once, answered or not
      for (let i = 0; i < 30; i++) expect(all.filter((n) => n === `[TEST] S${i}`)).toHaveLength(1);
      return statuses;
    });
  }

  it('the rate is a seeded fate: the same seed gives the same writes, another seed others', async () => {
    const a = await slowPattern(42);
    expect(await slowPattern(42)).toEqual(a);
    expect(await slowPattern(7)).not.toEqual(a);
    const slow = a.filter((s) => s === 504).length;
    expect(slow).toBeGreaterThan(4);
    expect(slow).toBeLessThan(26);
    expect(new Set(a)).toEqual(new Set([201, 504]));
  });
});

describe('reads failing after writes (--fail-reads-after-writes, --failed-read-answer)', () => {
  it('after N writes took effect, every GET answers 503 in the error shape; writes go on', () =>
    withEmulator({ failReadsAfterWrites: 2 }, async (emu) => {
      const call = api(emu.url, ADMIN);
      expect((await call('GET', '/v1/organisations')).status).toBe(200);
      expect((await call('POST', '/v1/organisations', { name: 'One' })).status).toBe(201);
      expect((await call('POST', '/v1/organisations', { name: '' })).status).toBe(422); // refused: not a write that took effect
      expect((await call('GET', '/v1/integrations')).status).toBe(200);
      expect((await call('POST', '/v1/organisations', { name: 'Two' })).status).toBe(201);
      for (const path of ['/v1/organisations', '/v1/integrations', '/v1/organisations/org_a', '/v1/integrations/int_a1']) {
        const r = await call('GET', path);
        expect(r.status).toBe(503);
        expect(r.body.code).toBe('SERVICE_UNAVAILABLE');
      }
      expect((await call('POST', '/v1/organisations', { name: 'Three' })).status).toBe(201);
      expect(emu.stats.failedReads).toBe(4);
    }));

  it("502: nginx's Bad Gateway page, whatever the error shape", () =>
    withEmulator({ failReadsAfterWrites: 1, failedReadAnswer: '502', errorShape: 'errors' }, async (emu) => {
      const call = api(emu.url, ADMIN);
      await call('PATCH', '/v1/organisations/org_a', { name: 'Renamed' });
      expectGatewayPage(await call('GET', '/v1/organisations'), '502 Bad Gateway');
      expect((await call('GET', '/v1/nope')).body.errors[0].code).toBe('NOT_FOUND'); // the API's own errors keep their shape
    }));

  it('0: reads fail from the start', () =>
    withEmulator({ failReadsAfterWrites: 0 }, async (emu) => {
      expect((await api(emu.url, ADMIN)('GET', '/v1/organisations')).status).toBe(503);
    }));

  it('a slow write counts once it lands', () =>
    withEmulator({ failReadsAfterWrites: 1, slowCommitRate: 1, commitDelayMs: 250 }, async (emu) => {
      const call = api(emu.url, ADMIN);
      expect((await call('POST', '/v1/organisations', { name: 'Late' })).status).toBe(504);
      expect((await call('GET', '/v1/organisations')).status).toBe(200);
      await emu.settled();
      expect((await call('GET', '/v1/organisations')).status).toBe(503);
    }));
});

describe('--error-shape html: a gateway page for every error', () => {
  it.each<[string, string, string, unknown, string]>([
    ['an unknown endpoint', 'GET', '/v1/nope', undefined, '404 Not Found'],
    ['an unknown key', 'GET', '/v1/organisations', undefined, '401 Authorization Required'],
    ['a method not allowed', 'DELETE', '/v1/integrations/int_a1', undefined, '405 Not Allowed'],
    ['a refused create', 'POST', '/v1/organisations', { name: '' }, '422 Unprocessable Entity'],
  ])('%s', (_what, method, path, body, title) =>
    withEmulator({ errorShape: 'html' }, async (emu) => {
      const key = title.startsWith('401') ? 'cbs_unknown' : ADMIN;
      const r = await api(emu.url, key)(method, path, body);
      expect(r.status).toBe(Number(title.slice(0, 3)));
      expectGatewayPage(r, title);
    }));

  it('headers survive: a 429 keeps Retry-After; success answers stay JSON', () =>
    withEmulator({ errorShape: 'html', rateLimit: 1 }, async (emu) => {
      const call = api(emu.url, ADMIN);
      expect((await call('GET', '/v1/organisations')).body.count).toBe(3);
      const r = await call('GET', '/v1/organisations');
      expectGatewayPage(r, '429 Too Many Requests');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }));
});
