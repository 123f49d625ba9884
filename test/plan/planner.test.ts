import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/plan/match.js';
import { buildPlan, type PlanOptions } from '../../src/plan/planner.js';
import type { LiveState } from '../../src/model.js';
import { desired, int, line, live, org } from './fixtures.js';

interface Case {
  file: string;
  live: LiveState;
  options?: PlanOptions;
  /** expected action lines, or a plan error */
  expect: string[] | RegExp;
}

const A = org('org_a', '[TEST] Acme');
const B = org('org_b', '[TEST] Beta');

const CASES: Record<string, Case> = {
  // ---- organisations: matching and the TEST prefix ----
  'matching file: no changes (prefix ignored)': { file: 'organisations: [{name: Acme}]', live: live([A]), expect: [] },
  'file writes the prefix too': { file: 'organisations: [{name: "[TEST] Acme"}]', live: live([A]), expect: [] },
  'live name without the prefix (PATCH left it off)': { file: 'organisations: [{name: Acme}]', live: live([org('org_a', 'Acme')]), expect: [] },
  'prefix without a space': { file: 'organisations: [{name: Acme}]', live: live([org('org_a', '[TEST]Acme')]), expect: [] },
  'create an organisation': { file: 'organisations: [{name: Acme}, {name: Gamma}]', live: live([A]), expect: ['create_organisation organisation["Gamma"]'] },
  'rename through a pinned id': { file: 'organisations: [{name: Acme Ltd, id: org_a}]', live: live([A]), expect: ['rename_organisation organisation["Acme Ltd"] org_a'] },
  'names are case-sensitive: a case change is a rename': { file: 'organisations: [{name: ACME, id: org_a}]', live: live([A]), expect: ['rename_organisation organisation["ACME"] org_a'] },
  'an unpinned new name is a create (and the old one pruned)': {
    file: 'organisations: [{name: Acme Ltd}]',
    live: live([A]),
    expect: ['create_organisation organisation["Acme Ltd"]', 'delete_organisation organisation["Acme"] org_a'],
  },
  'a pinned id wins over a name': {
    file: 'organisations: [{name: Acme, id: org_b}]',
    live: live([A, B]),
    expect: ['rename_organisation organisation["Acme"] org_b', 'delete_organisation organisation["Acme"]#org_a org_a'],
  },
  'pinned id not found': { file: 'organisations: [{name: Acme, id: org_zz}]', live: live([A]), expect: /organisation id "org_zz" not found, or not visible/ },
  'two live organisations with one name': { file: 'organisations: [{name: Acme}]', live: live([A, org('org_a2', 'Acme')]), expect: /2 live organisations are named "Acme" \(org_a, org_a2\): pin one/ },
  'a namesake pair is fine when the file pins one': {
    file: 'organisations: [{name: Acme, id: org_a2}]',
    live: live([A, org('org_a2', 'Acme')]),
    expect: ['delete_organisation organisation["Acme"]#org_a org_a'],
  },

  // ---- pruning, ignore and delete blocking ----
  'an unlisted empty organisation is deleted': { file: 'organisations: [{name: Acme}]', live: live([A, B]), expect: ['delete_organisation organisation["Beta"] org_b'] },
  'an unlisted organisation with integrations is blocked': {
    file: 'organisations: [{name: Acme}]',
    live: live([A, B], [int('i1', 'org_b', 'Feed')]),
    expect: ['delete_organisation organisation["Beta"] org_b [blocked:HAS_INTEGRATIONS]'],
  },
  'disabled integrations block too': {
    file: 'organisations: [{name: Acme}]',
    live: live([A, B], [int('i1', 'org_b', 'Feed', { status: 'DISABLED' })]),
    expect: ['delete_organisation organisation["Beta"] org_b [blocked:HAS_INTEGRATIONS]'],
  },
  'an integration of another type blocks the delete': {
    file: 'organisations: [{name: Acme}]',
    live: live([A, B], [int('i1', 'org_b', 'Shopify', { type: 'SHOPIFY' })]),
    expect: ['delete_organisation organisation["Beta"] org_b [blocked:HAS_INTEGRATIONS]'],
  },
  'an unlisted organisation keeps its integrations enabled': {
    file: 'organisations: [{name: Acme}]',
    live: live([A, B], [int('i1', 'org_b', 'Feed'), int('i2', 'org_b', 'Other')]),
    expect: ['delete_organisation organisation["Beta"] org_b [blocked:HAS_INTEGRATIONS]'],
  },
  'prune.organisations off: nothing deleted': { file: 'prune: {organisations: false}\norganisations: [{name: Acme}]', live: live([A, B]), expect: [] },
  'ignore by id': { file: 'ignore: {organisations: [org_b]}\norganisations: [{name: Acme}]', live: live([A, B]), expect: [] },
  'ignore by name, compared without the prefix': { file: 'ignore: {organisations: [Beta]}\norganisations: [{name: Acme}]', live: live([A, B]), expect: [] },
  'ignore by name written with the prefix': { file: 'ignore: {organisations: ["[TEST] Beta"]}\norganisations: [{name: Acme}]', live: live([A, org('org_b', 'Beta')]), expect: [] },
  'a pinned organisation that ignore also matches': { file: 'ignore: {organisations: [Acme]}\norganisations: [{name: Other, id: org_a}]', live: live([A]), expect: /listed here and also matched by ignore/ },
  'an empty file with prune off changes nothing': { file: 'prune: {organisations: false}\norganisations: []', live: live([A, B]), expect: [] },

  // ---- integrations ----
  'integration unchanged': { file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1]}]}]', live: live([A], [int('i1', 'org_a', 'Shop')]), expect: [] },
  'merchant order does not matter': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m2, m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { m: ['m1', 'm2'] })]),
    expect: [],
  },
  'create an integration in a live organisation': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1]}]}]',
    live: live([A]),
    expect: ['create_integration organisation["Acme"].integration["Shop"]'],
  },
  'create an organisation with integrations': {
    file: 'organisations: [{name: Gamma, integrations: [{name: Shop, merchant_ids: [m1]}, {name: Old, status: DISABLED, merchant_ids: [m2]}]}]',
    live: live([]),
    expect: ['create_organisation organisation["Gamma"]', 'create_integration organisation["Gamma"].integration["Old"]', 'create_integration organisation["Gamma"].integration["Shop"]'],
  },
  'rename an integration by id': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop v2, id: i1, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop')]),
    expect: ['update_integration organisation["Acme"].integration["Shop v2"] i1'],
  },
  'disable an integration the file marks DISABLED': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, status: DISABLED, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop')]),
    expect: ['update_integration organisation["Acme"].integration["Shop"] i1'],
  },
  'already disabled: nothing': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, status: DISABLED, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' })]),
    expect: [],
  },
  'a disabled integration is history: its merchants are not compared': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, status: DISABLED, merchant_ids: [m9]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' })]),
    expect: [],
  },
  'an unlisted enabled integration is disabled': {
    file: 'organisations: [{name: Acme}]',
    live: live([A], [int('i1', 'org_a', 'Shop')]),
    expect: ['update_integration organisation["Acme"].integration["Shop"] i1'],
  },
  'an unlisted disabled integration needs nothing': { file: 'organisations: [{name: Acme}]', live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' })]), expect: [] },
  'prune.integrations off: unlisted integrations stay': { file: 'prune: {integrations: false}\norganisations: [{name: Acme}]', live: live([A], [int('i1', 'org_a', 'Shop')]), expect: [] },
  'two unlisted namesakes get distinct addresses': {
    file: 'organisations: [{name: Acme}]',
    live: live([A], [int('i1', 'org_a', 'Shop'), int('i2', 'org_a', 'Shop')]),
    expect: ['update_integration organisation["Acme"].integration["Shop"] i1', 'update_integration organisation["Acme"].integration["Shop"]#i2 i2'],
  },
  'integrations of other types are never changed or pruned': {
    file: 'organisations: [{name: Acme}]',
    live: live([A], [int('i1', 'org_a', 'Shopify', { type: 'SHOPIFY' })]),
    expect: [],
  },
  'changed merchants: replace, unreconcilable by default': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1, m2]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop')]),
    expect: ['replace_integration organisation["Acme"].integration["Shop"] i1 [unreconcilable]'],
  },
  'changed merchants with --allow-replace: pending': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1, m2]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop')]),
    options: { allowReplace: true },
    expect: ['replace_integration organisation["Acme"].integration["Shop"] i1'],
  },
  'changed merchants with allow_replace in the file: pending': {
    file: 'allow_replace: true\norganisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m2]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop')]),
    expect: ['replace_integration organisation["Acme"].integration["Shop"] i1'],
  },
  're-enabling is a replace': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' })]),
    expect: ['replace_integration organisation["Acme"].integration["Shop"] i1 [unreconcilable]'],
  },
  'a pinned id that was replaced: its ENABLED successor is the match (no replace every run)': {
    file: 'allow_replace: true\norganisations: [{name: Acme, integrations: [{name: Shop, id: i1, merchant_ids: [m2]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' }), int('i2', 'org_a', 'Shop', { m: ['m2'] })]),
    expect: [],
  },
  'a pinned disabled id with an ENABLED namesake of other merchants is still a replace': {
    file: 'allow_replace: true\norganisations: [{name: Acme, integrations: [{name: Shop, id: i1, merchant_ids: [m2]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' }), int('i2', 'org_a', 'Shop', { m: ['m3'] })]),
    expect: ['update_integration organisation["Acme"].integration["Shop"]#i2 i2', 'replace_integration organisation["Acme"].integration["Shop"] i1'],
  },
  'one ENABLED among namesakes is the match; disabled namesakes are history': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m2]}]}]',
    live: live([A], [int('i0', 'org_a', 'Shop', { status: 'DISABLED' }), int('i1', 'org_a', 'Shop', { m: ['m2'] })]),
    expect: [],
  },
  'two ENABLED namesakes: ambiguity': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop'), int('i2', 'org_a', 'Shop')]),
    expect: /2 ENABLED integrations are named "Shop" \(i1, i2\): pin one/,
  },
  'only DISABLED namesakes while the file wants ENABLED: ambiguity': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' }), int('i2', 'org_a', 'Shop', { status: 'DISABLED' })]),
    expect: /only DISABLED integrations are named "Shop" \(i1, i2\)/,
  },
  'only DISABLED namesakes while the file wants DISABLED: nothing': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, status: DISABLED, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { status: 'DISABLED' }), int('i2', 'org_a', 'Shop', { status: 'DISABLED' })]),
    expect: [],
  },
  'a pinned integration id in another organisation': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, id: i9, merchant_ids: [m1]}]}, {name: Beta}]',
    live: live([A, B], [int('i9', 'org_b', 'Shop')]),
    expect: /integration i9 belongs to organisation org_b, not org_a: integrations cannot be moved/,
  },
  'a pinned integration id of another type': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, id: i1, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { type: 'SHOPIFY' })]),
    expect: /integration i1 is of type SHOPIFY/,
  },
  'a pinned integration id that does not exist': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, id: i404, merchant_ids: [m1]}]}]',
    live: live([A]),
    expect: /integration id "i404" not found/,
  },
  'every problem is reported at once': {
    file: 'organisations: [{name: X, id: org_x}, {name: Y, id: org_y}]',
    live: live([A]),
    expect: /org_x.*org_y/,
  },

  // ---- names a server normalised (seen: "Acme " created and deleted on every apply) ----
  'a live name with stray whitespace is the same name': { file: 'organisations: [{name: Acme}]', live: live([org('org_a', '[TEST] Acme  ')]), expect: [] },
  'a live name in NFD is the same name': { file: 'organisations: [{name: Café}]', live: live([org('org_a', 'Cafe\u0301')]), expect: [] },
  'a live integration name with stray whitespace is the same name': {
    file: 'organisations: [{name: Acme, integrations: [{name: Orders, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', ' Orders ')]),
    expect: [],
  },
  'an ignore name matches a live name with stray whitespace': { file: 'ignore: {organisations: [Beta]}\norganisations: [{name: Acme}]', live: live([A, org('org_b', 'Beta ')]), expect: [] },

  // ---- an interrupted replace (seen: every later plan failed until a person pinned one) ----
  'a pinned ENABLED old integration beside its successor: the successor matches, the old one is disabled (with allow_replace)': {
    file: 'allow_replace: true\norganisations: [{name: Acme, integrations: [{name: Orders, id: i_old, merchant_ids: [m2]}]}]',
    live: live([A], [int('i_old', 'org_a', 'Orders', { m: ['m1'] }), int('i_new', 'org_a', 'Orders', { m: ['m2'] })]),
    expect: ['update_integration organisation["Acme"].integration["Orders"]#i_old i_old'],
  },
  '... also with prune.integrations off (the replace intended it)': {
    file: 'allow_replace: true\nprune: {integrations: false}\norganisations: [{name: Acme, integrations: [{name: Orders, id: i_old, merchant_ids: [m2]}]}]',
    live: live([A], [int('i_old', 'org_a', 'Orders', { m: ['m1'] }), int('i_new', 'org_a', 'Orders', { m: ['m2'] })]),
    expect: ['update_integration organisation["Acme"].integration["Orders"]#i_old i_old'],
  },
  'without allow_replace the pinned one is never disabled: unreconcilable (seen: disabled though the file pins it)': {
    file: 'prune: {integrations: false}\norganisations: [{name: Acme, integrations: [{name: Orders, id: i_old, merchant_ids: [m2]}]}]',
    live: live([A], [int('i_old', 'org_a', 'Orders', { m: ['m1'] }), int('i_new', 'org_a', 'Orders', { m: ['m2'] })]),
    expect: ['update_integration organisation["Acme"].integration["Orders"]#i_old i_old [unreconcilable]'],
  },
  'unpinned: of two ENABLED namesakes the one with the file\'s merchants matches; the other is pruned': {
    file: 'organisations: [{name: Acme, integrations: [{name: Orders, merchant_ids: [m2]}]}]',
    live: live([A], [int('i_old', 'org_a', 'Orders', { m: ['m1'] }), int('i_new', 'org_a', 'Orders', { m: ['m2'] })]),
    expect: ['update_integration organisation["Acme"].integration["Orders"]#i_old i_old'],
  },
  'unpinned, prune off: the namesake with other merchants is left alone, no plan error': {
    file: 'prune: {integrations: false}\norganisations: [{name: Acme, integrations: [{name: Orders, merchant_ids: [m2]}]}]',
    live: live([A], [int('i_old', 'org_a', 'Orders', { m: ['m1'] }), int('i_new', 'org_a', 'Orders', { m: ['m2'] })]),
    expect: [],
  },
  'unpinned: two ENABLED namesakes, neither with the file\'s merchants, is still an error': {
    file: 'organisations: [{name: Acme, integrations: [{name: Orders, merchant_ids: [m3]}]}]',
    live: live([A], [int('i1', 'org_a', 'Orders', { m: ['m1'] }), int('i2', 'org_a', 'Orders', { m: ['m2'] })]),
    expect: /2 ENABLED integrations are named "Orders" \(i1, i2\): pin one/,
  },
  'a pinned integration renamed onto a namesake with the same merchants is a rename, never a successor': {
    file: 'organisations: [{name: Acme, integrations: [{name: New, id: i_a, merchant_ids: [m1]}]}]',
    live: live([A], [int('i_a', 'org_a', 'Old'), int('i_b', 'org_a', 'New')]),
    expect: ['update_integration organisation["Acme"].integration["New"] i_a', 'update_integration organisation["Acme"].integration["New"]#i_b i_b'],
  },

  // ---- mode ----
  'mode mismatch is an error': { file: 'mode: LIVE\norganisations: [{name: Acme}]', live: live([A]), expect: /file is for a LIVE partner but the live partner mode is TEST/ },
  'matching mode is fine': { file: 'mode: TEST\norganisations: [{name: Acme}]', live: live([A]), expect: [] },
  'unreadable mode: creates go ahead': { file: 'mode: TEST\norganisations: [{name: Acme}]', live: live([]), expect: ['create_organisation organisation["Acme"]'] },

  // ---- organisation-level keys ----
  'org key: integrations of its organisation, found from its integrations': {
    file: 'organisations: [{name: Anything, integrations: [{name: New, merchant_ids: [m1]}]}]',
    live: live([], [int('i1', 'org_a', 'Shop')], { keyLevel: 'organisation', organisationId: 'org_a' }),
    expect: ['create_integration organisation["Anything"].integration["New"]', 'update_integration organisation["Anything"].integration["Shop"] i1'],
  },
  'org key: a pinned id works without integrations': {
    file: 'organisations: [{name: Acme, id: org_a, integrations: [{name: New, merchant_ids: [m1]}]}]',
    live: live([], [], { keyLevel: 'organisation', organisationId: null }),
    expect: ['create_integration organisation["Acme"].integration["New"]'],
  },
  'org key: without integrations or an id the organisation is unknown': {
    file: 'organisations: [{name: Acme}]',
    live: live([], [], { keyLevel: 'organisation', organisationId: null }),
    expect: /organisation-level key cannot create organisations.*pin the organisation/,
  },
  'org key: more than one organisation': {
    file: 'organisations: [{name: Acme}, {name: Beta}]',
    live: live([], [int('i1', 'org_a', 'Shop')], { keyLevel: 'organisation', organisationId: 'org_a' }),
    expect: /organisation-level key manages one organisation's integrations; the file lists 2/,
  },
  'org key: a pin to another organisation': {
    file: 'organisations: [{name: Acme, id: org_b}]',
    live: live([], [int('i1', 'org_a', 'Shop')], { keyLevel: 'organisation', organisationId: 'org_a' }),
    expect: /this key belongs to organisation org_a, but the file pins org_b/,
  },
  'org key: never renames or deletes organisations': {
    file: 'organisations: [{name: Whatever, integrations: [{name: Shop, merchant_ids: [m1]}]}]',
    live: live([], [int('i1', 'org_a', 'Shop')], { keyLevel: 'organisation', organisationId: 'org_a' }),
    expect: [],
  },
};

describe('planner', () => {
  it('has at least 40 cases', () => expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(40));
  it.each(Object.entries(CASES))('%s', (_name, c) => {
    const run = () => buildPlan(desired(c.file), c.live, c.options);
    if (c.expect instanceof RegExp) {
      expect(run).toThrow(PlanError);
      expect(run).toThrow(c.expect);
    } else {
      const plan = run();
      expect(plan.actions.map(line)).toEqual(c.expect);
      expect(run()).toEqual(plan); // deterministic
    }
  });
});
