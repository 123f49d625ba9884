import type { Sent } from './rate-control.js';

// PURE. The window of a rate policy whose headers state a quota and what remains, but not the
// window (X-RateLimit-Limit/-Remaining/-Reset): inferred from what Remaining drained, which
// neither a skewed server clock nor a reset quantised to whole seconds can distort.
//
// An accepted answer with `remaining` r of quota q says the server counts c = q - r requests
// now, this one among them: when the requests it counts are ours, the c latest of ours up to
// this one. Of them the oldest is still inside the window, so the window is longer than the
// time since it was sent (a lower bound, for sliding and fixed windows alike). The one sent
// before it is not counted: in a sliding window it has left, so the window is no longer than
// the time since it was sent (an upper bound); in fixed windows a window began in between (a
// boundary). An upper bound well below the lower one shows fixed windows: their length is then
// measured between boundaries, over as many windows as were seen (one spacing of error, shared
// among them). Requests of another process counted beside ours only lengthen the bounds.

export interface Boundary {
  lo: number;
  hi: number;
}

/** A fixed window's start, in (lo, hi], and how many windows after the chain's first it is. */
interface Start extends Boundary {
  index: number;
}

export interface Drain {
  /** the window is longer than this (ms; 0: unknown) */
  lo: number;
  /** a sliding window is no longer than this (ms; Infinity: unknown) */
  up: number;
  /** fixed windows were seen (a count that fell to a few where a sliding window would hold many) */
  fixed: boolean;
  /** fixed window starts seen, one window apart each, the newest last (at most CHAIN_MAX) */
  starts: Start[];
  /** what pairs of starts say of fixed windows: longer than `lo`, no longer than `up` */
  between: { lo: number; up: number };
}

export const initialDrain = (): Drain => ({ lo: 0, up: Infinity, fixed: false, starts: [], between: { lo: 0, up: Infinity } });

/** bounds that cross by more than this share show windows that do not slide */
const CROSS = 0.1;
const CHAIN_MAX = 64;
/** half the pacing margin (rate-control's MARGIN): an inferred window is at most this much shorter than the counts allow */
const SPARE = 0.01;

const counted = (s: Sent) => s.outcome === 'ok' || s.outcome === 'pending';

/**
 * The bounds after an accepted answer (sent at `sentAt`, answered at `at`) that left `remaining`
 * of `quota`. A request reached the server between its send and its answer: the bounds hold for
 * any arrival in that span. The upper bound and a window start need the order of arrivals known:
 * the one before the counted ones answered before the oldest of them left, and every counted one
 * answered before this one left.
 */
export function observeDrain(d: Drain, sends: readonly Sent[], sentAt: number, at: number, quota: number, remaining: number): Drain {
  const c = quota - remaining;
  if (c < 1) return d;
  // the c latest requests of ours sent up to this one, and the one before them
  let oldest: Sent | null = null;
  let before: Sent | null = null;
  let ordered = true;
  let n = 0;
  for (let i = sends.length - 1; i >= 0; i--) {
    const s = sends[i]!;
    if (s.at > sentAt || !counted(s)) continue;
    n++;
    if (n === c + 1) {
      before = s;
      break;
    }
    if (n === c) oldest = s;
    if (s.at < sentAt && (s.answeredAt === undefined || s.answeredAt > sentAt)) ordered = false;
  }
  if (oldest === null) return d; // more counted than we sent: another process's requests
  const next = { ...d };
  if (oldest.answeredAt !== undefined) next.lo = Math.max(d.lo, sentAt - oldest.answeredAt);
  if (!before || !ordered || before.answeredAt === undefined || before.answeredAt > oldest.at) return next;
  if (!next.fixed) next.up = Math.min(next.up, at - before.at);
  // an upper bound far below the lower one: the count fell at a window's start, not as requests left
  if (!next.fixed && next.up < next.lo * (1 - CROSS)) Object.assign(next, { fixed: true, up: Infinity });
  return withStart(next, { lo: before.at, hi: oldest.answeredAt ?? at });
}

/** A window start in (b.lo, b.hi]: the newest one seen again (narrowed), or the next one. */
function withStart(d: Drain, b: Boundary): Drain {
  const last = d.starts.at(-1);
  let starts: Start[];
  if (last && b.lo < last.hi && b.hi > last.lo) starts = [...d.starts.slice(0, -1), { lo: Math.max(last.lo, b.lo), hi: Math.min(last.hi, b.hi), index: last.index }];
  else if (last && b.hi <= last.lo) return d; // a late answer from an earlier window
  else {
    // the next window only when it cannot be a later one (two windows are longer than 2 lo);
    // else windows may have passed unseen between them (no request, or none in order): the count restarts
    const next = last && b.hi - last.lo < 2 * d.lo ? { ...b, index: last.index + 1 } : { ...b, index: 0 };
    starts = next.index === 0 ? [next] : [...d.starts, next];
    if (starts.length > CHAIN_MAX) starts = starts.slice(-CHAIN_MAX);
  }
  // the newest start against every earlier one, k windows apart: the window is (lo_j - hi_i) / k to (hi_j - lo_i) / k
  const newest = starts.at(-1)!;
  const between = { ...d.between };
  for (const s of starts.slice(0, -1)) {
    const k = newest.index - s.index;
    between.up = Math.min(between.up, (newest.hi - s.lo) / k);
    between.lo = Math.max(between.lo, (newest.lo - s.hi) / k);
  }
  // bounds that contradict each other (requests of another process, a window that changed):
  // what was measured between starts is dropped, and measuring starts again from this one
  if (between.lo > between.up) return { ...d, starts: [{ ...newest, index: 0 }], between: { lo: 0, up: Infinity } };
  return { ...d, starts, between };
}

/** Fixed windows' length from pairs of their starts (null: none yet). */
function fixedWindow(d: Drain): number | null {
  const { lo, up } = d.between;
  return Number.isFinite(up) ? Math.max(d.lo, within(lo, up)) : null;
}

/** A window between bounds: their middle, but never so far below the upper one that the pacing margin would not cover it. */
const within = (lo: number, up: number) => (up >= lo ? Math.max((lo + up) / 2, up / (1 + SPARE)) : (lo + up) / 2);

/**
 * The window: fixed windows measured between their starts; else the reset-based guess (the
 * longest reset seen) kept within what Remaining drained allows. A guess beyond the upper
 * bound (a skewed clock, a reset rounded up to the second) is refuted: the counts' middle,
 * but never so far below the upper bound that the pacing margin would not cover it.
 */
export function drainWindow(d: Drain, guess: number | null): number | null {
  if (d.fixed) return fixedWindow(d) ?? (guess === null ? null : Math.max(guess, d.lo));
  if (guess !== null && guess <= d.up) return Math.max(guess, d.lo);
  return Number.isFinite(d.up) ? within(d.lo, d.up) : guess;
}
