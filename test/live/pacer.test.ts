import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pacer, span } from '../../src/live/pacer.js';
import { BETA, HOLD_CUT, initialControl, MARGIN, nextTurn, observeAnswer, type Control, type Sent } from '../../src/live/rate-control.js';
import { limiterServer, simulate, VirtualClock } from './pacer-sim.js';

// The pacing rule on a fake clock: a pure function of what the server said (rate-control.ts),
// and the Pacer that waits on it (seen: one 429 read as "1 request a minute" forever; a
// one-second window taken for a minute; waits never announced nor bounded).

const EP = 'POST /v1/integrations';
const H = (h: Record<string, string> = {}) => new Headers(h);

/** A control driven by hand: `send` notes requests, `answer` feeds the rule. */
function rule() {
  let c: Control = initialControl();
  const sends: Sent[] = [];
  return {
    get c() {
      return c;
    },
    sends,
    send(at: number, n = 1) {
      for (let i = 0; i < n; i++) sends.push({ at, outcome: 'pending' });
    },
    answer(sentAt: number, at: number, status: number, retryAfterMs: number | null = null, policies: Parameters<typeof observeAnswer>[2]['policies'] = []) {
      const s = sends.find((x) => x.at === sentAt && x.outcome === 'pending');
      if (s) s.outcome = status === 429 ? 'limited' : 'ok';
      c = observeAnswer(c, sends, { sentAt, at, status, retryAfterMs, policies });
    },
    turn: (t: number) => nextTurn(c, sends, t),
  };
}

describe('the rule (pure)', () => {
  it('unpaced until the server pushes back', () => {
    const r = rule();
    for (let t = 0; t < 500; t++) {
      r.send(t);
      r.answer(t, t + 40, 200);
    }
    expect(r.turn(600)).toEqual({ at: 600, kind: 'now', reason: '' });
  });

  it("a 429 after a burst: the rate is what was accepted in the window the Retry-After shows, and the endpoint waits it out", () => {
    const r = rule();
    r.send(0, 20); // a burst of 20, all accepted
    for (let i = 0; i < 20; i++) r.answer(0, 40, 200);
    r.send(50);
    r.answer(50, 90, 429, 1000);
    expect(r.c.windowMs).toBe(1000);
    // 20 a second, not 20 a minute (counted over the window widened by the margin: 1020 ms)
    expect(r.c.learned!.rate).toBe(20 / 1020);
    expect(r.turn(100)).toMatchObject({ at: 1090, kind: 'pause', reason: 'the server answered 429 with Retry-After 1.0 s' });
    // then evenly at 20 a second less the margin: no burst after the pause
    r.send(1090);
    expect(r.turn(1090).at).toBeCloseTo(1090 + 1020 / 20, 6);
  });

  it('one 429 at the start with nothing accepted teaches no rate: after its pause, unpaced', () => {
    const r = rule();
    r.send(0, 8);
    for (let i = 0; i < 8; i++) r.answer(0, 40, 429, 2000);
    expect(r.c.learned).toBeNull();
    expect(r.turn(100)).toMatchObject({ at: 2040, kind: 'pause' });
    expect(r.turn(2040)).toMatchObject({ at: 2040, kind: 'now' });
  });

  it('while answers succeed the rate holds a window, then grows: a low estimate doubles within a few windows', () => {
    const r = rule();
    r.send(0, 10);
    for (let i = 0; i < 10; i++) r.answer(0, 40, 200);
    r.send(50);
    r.answer(50, 90, 429, 1000); // learned 10 a second (the server allows more: its budget was half spent)
    const rateAt = (t: number) => 1000 / (r.turn(t).at - t === 0 ? Infinity : 1); // unused shape guard
    void rateAt;
    const { learned } = r.c;
    expect(learned!.growFrom).toBe(1090 + 1000); // the pause, then one window's hold
    const pace = (t: number) => {
      const x = Math.max(0, (t - learned!.growFrom) / 1000);
      return learned!.rate * (1 + 0.1 * x ** 3);
    };
    expect(pace(2090)).toBe(learned!.rate);
    expect(pace(2090 + 2200) / learned!.rate).toBeGreaterThan(2); // doubled 2.2 windows past the hold
  });

  it('a 429 that confirms the same limit holds it 8 times longer; one during the hold cuts by a tenth; one after a pause by BETA', () => {
    const r = rule();
    r.send(0, 20);
    for (let i = 0; i < 20; i++) r.answer(0, 10, 200);
    r.send(20);
    r.answer(20, 30, 429, 1000);
    expect(r.c.learned!.holdWindows).toBe(1);
    // paced at the limit, probing past its hold: 20 accepted in the window, then a lone 429
    const t0 = r.c.learned!.growFrom + 500;
    for (let i = 0; i < 20; i++) {
      r.send(t0 - 975 + i * 50);
      r.answer(t0 - 975 + i * 50, t0 - 975 + i * 50 + 10, 200);
    }
    r.send(t0);
    r.answer(t0, t0 + 10, 429, 1000);
    expect(r.c.learned!.rate).toBeCloseTo(20 / 1020, 9);
    expect(r.c.learned!.holdWindows).toBe(8);
    expect(r.c.pausedUntil).toBeLessThan(t0); // a lone 429 while paced does not stop the endpoint...
    r.send(t0 + 60);
    r.answer(t0 + 60, t0 + 70, 429, 1000);
    expect(r.c.pausedUntil).toBe(t0 + 1070); // ...a second one does, for its Retry-After
    // during the hold, at the learned rate itself: someone else takes a share
    const before = r.c.learned!.rate;
    r.send(t0 + 1100);
    r.answer(t0 + 1100, t0 + 1110, 200);
    r.send(t0 + 1200);
    r.answer(t0 + 1200, t0 + 1210, 429, 1000);
    expect(r.c.learned!.rate).toBeCloseTo(Math.min(before, r.c.learned!.rate / HOLD_CUT) * HOLD_CUT, 6);
    // a second 429 stops the endpoint for its Retry-After; refused again once it is waited out: BETA
    const held = r.c.learned!.rate;
    r.send(t0 + 1300);
    r.answer(t0 + 1300, t0 + 1310, 429, 5000);
    expect(r.c.learned!.rate).toBe(held);
    const resume = r.c.pausedUntil;
    expect(resume).toBe(t0 + 6310);
    r.send(resume);
    r.answer(resume, resume + 10, 429, 1000);
    expect(r.c.learned!.rate).toBeLessThanOrEqual(held * BETA);
  });

  it('a probe refused near the learned rate it grew from: back to that rate, held 8 times longer (a count at the edge says a request more or less)', () => {
    for (const accepted of [19, 23]) {
      const r = rule();
      r.send(0, 20);
      for (let i = 0; i < 20; i++) r.answer(0, 10, 200);
      r.send(20);
      r.answer(20, 30, 429, 1000);
      const learned = r.c.learned!;
      // paced past its hold, 1.34 times the learned rate: a lone 429; the window before it held 19
      // (one reached the server late), or 23 (fixed windows: the count spans two)
      const t0 = learned.growFrom + 1500;
      for (let i = 0; i < accepted; i++) {
        const at = t0 - 990 + (i * 980) / accepted;
        r.send(at);
        r.answer(at, at + 10, 200);
      }
      r.send(t0);
      r.answer(t0, t0 + 10, 429, 1000);
      expect(r.c.learned!.rate).toBe(learned.rate);
      expect(r.c.learned!.holdWindows).toBe(8);
    }
  });

  it('a probe refused far above the learned rate has measured what the server accepts', () => {
    const r = rule();
    r.send(0, 10);
    for (let i = 0; i < 10; i++) r.answer(0, 10, 200);
    r.send(20);
    r.answer(20, 30, 429, 1000); // 10 a second learnt: another process had spent half the budget
    const t0 = r.c.learned!.growFrom + 2200; // grown past 1 / BETA of it
    for (let i = 0; i < 20; i++) {
      const at = t0 - 990 + i * 49;
      r.send(at);
      r.answer(at, at + 10, 200);
    }
    r.send(t0);
    r.answer(t0, t0 + 10, 429, 1000);
    expect(r.c.learned!.rate).toBeCloseTo(20 / 1020, 9);
  });

  it('without Retry-After: backoff from 1 s, doubling (no cut: it searches for the window); the window is the length of the refusal', () => {
    const r = rule();
    r.send(0, 10);
    for (let i = 0; i < 10; i++) r.answer(0, 10, 200);
    r.send(20);
    r.answer(20, 30, 429);
    expect(r.c.pausedUntil).toBe(1030);
    r.send(1030);
    r.answer(1030, 1040, 429);
    expect(r.c.pausedUntil).toBe(3040);
    r.send(3040);
    r.answer(3040, 3050, 200); // accepted 3 s after the first refusal
    expect(r.c.windowMs).toBe(3020);
    expect(r.c.learned!.rate).toBeCloseTo(10 / (3020 * (1 + MARGIN)), 9); // the 10 accepted, over the window the refusal showed
  });

  it('headers set the ceiling exactly: the tightest short policy binds; a long one is a budget, not a pace', () => {
    const r = rule();
    r.send(0);
    r.answer(0, 40, 200, null, [
      { name: 'daily', quota: 10_000, windowMs: 86_400_000, remaining: 9000, resetMs: 3_600_000 },
      { name: 'minute', quota: 100, windowMs: 60_000, remaining: 99, resetMs: 60_000 },
      { name: 'second', quota: 5, windowMs: 1000, remaining: 4, resetMs: 1000 },
    ]);
    // 100 a minute binds (tighter than 5 a second; the daily 10,000 paced would be 7 a minute)
    expect(r.turn(40).at).toBeCloseTo((60_000 / 100) * (1 + MARGIN), 6);
  });

  it("an exhausted policy that our own requests do not explain holds the endpoint until its reset (several policies)", () => {
    const r = rule();
    r.send(0);
    r.answer(0, 40, 200, null, [
      { name: 'daily', quota: 10_000, windowMs: 86_400_000, remaining: 9000, resetMs: 3_600_000 },
      { name: 'minute', quota: 100, windowMs: 60_000, remaining: 0, resetMs: 30_000 },
    ]);
    expect(r.turn(40)).toMatchObject({ at: 30_040, kind: 'budget', reason: 'the server\'s rate headers say no request is left in policy "minute" until its reset' });
  });

  it('queries change nothing', () => {
    const r = rule();
    r.send(0, 5);
    for (let i = 0; i < 5; i++) r.answer(0, 10, 200);
    r.send(20);
    r.answer(20, 30, 429, 1000);
    const snapshot = JSON.stringify([r.c, r.sends]);
    const turns = [r.turn(100), r.turn(100), r.turn(5000)];
    expect(turns[0]).toEqual(turns[1]);
    expect(JSON.stringify([r.c, r.sends])).toBe(snapshot);
  });
});

describe('the Pacer on a virtual clock', () => {
  it('figures: requests, 429s, the rate run at, the time held back, the pace and the limit; queries change nothing', async () => {
    const r = await simulate(limiterServer({ rateLimit: 20, rateWindowMs: 1000 }), 100, 8);
    const before = JSON.stringify([r.pacer.pacing(), r.pacer.rates()]);
    const p = r.pacer.pacing()[EP]!;
    expect(JSON.stringify([r.pacer.pacing(), r.pacer.rates()])).toBe(before);
    expect(p.requests).toBe(100 + r.limited);
    expect(p.rateLimited).toBe(r.limited);
    expect(p.waitedMs).toBeGreaterThan(800); // the one pause after the first burst (Retry-After 1 s)
    expect(p.waitedMs).toBeLessThan(1200);
    expect(p.limit).toEqual({ limit: 19.61, windowMs: 1000, source: '429' });
    expect(p.ranPerMinute!).toBeGreaterThan(20 * 60 * 0.95);
    expect(p.pacedPerMinute).toBeGreaterThan(0);
  });

  it.each([
    ['a one-second window', { rateLimit: 20, rateWindowMs: 1000 }],
    ['a five-second window', { rateLimit: 100, rateWindowMs: 5000 }],
    ['a minute', { rateLimit: 100, rateWindowMs: 60_000 }],
    ["Django REST Framework's throttle, 10 per 5 s", { rateLimit: 10, rateWindowMs: 5000 }],
  ])('no headers, %s: at least 95 per cent of the limit, at most 2 per cent answers 429 beyond the first burst', async (_n, o) => {
    const jobs = 30 * o.rateLimit;
    const r = await simulate(limiterServer(o), jobs, 8);
    expect(jobs / r.spanMs / (o.rateLimit / o.rateWindowMs)).toBeGreaterThan(0.95);
    expect(r.limited - 8).toBeLessThanOrEqual(0.02 * jobs);
  });

  it.each([
    ['a one-second window', { rateLimit: 20, rateWindowMs: 1000 }],
    ['a five-second window', { rateLimit: 100, rateWindowMs: 5000 }],
    ['a minute', { rateLimit: 100, rateWindowMs: 60_000 }],
  ])('no headers, %s, on a network that reorders requests (up to 30 ms of jitter): 600 requests at 95 per cent of the limit or more', async (_n, o) => {
    // seen: 92% in 5 s windows, a 429 at a probe measured at the limit itself (no margin), then cut by a tenth
    for (const seed of [1, 2, 3, 4]) {
      const r = await simulate(limiterServer(o), 600, 8, { jitterMs: 15, seed });
      expect(600 / r.spanMs / (o.rateLimit / o.rateWindowMs)).toBeGreaterThan(0.95);
      expect(r.limited - 8).toBeLessThanOrEqual(0.02 * 600);
    }
  });

  it.each([
    ['30 a minute, one request at a time (a minute read as 59 s)', { rateLimit: 30, rateWindowMs: 60_000 }, 900, 1],
    ['100 per 5 s, 4 at a time (the first burst takes a second: 5 s read as 4 s)', { rateLimit: 100, rateWindowMs: 5000 }, 2500, 4],
  ])('no headers, %s: the pace settles below the limit, not in a loop of 429s at a rate a cut left too high', async (_n, o, jobs, concurrency) => {
    // seen (in review): a probe refused near a rate set by a cut went back to that rate, above the limit, for good
    const r = await simulate(limiterServer(o), jobs, concurrency);
    expect(jobs / r.spanMs / (o.rateLimit / o.rateWindowMs)).toBeGreaterThan(0.95);
    expect(r.limited).toBeLessThanOrEqual(0.01 * jobs);
  });

  it('a sliding window whose limit doubles mid-run (20 to 40 a second): found within 16 windows, not after 64', async () => {
    // seen (in review): two probes refused before the rise held the pace 64 windows, at half the new limit
    const o = (n: number) => ({ rateLimit: n, rateWindowMs: 1000 });
    const [before, after] = [limiterServer(o(20)), limiterServer(o(40))];
    const r = await simulate((now) => (now < 30_000 ? before(now) : after(now)), 30 * 20 + 60 * 40, 8, { seed: 3 });
    const perSecond = r.acceptedAt.filter((t) => t >= 30_000 && t < 60_000).length / 30;
    expect(perSecond).toBeGreaterThan(0.9 * 40);
  });

  it('fixed windows whose limit rises mid-run (20 to 26 a second): the pace follows it', async () => {
    // seen (in review): each probe's count spanned two windows, then a revert to a rate a cut had set held it at 68%
    const o = (n: number) => ({ rateLimit: n, rateWindowMs: 1000, rateWindowKind: 'fixed' as const });
    const [before, after] = [limiterServer(o(20)), limiterServer(o(26))];
    const r = await simulate((now) => (now < 30_000 ? before(now) : after(now)), 30 * 20 + 120 * 26, 4, { jitterMs: 15, seed: 3 });
    const perSecond = r.acceptedAt.filter((t) => t >= 100_000 && t < 130_000).length / 30;
    expect(perSecond).toBeGreaterThan(0.8 * 26);
  });

  it.each(['ietf', 'ietf-draft7', 'x', 'x-epoch', 'x-epoch-ms'] as const)('%s headers: at least 97 per cent of the limit, no 429', async (style) => {
    const o = { rateLimit: 20, rateWindowMs: 1000, rateLimitHeaders: style };
    const r = await simulate(limiterServer(o), 300, 8, { startAt: 1_700_000_000_000 });
    expect(r.error).toBeUndefined();
    expect(r.accepted).toBe(300);
    expect(r.limited).toBe(0);
    // epoch seconds: the first window runs at the first reset's pace, rounded up to the second (here
    // 2 s for 1 s), until what Remaining drained measures it; 300 requests are 15 windows
    expect(300 / r.spanMs / (20 / 1000)).toBeGreaterThan(style === 'x-epoch' ? 0.88 : 0.97);
  });

  it('a budget spent by another process at the start: back to the full rate within three windows', async () => {
    const r = await simulate(limiterServer({ rateLimit: 20, rateWindowMs: 1000, rateSpent: 20 }), 200, 8);
    const inWindow = (k: number) => r.acceptedAt.filter((t) => t >= k * 1000 && t < (k + 1) * 1000).length;
    expect([1, 2, 3].some((k) => inWindow(k) >= 19)).toBe(true);
  });

  it('every wait longer than 10 s is announced (endpoint, reason, resume time), once per pause', async () => {
    const server = (now: number) => (now < 45_000 ? { status: 429, headers: H(), retryAfterMs: 45_000 } : { status: 200, headers: H(), retryAfterMs: null });
    const r = await simulate(server, 8, 8);
    expect(r.error).toBeUndefined();
    expect(r.notices).toEqual([`${EP}: waiting 45 s, until 00:00:45 UTC: the server answered 429 with Retry-After 45 s`]);
  });

  it('a Retry-After beyond --max-wait is refused at once, with the figure', async () => {
    const server = () => ({ status: 429, headers: H(), retryAfterMs: 3_600_000 });
    const r = await simulate(server, 1, 1);
    expect(r.error?.message).toBe('rate limited; the server answered 429 with Retry-After 3600 s: 1 h is more than --max-wait (5 min)');
    expect(r.notices).toEqual([]);
  });

  it('429 forever without headers ends within --max-wait, with a message', async () => {
    const server = () => ({ status: 429, headers: H(), retryAfterMs: null });
    const clockAtEnd: number[] = [];
    const r = await simulate(server, 1, 1, { maxWaitMs: 60_000 });
    clockAtEnd.push(r.pacer.pacing()[EP]!.requests);
    expect(r.error?.message).toMatch(/^rate limited; answered 429 for 3\d s without a success, and the next try would make it more than --max-wait \(1 min\)$/);
    expect(clockAtEnd[0]).toBe(6); // 0, 1, 3, 7, 15, 31 s: the next (63 s) is past the bound
    // the waits of 1, 2 and 4 s are short, but with the next one the endpoint has been held back 15 s: announced
    expect(r.notices).toEqual([
      `${EP}: waiting 8 s, until 00:00:15 UTC: the server answered 429 without saying when to retry; backing off 8.0 s; held back 15 s so far`,
      `${EP}: waiting 16 s, until 00:00:31 UTC: the server answered 429 without saying when to retry; backing off 16 s`,
    ]);
  });

  it('huge header windows: a spent daily budget, and one request an hour, are refused at once', async () => {
    const spent = () => ({ status: 200, headers: H({ ratelimit: '"default";r=0;t=86400' }), retryAfterMs: null });
    const r1 = await simulate(spent, 5, 1);
    expect(r1.error?.message).toBe('rate limited; the server\'s rate headers say no request is left in policy "default" until its reset, in 24 h: more than --max-wait (5 min)');
    const hourly = () => ({ status: 200, headers: H({ 'ratelimit-policy': '1;w=3600' }), retryAfterMs: null });
    const r2 = await simulate(hourly, 5, 1);
    expect(r2.accepted).toBe(1);
    expect(r2.error?.message).toBe('rate limited; the server allows 1 requests per 3600 s ("policy-0"), in 1 h: more than --max-wait (5 min)');
  });

  it('property: against any window, kind, budget and header style, no silent wait and none past --max-wait', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rateLimit: fc.integer({ min: 2, max: 40 }),
          rateWindowMs: fc.constantFrom(1000, 5000, 60_000, 3_600_000),
          rateWindowKind: fc.constantFrom('sliding' as const, 'fixed' as const),
          rateSpent: fc.integer({ min: 0, max: 40 }),
          rateLimitHeaders: fc.constantFrom('ietf' as const, 'ietf-draft7' as const, 'x' as const, 'x-epoch-ms' as const, 'none' as const),
        }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(0, 15),
        async (o, concurrency, jitterMs) => {
          const clock = new VirtualClock();
          const r = await simulate(limiterServer(o), 60, concurrency, { maxWaitMs: 120_000, jitterMs, seed: concurrency });
          void clock;
          // every wait the server imposed past 10 s left a notice; none lasted past the bound
          const gaps = r.acceptedAt.map((t, i) => t - (r.acceptedAt[i - 1] ?? 0));
          if (gaps.some((g) => g > 10_000 + 100)) expect(r.notices.length + (r.error ? 1 : 0)).toBeGreaterThan(0);
          expect(Math.max(0, ...gaps)).toBeLessThanOrEqual(120_000 + 1000);
          if (r.error) expect(r.error.message).toMatch(/^rate limited; .*--max-wait \(2 min\)/);
          else expect(r.accepted).toBe(60);
          // with headers and no budget spent by another, the pace never meets a 429 after the first answers
          if (o.rateLimitHeaders !== 'none' && o.rateSpent === 0 && o.rateWindowKind === 'sliding') expect(r.limited).toBe(0);
        },
      ),
      { seed: 18, numRuns: 60 },
    );
  });
});

describe('durations', () => {
  it('reads as people write them', () => {
    expect([span(1500), span(45_000), span(250_000), span(3_600_000), span(86_400_000)]).toEqual(['1.5 s', '45 s', '4 min 10 s', '1 h', '24 h']);
  });
});

it('Pacer: a lone request is never paced, a numeric mode caps each endpoint from the start', async () => {
  const clock = new VirtualClock();
  const pacer = new Pacer({ mode: 120, clock });
  const times: number[] = [];
  await clock.run(
    (async () => {
      for (let i = 0; i < 3; i++) times.push(await pacer.acquire(EP));
    })(),
  );
  expect(times[0]).toBe(0);
  expect(times[1]).toBeCloseTo(500 * (1 + MARGIN), 6);
  expect(pacer.rates()[EP]).toEqual({ limit: 120, windowMs: 60_000, source: 'cap' });
});
