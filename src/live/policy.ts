// PURE. What the client does after each attempt: retry (after how long), follow (where), done,
// or fail. The request loop (client.ts) only sends, waits and counts; every rule about which
// request may be sent again lives here, so it can be read, and tested, as one table.
//
// The rules: a POST is sent again only when it surely never reached the server (refused, a
// host that did not resolve yet, a proxy that refused the tunnel; a 429 is the pacer's, before
// this). Reads, PATCH and DELETE are idempotent and retried after network errors, timeouts and
// 5xx. Failures that cannot heal (a certificate refused, a host that does not exist, an answer
// too large, a proxy asking for credentials) fail at once. A write is never redirected, and the
// key never goes to another origin.

import type { FailureKind } from './errors.js';

/** What an attempt came to: an answer (its status and headers), or a failure before one. */
export type Attempt =
  | { answered: true; status: number; headers: Headers }
  | {
      answered: false;
      kind: FailureKind;
      /** the system or TLS code behind a network failure (EAI_AGAIN, CERT_HAS_EXPIRED, ...) */
      code?: string;
      /** the status of an answer refused for its size, or of a proxy's refusal */
      status?: number;
    };

/** What the loop knows before this attempt's decision. */
export interface PolicyState {
  method: string;
  /** the URL that answered (a Location is resolved against it) */
  url: URL;
  /** the API's origin: the only one a read is redirected to */
  origin: string;
  /** earlier failures counted against `retries` */
  failures: number;
  redirects: number;
  /** an earlier attempt failed in a way that may have reached the server */
  mayHaveApplied: boolean;
}

export interface PolicyLimits {
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxRedirects: number;
}

export type Decision =
  /** `status` is the one to report: a DELETE's 404 after an attempt that may have deleted is 204 */
  | { action: 'done'; status: number }
  | { action: 'retry'; afterMs: number; next: PolicyState }
  | { action: 'follow'; to: URL; next: PolicyState }
  /** `message` when the policy words the failure itself; otherwise the failure's or the body's */
  | { action: 'fail'; kind: FailureKind; ambiguous: boolean; message?: string };

export const DEFAULT_LIMITS: PolicyLimits = { retries: 5, backoffBaseMs: 200, backoffMaxMs: 5000, maxRedirects: 5 };

/** Exponential backoff with jitter in [0.5, 1) of the step; `jitter` is a number in [0, 1). */
export const backoffMs = (failures: number, limits: PolicyLimits, jitter: number) =>
  Math.min(limits.backoffMaxMs, limits.backoffBaseMs * 2 ** (failures - 1)) * (0.5 + jitter / 2);

/** Failures after which the request surely never reached the server: any method may be sent again. */
function neverSent(a: Extract<Attempt, { answered: false }>): boolean {
  if (a.kind === 'refused') return true;
  if (a.kind === 'unresolved') return a.code === 'EAI_AGAIN'; // a resolver that failed for now
  if (a.kind === 'proxy') return a.status !== 407;
  return false;
}

/** Failures that another attempt cannot change. */
const PERMANENT: FailureKind[] = ['certificate', 'tls', 'too_large'];

export function decide(state: PolicyState, attempt: Attempt, limits: PolicyLimits, jitter: number): Decision {
  const { method } = state;
  const isPost = method === 'POST';
  const retry = (mayHaveApplied: boolean): Decision => {
    const failures = state.failures + 1;
    return { action: 'retry', afterMs: backoffMs(failures, limits, jitter), next: { ...state, failures, mayHaveApplied: state.mayHaveApplied || mayHaveApplied } };
  };
  const exhausted = state.failures >= limits.retries;

  if (!attempt.answered) {
    const { kind, status } = attempt;
    // a write answered 2xx happened even if its answer cannot be read
    if (kind === 'too_large') return { action: 'fail', kind, ambiguous: isPost && !!status && status >= 200 && status < 300 };
    if (PERMANENT.includes(kind)) return { action: 'fail', kind, ambiguous: false };
    if (neverSent(attempt)) return exhausted ? { action: 'fail', kind, ambiguous: false } : retry(false);
    if (kind === 'unresolved' || kind === 'proxy') return { action: 'fail', kind, ambiguous: false };
    // timeout, dropped connection: the request may have reached the server
    if (isPost) return { action: 'fail', kind, ambiguous: true };
    return exhausted ? { action: 'fail', kind, ambiguous: false } : retry(true);
  }

  const { status, headers } = attempt;
  if (status >= 200 && status < 300) return { action: 'done', status };
  if (status >= 300 && status < 400) return redirect(state, status, headers.get('location'), limits);
  // A DELETE retried after a failure that may have gone through: 404 means it did.
  if (status === 404 && method === 'DELETE' && state.mayHaveApplied) return { action: 'done', status: 204 };
  if (status >= 500) {
    if (isPost) return { action: 'fail', kind: 'http', ambiguous: true };
    if (!exhausted) return retry(true);
  }
  return { action: 'fail', kind: 'http', ambiguous: false };
}

function redirect(state: PolicyState, status: number, location: string | null, limits: PolicyLimits): Decision {
  const fail = (message: string): Decision => ({ action: 'fail', kind: 'redirect', ambiguous: false, message });
  const to = resolveLocation(location, state.url);
  // A write is never redirected: fetch would turn a POST into a GET after 301-303, and resend
  // the body elsewhere after 307/308. Nothing was written where we meant it.
  if (state.method !== 'GET') {
    return fail(`answered ${status} with a redirect${to ? ` to ${to.origin}${to.pathname}` : ''}; writes are never redirected, so nothing was written (check the API URL)`);
  }
  if (!to) return fail(`answered ${status} without a usable Location`);
  if (to.origin !== state.origin) return fail(`redirected from ${state.origin} to ${to.origin}: not followed (the key never goes to another origin)`);
  if (state.redirects >= limits.maxRedirects) return fail(`more than ${limits.maxRedirects} redirects`);
  return { action: 'follow', to, next: { ...state, url: to, redirects: state.redirects + 1 } };
}

/** Location resolved against the URL that answered; null when there is none or it is not a URL. */
export function resolveLocation(location: string | null, from: URL): URL | null {
  if (!location) return null;
  try {
    return new URL(location, from);
  } catch {
    return null;
  }
}

/**
 * Retry-After in seconds or as an HTTP date, in ms. A date is read against the answer's own
 * `Date` header when it has one (the server's clock, so a skewed clock does not matter; both
 * are whole seconds, so the wait is good to about a second), else against ours. A date at or
 * before that "now" says nothing usable (a gateway truncating a reset less than a second
 * away, a clock behind): unknown, as if there were none (the backoff rule applies), never
 * "0 s", which would send the request again at once.
 */
export function retryAfterMs(header: string | null, now = Date.now(), date: string | null = null): number | null {
  if (!header) return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  if (Number.isNaN(at)) return null;
  const served = date ? Date.parse(date) : NaN;
  const ms = at - (Number.isNaN(served) ? now : served);
  return ms > 0 ? ms : null;
}
