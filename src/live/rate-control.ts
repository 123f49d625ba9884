import type { RatePolicy } from './rate-headers.js';
import { drainWindow, initialDrain, observeDrain, type Drain } from './rate-window.js';

// PURE. The pacing rule of one endpoint, as a function of what the server said. No clock of
// its own: every function takes the time. The Pacer (pacer.ts) keeps the state and waits.
//
// - Unpaced until the server pushes back or states a limit.
// - Rate headers set the ceiling exactly: every policy of up to PACE_HORIZON_MS paces requests
//   evenly at its quota per window (the tightest binds); a longer one (hourly, daily) is a
//   budget spent at that pace. A policy with nothing left that our own requests do not
//   explain (another process spent it) holds the endpoint until its reset.
// - A 429 cuts the rate to what the server accepted in the window before it, the window being
//   inferred from what the server says (the longest Retry-After, or the length of a refusal
//   when it gives none). A 429 soon after a cut cuts by BETA. The endpoint waits out the
//   Retry-After (or an exponential backoff from 1 s when there is none).
// - While answers succeed the rate holds, then grows along a cubic curve (TCP CUBIC's shape:
//   flat near the last limit, fast far from it), so a stale or wrong estimate recovers in a
//   few windows. A probe refused near the rate it grew from goes back to that rate (it held);
//   a 429 that confirms the same limit lengthens the hold (x8), so a steady server is probed
//   rarely.

/**
 * Even spacing leaves this share of a limit unused (at least 20 ms of its window), for timer and
 * network jitter (a request reaching the server up to that much later than its predecessors still
 * finds the one a window before it gone), and for a window read from a Retry-After in whole
 * seconds, short by the first burst's length (a minute read as 59 s).
 */
export const MARGIN = 0.02;
const MARGIN_MIN_MS = 20;
/** The margin's share of a window. */
export const marginOf = (windowMs: number) => Math.max(MARGIN, MARGIN_MIN_MS / windowMs);
/** Policies with windows up to this pace evenly; longer ones are budgets. */
export const PACE_HORIZON_MS = 10 * 60_000;
/** A 429 again after a pause: the rate times this. */
export const BETA = 0.7;
/** A 429 at the learned rate itself, during its hold (someone else takes a share): the rate times this. */
export const HOLD_CUT = 0.9;
/** Past the hold the rate gains GROWTH x (windows past the hold)^3 of itself: x2 after 2.2 windows. */
export const GROWTH = 0.1;
/** Windows the rate holds after a cut; a confirming 429 multiplies it by 8, up to 16 (a limit raised mid-run is found within 16 windows). */
export const HOLD_WINDOWS = 1;
const HOLD_MAX = 16;
/** a 429 confirms the learned rate when it measures the same within 5% (or 1.5 requests a window) */
const CONFIRM = 0.05;
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;

export type Outcome = 'reserved' | 'pending' | 'ok' | 'limited';
export interface Sent {
  at: number;
  outcome: Outcome;
  /** sent before any pace was known (a burst), and when its answer came: it reached the server by then */
  unpaced?: boolean;
  answeredAt?: number;
}

export interface Answer {
  sentAt: number;
  at: number;
  status: number;
  retryAfterMs: number | null;
  policies: RatePolicy[];
}

export interface Learned {
  /** requests per ms the server accepted in the window before the last cut (times BETA after a repeat) */
  rate: number;
  /** growth starts here: the end of the cut's pause plus the hold */
  growFrom: number;
  holdWindows: number;
  /** set below what the server was seen to accept (a cut by HOLD_CUT or BETA): not a limit that held */
  cut?: boolean;
}

export interface PolicyState extends RatePolicy {
  /** send time of the answer its remaining/reset came with */
  asOf: number;
  resetAt: number | null;
  /** the longest reset seen: the window's first guess when none is stated */
  maxResetMs: number;
  /** what Remaining drained says of the window, when none is stated (rate-window.ts) */
  drain: Drain;
}

export interface Episode {
  /** send time of its first refused request */
  start: number;
  /** send time of the refused request that made its last strike, and whether its rate was measured there: then late refusals measure it again */
  strikeStart: number;
  remeasurable: boolean;
  /** answer time of its first 429: the endpoint has made no progress since */
  since: number;
  strikes: number;
  retryAfter: boolean;
  /** a lone 429 while paced: the rate was cut but the endpoint not paused (a second one pauses it) */
  soft: boolean;
  /** the learned rate is re-measured as late answers arrive: capped by this, times this factor */
  cap: number;
  factor: number;
  /** what is learned when nothing was accepted in the window */
  fallback: Learned | null;
  /** a refused probe: the learned rate it grew from (it held through its hold) */
  probed: Learned | null;
  /** refused while paced: requests sent after the refused one are not counted (spaced, they reached the server after it) */
  paced: boolean;
}

export interface Control {
  /** the window inferred from 429s (longest Retry-After, length of a refusal) */
  windowMs: number | null;
  learned: Learned | null;
  episode: Episode | null;
  pausedUntil: number;
  pauseReason: string;
  policies: Record<string, PolicyState>;
  /** answer time of the last strike: a 429 for a request sent before it belongs to that strike */
  lastCut: number;
  /** bumped when a pause or a cut makes reserved turns stale */
  generation: number;
  /** --max-rpm N: requests per ms and its window */
  cap: { rate: number; windowMs: number } | null;
}

export const initialControl = (cap: Control['cap'] = null): Control => ({ windowMs: null, learned: null, episode: null, pausedUntil: 0, pauseReason: '', policies: {}, lastCut: -Infinity, generation: 0, cap });

const live = (s: Sent) => s.outcome !== 'limited';

/**
 * Requests per ms the server accepted in the window before a refusal: those sent in
 * (start - windowMs, start], `start` being the refused one, and those sent after it up to
 * `until` that it accepted (a burst's concurrent requests reach a server in any order: until
 * its answer; paced ones, spaced, reach it in order: `until` is `start`); the ones sent before
 * it and still unanswered count too, until they are refused. Spread over the window widened by
 * the margin: the pace it sets keeps below the limit. (A count over the widened window would
 * take in the margin's worth sent at the limit, and set the pace at the limit itself.)
 */
export function acceptedRate(sends: readonly Sent[], start: number, until: number, windowMs: number): number {
  let n = 0;
  for (const s of sends) if (s.at > start - windowMs && (s.outcome === 'ok' ? s.at <= until : s.outcome === 'pending' && s.at < start)) n++;
  return n / (windowMs * (1 + marginOf(windowMs)));
}

/** The least rate learnt: one request a window (widened by the margin). */
const floorOf = (windowMs: number) => 1 / (windowMs * (1 + marginOf(windowMs)));
const backoff = (strikes: number) => Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (strikes - 1));
const secs = (ms: number) => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);

/** A policy's window: stated, or inferred from what Remaining drained and the longest reset seen. */
export function policyWindow(p: PolicyState): number | null {
  return p.windowMs ?? drainWindow(p.drain, p.maxResetMs > 0 ? p.maxResetMs : null);
}

/** The rate every policy of the headers allows (requests per ms, before the margin): the tightest binds. */
export function ceilingOf(c: Control): { rate: number; windowMs: number; quota: number; name: string } | null {
  let best: { rate: number; windowMs: number; quota: number; name: string } | null = null;
  for (const p of Object.values(c.policies)) {
    const w = policyWindow(p);
    if (p.quota === null || p.quota <= 0 || w === null || w > PACE_HORIZON_MS) continue;
    if (!best || p.quota / w < best.rate) best = { rate: p.quota / w, windowMs: w, quota: p.quota, name: p.name };
  }
  return best;
}

/** The learned rate at time t (requests per ms, before the margin), grown along the cubic past its hold. */
export function learnedRate(c: Control, t: number): number | null {
  if (!c.learned) return null;
  const w = c.windowMs ?? BACKOFF_FIRST_MS;
  const x = Math.max(0, (t - c.learned.growFrom) / w);
  return c.learned.rate * (1 + GROWTH * x ** 3);
}

function withPolicies(c: Control, sends: readonly Sent[], a: Answer): Control {
  if (!a.policies.length) return c;
  const policies = { ...c.policies };
  for (const p of a.policies) {
    const prev = policies[p.name];
    const fresher = !prev || a.sentAt >= prev.asOf;
    const maxResetMs = Math.max(prev?.maxResetMs ?? 0, p.resetMs ?? 0);
    const windowMs = p.windowMs ?? prev?.windowMs ?? null;
    // every accepted answer bounds an unstated window, late ones too
    let drain = prev?.drain ?? initialDrain();
    if (windowMs === null && a.status >= 200 && a.status < 300 && p.quota !== null && p.remaining !== null) drain = observeDrain(drain, sends, a.sentAt, a.at, p.quota, p.remaining);
    policies[p.name] = fresher
      ? { ...p, windowMs, asOf: a.sentAt, resetAt: p.resetMs !== null ? a.at + p.resetMs : null, maxResetMs, drain }
      : { ...prev!, maxResetMs, drain };
  }
  return { ...c, policies };
}

/** The state after an answer. `sends` already holds its outcome. */
export function observeAnswer(c0: Control, sends: readonly Sent[], a: Answer): Control {
  let c = withPolicies(c0, sends, a);
  // a lower ceiling makes the turns already reserved stale
  const [before, after] = [ceilingOf(c0)?.rate ?? Infinity, ceilingOf(c)?.rate ?? Infinity];
  if (after < before) c = { ...c, generation: c.generation + 1 };
  return a.status === 429 ? refused(c, sends, a) : accepted(c, sends, a);
}

function accepted(c: Control, sends: readonly Sent[], a: Answer): Control {
  const ep = c.episode;
  if (!ep) return c;
  // a late answer for a request in flight when the refusal was answered: it may have reached the server first
  if (a.sentAt < c.lastCut) return ep.strikes === 1 ? remeasure(c, sends) : c;
  if (ep.retryAfter) return { ...c, episode: null };
  // no Retry-After: the refusal lasted about a window; measure again with it
  const windowMs = Math.max(c.windowMs ?? 0, a.sentAt - ep.start);
  return remeasure({ ...c, windowMs }, sends, null, ep.start);
}

/**
 * The learned rate measured again at its strike's start (late answers: requests still in flight
 * were counted as accepted until refused; a longer window).
 */
function remeasure(c: Control, sends: readonly Sent[], keep: Episode | null = c.episode, from = c.episode!.strikeStart): Control {
  const ep = c.episode!;
  if (c.windowMs === null) return { ...c, episode: keep };
  const measured = acceptedRate(sends, from, ep.paced ? from : c.lastCut, c.windowMs);
  if (measured <= 0) return { ...c, learned: ep.fallback, episode: keep };
  const rate = Math.max(floorOf(c.windowMs), strikeRate(ep.strikes === 1 ? ep.probed : null, ep.cap, ep.factor, measured));
  const holdWindows = c.learned?.holdWindows ?? HOLD_WINDOWS;
  const learned = c.learned ? { ...c.learned, rate } : { rate, holdWindows, growFrom: c.pausedUntil + holdWindows * c.windowMs };
  return { ...c, learned, episode: keep };
}

/**
 * The rate a strike learns from what the server accepted (`measured`): what it accepted, no more
 * than the rate refused (`cap`), times the strike's factor. A probe refused near the learned rate
 * it grew from (below 1 / BETA of it) says that rate is right (it held through its hold): back to
 * it; a count then is one request of jitter at a window's edge, or spans two fixed windows. One
 * refused far above it, or above a rate a cut set below the limit, has measured what the server
 * accepts (no less than the learned rate).
 */
function strikeRate(probed: Learned | null, cap: number, factor: number, measured: number): number {
  const held = heldProbe(probed, cap);
  if (held) return held.rate;
  if (!probed || probed.cut) return Math.min(cap, measured) * factor;
  return Math.max(probed.rate, Math.min(cap, measured));
}

/** The rate a probe refused at `cap` grew from, when it goes back to it: refused below 1 / BETA of it, and not set by a cut. */
const heldProbe = (probed: Learned | null, cap: number) => (probed && !probed.cut && cap < probed.rate / BETA ? probed : null);

function refused(c: Control, sends: readonly Sent[], a: Answer): Control {
  // Retry-After 0 would send the request again at once, into the same 429, as often as it is
  // answered so: as good as none, the backoff rule applies
  const R = a.retryAfterMs !== null && a.retryAfterMs > 0 ? a.retryAfterMs : null;
  const windowMs = R !== null ? Math.max(c.windowMs ?? 0, R) : c.windowMs;
  const ep = c.episode;
  const why = (ms: number) =>
    R !== null
      ? `the server answered 429 with Retry-After ${secs(R)}`
      : `the server answered 429 ${a.retryAfterMs === 0 ? 'with Retry-After 0' : 'without saying when to retry'}; backing off ${secs(ms)}`;
  if (a.sentAt <= c.lastCut) {
    // in flight when the last strike was decided: part of it (a lone one stays unpaused)
    const until = a.at + (R ?? 0);
    const next = until <= c.pausedUntil || ep?.soft ? { ...c, windowMs } : { ...c, windowMs, pausedUntil: until, pauseReason: why(R ?? 0), generation: c.generation + 1 };
    return ep?.remeasurable ? remeasure(next, sends) : next;
  }
  const pace = paceOf(c, a.sentAt, c.cap);
  // a lone 429 amid accepted answers while paced, asking for no more than about a second:
  // the pace touched the limit; cut it, but do not stop the endpoint (a second 429 will)
  const soft = !ep && pace !== null && (R === null || R <= 1000 + 1 / pace.rate);
  const strikes = ep ? ep.strikes + 1 : 1;
  const pauseMs = soft ? 0 : (R ?? backoff(strikes));
  const pausedUntil = Math.max(c.pausedUntil, a.at + pauseMs);
  const w = windowMs ?? backoff(strikes);
  const measured = acceptedRate(sends, a.sentAt, pace ? a.sentAt : a.at, w);
  const ran = learnedRate(c, a.sentAt);
  const cap = ran ?? Infinity;
  // again after waiting out a Retry-After: BETA; at the learned rate itself (during its hold, not probing above
  // it): HOLD_CUT, as someone else takes a share; else the rate is what the server accepted
  // (without Retry-After, 429s after the backoff are its search for the window: no cut)
  const factor = ep ? (R !== null ? BETA : 1) : c.learned && a.sentAt < c.learned.growFrom ? HOLD_CUT : 1;
  const learn = (measuredRate: number): Learned => {
    // never below one request a window: repeated cuts cannot take it to nothing
    const rate = Math.max(floorOf(w), measuredRate);
    const confirmed = !!c.learned && factor === 1 && Math.abs(rate - c.learned.rate) <= Math.max(CONFIRM * c.learned.rate, 1.5 / w);
    const holdWindows = confirmed ? Math.min(HOLD_MAX, c.learned!.holdWindows * 8) : HOLD_WINDOWS;
    return { rate, holdWindows, growFrom: pausedUntil + holdWindows * w, cut: factor < 1 };
  };
  let learned: Learned | null;
  let fallback: Learned | null;
  // a probe: refused past the hold, the rate grown above the learned one by more than its margin
  // (a refusal below that says the learned rate itself is too high)
  const probe = !ep && c.learned !== null && ran !== null && a.sentAt >= c.learned.growFrom && ran > c.learned.rate * (1 + marginOf(w));
  if (ep?.soft && strikes === 2) {
    // the second 429 after a lone one: the window is spent (a fixed window); the cut is made, wait for the window.
    // After a probe refused near the rate it grew from, back to that rate (a count in fixed windows spans two, and
    // says too much), held longer when it held before (not when a cut set it below the limit: it must grow again)
    const near = heldProbe(ep.probed, ep.cap);
    const back = near ? { ...near, holdWindows: Math.min(HOLD_MAX, near.holdWindows * 8) } : c.learned;
    learned = fallback = back && { ...back, growFrom: pausedUntil + back.holdWindows * w };
  } else {
    // nothing accepted in the window (another process spent it): no rate is learned from it
    fallback = ep ? c.learned && learn(c.learned.rate * factor) : ran !== null ? learn(ran * factor) : null;
    learned = measured > 0 ? learn(strikeRate(probe ? c.learned : null, cap, factor, measured)) : fallback;
  }
  const episode: Episode = { start: ep?.start ?? a.sentAt, strikeStart: a.sentAt, remeasurable: !(ep?.soft && strikes === 2), since: ep?.since ?? a.at, strikes, retryAfter: R !== null, soft: soft || !!ep?.soft, cap, factor, fallback, probed: ep ? ep.probed : probe ? c.learned : null, paced: pace !== null };
  const pause = soft ? {} : { pausedUntil, pauseReason: why(pauseMs) };
  return { ...c, ...pause, windowMs, learned, episode, lastCut: a.at, generation: c.generation + 1 };
}

export interface Turn {
  at: number;
  /** why it is later than asked: a pause, a spent budget, the pace, or nothing */
  kind: 'now' | 'pause' | 'budget' | 'pace';
  reason: string;
  /** a pace's: whose limit it keeps (the server's, or --max-rpm's) */
  by?: 'server' | 'cap';
}

/** Whose limit a pace keeps: learnt from the server's 429s, its rate headers, or --max-rpm N. */
export type PaceSource = 'learned' | 'headers' | 'cap';
export interface Pace {
  /** requests per ms, less the margin */
  rate: number;
  windowMs: number;
  source: PaceSource;
}

/** The pace now: requests per ms (less the margin), the window it is counted over and whose it is; null when unpaced. `cap` is --max-rpm's. */
export function paceOf(c: Control, t: number, cap: { rate: number; windowMs: number } | null): Pace | null {
  // a learned rate was counted over a window widened by the margin already
  const options: Pace[] = [];
  const learned = learnedRate(c, t);
  if (learned !== null) options.push({ rate: learned, windowMs: c.windowMs ?? BACKOFF_FIRST_MS, source: 'learned' });
  const ceiling = ceilingOf(c);
  if (ceiling) options.push({ rate: ceiling.rate / (1 + marginOf(ceiling.windowMs)), windowMs: ceiling.windowMs, source: 'headers' });
  if (cap) options.push({ rate: cap.rate / (1 + marginOf(cap.windowMs)), windowMs: cap.windowMs, source: 'cap' });
  if (!options.length) return null;
  return options.reduce((a, b) => (b.rate < a.rate ? b : a));
}

/**
 * The earliest time a new request may start at or after `t`: after any pause, once every
 * budget has room, and no sooner than the pace allows over the requests before it in its
 * window (k + 1 requests never closer than k spacings, so none burst after a pause).
 */
export function nextTurn(c: Control, sends: readonly Sent[], t: number, paced = true): Turn {
  let turn: Turn = { at: t, kind: 'now', reason: '' };
  const later = (at: number, kind: Turn['kind'], reason: string) => {
    if (at > turn.at) turn = { at, kind, reason };
  };
  later(c.pausedUntil, 'pause', c.pauseReason);
  if (!paced) return turn;
  for (const p of Object.values(c.policies)) {
    const b = budgetWait(p, sends, t);
    if (b) later(b.at, 'budget', b.reason);
  }
  const pace = paceOf(c, turn.at, c.cap);
  if (pace) {
    const spacing = 1 / pace.rate;
    const from = turn.at - pace.windowMs;
    let k = 0;
    let at = turn.at;
    for (let i = sends.length - 1; i >= 0; i--) {
      const s = sends[i]!;
      if (s.at <= from) break;
      // a burst sent before the pace was known reached the server at some time before its
      // answer (one still unanswered may not have reached it yet)
      if (live(s)) at = Math.max(at, (s.unpaced ? (s.answeredAt ?? Math.max(t, s.at)) : s.at) + ++k * spacing);
    }
    later(at, 'pace', `paced at ${perMinute(pace.rate)} requests a minute ${PACE_SOURCES[pace.source]}`);
    if (turn.kind === 'pace') turn.by = pace.source === 'cap' ? 'cap' : 'server';
  }
  return turn;
}

const PACE_SOURCES: Record<PaceSource, string> = { learned: "(learnt from the server's 429s)", headers: "(the server's rate headers)", cap: '(--max-rpm)' };

export const perMinute = (ratePerMs: number) => {
  const n = ratePerMs * 60_000;
  return n >= 10 ? String(Math.round(n)) : n.toFixed(2).replace(/\.?0+$/, '');
};

/** When a policy has no room left that our own paced requests do not explain: wait for its reset. */
function budgetWait(p: PolicyState, sends: readonly Sent[], t: number): { at: number; reason: string } | null {
  const w = policyWindow(p);
  const ours = (from: number, to: number) => sends.filter((s) => live(s) && s.at > from && s.at <= to).length;
  if (p.remaining !== null) {
    if (p.resetAt === null || p.resetAt <= t) return null;
    const left = p.remaining - ours(p.asOf, Infinity);
    if (left > 0) return null;
    // our even pace already keeps within a policy we pace by, when the requests it counts are ours
    const paced = p.quota !== null && w !== null && w <= PACE_HORIZON_MS;
    // (counted over the window widened by the margin: send times are not arrival times)
    if (paced && ours(p.asOf - w! * (1 + marginOf(w!)), p.asOf) >= p.quota! - p.remaining - 1) return null;
    return { at: p.resetAt, reason: `the server's rate headers say no request is left ${p.name === 'x' || p.name === 'ratelimit' ? '' : `in policy "${p.name}" `}until its reset` };
  }
  // a long policy without a remaining count: our own requests in its window count against it
  if (p.quota === null || w === null || w <= PACE_HORIZON_MS) return null;
  const mine = sends.filter((s) => live(s) && s.at > t - w);
  if (mine.length < p.quota) return null;
  return { at: mine[mine.length - p.quota]!.at + w, reason: `the server allows ${p.quota} requests per ${secs(w)} ("${p.name}")` };
}
