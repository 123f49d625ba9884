import { endpoint, listOperation, ORGANISATIONS, INTEGRATIONS, OPERATIONS, type Operation } from '../api.js';
import type { Action, Budget } from '../model.js';
import { byText } from '../text.js';

// PURE. What `apply` of a plan costs in requests, endpoint by endpoint: its own listing, the
// writes, the organisation listing that settles new organisations, and the closing check.
// Against this API requests are the real cost: under a rate limit per endpoint, the busiest
// endpoint bounds the time.

/** The documented limit: 100 requests per minute per endpoint. */
export const DOCUMENTED_LIMIT: RateLimit = { limit: 100, windowMs: 60_000 };

export interface RateLimit {
  /** requests per window */
  limit: number;
  windowMs: number;
}

export interface BudgetInputs {
  /** list requests the plan's own listing made, by endpoint (`GET /v1/organisations`) */
  listing?: Record<string, number>;
  /** the limit known for an endpoint (learned from the server, or capped) */
  limits?: Record<string, RateLimit>;
  /** the limit assumed for every other endpoint (the documented one, or --max-rpm N) */
  defaultLimit?: RateLimit;
  /** apply ends with a fresh listing (not with --no-verify) */
  verify?: boolean;
}

/** The requests an action sends, from the API's table. */
function operations(a: Action): Operation[] {
  if (a.status !== 'pending') return [];
  switch (a.kind) {
    case 'create_organisation':
      return [OPERATIONS.createOrganisation];
    case 'rename_organisation':
      return [OPERATIONS.renameOrganisation];
    case 'create_integration':
      return [OPERATIONS.createIntegration];
    case 'update_integration':
      return [OPERATIONS.updateIntegration];
    case 'replace_integration':
      return a.changes.status?.from === 'DISABLED' ? [OPERATIONS.createIntegration] : [OPERATIONS.createIntegration, OPERATIONS.updateIntegration];
    case 'delete_organisation':
      return [OPERATIONS.deleteOrganisation];
  }
}

/** Requests per minute at a limit (for people). */
export const perMinute = (r: RateLimit) => Math.round(((r.limit * 60_000) / r.windowMs) * 100) / 100;

/**
 * The least time `n` requests take under a limit: the first window's worth may go at once,
 * each further one waits for a window to pass. Zero when they fit in one window: then latency,
 * not the limit, bounds them.
 */
export const leastSeconds = (n: number, r: RateLimit) => (n > r.limit ? Math.ceil((Math.floor((n - 1) / r.limit) * r.windowMs) / 1000) : 0);

export function requestBudget(actions: Action[], inputs: BudgetInputs = {}): Budget {
  const by: Record<string, number> = {};
  const add = (e: string, n: number) => {
    if (n > 0) by[e] = (by[e] ?? 0) + n;
  };
  const listings = [listOperation(ORGANISATIONS), listOperation(INTEGRATIONS)].map(endpoint);
  const listing = inputs.listing ?? Object.fromEntries(listings.map((e) => [e, 1]));
  for (const [e, n] of Object.entries(listing)) add(e, n * (inputs.verify === false ? 1 : 2));
  for (const a of actions) for (const op of operations(a)) add(endpoint(op), 1);
  // integrations under new organisations wait for one listing that settles their namesakes
  const orgListing = endpoint(OPERATIONS.listOrganisations);
  if (actions.some((a) => a.status === 'pending' && a.kind === 'create_integration' && !a.organisation_id)) add(orgListing, listing[orgListing] ?? 1);

  const base = inputs.defaultLimit ?? DOCUMENTED_LIMIT;
  const limitOf = (e: string) => inputs.limits?.[e] ?? base;
  // the bound: the endpoint with the most requests for its limit (the time it needs, when it needs any)
  let minSeconds = 0;
  let bound = base;
  let load = -1;
  for (const [e, n] of Object.entries(by)) {
    const l = limitOf(e);
    const s = leastSeconds(n, l);
    if (s > minSeconds || (s === minSeconds && n / l.limit > load)) [minSeconds, bound, load] = [s, l, n / l.limit];
  }
  const sorted = Object.fromEntries(Object.entries(by).sort(([a], [b]) => byText(a, b)));
  return { requests: Object.values(by).reduce((s, n) => s + n, 0), by_endpoint: sorted, rate_per_minute: perMinute(bound), min_seconds: minSeconds };
}

/** `0.4 s`, `45 s`, `4 min`, `1 h 5 min` */
export function duration(seconds: number): string {
  if (seconds < 10 && !Number.isInteger(seconds)) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const min = Math.ceil(seconds / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/**
 * `Apply: 612 requests (400 POST /v1/integrations); at least 4 min at 100 requests per minute
 * per endpoint.` The time is stated only when the rate limit bounds it.
 */
export function budgetLine(b: Budget): string {
  const [top, n] = Object.entries(b.by_endpoint).sort(([, x], [, y]) => y - x)[0] ?? ['', 0];
  const time = b.min_seconds > 0 ? `at least ${duration(b.min_seconds)} at ${b.rate_per_minute} requests per minute per endpoint` : `within the rate limit (${b.rate_per_minute} requests per minute per endpoint)`;
  return `Apply: ${b.requests} requests${top ? ` (${n} ${top})` : ''}; ${time}.`;
}
