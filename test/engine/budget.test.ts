import { describe, expect, it } from 'vitest';
import { planCommand } from '../../src/commands/plan.js';
import { ADMIN, testIo, withEmulator } from '../helpers.js';
import { apply, write } from './helpers.js';

const FILE = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: A, merchant_ids: [mer_a2]}\n      - {name: B, merchant_ids: [mer_a3]}\n');

describe('the request budget over HTTP', () => {
  it('the rate a server shows in its headers while listing is the one the plan counts with', () =>
    withEmulator({ rateLimit: 30, rateLimitHeaders: 'ietf' }, async (emu) => {
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(await planCommand([FILE], { json: true }, io)).toBe(0);
      const plan = JSON.parse(io.out());
      expect(plan.budget).toMatchObject({ requests: 6, rate_per_minute: 30 });
    }));

  it('--max-rpm N is the rate assumed where the server shows none', () =>
    withEmulator({}, async (emu) => {
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(await planCommand([FILE], { maxRpm: 1000 }, io)).toBe(0);
      expect(io.out()).toContain('Apply: 6 requests (2 GET /v1/integrations); within the rate limit (1000 requests per minute per endpoint).');
    }));

  it("apply's summary: the requests made, the 429s, the time against the bound", () =>
    withEmulator({ rateLimit: 3, rateWindowMs: 1000 }, async (emu) => {
      const r = await apply(emu.url, FILE, { maxRpm: 'auto', rateWindowMs: 1000, json: true });
      const report = JSON.parse(r.out);
      expect(report.requests.made).toBe(emu.stats.requests);
      expect(report.requests.rate_limited).toBe(emu.stats.rateLimited);
      // two requests an endpoint fit in one window of any limit seen: latency bounds this run, not the limit
      expect(report.requests.min_seconds).toBe(0);
      const text = await apply(emu.url, FILE, { maxRpm: 'auto', rateWindowMs: 1000 });
      // where the server pushed back, each endpoint says its rate, its 429s and its wait
      expect(text.out).toMatch(/\nRequests: \d+ made, \d+ answered 429, in [\d.]+ s(; the known limit allows no less than [\d.]+ s)?\.\n(  (GET|POST) \/v1\/\w+: \d+ requests? at [\d.]+ a minute, \d+ answered 429, [\d.]+ s waiting\n)*$/);
      const listing = report.requests.by_endpoint['GET /v1/organisations'];
      expect(listing.requests).toBeGreaterThan(0);
      expect(listing.rate_limited).toBe(Object.values(report.requests.by_endpoint as Record<string, { rate_limited: number }>).reduce((n, e) => n + e.rate_limited, 0) - (report.requests.by_endpoint['GET /v1/integrations']?.rate_limited ?? 0) - (report.requests.by_endpoint['POST /v1/integrations']?.rate_limited ?? 0));
    }));

  // seen: 300 creates against a server with no limit: "in 0.5 s; the known limit allows no less than 2 min
  // (100 a minute per endpoint)", the plan's assumption, contradicting the time measured
  it('the least time is what the run learnt: none when no limit was met, and never more than the time it took', async () => {
    const orgs = (n: number) => write(`version: 1\nprune: {organisations: false}\norganisations:\n${Array.from({ length: n }, (_, i) => `  - name: Bulk ${i}\n`).join('')}`);
    await withEmulator({}, async (emu) => {
      const json = JSON.parse((await apply(emu.url, orgs(150), { maxRpm: 'auto', json: true })).out);
      expect(json.summary.done).toBe(150);
      expect(json.requests.min_seconds).toBe(0);
      const text = await apply(emu.url, orgs(160), { maxRpm: 'auto' });
      expect(text.out).toMatch(/\nRequests: \d+ made, 0 answered 429, in [\d.]+ s\.\n$/);
    });
    await withEmulator({ rateLimit: 10, rateWindowMs: 1000 }, async (emu) => {
      const json = JSON.parse((await apply(emu.url, orgs(30), { maxRpm: 'auto', json: true })).out);
      expect(json.summary.done).toBe(30);
      // 30 creates at 10 a second: at least 2 s, and the run took that at least
      expect(json.requests.min_seconds).toBeGreaterThanOrEqual(2);
      expect(json.requests.min_seconds).toBeLessThanOrEqual(Math.ceil(json.requests.seconds));
    });
  });
});
