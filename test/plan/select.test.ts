import { describe, expect, it } from 'vitest';
import type { LiveState } from '../../src/model.js';
import { planState } from '../../src/plan/planner.js';
import { parseTarget, SelectionError, type Target } from '../../src/plan/select.js';
import { desired, int, line, live, org } from './fixtures.js';

// --target after matching, case by case: each row is a file, a live state, the targets, and
// the action lines the selected plan holds (or the error). The first rows are the defects of
// issue 17 (seen: the old live name of a renamed organisation deleted it; the old name of a
// renamed integration disabled it; a typo planned "No changes").

interface Case {
  file: string;
  live: LiveState;
  targets: string[];
  expect: string[] | RegExp;
}

const A = org('org_a', '[TEST] Acme');
const OLD = org('org_old', '[TEST] Old Name');
const B = org('org_b', '[TEST] Bravo');

const CASES: Record<string, Case> = {
  'the old live name of a pinned, renamed organisation selects its rename, never a delete': {
    file: 'organisations: [{name: New Name, id: org_old}, {name: Acme}]',
    live: live([OLD, A]),
    targets: ['organisation["Old Name"]'],
    expect: ['rename_organisation organisation["New Name"] org_old'],
  },
  'its new name selects the same': {
    file: 'organisations: [{name: New Name, id: org_old}, {name: Acme}]',
    live: live([OLD, A]),
    targets: ['organisation["New Name"]'],
    expect: ['rename_organisation organisation["New Name"] org_old'],
  },
  'the old live name of a pinned, renamed integration selects its rename, never a disable': {
    file: 'organisations: [{name: Bravo, integrations: [{name: Shop, id: int_legacy, merchant_ids: [m1]}]}]',
    live: live([B], [int('int_legacy', 'org_b', 'Legacy')]),
    targets: ['organisation["Bravo"].integration["Legacy"]'],
    expect: ['update_integration organisation["Bravo"].integration["Shop"] int_legacy'],
  },
  'a typo selects nothing: an error, not "No changes"': {
    file: 'organisations: [{name: Acme}, {name: Fresh}]',
    live: live([A]),
    targets: ['organisation["Acmee*"]'],
    expect: /--target organisation\["Acmee\*"\] selects nothing/,
  },
  'one target of several selects nothing: still an error, naming it': {
    file: 'organisations: [{name: Acme}]',
    live: live([A]),
    targets: ['organisation["Acme"]', 'organisation["Zed"]'],
    expect: /^--target organisation\["Zed"\] selects nothing/,
  },
  'an integration address that names nothing in an organisation that exists': {
    file: 'organisations: [{name: Acme, integrations: [{name: Shop, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop')]),
    targets: ['organisation["Acme"].integration["Other"]'],
    expect: /selects nothing/,
  },
  'a target that names only an ignored organisation selects nothing (seen: "No changes", exit 0)': {
    file: 'ignore: {organisations: [Bravo]}\norganisations: [{name: Acme}]',
    live: live([A, B]),
    targets: ['organisation["Bravo"]'],
    expect: /names only organisations the file ignores/,
  },
  'an organisation in sync selects something that needs nothing': {
    file: 'organisations: [{name: Acme}, {name: Fresh}]',
    live: live([A]),
    targets: ['organisation["Acme"]'],
    expect: [],
  },
  'an integration of a new organisation brings the organisation create with it (a create, never a destructive action)': {
    file: 'organisations: [{name: Fresh, integrations: [{name: Feed, merchant_ids: [m1]}]}]',
    live: live([A]),
    targets: ['organisation["Fresh"].integration["Feed"]'],
    expect: ['create_organisation organisation["Fresh"]', 'create_integration organisation["Fresh"].integration["Feed"]'],
  },
  'an integration address leaves its organisation unrenamed and its other integrations alone': {
    file: 'organisations: [{name: Acme Ltd, id: org_a, integrations: [{name: Shop, merchant_ids: [m1]}]}]',
    live: live([A], [int('i1', 'org_a', 'Shop', { m: ['m2'] }), int('i2', 'org_a', 'Unlisted')]),
    targets: ['organisation["Acme"].integration["Unlisted"]'],
    expect: ['update_integration organisation["Acme Ltd"].integration["Unlisted"] i2'],
  },
  'an unlisted organisation is selected for pruning by its name': {
    file: 'organisations: [{name: Acme}]',
    live: live([A, B]),
    targets: ['organisation["Bra*"]'],
    expect: ['delete_organisation organisation["Bravo"] org_b'],
  },
  'a namesake pinned elsewhere: the unpinned entry takes the other one (shrunk from the property)': {
    file: 'organisations: [{name: Acme, id: org_0}, {name: Beta}]',
    live: live([org('org_0', 'Beta'), org('org_1', 'Beta')]),
    targets: ['organisation["Beta"]'],
    expect: ['rename_organisation organisation["Acme"] org_0'],
  },
};

const targets = (texts: string[]) => texts.map((t) => parseTarget(t) as Target);

describe('--target, after matching', () => {
  it.each(Object.entries(CASES))('%s', (_name, c) => {
    const run = () => planState(desired(c.file), c.live, { targets: targets(c.targets) }).plan.actions.map(line);
    if (c.expect instanceof RegExp) {
      expect(run).toThrow(SelectionError);
      expect(run).toThrow(c.expect);
    } else expect(run()).toEqual(c.expect);
  });

  it('the plan records its selection; the safety guard counts within it', () => {
    const { plan } = planState(desired('organisations: [{name: Acme}]'), live([A, B]), { targets: targets(['organisation["*"]']) });
    expect(plan.selection).toEqual(['organisation["*"]']);
    expect(plan.safety.violations).toEqual([]);
  });
});
