import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { list as listObjects } from '../../src/live/api.js';
import { ADMIN, manyOrgs, testSeed, withEmulator } from '../helpers.js';
import { testClient } from './helpers.js';

// The rate limit learned from the server, over real HTTP (seen: every endpoint paced at 100
// a minute whatever the server allowed; after a pause, 110 answers 429 in one listing).

const seed = testSeed({ organisations: manyOrgs(60) });
const ids = manyOrgs(60)!.map((o) => o.id!);

/** `n` GETs of single organisations, `concurrency` at a time. */
async function gets(client: ReturnType<typeof testClient>, n: number, concurrency = 8) {
  const limit = pLimit(concurrency);
  await Promise.all(Array.from({ length: n }, (_, i) => limit(() => client.request('GET', `/v1/organisations/${ids[i % ids.length]}`))));
}

describe('pacing learned from the server', () => {
  it.each(['ietf', 'x'] as const)('%s rate headers: paced from the first answers, no 429', (rateLimitHeaders) =>
    withEmulator({ seed, rateLimit: 8, rateWindowMs: 1000, rateLimitHeaders }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 'auto', rateWindowMs: 1000 });
      await gets(client, 14, 4);
      expect(emu.stats.rateLimited).toBe(0);
      expect(client.rates()['GET /v1/organisations/{id}']).toMatchObject({ limit: 8, source: 'headers' });
    }));

  it('no headers: learnt from the first 429; after its pause no request meets another', () =>
    withEmulator({ seed, rateLimit: 10, rateWindowMs: 1000 }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 'auto', rateWindowMs: 1000 });
      await gets(client, 26, 8);
      expect(emu.stats.rateLimited).toBeGreaterThan(0);
      expect(emu.stats.rateLimited).toBeLessThanOrEqual(8); // the requests in flight when the limit was met
      expect(client.rates()['GET /v1/organisations/{id}']).toMatchObject({ limit: 10, source: '429' });
    }));

  it('a listing against a throttled server: the pages waiting out a pause leave one by one, not in a burst', () =>
    withEmulator({ seed, maxPageSize: 3, rateLimit: 6, rateWindowMs: 500 }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 'auto', rateWindowMs: 500 });
      const orgs = await listObjects(client, '/v1/organisations');
      expect(orgs).toHaveLength(60);
      // the first page, then every other page at once: 5 more are accepted, the rest meet the
      // limit once; released together after the pause they would meet it again and again
      const pages = 1 + Math.ceil((60 - 3) / 2);
      expect(emu.stats.rateLimited).toBeLessThanOrEqual(pages - 1 - 5);
      expect(client.rates()['GET /v1/organisations']).toMatchObject({ limit: 6, source: '429' });
    }));

  it('endpoints are learned separately', () =>
    withEmulator({ seed, rateLimit: 5, rateWindowMs: 1000, rateLimitHeaders: 'ietf' }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 'auto' });
      await client.request('PATCH', '/v1/organisations/org_00001', { body: { name: 'x' } });
      expect(Object.keys(client.rates())).toEqual(['PATCH /v1/organisations/{id}']);
    }));

  it('--max-rpm N caps each endpoint without any server limit', () =>
    withEmulator({ seed }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 4, rateWindowMs: 1000 });
      const t = Date.now();
      await gets(client, 6, 6);
      // 4 a second: the sixth request leaves no sooner than 5 turns of 255 ms after the first
      expect(Date.now() - t).toBeGreaterThanOrEqual(1200);
    }));
});
