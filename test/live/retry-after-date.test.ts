import fc from 'fast-check';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/live/policy.js';
import { ADMIN } from '../helpers.js';
import { testClient } from './helpers.js';
import { hostile, json } from './hostile.js';
import { simulate } from './pacer-sim.js';

// Retry-After as an HTTP date, as gateways write it (seen: the reset time truncated to the
// second read as "0 s" whenever it was less than a second away, or a clock behind: no pause,
// every retry a 429, each one cutting the rate by 30% until it was 0; 274-280 of 300 creates
// failed "the server's limit allows the next request in 12638864173832 h").

const EP = 'POST /v1/integrations';

/**
 * A gateway's sliding window (as Django REST Framework keeps): `limit` per `windowMs`, then
 * 429 with Retry-After as the HTTP date of the reset, in whole seconds. `skewMs`: its clock
 * runs that far from ours, in its Date header too (`dateSkewed`), or only in Retry-After.
 */
function gateway(limit: number, windowMs: number, skew: { ms: number; inDate: boolean } = { ms: 0, inDate: false }) {
  const log: number[] = [];
  return hostile((_req, res) => {
    const now = Date.now();
    while (log.length && log[0]! <= now - windowMs) log.shift();
    if (log.length >= limit) {
      const reset = now + windowMs - (now - log[0]!);
      const headers: Record<string, string> = { 'retry-after': new Date(reset + skew.ms).toUTCString() };
      if (skew.inDate) headers.date = new Date(now + skew.ms).toUTCString();
      return json(res, 429, { detail: 'Request was throttled.' }, headers);
    }
    log.push(now);
    json(res, 201, { id: `int_${log.length}` });
  });
}

async function creates(url: string, n: number) {
  const client = testClient(url, ADMIN, { maxRpm: 'auto' });
  const limit = pLimit(8);
  const results = await Promise.allSettled(Array.from({ length: n }, () => limit(() => client.request('POST', '/v1/integrations', { body: {} }))));
  return { failed: results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason?.message)), pacing: client.pacing()[EP]! };
}

describe('Retry-After as an HTTP date', () => {
  it('is read against the answer\'s Date header (whole seconds), and a date not after it is no wait at all: unknown', () => {
    const server = Date.UTC(2026, 0, 1, 12, 0, 0);
    const date = new Date(server).toUTCString();
    // our clock 1 h behind the server's: the Date header tells
    expect(retryAfterMs(new Date(server + 3000).toUTCString(), server - 3_600_000, date)).toBe(3000);
    // without a Date header, against ours
    expect(retryAfterMs(new Date(server + 3000).toUTCString(), server)).toBe(3000);
    // the same second as its Date (a reset less than a second away, truncated), or the past: not "0 s"
    expect(retryAfterMs(date, server + 400, date)).toBeNull();
    expect(retryAfterMs(new Date(server - 2000).toUTCString(), server)).toBeNull();
    // delta-seconds as ever
    expect(retryAfterMs('0', server, date)).toBe(0);
    expect(retryAfterMs('7', server, date)).toBe(7000);
  });

  it('property: whatever the skew between the clocks, a date read against its Date header is the wait the server meant', () => {
    fc.assert(
      fc.property(fc.integer({ min: -86_400_000, max: 86_400_000 }), fc.integer({ min: -30, max: 3600 }), fc.integer({ min: 0, max: 999 }), (skew, waitS, ms) => {
        const served = Date.UTC(2026, 5, 1) + ms; // the server's now, within its second
        const date = new Date(served).toUTCString(); // truncated, as every Date header
        const retry = new Date(served + waitS * 1000).toUTCString();
        const got = retryAfterMs(retry, served - skew, date);
        if (waitS <= 0) expect(got).toBeNull();
        else expect(got).toBe(waitS * 1000);
      }),
      { seed: 2, numRuns: 300 },
    );
  });

  it('property: a server answering only 429 (Retry-After 0, a date read as none, or none): no retry sooner than a second after a 429; the rate never falls to nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, null), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), async (retryAfter, concurrency, accepted) => {
        // the first `accepted` answers succeed, then nothing but 429
        let n = 0;
        const server = () => (n++ < accepted ? { status: 200, headers: new Headers(), retryAfterMs: null } : { status: 429, headers: new Headers(), retryAfterMs: retryAfter });
        const r = await simulate(server, 12, concurrency, { maxWaitMs: 120_000 });
        expect(r.error?.message).toMatch(/^rate limited; /);
        // every request waits out a pause after the first 429s: at most `concurrency` sends a second
        const after = [...r.sentAt].sort((a, b) => a - b).slice(accepted);
        for (let i = concurrency; i < after.length; i++) expect(after[i]! - after[i - concurrency]!).toBeGreaterThanOrEqual(1000);
        // the requests a minute never came near nothing (seen: 1e-17 a minute)
        const learned = r.pacer.learnedPerMinute(EP);
        if (learned !== null) expect(learned).toBeGreaterThan(0.9);
      }),
      { seed: 2, numRuns: 40 },
    );
  });
});

describe.concurrent('a gateway writing Retry-After as an HTTP date, over HTTP', () => {
  it('the reset in whole seconds, 20 a second: every create done, near the limit, few 429s', async () => {
    const gw = await gateway(20, 1000);
    try {
      const started = Date.now();
      const r = await creates(gw.url, 60);
      expect(r.failed).toEqual([]);
      expect(r.pacing.rateLimited).toBeLessThanOrEqual(12);
      // 60 at 20 a second: the first 20 at once, then two seconds (and a pause after the first burst)
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await gw.close();
    }
  });

  it("a server clock an hour ahead, in its Date header too: the dates are read against it, not as an hour's wait", async () => {
    const gw = await gateway(20, 1000, { ms: 3_600_000, inDate: true });
    try {
      const r = await creates(gw.url, 40);
      expect(r.failed).toEqual([]);
    } finally {
      await gw.close();
    }
  });

  it('a server clock 2 s behind (every date in the past), 20 per 2 s: the backoff rule, every create done', async () => {
    const gw = await gateway(20, 2000, { ms: -2000, inDate: false });
    try {
      const r = await creates(gw.url, 30);
      expect(r.failed).toEqual([]);
      expect(r.pacing.rateLimited).toBeLessThanOrEqual(24);
    } finally {
      await gw.close();
    }
  });
});
