import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FailureKind } from '../../src/live/errors.js';
import { backoffMs, decide, type Attempt, type Decision, type PolicyLimits, type PolicyState } from '../../src/live/policy.js';

// The client's whole retry, redirect and ambiguity policy, read as a table: what it does after
// each kind of attempt, for each method, with and without an earlier attempt that may have applied.

const LIMITS: PolicyLimits = { retries: 2, backoffBaseMs: 100, backoffMaxMs: 1000, maxRedirects: 5 };
const ORIGIN = 'https://api.example.com';

const state = (method: string, extra: Partial<PolicyState> = {}): PolicyState => ({
  method,
  url: new URL(`${ORIGIN}/v1/organisations?limit=5`),
  origin: ORIGIN,
  failures: 0,
  redirects: 0,
  mayHaveApplied: false,
  ...extra,
});
const answer = (status: number, headers: Record<string, string> = {}): Attempt => ({ answered: true, status, headers: new Headers(headers) });
const failure = (kind: FailureKind, more: { code?: string; status?: number } = {}): Attempt => ({ answered: false, kind, ...more });

/** The decision without its details: `retry`, `follow <url>`, `done 204`, `fail kind` (+ `ambiguous`). */
function short(d: Decision): string {
  if (d.action === 'retry') return `retry${d.next.mayHaveApplied ? ' (may have applied)' : ''}`;
  if (d.action === 'follow') return `follow ${d.to.href}`;
  if (d.action === 'done') return `done ${d.status}`;
  return `fail ${d.kind}${d.ambiguous ? ' ambiguous' : ''}`;
}

const LOC = (l: string) => ({ location: l });

describe('the policy, by table', () => {
  it.each<[string, string, Attempt, Partial<PolicyState>, string]>([
    // answers
    ['200 on GET', 'GET', answer(200), {}, 'done 200'],
    ['201 on POST', 'POST', answer(201), {}, 'done 201'],
    ['204 on DELETE', 'DELETE', answer(204), {}, 'done 204'],
    ['400 on POST', 'POST', answer(400), {}, 'fail http'],
    ['422 on PATCH', 'PATCH', answer(422), {}, 'fail http'],
    ['404 on GET', 'GET', answer(404), {}, 'fail http'],
    ['404 on a first DELETE', 'DELETE', answer(404), {}, 'fail http'],
    ['404 on a DELETE after an attempt that may have deleted', 'DELETE', answer(404), { mayHaveApplied: true }, 'done 204'],
    ['404 on a PATCH after an attempt that may have applied', 'PATCH', answer(404), { mayHaveApplied: true }, 'fail http'],
    ['429 once its waits are spent (the pacer waits them out before)', 'GET', answer(429), {}, 'fail http'],
    ['500 on GET', 'GET', answer(500), {}, 'retry (may have applied)'],
    ['502 on PATCH', 'PATCH', answer(502), {}, 'retry (may have applied)'],
    ['503 on DELETE', 'DELETE', answer(503), {}, 'retry (may have applied)'],
    ['503 on GET, retries spent', 'GET', answer(503), { failures: 2 }, 'fail http'],
    ['500 on POST', 'POST', answer(500), {}, 'fail http ambiguous'],
    ['502 on POST', 'POST', answer(502), {}, 'fail http ambiguous'],
    ['503 on POST', 'POST', answer(503), {}, 'fail http ambiguous'],
    ['504 on POST', 'POST', answer(504), {}, 'fail http ambiguous'],
    // redirects
    ['301 on GET, same origin', 'GET', answer(301, LOC('/v1/organisations/?limit=5')), {}, `follow ${ORIGIN}/v1/organisations/?limit=5`],
    ['308 on GET, relative to the answering URL', 'GET', answer(308, LOC('other')), {}, `follow ${ORIGIN}/v1/other`],
    ['302 on GET to another origin', 'GET', answer(302, LOC('https://evil.example.com/v1/organisations')), {}, 'fail redirect'],
    ['302 on GET to http on the same host', 'GET', answer(302, LOC('http://api.example.com/v1/organisations')), {}, 'fail redirect'],
    ['302 on GET without Location', 'GET', answer(302), {}, 'fail redirect'],
    ['302 on GET after 5 redirects', 'GET', answer(302, LOC('/v1/x')), { redirects: 5 }, 'fail redirect'],
    ['302 on GET after 4 redirects', 'GET', answer(302, LOC('/v1/x')), { redirects: 4 }, `follow ${ORIGIN}/v1/x`],
    ['307 on POST, same origin', 'POST', answer(307, LOC('/v1/organisations/')), {}, 'fail redirect'],
    ['301 on PATCH', 'PATCH', answer(301, LOC('/v1/x')), {}, 'fail redirect'],
    ['308 on DELETE', 'DELETE', answer(308, LOC('/v1/x')), {}, 'fail redirect'],
    // failures before an answer
    ['refused GET', 'GET', failure('refused', { code: 'ECONNREFUSED' }), {}, 'retry'],
    ['refused POST (it never left)', 'POST', failure('refused', { code: 'ECONNREFUSED' }), {}, 'retry'],
    ['refused POST, retries spent', 'POST', failure('refused'), { failures: 2 }, 'fail refused'],
    ['timeout on GET', 'GET', failure('timeout'), {}, 'retry (may have applied)'],
    ['timeout on POST', 'POST', failure('timeout'), {}, 'fail timeout ambiguous'],
    ['dropped connection on POST', 'POST', failure('network', { code: 'ECONNRESET' }), {}, 'fail network ambiguous'],
    ['dropped connection on DELETE', 'DELETE', failure('network', { code: 'ECONNRESET' }), {}, 'retry (may have applied)'],
    ['dropped connection on PATCH, retries spent', 'PATCH', failure('network'), { failures: 2 }, 'fail network'],
    ['host not found on GET', 'GET', failure('unresolved', { code: 'ENOTFOUND' }), {}, 'fail unresolved'],
    ['host not found on POST', 'POST', failure('unresolved', { code: 'ENOTFOUND' }), {}, 'fail unresolved'],
    ['resolver failing for now (EAI_AGAIN) on POST', 'POST', failure('unresolved', { code: 'EAI_AGAIN' }), {}, 'retry'],
    ['certificate not trusted on GET', 'GET', failure('certificate', { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }), {}, 'fail certificate'],
    ['certificate expired on POST', 'POST', failure('certificate', { code: 'CERT_HAS_EXPIRED' }), {}, 'fail certificate'],
    ['certificate for another host on DELETE', 'DELETE', failure('certificate', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), {}, 'fail certificate'],
    ['proxy asking for credentials', 'GET', failure('proxy', { status: 407 }), {}, 'fail proxy'],
    ['proxy refusing the tunnel on POST (the request never left)', 'POST', failure('proxy', { status: 502 }), {}, 'retry'],
    ['answer too large on GET', 'GET', failure('too_large', { status: 200 }), {}, 'fail too_large'],
    ['answer too large on a 201 to POST (it happened)', 'POST', failure('too_large', { status: 201 }), {}, 'fail too_large ambiguous'],
    ['answer too large on a 503 to POST', 'POST', failure('too_large', { status: 503 }), {}, 'fail too_large'],
  ])('%s', (_what, method, attempt, extra, expected) => {
    expect(short(decide(state(method, extra), attempt, LIMITS, 0.5))).toBe(expected);
  });

  it('words the redirect failures it decides', () => {
    const d = decide(state('POST'), answer(307, LOC('/v1/organisations/')), LIMITS, 0);
    expect(d).toMatchObject({ message: `answered 307 with a redirect to ${ORIGIN}/v1/organisations/; writes are never redirected, so nothing was written (check the API URL)` });
    expect(decide(state('GET'), answer(302, LOC('https://evil.example.com/')), LIMITS, 0)).toMatchObject({
      message: `redirected from ${ORIGIN} to https://evil.example.com: not followed (the key never goes to another origin)`,
    });
    expect(decide(state('GET'), answer(302, LOC('/x')), { ...LIMITS, maxRedirects: 0 }, 0)).toMatchObject({ message: 'more than 0 redirects' });
  });

  it('retries after an exponential backoff with jitter, counting the failure', () => {
    const d = decide(state('GET', { failures: 1 }), answer(503), { ...LIMITS, retries: 5 }, 0);
    expect(d).toMatchObject({ action: 'retry', afterMs: 100, next: { failures: 2, mayHaveApplied: true } });
    expect(backoffMs(1, LIMITS, 0)).toBe(50);
    expect(backoffMs(3, LIMITS, 0.999)).toBeCloseTo(399.8);
    expect(backoffMs(10, LIMITS, 0)).toBe(500); // capped at backoffMaxMs, then jittered
  });
});

// ── The guarantees, for any sequence of attempts ──

const METHODS = ['GET', 'POST', 'PATCH', 'DELETE'];
const KINDS: FailureKind[] = ['network', 'timeout', 'refused', 'unresolved', 'certificate', 'proxy', 'too_large'];
const arbAttempt: fc.Arbitrary<Attempt> = fc.oneof(
  fc.record({
    status: fc.constantFrom(200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 404, 409, 422, 429, 500, 502, 503, 504),
    location: fc.constantFrom(null, '/v1/next', 'https://api.example.com/v1/x', 'https://other.example.com/v1/x', 'http://api.example.com/v1/x', '::bad'),
  }).map(({ status, location }): Attempt => answer(status, location ? { location } : {})),
  fc.record({ kind: fc.constantFrom(...KINDS), code: fc.constantFrom(undefined, 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'), status: fc.constantFrom(undefined, 200, 201, 407, 502) }).map(
    ({ kind, code, status }): Attempt => ({ answered: false, kind, ...(code ? { code } : {}), ...(status ? { status } : {}) }),
  ),
);

/** Runs the policy over a sequence of attempts, as the loop does, until it stops. */
function run(method: string, attempts: Attempt[]) {
  let s = state(method);
  const seen: { attempt: Attempt; d: Decision }[] = [];
  for (const attempt of attempts) {
    const d = decide(s, attempt, LIMITS, 0.5);
    seen.push({ attempt, d });
    if (d.action !== 'retry' && d.action !== 'follow') break;
    s = d.next;
  }
  return seen;
}

/** an answer came, or the connection failed after the request may have been sent */
const mayHaveReached = (a: Attempt) => a.answered || a.kind === 'network' || a.kind === 'timeout' || a.kind === 'too_large';

describe('the policy, for any sequence of attempts', () => {
  const sequences = fc.tuple(fc.constantFrom(...METHODS), fc.array(arbAttempt, { minLength: 1, maxLength: 12 }));

  it('a POST is sent again only after an attempt that surely never reached the server', () => {
    fc.assert(
      fc.property(sequences, ([method, attempts]) => {
        for (const { attempt, d } of run(method, attempts)) {
          if (method === 'POST' && d.action === 'retry') expect(mayHaveReached(attempt)).toBe(false);
          // and a POST that may have reached the server and failed says so
          if (method === 'POST' && !attempt.answered && (attempt.kind === 'network' || attempt.kind === 'timeout')) expect(d).toMatchObject({ action: 'fail', ambiguous: true });
        }
      }),
      { seed: 20, numRuns: 500 },
    );
  });

  it('only a GET is redirected, only on the API origin, at most maxRedirects times; retries stay within the limit', () => {
    fc.assert(
      fc.property(sequences, ([method, attempts]) => {
        const seen = run(method, attempts);
        const follows = seen.filter((x) => x.d.action === 'follow');
        for (const { d } of follows) {
          expect(method).toBe('GET');
          if (d.action === 'follow') expect(d.to.origin).toBe(ORIGIN);
        }
        expect(follows.length).toBeLessThanOrEqual(LIMITS.maxRedirects);
        expect(seen.filter((x) => x.d.action === 'retry').length).toBeLessThanOrEqual(LIMITS.retries);
      }),
      { seed: 21, numRuns: 500 },
    );
  });

  it('a certificate refused or a host that does not exist is never retried', () => {
    fc.assert(
      fc.property(fc.constantFrom(...METHODS), fc.nat(LIMITS.retries), fc.boolean(), (method, failures, mayHaveApplied) => {
        for (const a of [failure('certificate', { code: 'CERT_HAS_EXPIRED' }), failure('unresolved', { code: 'ENOTFOUND' })]) {
          expect(decide(state(method, { failures, mayHaveApplied }), a, LIMITS, 0.5)).toMatchObject({ action: 'fail', ambiguous: false });
        }
      }),
      { seed: 22 },
    );
  });

  it('an ambiguous failure is always a write that may have reached the server', () => {
    fc.assert(
      fc.property(sequences, ([method, attempts]) => {
        for (const { attempt, d } of run(method, attempts)) if (d.action === 'fail' && d.ambiguous) expect(method !== 'GET' && mayHaveReached(attempt)).toBe(true);
      }),
      { seed: 23, numRuns: 500 },
    );
  });
});
