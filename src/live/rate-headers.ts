import { parseDictionary, parseList, Token, type BareItem, type Item, type Parameters } from 'structured-headers';

// Rate headers, read completely: every policy a server states, in every published form.
// - the IETF draft, current form: `RateLimit-Policy: "daily";q=10000;w=86400, "minute";q=100;w=60`
//   with `RateLimit: "daily";r=9000;t=3600, "minute";r=0;t=30` (policies matched by name);
// - its earlier forms: `RateLimit-Policy: 100;w=60` with `RateLimit: limit=100, remaining=7,
//   reset=5`, and `RateLimit-Limit` (`100` or `100, 100;w=60, 1000;w=3600`) with
//   `RateLimit-Remaining` and `RateLimit-Reset`;
// - `X-RateLimit-Limit/-Remaining/-Reset` (also `X-Rate-Limit-*`, `X-RateLimit-Reset-After`) and
//   Kong's `X-RateLimit-Limit-Minute`/`-Remaining-Minute` (per second, minute, hour, day).
// Resets are read by magnitude: delta-seconds, epoch seconds (> 1e9) or epoch ms (> 1e12).

export interface RatePolicy {
  /** the policy's name, or the form it came in (`x`, `ratelimit`, `x-minute`) */
  name: string;
  /** requests allowed per window, when stated */
  quota: number | null;
  /** the window, when stated */
  windowMs: number | null;
  /** requests left in the current window, when stated */
  remaining: number | null;
  /** ms from now until the budget is restored, when stated */
  resetMs: number | null;
}

/** A reset value in ms from `now`: delta-seconds, or a Unix time in seconds or milliseconds. */
export function resetFromNow(v: number | null, now: number): number | null {
  if (v === null || !Number.isFinite(v) || v < 0) return null;
  if (v > 1e12) return Math.max(0, v - now);
  if (v > 1e9) return Math.max(0, v * 1000 - now);
  return v * 1000;
}

const num = (v: BareItem | undefined | null): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const text = (v: string | null | undefined): number | null => (v != null && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : null);
const param = (p: Parameters, k: string) => num(p.get(k));
/** a policy's name: a String, or a Token as some servers send */
const nameOf = (v: BareItem): string | null => (typeof v === 'string' ? v : v instanceof Token ? v.toString() : null);

/** Structured-field parsing that yields nothing instead of throwing on a malformed field. */
function list(v: string | null): Item[] {
  if (!v) return [];
  try {
    return parseList(v).filter((m): m is Item => !Array.isArray(m[0]));
  } catch {
    return [];
  }
}
function dict(v: string | null): Map<string, number | null> | null {
  if (!v) return null;
  try {
    const d = parseDictionary(v);
    return new Map([...d].map(([k, m]) => [k, Array.isArray(m[0]) ? null : num(m[0] as BareItem)]));
  } catch {
    return null;
  }
}

/** Quota policies stated as items (`100;w=60`, `"name";q=100;w=60`), skipping those not counted in requests. */
function policiesOf(items: Item[]): RatePolicy[] {
  const out: RatePolicy[] = [];
  items.forEach(([value, p], i) => {
    const unit = p.get('qu');
    if (unit !== undefined && unit !== 'requests') return;
    const quota = typeof value === 'number' ? num(value) : param(p, 'q');
    const w = param(p, 'w');
    if (quota === null) return;
    out.push({ name: nameOf(value) ?? `policy-${i}`, quota, windowMs: w !== null ? w * 1000 : null, remaining: null, resetMs: null });
  });
  return out;
}

/** Binds a state without a name (`limit=`, RateLimit-Limit) to the policy of the same quota, or adds it. */
function bindUnnamed(policies: RatePolicy[], state: Omit<RatePolicy, 'name' | 'windowMs'>, name: string): void {
  if (state.quota === null && state.remaining === null) return;
  const same = policies.find((p) => p.quota === state.quota) ?? (state.quota === null && policies.length === 1 ? policies[0] : undefined);
  if (same) Object.assign(same, { remaining: state.remaining, resetMs: state.resetMs });
  else policies.push({ name, windowMs: null, ...state });
}

function ietf(headers: Headers, now: number): RatePolicy[] {
  const policyField = headers.get('ratelimit-policy');
  const stateField = headers.get('ratelimit');
  const policies = policiesOf(list(policyField));
  const named = list(stateField).filter(([v]) => nameOf(v) !== null);
  if (named.length) {
    for (const [value, p] of named) {
      const name = nameOf(value)!;
      const r = param(p, 'r');
      const resetMs = resetFromNow(param(p, 't'), now);
      const known = policies.find((x) => x.name === name);
      if (known) Object.assign(known, { remaining: r, resetMs });
      else policies.push({ name, quota: null, windowMs: null, remaining: r, resetMs });
    }
    return policies;
  }
  const d = dict(stateField);
  if (d && (d.has('limit') || d.has('remaining') || d.has('reset'))) {
    bindUnnamed(policies, { quota: d.get('limit') ?? null, remaining: d.get('remaining') ?? null, resetMs: resetFromNow(d.get('reset') ?? null, now) }, 'ratelimit');
    return policies;
  }
  // RateLimit-Limit: the limit in force, then (in early drafts) the quota policies
  const [first, ...more] = list(headers.get('ratelimit-limit'));
  policies.push(...policiesOf(more).filter((p) => !policies.some((q) => q.quota === p.quota && q.windowMs === p.windowMs)));
  const limit = first ? num(first[0]) : null;
  const w = first ? param(first[1], 'w') : null;
  if (limit !== null && w !== null && !policies.some((p) => p.quota === limit)) policies.push({ name: 'ratelimit', quota: limit, windowMs: w * 1000, remaining: null, resetMs: null });
  const remaining = text(headers.get('ratelimit-remaining'));
  const reset = resetFromNow(text(headers.get('ratelimit-reset')), now);
  bindUnnamed(policies, { quota: limit, remaining, resetMs: reset }, 'ratelimit');
  return policies;
}

const KONG_WINDOWS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `X-RateLimit-Limit/-Remaining/-Reset` (or `X-Rate-Limit-*`): one policy, its window unstated. */
function xHeaders(headers: Headers, now: number): RatePolicy[] {
  for (const prefix of ['x-ratelimit', 'x-rate-limit']) {
    const quota = text(headers.get(`${prefix}-limit`)?.split(',')[0]);
    const remaining = text(headers.get(`${prefix}-remaining`));
    const after = text(headers.get(`${prefix}-reset-after`));
    const resetMs = after !== null ? after * 1000 : resetFromNow(text(headers.get(`${prefix}-reset`)), now);
    if (quota !== null || remaining !== null) return [{ name: prefix === 'x-ratelimit' ? 'x' : 'x-rate-limit', quota, windowMs: null, remaining, resetMs }];
  }
  return [];
}

/** Kong's `X-RateLimit-Limit-Minute` and `-Remaining-Minute` (also Second, Hour, Day): one policy per window. */
function kongHeaders(headers: Headers): RatePolicy[] {
  const out: RatePolicy[] = [];
  for (const [unit, windowMs] of Object.entries(KONG_WINDOWS)) {
    const quota = text(headers.get(`x-ratelimit-limit-${unit}`));
    if (quota !== null) out.push({ name: `x-${unit}`, quota, windowMs, remaining: text(headers.get(`x-ratelimit-remaining-${unit}`)), resetMs: null });
  }
  return out;
}

/**
 * Every rate policy an answer states (empty when it states none). The IETF fields win over
 * plain `X-RateLimit-*`, which servers often send beside them with the same figures; Kong's
 * per-window fields add the windows its `RateLimit-Limit` leaves unsaid.
 */
export function readRateHeaders(headers: Headers, now = Date.now()): RatePolicy[] {
  const usable = (p: RatePolicy) => (p.quota !== null && p.quota > 0) || p.remaining !== null;
  const found = ietf(headers, now).filter(usable);
  const kong = kongHeaders(headers);
  if (found.length) {
    // Kong's RateLimit-Limit/-Reset speak of its policy nearest exhaustion: the reset goes to it
    const unwindowed = (p: RatePolicy) => p.windowMs === null && kong.some((k) => k.quota === p.quota);
    for (const p of found.filter(unwindowed)) {
      const k = kong.find((x) => x.quota === p.quota && x.remaining === p.remaining) ?? kong.find((x) => x.quota === p.quota)!;
      k.resetMs = p.resetMs;
    }
    return [...found.filter((p) => !unwindowed(p)), ...kong];
  }
  return [...xHeaders(headers, now).filter(usable), ...kong];
}
