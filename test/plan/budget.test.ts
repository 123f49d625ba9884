import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/desired/schema.js';
import { budgetLine, duration, requestBudget } from '../../src/plan/budget.js';
import { buildPlan } from '../../src/plan/planner.js';
import { desired, int, live, org } from './fixtures.js';

// Every plan states what apply of it costs: applies against this API are bounded by requests.

const A = org('org_a', '[TEST] Acme');
const creates = (n: number) => `organisations: [{name: Acme, integrations: [${Array.from({ length: n }, (_, i) => `{name: F${i}, merchant_ids: [m1]}`).join(', ')}]}]`;
const listed = { 'GET /v1/organisations': 3, 'GET /v1/integrations': 5 };

describe('the request budget', () => {
  it('400 integration creates: the listing twice (apply, then its check), the writes; the busiest endpoint bounds the time', () => {
    const plan = buildPlan(desired(creates(400)), live([A], [], { listing: listed }));
    expect(plan.budget).toEqual({
      requests: 416,
      by_endpoint: { 'GET /v1/integrations': 10, 'GET /v1/organisations': 6, 'POST /v1/integrations': 400 },
      rate_per_minute: 100,
      // the first 100 may go at once; each further 100 waits for a minute to pass
      min_seconds: 180,
    });
    expect(budgetLine(plan.budget)).toBe('Apply: 416 requests (400 POST /v1/integrations); at least 3 min at 100 requests per minute per endpoint.');
  });

  it('a learned rate for one endpoint, --max-rpm for the rest', () => {
    const plan = buildPlan(desired(creates(400)), live([A], [], { listing: listed }), { budget: { limits: { 'POST /v1/integrations': { limit: 50, windowMs: 60_000 } }, defaultLimit: { limit: 30, windowMs: 60_000 } } });
    expect(plan.budget.min_seconds).toBe(420);
    expect(plan.budget.rate_per_minute).toBe(50);
  });

  it('a learned window that is not a minute (20 per second): 400 creates need 19 s', () => {
    const plan = buildPlan(desired(creates(400)), live([A], [], { listing: listed }), { budget: { limits: { 'POST /v1/integrations': { limit: 20, windowMs: 1000 } } } });
    expect(plan.budget.min_seconds).toBe(19);
    expect(plan.budget.rate_per_minute).toBe(1200);
  });

  it('a small apply fits in one window: no time is claimed (seen: "at least 2 s" for 4 requests that took 0.1 s)', () => {
    const plan = buildPlan(desired(creates(2)), live([A], [], { listing: listed }));
    expect(plan.budget.min_seconds).toBe(0);
    expect(budgetLine(plan.budget)).toBe('Apply: 18 requests (10 GET /v1/integrations); within the rate limit (100 requests per minute per endpoint).');
  });

  it('--no-verify: the listing once', () => {
    expect(buildPlan(desired(creates(2)), live([A], [], { listing: listed }), { budget: { verify: false } }).budget.requests).toBe(10);
  });

  it('every kind: replaces cost two writes, blocked and unreconcilable actions none; integrations under a new organisation wait for one more organisation listing', () => {
    const d = desired(`allow_replace: true
organisations:
  - {name: Acme Ltd, id: org_a, integrations: [{name: Swap, merchant_ids: [m2]}, {name: Keep, merchant_ids: [m1]}]}
  - {name: Fresh, integrations: [{name: New, merchant_ids: [m9]}]}`);
    const l = live([A, org('org_b', 'Gone'), org('org_c', 'Blocked')], [int('i1', 'org_a', 'Swap'), int('i2', 'org_a', 'Keep'), int('i3', 'org_a', 'Old'), int('i4', 'org_c', 'X')], { listing: listed });
    expect(buildPlan(d, l).budget.by_endpoint).toEqual({
      'DELETE /v1/organisations/{id}': 1,
      'GET /v1/integrations': 10,
      'GET /v1/organisations': 9,
      'PATCH /v1/integrations/{id}': 2, // the replace's disable, the pruned Old
      'PATCH /v1/organisations/{id}': 1,
      'POST /v1/integrations': 2,
      'POST /v1/organisations': 1,
    });
  });

  it('without a known listing, one page each is assumed', () => {
    expect(requestBudget([]).by_endpoint).toEqual({ 'GET /v1/integrations': 2, 'GET /v1/organisations': 2 });
  });

  it('is in the JSON plan, described by the schema', () => {
    const plan = buildPlan(desired(creates(3)), live([A], [], { fingerprint: `sha256:${'0'.repeat(64)}` }));
    const validate = schemaValidator('plan');
    expect(validate(JSON.parse(JSON.stringify(plan))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...JSON.parse(JSON.stringify(plan)), budget: { requests: 1 } })).toBe(false);
  });

  it.each([
    [0.4, '0.4 s'],
    [45, '45 s'],
    [240, '4 min'],
    [3900, '1 h 5 min'],
  ])('duration(%d) = %s', (s, text) => expect(duration(s)).toBe(text));
});
