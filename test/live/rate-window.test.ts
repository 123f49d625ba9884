import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateLimiter, type EmulatorRateOptions, type RateWindowKind } from '../../src/emulator/ratelimit.js';
import { ServerClock } from '../../src/live/server-clock.js';
import { simulate, type Server } from './pacer-sim.js';

// The window of X-RateLimit-* headers, which state a quota, what remains and a reset but not
// the window (seen: epoch-second resets, rounded up to the second, read as a window up to a
// second too long: 51% of a 1 s window; a server clock 3 s ahead in its resets: 23%). On a
// virtual clock against the emulator's own limiter: the same run every time.

const T0 = 1_700_000_000_000;
const EP = 'POST /v1/integrations';

/** The emulator's limiter, started `phase` ms into a second, its resets `skewMs` ahead of its clock. */
function server(o: EmulatorRateOptions, phase = 300, skewMs = 0): Server {
  const limiter = rateLimiter(o, T0 + phase);
  return (now) => {
    const d = limiter('bucket', now);
    const headers = new Headers(d.headers);
    const reset = headers.get('x-ratelimit-reset');
    // an epoch in seconds runs ahead by whole seconds
    if (skewMs && reset) headers.set('x-ratelimit-reset', String(Number(reset) + (o.rateLimitHeaders === 'x-epoch' ? skewMs / 1000 : skewMs)));
    return { status: d.retryAfter === null ? 200 : 429, headers, retryAfterMs: d.retryAfter === null ? null : d.retryAfter * 1000 };
  };
}

async function run(o: EmulatorRateOptions, jobs: number, phase?: number, skewMs?: number, net = { latencyMs: 10, jitterMs: 0 }) {
  const r = await simulate(server(o, phase, skewMs), jobs, 8, { ...net, startAt: T0, seed: phase });
  const share = r.accepted / r.spanMs / (o.rateLimit! / o.rateWindowMs!);
  return { ...r, share, window: r.pacer.rates()[EP]?.windowMs ?? null };
}

describe('a window the headers do not state', () => {
  it.each([
    [1000, 20, 'sliding'],
    [1000, 20, 'fixed'],
    [5000, 100, 'sliding'],
    [5000, 100, 'fixed'],
  ] as [number, number, RateWindowKind][])('X-RateLimit-Reset in epoch seconds, a %i ms window, %i a window, %s: no 429, the window measured, not a second longer', async (windowMs, limit, kind) => {
    const r = await run({ rateLimit: limit, rateWindowMs: windowMs, rateWindowKind: kind, rateLimitHeaders: 'x-epoch' }, 600);
    expect(r.limited).toBe(0);
    expect(r.window).toBeGreaterThanOrEqual(windowMs * 0.99); // at most 1% short: the pacing margin (2%) covers it
    expect(r.window).toBeLessThanOrEqual(windowMs * 1.03);
    // the first window runs at the first reset's pace (up to a second long); then at the limit, less the margin
    expect(r.share).toBeGreaterThanOrEqual(windowMs === 1000 ? 0.93 : 0.95);
  });

  it('fixed windows on a network that reorders requests: window starts seen windows apart are not taken for consecutive ones', async () => {
    // seen: starts 5 windows apart counted as one, the window measured as 5 s, then 22 s: 10% of a 1 s limit
    for (const phase of [100, 400, 700, 900]) {
      const r = await run({ rateLimit: 20, rateWindowMs: 1000, rateWindowKind: 'fixed', rateLimitHeaders: 'x-epoch' }, 600, phase, 0, { latencyMs: 40, jitterMs: 15 });
      expect(r.window).toBeLessThanOrEqual(1100);
      expect(r.share).toBeGreaterThan(0.8);
      expect(r.limited).toBeLessThanOrEqual(4);
    }
  });

  it('resets in epoch milliseconds from a server whose resets run 3 s ahead: the window is what Remaining drained, not 4 s', async () => {
    const r = await run({ rateLimit: 20, rateWindowMs: 1000, rateLimitHeaders: 'x-epoch-ms' }, 300, 0, 3000);
    expect(r.limited).toBe(0);
    expect(r.window).toBeGreaterThanOrEqual(990);
    expect(r.window).toBeLessThanOrEqual(1030);
    expect(r.share).toBeGreaterThanOrEqual(0.8); // the first window at the skewed reset's pace
  });

  it('property: any window, quota, kind, phase, reset form and network jitter: no 429 once measured, and the window never shorter than the truth', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          windowMs: fc.integer({ min: 2, max: 20 }).map((n) => n * 500),
          limit: fc.integer({ min: 10, max: 60 }),
          kind: fc.constantFrom<RateWindowKind>('sliding', 'fixed'),
          style: fc.constantFrom('x', 'x-epoch', 'x-epoch-ms' as const),
          phase: fc.integer({ min: 0, max: 999 }),
          skewMs: fc.constantFrom(0, 0, 2000, 4000),
          jitterMs: fc.constantFrom(0, 15),
        }),
        async ({ windowMs, limit, kind, style, phase, skewMs, jitterMs }) => {
          const net = { latencyMs: jitterMs ? 40 : 10, jitterMs };
          const r = await run({ rateLimit: limit, rateWindowMs: windowMs, rateWindowKind: kind, rateLimitHeaders: style }, limit * 6, phase, style === 'x' ? 0 : skewMs, net);
          expect(r.window).toBeGreaterThanOrEqual(windowMs * 0.99);
          expect(r.limited).toBeLessThanOrEqual(2);
        },
      ),
      { seed: 18, numRuns: 25 },
    );
  }, 60_000);
});

describe('the server clock', () => {
  const at = Date.parse('2026-01-01T00:00:00Z');
  it('a Date header that agrees with ours to within its second is ours: a reset is not read up to a second long', () => {
    const c = new ServerClock();
    c.observe(new Date(at).toUTCString(), at + 700, at + 690);
    expect(c.now(at + 700)).toBe(at + 700);
  });

  it('a Date header a second or more from ours moves it, by the least it shows', () => {
    const ahead = new ServerClock();
    ahead.observe(new Date(at + 3000).toUTCString(), at + 400, at + 390);
    expect(ahead.now(at + 400)).toBe(at + 3000);
    const behind = new ServerClock();
    behind.observe(new Date(at - 5000).toUTCString(), at + 100, at + 90);
    expect(behind.now(at + 100)).toBe(at - 5000);
  });
});
