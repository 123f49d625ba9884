// The emulator's rate limit: N requests per window per key owner and endpoint, then 429 with
// Retry-After (whole seconds). The window slides (a log of accepted requests, as Django REST
// Framework's throttles keep) or is fixed (a counter per window since the emulator started,
// as most gateways keep). A budget may be spent already at start (another process used it).
// Rate headers go on every answer of a limited bucket, in one of the styles servers use.

import type { RateHeaderStyle, RateWindowKind } from './choices.js';

export { RATE_HEADER_STYLES, RATE_WINDOW_KINDS, type RateHeaderStyle, type RateWindowKind } from './choices.js';

/** The emulator's rate-limit options (part of EmulatorOptions). */
export interface EmulatorRateOptions {
  /** requests per window per endpoint and key owner; then 429 with Retry-After (default: no limit) */
  rateLimit?: number;
  /** length of the window (default one minute) */
  rateWindowMs?: number;
  /** a sliding window (default) or fixed windows counted from the start */
  rateWindowKind?: RateWindowKind;
  /** the CLI: --rate-window or --rate-window-kind was given (they have defaults, so a value says nothing) */
  rateWindowGiven?: boolean;
  /** requests already counted in every bucket's window at start */
  rateSpent?: number;
  /**
   * rate headers on every answer: `ietf` (the draft's RateLimit-Policy/RateLimit with named
   * policies), `ietf-draft7` (`100;w=60` and `limit=, remaining=, reset=`), `x`
   * (X-RateLimit-Limit/-Remaining/-Reset, the reset in seconds from now), `x-epoch` (the reset
   * as a Unix time in seconds), `x-epoch-ms` (in milliseconds), or `none` (default)
   */
  rateLimitHeaders?: RateHeaderStyle;
}

export interface RateDecision {
  /** seconds to wait when the request is refused, else null */
  retryAfter: number | null;
  headers: Record<string, string>;
}

/** Header forms that state the window, in whole seconds (`w=`): a window they cannot state is refused. */
const WHOLE_SECOND_WINDOWS: RateHeaderStyle[] = ['ietf', 'ietf-draft7'];

/**
 * Why these rate options cannot be served truthfully (null when they can): headers or a spent
 * budget without a limit, or a window the chosen header form cannot state. Worded with the CLI's flags.
 */
export function rateOptionsProblem(o: EmulatorRateOptions): string | null {
  const style = o.rateLimitHeaders ?? 'none';
  if (!o.rateLimit && style !== 'none') return `--rate-limit-headers ${style} needs --rate-limit: without a limit there is nothing for the headers to state`;
  if (!o.rateLimit && (o.rateSpent ?? 0) > 0) return '--rate-spent needs --rate-limit: without a limit nothing is counted';
  if (!o.rateLimit && o.rateWindowGiven) return '--rate-window and --rate-window-kind need --rate-limit: without a limit there is no window';
  const w = o.rateWindowMs ?? 60_000;
  if (o.rateLimit && WHOLE_SECOND_WINDOWS.includes(style) && w % 1000 !== 0) {
    return `--rate-window ${w}ms cannot be stated by --rate-limit-headers ${style}: its windows are whole seconds (w=); use a whole number of seconds, or x-epoch-ms (resets in milliseconds)`;
  }
  return null;
}

/** A limiter for every bucket; `now` is a parameter so the same rule serves a simulated clock. Throws on options rateOptionsProblem refuses. */
export function rateLimiter(options: EmulatorRateOptions, startedAt = Date.now()): (bucket: string, now?: number) => RateDecision {
  const problem = rateOptionsProblem(options);
  if (problem) throw new Error(problem);
  const limit = options.rateLimit;
  const windowMs = options.rateWindowMs ?? 60_000;
  const fixed = options.rateWindowKind === 'fixed';
  const spent = options.rateSpent ?? 0;
  const style = options.rateLimitHeaders ?? 'none';
  const logs = new Map<string, number[]>();
  const counters = new Map<string, { index: number; count: number }>();

  /** used: requests counted now; resetAt: when room is made (the oldest leaves, or the window ends) */
  const sliding = (bucket: string, now: number) => {
    const log = (logs.get(bucket) ?? Array.from({ length: spent }, () => startedAt)).filter((t) => t > now - windowMs);
    logs.set(bucket, log);
    const over = log.length >= limit!;
    if (!over) log.push(now);
    return { over, used: log.length, resetAt: log.length ? log[0]! + windowMs : now };
  };
  const windowed = (bucket: string, now: number) => {
    const index = Math.floor((now - startedAt) / windowMs);
    let c = counters.get(bucket);
    if (!c || c.index !== index) counters.set(bucket, (c = { index, count: index === 0 ? spent : 0 }));
    const over = c.count >= limit!;
    if (!over) c.count++;
    return { over, used: c.count, resetAt: startedAt + (index + 1) * windowMs };
  };

  return (bucket, now = Date.now()) => {
    if (!limit) return { retryAfter: null, headers: {} };
    const { over, used, resetAt } = (fixed ? windowed : sliding)(bucket, now);
    // the headers tell the truth: a reset rounded up to whole seconds (0: room now), the window
    // exactly (forms that cannot state it are refused at start)
    const resetS = Math.max(0, Math.ceil((resetAt - now) / 1000));
    const remaining = Math.max(0, limit - used);
    return { retryAfter: over ? Math.max(1, resetS) : null, headers: headersFor(style, limit, windowMs / 1000, remaining, resetS, resetAt) };
  };
}

function headersFor(style: RateHeaderStyle, limit: number, w: number, remaining: number, resetS: number, resetAt: number): Record<string, string> {
  switch (style) {
    case 'ietf':
      return { 'ratelimit-policy': `"default";q=${limit};w=${w}`, ratelimit: `"default";r=${remaining};t=${resetS}` };
    case 'ietf-draft7':
      return { 'ratelimit-policy': `${limit};w=${w}`, ratelimit: `limit=${limit}, remaining=${remaining}, reset=${resetS}` };
    case 'x':
    case 'x-epoch':
    case 'x-epoch-ms': {
      const reset = style === 'x' ? resetS : style === 'x-epoch' ? Math.ceil(resetAt / 1000) : Math.ceil(resetAt);
      return { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(reset) };
    }
    case 'none':
      return {};
  }
}
