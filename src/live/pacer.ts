import { readRateHeaders } from './rate-headers.js';
import { ceilingOf, initialControl, learnedRate, nextTurn, observeAnswer, paceOf, policyWindow, type Control, type Sent, type Turn } from './rate-control.js';
import { ServerClock } from './server-clock.js';

// Client-side pacing per endpoint: turns, waits and what they cost. The rule itself (when a
// request may go, what an answer teaches) is the pure rate-control.ts; this keeps its state,
// waits (until an abort signal, if one comes), announces waits (one longer than NOTICE_MS, or
// held back more than NOTICE_MS since the last notice) and refuses one longer than --max-wait.

export type RateMode = 'auto' | number;

/** A limit known for an endpoint, for the request budget. */
export interface Rate {
  limit: number;
  windowMs: number;
  /** where it comes from: the server's headers, its 429s, or --max-rpm */
  source: 'headers' | '429' | 'cap';
}

/** What pacing did to one endpoint: for the budget line and the apply report. */
export interface EndpointPacing {
  /** requests sent (every attempt) */
  requests: number;
  /** of them answered 429 */
  rateLimited: number;
  /** the rate it ran at: requests per minute from its first request to its last (null with fewer than 2) */
  ranPerMinute: number | null;
  /** wall time it was held back by the server: paused after a 429, or with a budget spent (ms) */
  waitedMs: number;
  /** the rate it is paced at now, requests per minute (null: not paced) */
  pacedPerMinute: number | null;
  /** the limit known for it (null: none shown) */
  limit: Rate | null;
}

export interface Clock {
  now(): number;
  /** resolves after `ms`, or as soon as `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout takes at most 2^31 - 1 ms; longer waits are slept in parts (never an overflow warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    for (let left = ms; left > 0 && !signal?.aborted; left -= MAX_TIMER_MS) await abortableTimer(Math.min(left, MAX_TIMER_MS), signal);
  },
};

/** A timer that ends early when the signal aborts (and leaves no listener behind). */
export function abortableTimer(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Waits longer than this are announced. */
export const NOTICE_MS = 10_000;
/** --max-wait's default: no single wait, and no run of 429s without a success, longer. */
export const DEFAULT_MAX_WAIT_MS = 5 * 60_000;

export interface PacerOptions {
  /** 'auto': learned from the server; N: also at most N per capWindowMs; 0: not paced (a Retry-After is still waited out) */
  mode?: RateMode;
  /** the window of a numeric mode (a minute); shorter only in tests and benchmarks */
  capWindowMs?: number;
  maxWaitMs?: number;
  onNotice?: (line: string) => void;
  clock?: Clock;
}

/**
 * A wait longer than --max-wait: refused before it starts. `why` is the message without its
 * `rate limited; ` head. `by`: whose limit it keeps: the server's after it answered this
 * endpoint 429 ('429': the request fails as the 429 did), the server's without one (its rate
 * headers), or the user's own --max-rpm ('cap': the server said nothing).
 */
export class WaitRefused extends Error {
  constructor(
    readonly endpoint: string,
    readonly why: string,
    readonly by: '429' | 'server' | 'cap' = 'server',
  ) {
    super(by === 'cap' ? why : `rate limited; ${why}`);
    this.name = 'WaitRefused';
  }
}

/** The abort signal came while a request waited for its turn: it was not sent. */
export class WaitInterrupted extends Error {
  constructor(readonly endpoint: string) {
    super('not sent: the run was interrupted while it waited for its turn');
    this.name = 'WaitInterrupted';
  }
}

interface Endpoint {
  control: Control;
  sends: Sent[];
  requests: number;
  rateLimited: number;
  first: number | null;
  last: number | null;
  waitedMs: number;
  /** waits are counted once: up to here they are */
  heldUntil: number;
  /** time held back by the server since the last notice (ms) */
  heldSinceNotice: number;
  /** the last notice: its reason and resume time (a wait it covers is not announced again) */
  announced: { reason: string; at: number } | null;
}

/** `45 s`, `4 min 10 s`, `2 h 5 min` */
export function span(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s` : `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
const clockTime = (t: number) => `${new Date(t).toISOString().slice(11, 19)} UTC`;
const MAX_LOG = 20_000;
/** timer lateness the margin absorbs (it is at least 20 ms of a window) */
const LATE_MS = 10;

export class Pacer {
  private endpoints = new Map<string, Endpoint>();
  readonly mode: RateMode;
  readonly maxWaitMs: number;
  private readonly cap: { rate: number; windowMs: number } | null;
  private readonly clock: Clock;
  private readonly onNotice?: (line: string) => void;
  /** the server's clock, from its Date headers: absolute resets are read against it */
  private readonly serverClock = new ServerClock();

  constructor(options: PacerOptions = {}) {
    this.mode = options.mode ?? 'auto';
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    const capWindowMs = options.capWindowMs ?? 60_000;
    this.cap = typeof this.mode === 'number' && this.mode > 0 ? { rate: this.mode / capWindowMs, windowMs: capWindowMs } : null;
    this.clock = options.clock ?? realClock;
    this.onNotice = options.onNotice;
  }

  private ep(endpoint: string): Endpoint {
    let e = this.endpoints.get(endpoint);
    if (!e) {
      e = { control: initialControl(this.cap), sends: [], requests: 0, rateLimited: 0, first: null, last: null, waitedMs: 0, heldUntil: 0, heldSinceNotice: 0, announced: null };
      this.endpoints.set(endpoint, e);
    }
    return e;
  }

  /** The earliest time a request to this endpoint may start (a query: nothing changes). */
  turn(endpoint: string): Turn {
    const e = this.endpoints.get(endpoint);
    const now = this.clock.now();
    return e ? nextTurn(e.control, e.sends, now, this.mode !== 0) : { at: now, kind: 'now', reason: '' };
  }

  /**
   * Waits for this endpoint's next turn and takes it; returns the send time to give to
   * `observe`. Throws WaitRefused when the wait would be longer than --max-wait, or would
   * make a run of 429s without a success longer than it; WaitInterrupted when `signal`
   * aborts before the turn comes (its turn is given back: nothing is sent).
   */
  async acquire(endpoint: string, signal?: AbortSignal): Promise<number> {
    const e = this.ep(endpoint);
    for (;;) {
      if (signal?.aborted) throw new WaitInterrupted(endpoint);
      const now = this.clock.now();
      const turn = nextTurn(e.control, e.sends, now, this.mode !== 0);
      this.refuseBeyondMaxWait(endpoint, e, turn, now);
      const entry: Sent = { at: turn.at, outcome: 'reserved', unpaced: this.mode === 0 || paceOf(e.control, turn.at, this.cap) === null };
      const previous = insertSorted(e.sends, entry);
      const generation = e.control.generation;
      if (turn.at > now) {
        this.account(endpoint, e, turn, now, previous);
        await this.clock.sleep(turn.at - now, signal);
        if (signal?.aborted) {
          const i = e.sends.indexOf(entry);
          if (i >= 0) e.sends.splice(i, 1);
          throw new WaitInterrupted(endpoint);
        }
        // a pause or a cut while waiting: this turn is stale, take a new one
        if (e.control.generation !== generation) continue; // observe() dropped its reservation
      }
      // a timer late by more than LATE_MS moves the schedule (the server sees the real time);
      // less is absorbed by the margin, so small lateness does not accumulate
      entry.outcome = 'pending';
      entry.at = Math.max(entry.at, this.clock.now() - LATE_MS);
      e.requests++;
      e.first ??= entry.at;
      e.last = entry.at;
      return entry.at;
    }
  }

  private refuseBeyondMaxWait(endpoint: string, e: Endpoint, turn: Turn, now: number) {
    const wait = turn.at - now;
    const max = span(this.maxWaitMs);
    if (wait > this.maxWaitMs) {
      // whose limit it is: the server's (a 429, its headers, a rate learnt from it) or the user's own --max-rpm
      const after429 = turn.kind === 'pause' || e.control.episode !== null || e.rateLimited > 0;
      if (turn.kind === 'pace' && turn.by === 'cap') {
        throw new WaitRefused(endpoint, `--max-rpm ${this.mode} allows the next request in ${span(wait)}, more than --max-wait (${max})`, 'cap');
      }
      const why =
        turn.kind === 'pause'
          ? `${turn.reason}: ${span(wait)} is more than --max-wait (${max})`
          : turn.kind === 'budget'
            ? `${turn.reason}, in ${span(wait)}: more than --max-wait (${max})`
            : `the server's limit allows the next request in ${span(wait)} (${turn.reason}): more than --max-wait (${max})`;
      throw new WaitRefused(endpoint, why, after429 ? '429' : 'server');
    }
    const ep = e.control.episode;
    if (ep && turn.at - ep.since > this.maxWaitMs) {
      throw new WaitRefused(endpoint, `answered 429 for ${span(now - ep.since)} without a success, and the next try would make it more than --max-wait (${max})`, '429');
    }
  }

  /**
   * Counts a wait imposed by the server, and announces a wait that leaves the endpoint idle
   * longer than NOTICE_MS, or that brings the time held back since the last notice past it
   * (many short pauses are not silent either). One notice covers every request waiting for the
   * same pause (or at the same pace): it is not repeated for each.
   */
  private account(endpoint: string, e: Endpoint, turn: Turn, now: number, previous: number) {
    if (turn.kind === 'pause' || turn.kind === 'budget') {
      const held = Math.max(0, turn.at - Math.max(now, e.heldUntil));
      e.waitedMs += held;
      e.heldSinceNotice += held;
      e.heldUntil = Math.max(e.heldUntil, turn.at);
    }
    const long = turn.at - Math.max(now, previous) > NOTICE_MS || e.heldSinceNotice > NOTICE_MS;
    const last = e.announced;
    const covered = last !== null && last.reason === turn.reason && (turn.kind === 'pace' || turn.at <= last.at + NOTICE_MS);
    if (!long || covered) return;
    e.announced = { reason: turn.reason, at: turn.at };
    const held = e.heldSinceNotice > turn.at - now + 1 ? `; held back ${span(e.heldSinceNotice)} ${last ? 'since the last notice' : 'so far'}` : '';
    e.heldSinceNotice = 0;
    this.onNotice?.(`${endpoint}: waiting ${span(turn.at - now)}, until ${clockTime(turn.at)}: ${turn.reason}${held}`);
  }

  /** An answer arrived for the request sent at `sentAt`: learn from its status, Retry-After and rate headers. */
  observe(endpoint: string, sentAt: number, status: number, headers: Headers, retryAfterMs: number | null): void {
    const e = this.ep(endpoint);
    const now = this.clock.now();
    const entry = e.sends.find((s) => s.at === sentAt && s.outcome === 'pending');
    if (entry) Object.assign(entry, { outcome: status === 429 ? 'limited' : 'ok', answeredAt: now });
    if (status === 429) e.rateLimited++;
    this.serverClock.observe(headers.get('date'), now, sentAt);
    // absolute resets (Unix times) are times on the server's clock
    const policies = this.mode === 0 ? [] : readRateHeaders(headers, this.serverClock.now(now));
    const generation = e.control.generation;
    e.control = observeAnswer(e.control, e.sends, { sentAt, at: now, status, retryAfterMs, policies });
    // turns reserved before a pause or a cut are stale: their requests take new ones
    if (e.control.generation !== generation) e.sends = e.sends.filter((s) => s.outcome !== 'reserved');
    this.prune(e, now);
  }

  /** Drops sends no window still counts. */
  private prune(e: Endpoint, now: number) {
    const windows = [e.control.windowMs ?? 0, this.cap?.windowMs ?? 0, 60_000, ...Object.values(e.control.policies).map((p) => policyWindow(p) ?? 0)];
    const keepFrom = now - Math.max(...windows);
    let drop = 0;
    while (drop < e.sends.length && (e.sends[drop]!.at < keepFrom || e.sends.length - drop > MAX_LOG) && e.sends[drop]!.outcome !== 'reserved') drop++;
    if (drop > 256 || (drop > 0 && e.sends.length > 1024)) e.sends.splice(0, drop);
  }

  /** The limit known for an endpoint now: the lowest of the headers' ceiling, the rate learned from 429s and --max-rpm N. */
  private limitOf(e: Endpoint): Rate | null {
    const known: Rate[] = [];
    const ceiling = ceilingOf(e.control);
    if (this.mode !== 0 && ceiling) known.push({ limit: ceiling.quota, windowMs: ceiling.windowMs, source: 'headers' });
    const learned = e.control.learned;
    if (this.mode !== 0 && learned) {
      const w = e.control.windowMs ?? 1000;
      known.push({ limit: Math.round(learned.rate * w * 100) / 100, windowMs: w, source: '429' });
    }
    if (this.cap) known.push({ limit: this.cap.rate * this.cap.windowMs, windowMs: this.cap.windowMs, source: 'cap' });
    return known.length ? known.reduce((a, b) => (b.limit / b.windowMs < a.limit / a.windowMs ? b : a)) : null;
  }

  /** Every known limit, by endpoint (for the request budget). */
  rates(): Record<string, Rate> {
    const out: Record<string, Rate> = {};
    for (const [name, e] of this.endpoints) {
      const r = this.limitOf(e);
      if (r) out[name] = r;
    }
    return out;
  }

  /** What pacing did, by endpoint: requests, 429s, the rate run at, the time held back, the pace and limit now. */
  pacing(): Record<string, EndpointPacing> {
    const now = this.clock.now();
    const out: Record<string, EndpointPacing> = {};
    for (const [name, e] of this.endpoints) {
      if (!e.requests) continue;
      const ranFor = e.first !== null && e.last !== null ? e.last - e.first : 0;
      const pace = this.mode === 0 ? null : paceOf(e.control, now, this.cap);
      out[name] = {
        requests: e.requests,
        rateLimited: e.rateLimited,
        ranPerMinute: e.requests > 1 && ranFor > 0 ? Math.round(((e.requests - 1) * 60_000 * 100) / ranFor) / 100 : null,
        waitedMs: Math.round(e.waitedMs),
        pacedPerMinute: pace ? Math.round(pace.rate * 60_000 * 100) / 100 : null,
        limit: this.limitOf(e),
      };
    }
    return out;
  }

  /** The learned rate of an endpoint now, requests per minute (tests and benchmarks). */
  learnedPerMinute(endpoint: string): number | null {
    const e = this.endpoints.get(endpoint);
    const r = e ? learnedRate(e.control, this.clock.now()) : null;
    return r === null ? null : r * 60_000;
  }
}

/** Inserts in time order; returns the time of the latest live entry before it (or -Infinity). */
function insertSorted(sends: Sent[], entry: Sent): number {
  let i = sends.length;
  while (i > 0 && sends[i - 1]!.at > entry.at) i--;
  sends.splice(i, 0, entry);
  for (let j = i - 1; j >= 0; j--) if (sends[j]!.outcome !== 'limited') return sends[j]!.at;
  return -Infinity;
}
