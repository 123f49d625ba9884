import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRateHeaders, resetFromNow, type RatePolicy } from '../../src/live/rate-headers.js';

// Rate headers read completely (seen: only the first policy read, X-RateLimit-Reset always
// taken as a Unix time, epoch milliseconds overflowing a timer).

const now = 1_700_000_000_000;
const read = (h: Record<string, string>) => readRateHeaders(new Headers(h), now);
const P = (name: string, quota: number | null, windowS: number | null, remaining: number | null = null, resetS: number | null = null): RatePolicy => ({
  name,
  quota,
  windowMs: windowS === null ? null : windowS * 1000,
  remaining,
  resetMs: resetS === null ? null : resetS * 1000,
});

describe('every published form', () => {
  it.each([
    [
      'IETF current: several named policies, each with its state',
      { 'ratelimit-policy': '"daily";q=10000;w=86400, "minute";q=100;w=60', ratelimit: '"daily";r=9000;t=3600, "minute";r=0;t=30' },
      [P('daily', 10000, 86400, 9000, 3600), P('minute', 100, 60, 0, 30)],
    ],
    ['IETF current: one policy', { 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=42;t=30' }, [P('default', 100, 60, 42, 30)]],
    ['IETF current: a state without its policy', { ratelimit: '"default";r=0;t=86400' }, [P('default', null, null, 0, 86400)]],
    ['IETF current: quota units other than requests are not ours', { 'ratelimit-policy': '"bytes";q=1000000;qu="content-bytes";w=60, "req";q=50;w=60' }, [P('req', 50, 60)]],
    ['IETF draft 7: policies and one unnamed state', { 'ratelimit-policy': '10;w=1, 100;w=60', ratelimit: 'limit=100, remaining=7, reset=5' }, [P('policy-0', 10, 1), P('policy-1', 100, 60, 7, 5)]],
    ['IETF drafts up to 6: RateLimit-Limit with its policies', { 'ratelimit-limit': '10, 10;w=1, 1000;w=3600', 'ratelimit-remaining': '3', 'ratelimit-reset': '1' }, [P('policy-0', 10, 1, 3, 1), P('policy-1', 1000, 3600)]],
    ['RateLimit-Limit/-Remaining/-Reset alone', { 'ratelimit-limit': '50', 'ratelimit-remaining': '0', 'ratelimit-reset': '12' }, [P('ratelimit', 50, null, 0, 12)]],
    ['X-RateLimit-* with the reset in seconds from now', { 'x-ratelimit-limit': '150', 'x-ratelimit-remaining': '149', 'x-ratelimit-reset': '1' }, [P('x', 150, null, 149, 1)]],
    ['X-RateLimit-* with a Unix time in seconds', { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(now / 1000 + 20) }, [P('x', 100, null, 3, 20)]],
    ['X-RateLimit-* with a Unix time in milliseconds', { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now + 1500) }, [P('x', 100, null, 0, 1.5)]],
    ['X-RateLimit-Reset-After (seconds, with a fraction)', { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '0.25', 'x-ratelimit-reset': String(now / 1000 + 9) }, [P('x', 5, null, 0, 0.25)]],
    ['X-Rate-Limit-*', { 'x-rate-limit-limit': '15', 'x-rate-limit-remaining': '14', 'x-rate-limit-reset': String(now / 1000 + 900) }, [P('x-rate-limit', 15, null, 14, 900)]],
    [
      "Kong: per-window fields beside RateLimit-*, whose reset goes to the policy nearest exhaustion",
      { 'ratelimit-limit': '5', 'ratelimit-remaining': '2', 'ratelimit-reset': '20', 'x-ratelimit-limit-minute': '5', 'x-ratelimit-remaining-minute': '2', 'x-ratelimit-limit-hour': '100', 'x-ratelimit-remaining-hour': '97' },
      [P('x-minute', 5, 60, 2, 20), P('x-hour', 100, 3600, 97)],
    ],
    ['IETF fields win over X- ones sent beside them', { 'ratelimit-policy': '"default";q=10;w=1', ratelimit: '"default";r=9;t=1', 'x-ratelimit-limit': '10' }, [P('default', 10, 1, 9, 1)]],
  ])('%s', (_name, headers, expected) => {
    expect(read(headers)).toEqual(expected);
  });

  it('none, or nonsense: nothing is read, nothing throws', () => {
    expect(read({ 'content-type': 'application/json' })).toEqual([]);
    expect(read({ 'x-ratelimit-limit': 'lots' })).toEqual([]);
    expect(read({ 'ratelimit-policy': '"unterminated;q=5', ratelimit: ';;;' })).toEqual([]);
  });
});

describe('reset values by magnitude', () => {
  it('delta-seconds, epoch seconds, epoch milliseconds; a past time is now', () => {
    expect(resetFromNow(30, now)).toBe(30_000);
    expect(resetFromNow(86_400, now)).toBe(86_400_000);
    expect(resetFromNow(now / 1000 + 30, now)).toBe(30_000);
    expect(resetFromNow(now + 30_000, now)).toBe(30_000);
    expect(resetFromNow(now / 1000 - 30, now)).toBe(0);
    expect(resetFromNow(null, now)).toBeNull();
  });

  it('property: any reset up to a year, in any of the three forms, reads as the same wait', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 86_400 }), fc.constantFrom('delta', 'epoch-s', 'epoch-ms'), (seconds, form) => {
        const v = form === 'delta' ? seconds : form === 'epoch-s' ? now / 1000 + seconds : now + seconds * 1000;
        // delta-seconds past 1e9 (31 years) would read as a date: beyond any window
        expect(resetFromNow(v, now)).toBe(seconds * 1000);
      }),
      { seed: 18, numRuns: 300 },
    );
  });
});
