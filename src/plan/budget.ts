import type { Action, Budget } from '../model.js';
import { byText } from '../names.js';

// PURE. What `apply` of a plan costs in requests, endpoint by endpoint: its own listing, the
// writes, the organisation listing that settles new organisations, and the closing check.
// Against this API requests are the real cost: under a rate limit per endpoint, the busiest
// endpoint bounds the time.

/** The documented limit: 100 requests per minute per endpoint. */
export const DOCUMENTED_PER_MINUTE = 100;

export interface BudgetInputs {
  /** list requests the plan's own listing made, by endpoint (`GET /v1/organisations`) */
  listing?: Record<string, number>;
  /** requests per minute known for an endpoint (learned from the server, or capped) */
  perMinute?: Record<string, number>;
  /** the rate assumed for every other endpoint (the documented one, or --max-rpm N) */
  defaultPerMinute?: number;
  /** apply ends with a fresh listing (not with --no-verify) */
  verify?: boolean;
}

const ORGS = '/v1/organisations';
const INTS = '/v1/integrations';

/** The requests an action makes, by endpoint. */
function writes(a: Action): string[] {
  if (a.status !== 'pending') return [];
  switch (a.kind) {
    case 'create_organisation':
      return [`POST ${ORGS}`];
    case 'rename_organisation':
      return [`PATCH ${ORGS}/{id}`];
    case 'create_integration':
      return [`POST ${INTS}`];
    case 'update_integration':
      return [`PATCH ${INTS}/{id}`];
    case 'replace_integration':
      return a.changes.status?.from === 'DISABLED' ? [`POST ${INTS}`] : [`POST ${INTS}`, `PATCH ${INTS}/{id}`];
    case 'delete_organisation':
      return [`DELETE ${ORGS}/{id}`];
  }
}

export function requestBudget(actions: Action[], inputs: BudgetInputs = {}): Budget {
  const by: Record<string, number> = {};
  const add = (endpoint: string, n: number) => {
    if (n > 0) by[endpoint] = (by[endpoint] ?? 0) + n;
  };
  const listing = inputs.listing ?? { [`GET ${ORGS}`]: 1, [`GET ${INTS}`]: 1 };
  for (const [endpoint, n] of Object.entries(listing)) add(endpoint, n * (inputs.verify === false ? 1 : 2));
  for (const a of actions) for (const w of writes(a)) add(w, 1);
  // integrations under new organisations wait for one listing that settles their namesakes
  if (actions.some((a) => a.status === 'pending' && a.kind === 'create_integration' && !a.organisation_id)) add(`GET ${ORGS}`, listing[`GET ${ORGS}`] ?? 1);

  const base = inputs.defaultPerMinute ?? DOCUMENTED_PER_MINUTE;
  const rate = (endpoint: string) => inputs.perMinute?.[endpoint] ?? base;
  let minSeconds = 0;
  let bound = base;
  for (const [endpoint, n] of Object.entries(by)) {
    const s = Math.ceil((n * 60) / rate(endpoint));
    if (s > minSeconds) [minSeconds, bound] = [s, rate(endpoint)];
  }
  const sorted = Object.fromEntries(Object.entries(by).sort(([a], [b]) => byText(a, b)));
  return { requests: Object.values(by).reduce((s, n) => s + n, 0), by_endpoint: sorted, rate_per_minute: Math.round(bound * 100) / 100, min_seconds: minSeconds };
}

/** `0.4 s`, `45 s`, `4 min`, `1 h 5 min` */
export function duration(seconds: number): string {
  if (seconds < 10 && !Number.isInteger(seconds)) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const min = Math.ceil(seconds / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** `Apply: 612 requests (400 POST /v1/integrations); at least 4 min at 100 requests per minute per endpoint.` */
export function budgetLine(b: Budget): string {
  const [top, n] = Object.entries(b.by_endpoint).sort(([, x], [, y]) => y - x)[0] ?? ['', 0];
  return `Apply: ${b.requests} requests${top ? ` (${n} ${top})` : ''}; at least ${duration(b.min_seconds)} at ${b.rate_per_minute} requests per minute per endpoint.`;
}
