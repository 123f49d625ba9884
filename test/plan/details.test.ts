import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/planner.js';
import { desired, int, line, live, org } from './fixtures.js';

const A = org('org_a', '[TEST] Acme');

describe('action details', () => {
  it('a rename sends the name as the file writes it and records from/to', () => {
    const [a] = buildPlan(desired('organisations: [{name: Acme Ltd, id: org_a}]'), live([A])).actions;
    expect(a).toMatchObject({ changes: { name: { from: '[TEST] Acme', to: 'Acme Ltd' } }, body: { name: 'Acme Ltd' }, status: 'pending' });
  });

  it('integrations of a new organisation depend on its create and have no organisation id yet', () => {
    const plan = buildPlan(desired('organisations: [{name: Gamma, integrations: [{name: Shop, merchant_ids: [m1, m2]}]}]'), live([]));
    expect(plan.actions[1]).toEqual({
      kind: 'create_integration',
      address: 'organisation["Gamma"].integration["Shop"]',
      id: null,
      file: 'case.yaml',
      path: 'organisations[0].integrations[0]',
      organisation: 'organisation["Gamma"]',
      organisation_id: null,
      changes: { name: { from: null, to: 'Shop' }, status: { from: null, to: 'ENABLED' }, merchant_ids: { from: null, to: ['m1', 'm2'] } },
      body: { name: 'Shop', type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: ['m1', 'm2'] },
      depends_on: ['organisation["Gamma"]'],
      status: 'pending',
    });
  });

  it('a rename and a disable of one integration are one update', () => {
    const plan = buildPlan(desired('organisations: [{name: Acme, integrations: [{name: New, id: i1, status: DISABLED, merchant_ids: [m1]}]}]'), live([A], [int('i1', 'org_a', 'Old')]));
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      kind: 'update_integration',
      organisation_id: 'org_a',
      changes: { name: { from: 'Old', to: 'New' }, status: { from: 'ENABLED', to: 'DISABLED' } },
      body: { name: 'New', status: 'DISABLED' },
    });
  });

  it('a replace says why and what it will send', () => {
    const plan = buildPlan(desired('organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m2]}]}]'), live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' })]));
    expect(plan.actions[0]).toMatchObject({
      changes: { merchant_ids: { from: ['m1'], to: ['m2'] }, status: { from: 'DISABLED', to: 'ENABLED' } },
      body: { name: 'Shop', type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: ['m2'] },
      status: 'unreconcilable',
    });
    expect(plan.actions[0]!.reason).toMatch(/merchant_ids cannot be changed in place and a DISABLED integration cannot be re-enabled; set allow_replace/);
  });

  it('a blocked delete gives the remedy', () => {
    const plan = buildPlan(desired('organisations: []\nprune: {organisations: true}'), live([A], [int('i1', 'org_a', 'S'), int('i2', 'org_a', 'X', { type: 'SHOPIFY' })]));
    expect(plan.actions[0]!.reason).toBe('has 2 integrations (1 not CUSTOM_ORDERS), which can never be deleted: list the organisation in the file, or add it to ignore');
  });

  it('unmanaged integrations of listed organisations are reported', () => {
    const plan = buildPlan(desired('organisations: [{name: Acme}]'), live([A], [int('i1', 'org_a', 'Shopify', { type: 'SHOPIFY' })]));
    expect(plan.unmanaged).toEqual([{ address: 'organisation["Acme"].integration["Shopify"]', id: 'i1', type: 'SHOPIFY', status: 'ENABLED' }]);
  });

  it('the kinds run in the order of SPEC §5', () => {
    const plan = buildPlan(
      desired('allow_replace: true\norganisations: [{name: Zed, id: org_a, integrations: [{name: R, merchant_ids: [m9]}, {name: N, merchant_ids: [m1]}]}, {name: Aaa}]'),
      live([A, org('org_b', 'B')], [int('i1', 'org_a', 'R'), int('i2', 'org_a', 'U')]),
    );
    expect(plan.actions.map((a) => a.kind)).toEqual(['create_organisation', 'rename_organisation', 'create_integration', 'update_integration', 'replace_integration', 'delete_organisation']);
  });

  it('summary counts by what happens', () => {
    const plan = buildPlan(
      desired('organisations: [{name: Acme, id: org_a, integrations: [{name: R2, id: i1, merchant_ids: [m1]}, {name: X, merchant_ids: [m5]}]}, {name: New}]'),
      live([A, org('org_b', 'B'), org('org_c', 'C')], [int('i1', 'org_a', 'R'), int('i2', 'org_a', 'Dis'), int('i3', 'org_c', 'Keep')]),
    );
    expect(plan.actions.map(line)).toEqual([
      'create_organisation organisation["New"]',
      'create_integration organisation["Acme"].integration["X"]',
      'update_integration organisation["Acme"].integration["Dis"] i2',
      'update_integration organisation["Acme"].integration["R2"] i1',
      'delete_organisation organisation["B"] org_b',
      'delete_organisation organisation["C"] org_c [blocked:HAS_INTEGRATIONS]',
    ]);
    expect(plan.summary).toEqual({ create: 2, rename: 1, disable: 1, replace: 0, delete: 1, blocked: 1, unreconcilable: 0 });
  });

  it('carries the live fingerprint and key level', () => {
    const plan = buildPlan(desired('organisations: []\nprune: {organisations: false}'), live([A], [], { fingerprint: 'sha256:abc' }));
    expect(plan).toMatchObject({ format_version: 1, live_fingerprint: 'sha256:abc', key_level: 'partner' });
  });

  it('warns when the mode cannot be read', () => {
    const plan = buildPlan(desired('mode: TEST\norganisations: [{name: Acme}]'), live([]));
    expect(plan.warnings[0]).toMatch(/partner mode cannot be read \(no organisation is visible\)/);
  });

  it('warns when an organisation-level key cannot read the mode', () => {
    const plan = buildPlan(desired('mode: LIVE\norganisations: [{name: Acme, id: org_a}]'), live([], [], { keyLevel: 'organisation', organisationId: 'org_a' }));
    expect(plan.warnings).toContain('the partner mode cannot be read (an organisation-level key cannot read organisations), so mode: LIVE is not checked; creates go ahead');
  });
});

describe('safety', () => {
  const orgs = (n: number) => Array.from({ length: n }, (_, i) => org(`org_${i}`, `O${i}`));
  const keep = (n: number) => `organisations: [${Array.from({ length: n }, (_, i) => `{name: O${i}}`).join(', ')}]`;

  it.each([
    [10, 7, 0], // 3 of 10 deleted = 30%: allowed
    [10, 6, 1], // 4 of 10 = 40%
    [9, 0, 0], // fewer than 10: not guarded
    [20, 13, 1], // 7 of 20 = 35%
  ])('%i live organisations, %i kept: %i violation(s)', (total, kept, violations) => {
    const plan = buildPlan(desired(keep(kept) + (kept === 0 ? '' : '')), live(orgs(total)));
    expect(plan.safety.violations.filter((v) => v.kind === 'organisations')).toHaveLength(violations);
  });

  // seen: 7 of 25 at 28% and 7 of 100 at 7% refused by floating-point error
  it.each([
    [25, 7, 28, 0],
    [25, 8, 28, 1],
    [100, 7, 7, 0],
    [100, 8, 7, 1],
    [30, 10, 33, 1],
    [29, 7, 24, 1], // 24.1%: above, though it rounds to 24
  ])('exactly at the limit is allowed: %i live, %i deleted, max %i percent: %i violation(s)', (total, deleted, max, violations) => {
    const plan = buildPlan(desired(`safety: {max_destructive_percent: ${max}}\n${keep(total - deleted)}`), live(orgs(total)));
    expect(plan.safety.violations).toHaveLength(violations);
  });

  it('ignored organisations count in neither the part nor the whole', () => {
    // 12 live, 2 ignored: 10 managed, 4 deleted = 40%
    const file = `ignore: {organisations: [org_10, org_11]}\n${keep(6)}`;
    const v = buildPlan(desired(file), live(orgs(12))).safety.violations;
    expect(v).toEqual([{ kind: 'organisations', destructive: 4, total: 10, message: 'would delete 4 of 10 live organisations (40%), more than max_destructive_percent 30%' }]);
  });

  it('blocked deletes do not count', () => {
    const ints = Array.from({ length: 5 }, (_, i) => int(`i${i}`, `org_${i + 5}`, 'F', { status: 'DISABLED' }));
    expect(buildPlan(desired(keep(5)), live(orgs(10), ints)).safety.violations).toEqual([]);
  });

  it('disables and replaces count against integrations', () => {
    const ints = Array.from({ length: 10 }, (_, i) => int(`i${i}`, 'org_0', `I${i}`));
    const listed = Array.from({ length: 6 }, (_, i) => `{name: I${i}, merchant_ids: [m1]}`).join(', ');
    const v = buildPlan(desired(`organisations: [{name: O0, integrations: [${listed}]}]`), live(orgs(1), ints)).safety.violations;
    expect(v.map((x) => [x.kind, x.destructive, x.total])).toEqual([['integrations', 4, 10]]);
  });

  it('a threshold from the file', () => {
    const v = buildPlan(desired(`safety: {max_destructive_percent: 50}\n${keep(6)}`), live(orgs(10))).safety.violations;
    expect(v).toEqual([]);
  });

  it('an empty file while pruning organisations', () => {
    const v = buildPlan(desired('organisations: []'), live(orgs(2))).safety.violations;
    expect(v.map((x) => x.kind)).toEqual(['empty_file']);
  });
});
