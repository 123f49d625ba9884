// Client-side pacing per endpoint, learned from the server. With `auto` (the default) an
// endpoint is not paced until the server shows its limit: in rate headers (the IETF draft's
// RateLimit-Policy and RateLimit, or X-RateLimit-*), or by its first 429, after which the
// limit is the number of requests it accepted in the window before. From then on requests
// are spaced evenly at that rate, so the ones waiting out a pause are released one by one,
// never all at once. A number is a fixed cap (lowered further by what the server shows);
// 0 turns pacing off (a 429's Retry-After is still waited out).

export type RateMode = 'auto' | number;

export interface Rate {
  limit: number;
  windowMs: number;
  /** where it comes from: the server's headers, its 429s, or --max-rpm */
  source: 'headers' | '429' | 'cap';
}

/** Even spacing keeps a margin of the window over every `limit` requests, for timer and network jitter. */
export const PACING_MARGIN = 0.02;
const MIN_MARGIN_MS = 60;

interface Endpoint {
  learned?: Rate;
  /** the next time a request may start, once paced */
  next: number;
  pausedUntil: number;
  /** send times and outcomes in the last window, for learning from a bare 429 */
  log: { at: number; limited: boolean }[];
  /** a 429 was seen at this time: learn when its pause ends and every answer is in */
  learnAt?: number;
}

/** The time between two requests at a rate: a margin of the window over every `limit` of them. */
const spacing = (r: Rate) => (r.windowMs + Math.max(r.windowMs * PACING_MARGIN, MIN_MARGIN_MS)) / r.limit;

export class Pacer {
  private endpoints = new Map<string, Endpoint>();

  constructor(
    readonly mode: RateMode,
    /** the window assumed when the server does not say (the documented minute) */
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private ep(endpoint: string): Endpoint {
    let e = this.endpoints.get(endpoint);
    if (!e) this.endpoints.set(endpoint, (e = { next: 0, pausedUntil: 0, log: [] }));
    return e;
  }

  /** The rate an endpoint is paced at now, or null when it is not paced. */
  rate(endpoint: string): Rate | null {
    if (this.mode === 0) return null;
    const e = this.ep(endpoint);
    this.learnFromLog(e);
    const cap: Rate | null = typeof this.mode === 'number' ? { limit: this.mode, windowMs: this.windowMs, source: 'cap' } : null;
    const learned = e.learned ?? null;
    if (!cap || !learned) return learned ?? cap;
    return learned.limit / learned.windowMs < cap.limit / cap.windowMs ? learned : cap;
  }

  /** Every learned or capped rate, by endpoint (for the request budget). */
  rates(): Record<string, Rate> {
    const out: Record<string, Rate> = {};
    for (const ep of this.endpoints.keys()) {
      const r = this.rate(ep);
      if (r) out[ep] = r;
    }
    return out;
  }

  /** Waits until a request to this endpoint may be sent, and takes its turn. */
  async acquire(endpoint: string): Promise<number> {
    for (;;) {
      const paced = this.rate(endpoint) !== null;
      const at = this.reserve(endpoint);
      const wait = at - this.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const e = this.ep(endpoint);
      // a pause that began while waiting sends this request to the back of the line, and a
      // rate learnt while waiting gives it a paced turn (so a pause never ends in a burst)
      if (e.pausedUntil > this.now() || (!paced && this.rate(endpoint) !== null)) continue;
      const sent = this.now();
      if (this.mode !== 0) e.log.push({ at: sent, limited: false });
      return sent;
    }
  }

  /** The time this request may start; spaced requests advance the endpoint's next turn. */
  reserve(endpoint: string): number {
    const e = this.ep(endpoint);
    const start = Math.max(this.now(), e.pausedUntil);
    const r = this.rate(endpoint);
    if (!r) return start;
    const at = Math.max(start, e.next);
    e.next = at + spacing(r);
    return at;
  }

  /**
   * A rate is known from now on. Shown in headers, the requests already sent in its window
   * count as if they had been paced, so the burst that left before the first answer does not
   * fill the window early (after a 429, its Retry-After says when to go on instead).
   */
  private learn(e: Endpoint, rate: Rate) {
    if (!e.learned && rate.source === 'headers') {
      const recent = e.log.filter((x) => !x.limited && x.at > this.now() - rate.windowMs);
      if (recent.length) e.next = Math.max(e.next, recent[0]!.at + recent.length * spacing(rate));
    }
    e.learned = rate;
  }

  /** An answer arrived for a request sent at `sentAt`: learn from its headers, or from a 429. */
  observe(endpoint: string, sentAt: number, status: number, headers: Headers, retryAfterMs: number | null): void {
    const e = this.ep(endpoint);
    const h = readRateHeaders(headers, this.now());
    if (h && this.mode !== 0) {
      this.learn(e, { limit: h.limit, windowMs: h.windowMs ?? this.windowMs, source: 'headers' });
      if (h.remaining === 0 && h.resetMs !== null) this.pause(endpoint, h.resetMs);
    }
    if (status !== 429) return;
    const entry = e.log.find((x) => x.at === sentAt && !x.limited);
    if (entry) entry.limited = true;
    if (this.mode !== 0 && !h) e.learnAt ??= sentAt;
    // without Retry-After, wait until the oldest accepted request leaves the window
    const oldest = e.log.find((x) => !x.limited && x.at > this.now() - this.windowMs);
    this.pause(endpoint, retryAfterMs ?? (oldest ? oldest.at + this.windowMs - this.now() : 1000));
  }

  /** No request to this endpoint before `ms` from now; then they go at the endpoint's rate. */
  pause(endpoint: string, ms: number): void {
    const e = this.ep(endpoint);
    e.pausedUntil = Math.max(e.pausedUntil, this.now() + ms);
    e.next = Math.max(e.next, e.pausedUntil);
  }

  /**
   * After a bare 429: the limit is what the server accepted in the window before it, counted
   * once the pause is over (answers to requests already in flight have arrived by then).
   */
  private learnFromLog(e: Endpoint) {
    const now = this.now();
    // the window before a pending 429 is kept until it has been counted
    const keepFrom = Math.min(now, e.learnAt ?? now) - this.windowMs;
    if (e.log.length && e.log[0]!.at <= keepFrom) e.log = e.log.filter((x) => x.at > keepFrom);
    if (e.learnAt === undefined || now < e.pausedUntil) return;
    const t = e.learnAt;
    // paced already, and still a 429 (a limit shared with others): a tenth slower
    const accepted = e.learned ? Math.floor(e.learned.limit * 0.9) : e.log.filter((x) => x.at > t - this.windowMs && x.at <= t && !x.limited).length;
    this.learn(e, { limit: Math.max(1, accepted), windowMs: e.learned?.windowMs ?? this.windowMs, source: '429' });
    e.learnAt = undefined;
  }
}

export interface RateHeaders {
  limit: number;
  windowMs: number | null;
  remaining: number | null;
  resetMs: number | null;
}

const int = (v: string | undefined | null) => (v != null && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null);

/** `reset` in seconds from now, or (when it looks like one) a Unix time. */
const resetMs = (v: number | null, now: number) => (v === null ? null : v > 1e9 ? Math.max(0, v * 1000 - now) : v * 1000);

/**
 * Rate headers of the IETF draft (`RateLimit-Policy: "default";q=100;w=60` with
 * `RateLimit: "default";r=42;t=30`, or the older `100;w=60` and `limit=100, remaining=42,
 * reset=30`, or RateLimit-Limit/-Remaining/-Reset) and the common X-RateLimit-Limit,
 * X-RateLimit-Remaining, X-RateLimit-Reset. Null when the answer carries none.
 */
export function readRateHeaders(headers: Headers, now = Date.now()): RateHeaders | null {
  const policy = headers.get('ratelimit-policy');
  const state = headers.get('ratelimit');
  if (policy || state || headers.get('ratelimit-limit')) {
    const param = (text: string | null, key: string) => int(text && new RegExp(`(?:^|[;,\\s])${key}=(\\d+)`).exec(text)?.[1]);
    const bareLimit = int(policy?.split(/[;,]/)[0]);
    const limit = param(policy, 'q') ?? bareLimit ?? param(state, 'limit') ?? int(headers.get('ratelimit-limit'));
    if (limit !== null && limit > 0) {
      const w = param(policy, 'w');
      return {
        limit,
        windowMs: w !== null ? w * 1000 : null,
        remaining: param(state, 'r') ?? param(state, 'remaining') ?? int(headers.get('ratelimit-remaining')),
        resetMs: resetMs(param(state, 't') ?? param(state, 'reset') ?? int(headers.get('ratelimit-reset')), now),
      };
    }
  }
  const xLimit = int(headers.get('x-ratelimit-limit'));
  if (xLimit !== null && xLimit > 0) {
    return { limit: xLimit, windowMs: null, remaining: int(headers.get('x-ratelimit-remaining')), resetMs: resetMs(int(headers.get('x-ratelimit-reset')), now) };
  }
  return null;
}

/** `/v1/organisations/org_1` -> `/v1/organisations/{id}`: the unit a rate limit counts. */
export function endpointOf(method: string, path: string): string {
  const p = path.split('?')[0]!.replace(/\/+$/, '');
  const m = /^(.*\/v1\/(?:organisations|integrations))(\/[^/]+)?$/.exec(p);
  const template = m ? `${m[1]}${m[2] ? '/{id}' : ''}` : p;
  return `${method} ${template.replace(/^https?:\/\/[^/]+/, '')}`;
}
