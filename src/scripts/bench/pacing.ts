import pLimit from 'p-limit';
import type { EmulatorRateOptions } from '../../emulator/ratelimit.js';
import { client, LATENCY, listingSeed, withEmu } from './util.js';

// Pacing against rate limits the client is not told in advance: 600 integration creates at
// concurrency 8 through the real client, against the emulator's sliding window of 1 s, 5 s
// and a minute (the minute at a tenth of the time: a 6 s window and 4 ms of latency, so each
// case takes under a minute), without rate headers, with IETF ones and with X- ones; then
// fixed windows and epoch-second resets (1 s and 5 s); then starting with the budget already
// spent by another process.

export const CREATES = 600;
const CONCURRENCY = 8;
const EP = 'POST /v1/integrations';

export interface PacingCase {
  label: string;
  limit: number;
  windowMs: number;
  latencyMs: number;
}

export const PACING_CASES: PacingCase[] = [
  { label: '1 s window, 20 a window', limit: 20, windowMs: 1000, latencyMs: LATENCY },
  { label: '5 s window, 100 a window', limit: 100, windowMs: 5000, latencyMs: LATENCY },
  { label: 'a minute, 100 a window, at a tenth of the time (6 s, 4 ms latency)', limit: 100, windowMs: 6000, latencyMs: LATENCY / 10 },
];

/** Windows as most gateways keep them (fixed, counted from the server's start) and X-RateLimit-Reset as a Unix time in seconds (GitHub's form). */
export const WINDOW_KIND_CASES: { c: PacingCase; rate: EmulatorRateOptions; label: string }[] = PACING_CASES.slice(0, 2).flatMap((c) => [
  { c, rate: { rateWindowKind: 'fixed', rateLimitHeaders: 'none' }, label: 'fixed, no headers' },
  { c, rate: { rateWindowKind: 'sliding', rateLimitHeaders: 'x-epoch' }, label: 'sliding, X- with epoch-second reset' },
  { c, rate: { rateWindowKind: 'fixed', rateLimitHeaders: 'x-epoch' }, label: 'fixed, X- with epoch-second reset' },
]);

export interface PacingRun {
  /** creates per ms from the first request to the last answer, against the limit's rate */
  share: number;
  spanMs: number;
  requests: number;
  rateLimited: number;
  /** the windows (from the start) until one ran at >= 95% of the limit */
  recoveryWindows: number | null;
  /** the client's own figures: the rate it ran at and the time the server held it back */
  ranPerMinute: number | null;
  waitedMs: number;
}

export async function benchPacing(c: PacingCase, rate: EmulatorRateOptions): Promise<PacingRun> {
  const seed = listingSeed(40, 0);
  return withEmu(seed, { latencyMs: c.latencyMs, rateLimit: c.limit, rateWindowMs: c.windowMs, ...rate }, async (emu) => {
    const api = client(emu, { maxRpm: 'auto' });
    const limit = pLimit(CONCURRENCY);
    const done: number[] = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CREATES }, (_, i) =>
        limit(async () => {
          await api.request('POST', '/v1/integrations', { body: { organisation_id: `org_${i % 40}`, name: `Feed ${i}`, type: 'CUSTOM_ORDERS', merchant_ids: [`m${i % 40}`] } });
          done.push(performance.now() - start);
        }),
      ),
    );
    const spanMs = done.at(-1)!;
    const perWindow = (k: number) => done.filter((t) => t >= k * c.windowMs && t < (k + 1) * c.windowMs).length;
    let recoveryWindows: number | null = null;
    for (let k = 0; (k + 1) * c.windowMs <= spanMs; k++) {
      if (perWindow(k) >= 0.95 * c.limit) {
        recoveryWindows = k + 1;
        break;
      }
    }
    const p = api.pacing()[EP]!;
    return {
      share: CREATES / spanMs / (c.limit / c.windowMs),
      spanMs,
      requests: emu.stats.byEndpoint[EP] ?? 0,
      rateLimited: emu.stats.rateLimited,
      recoveryWindows,
      ranPerMinute: p.ranPerMinute,
      waitedMs: p.waitedMs,
    };
  });
}
