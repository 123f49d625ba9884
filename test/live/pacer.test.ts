import { describe, expect, it } from 'vitest';
import { PACING_MARGIN, Pacer, readRateHeaders } from '../../src/live/pacer.js';

/** the time between two turns at `limit` per `windowMs` */
const spacing = (windowMs: number, limit: number) => (windowMs + Math.max(windowMs * PACING_MARGIN, 60)) / limit;

const H = (h: Record<string, string>) => new Headers(h);
const GET = 'GET /v1/organisations';
const POST = 'POST /v1/integrations';

describe('rate headers', () => {
  const now = 1_700_000_000_000;
  it.each([
    ['IETF draft (structured)', { 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=42;t=30' }, { limit: 100, windowMs: 60_000, remaining: 42, resetMs: 30_000 }],
    ['IETF draft (older form)', { 'ratelimit-policy': '100;w=60', ratelimit: 'limit=100, remaining=7, reset=5' }, { limit: 100, windowMs: 60_000, remaining: 7, resetMs: 5_000 }],
    ['RateLimit-Limit/-Remaining/-Reset', { 'ratelimit-limit': '50', 'ratelimit-remaining': '0', 'ratelimit-reset': '12' }, { limit: 50, windowMs: null, remaining: 0, resetMs: 12_000 }],
    ['X-RateLimit-* with a Unix reset time', { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(now / 1000 + 20) }, { limit: 100, windowMs: null, remaining: 3, resetMs: 20_000 }],
    ['X-RateLimit-* with seconds', { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '9', 'x-ratelimit-reset': '60' }, { limit: 10, windowMs: null, remaining: 9, resetMs: 60_000 }],
  ])('%s', (_n, headers, expected) => {
    expect(readRateHeaders(H(headers), now)).toEqual(expected);
  });
  it('none, or nonsense', () => {
    expect(readRateHeaders(H({ 'content-type': 'application/json' }))).toBeNull();
    expect(readRateHeaders(H({ 'x-ratelimit-limit': 'lots' }))).toBeNull();
  });
});

/** A pacer on a clock the test moves; no request here ever has to sleep. */
function clocked(mode: 'auto' | number, windowMs = 60_000) {
  const clock = { t: 0 };
  const pacer = new Pacer(mode, windowMs, () => clock.t);
  /** sends n requests now, answered with `status` */
  const send = async (endpoint: string, n: number, status = 200, headers: Record<string, string> = {}, retryAfter: number | null = null) => {
    for (let i = 0; i < n; i++) {
      const at = await pacer.acquire(endpoint);
      pacer.observe(endpoint, at, status, H(headers), retryAfter);
    }
  };
  const turns = (endpoint: string, n: number) => Array.from({ length: n }, () => pacer.reserve(endpoint));
  return { clock, pacer, send, turns };
}

describe('pacing learned, not assumed', () => {
  it('auto: an endpoint is not paced until the server shows its limit', async () => {
    const { pacer, send, turns } = clocked('auto');
    await send(GET, 500);
    expect(pacer.rate(GET)).toBeNull();
    expect(turns(GET, 3)).toEqual([0, 0, 0]);
  });

  it('from IETF headers: paced evenly at the policy', async () => {
    const { pacer, send, turns } = clocked('auto');
    await send(POST, 1, 200, { 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=99;t=60' });
    expect(pacer.rate(POST)).toEqual({ limit: 100, windowMs: 60_000, source: 'headers' });
    const step = spacing(60_000, 100);
    // the request sent before the answer counts as the first paced one
    expect(turns(POST, 3)).toEqual([step, 2 * step, 3 * step]);
  });

  it('from X-RateLimit headers, with the assumed window; remaining 0 pauses until the reset', async () => {
    const { clock, pacer, send } = clocked('auto', 10_000);
    clock.t = 5_000;
    await send(POST, 1, 200, { 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '4' });
    expect(pacer.rate(POST)).toEqual({ limit: 20, windowMs: 10_000, source: 'headers' });
    expect(pacer.reserve(POST)).toBe(9_000);
  });

  it('from a bare 429: the limit is what the server accepted in the window before it, learnt once the pause is over', async () => {
    const { clock, pacer, send, turns } = clocked('auto');
    await send(POST, 40);
    clock.t = 1_000;
    await send(POST, 60);
    clock.t = 2_000;
    // three were in flight when the limit was met
    const inFlight = [await pacer.acquire(POST), await pacer.acquire(POST), await pacer.acquire(POST)];
    for (const at of inFlight) pacer.observe(POST, at, 429, H({}), 30_000);
    expect(pacer.rate(POST)).toBeNull(); // still paused: answers to requests in flight may come
    const waiting = turns(POST, 4);
    expect(waiting.every((t) => t === 32_000)).toBe(true); // reserved while unpaced...
    clock.t = 32_000;
    expect(pacer.rate(POST)).toEqual({ limit: 100, windowMs: 60_000, source: '429' });
    // ...and once learnt, the requests waiting out the pause leave evenly, never all at once
    const step = spacing(60_000, 100);
    expect(turns(POST, 3)).toEqual([32_000, 32_000 + step, 32_000 + 2 * step]);
    // a 429 while paced (a limit shared with others): a tenth slower, not relearnt from a paced window
    clock.t = 40_000;
    pacer.observe(POST, await pacer.acquire(POST).catch(() => 0), 429, H({}), 1_000);
    clock.t = 41_000;
    expect(pacer.rate(POST)).toEqual({ limit: 90, windowMs: 60_000, source: '429' });
  });

  it('a 429 without Retry-After waits until the oldest accepted request leaves the window', async () => {
    const { clock, pacer, send } = clocked('auto');
    clock.t = 10_000;
    await send(POST, 5);
    clock.t = 25_000;
    await send(POST, 1, 429);
    expect(pacer.reserve(POST)).toBe(70_000);
  });

  it('endpoints are learned separately', async () => {
    const { pacer, send } = clocked('auto');
    await send(POST, 1, 200, { 'x-ratelimit-limit': '30' });
    expect(pacer.rate(POST)?.limit).toBe(30);
    expect(pacer.rate(GET)).toBeNull();
    expect(pacer.rates()).toEqual({ [POST]: { limit: 30, windowMs: 60_000, source: 'headers' } });
  });

  it('--max-rpm N caps every endpoint from the start; a lower limit the server shows wins', async () => {
    const { pacer, turns } = clocked(120);
    expect(pacer.rate(GET)).toEqual({ limit: 120, windowMs: 60_000, source: 'cap' });
    expect(turns(GET, 2)[1]).toBeCloseTo(spacing(60_000, 120));
    pacer.observe(POST, 0, 200, H({ 'x-ratelimit-limit': '10' }), null);
    expect(pacer.rate(POST)?.limit).toBe(10);
    pacer.observe(GET, 0, 200, H({ 'x-ratelimit-limit': '1000' }), null);
    expect(pacer.rate(GET)?.limit).toBe(120);
  });

  it('--max-rpm 0: never paced, but a Retry-After is still waited out', async () => {
    const { pacer, send } = clocked(0);
    await send(POST, 1, 429, { 'x-ratelimit-limit': '10' }, 5_000);
    expect(pacer.rate(POST)).toBeNull();
    expect(pacer.reserve(POST)).toBe(5_000);
  });
});
