import fc from 'fast-check';
import { check } from './run.js';
import { describe, expect, it } from 'vitest';
import type { Action, DesiredState, LiveState, Plan } from '../../src/model.js';
import { intNameKey, orgNameKey } from '../../src/names.js';
import { PlanError, sameSet } from '../../src/plan/match.js';
import { buildPlan, planState } from '../../src/plan/planner.js';
import { parseTarget, SelectionError, type Target } from '../../src/plan/select.js';
import { arbPlanCase, arbTargets, type PlanCase } from './plan-cases.js';

// Guarantee 1 as properties of the pure planner: nothing the file lists (by pin, by name, or
// by the live name it is matched to) is deleted, disabled or replaced other than as the file
// asks, with or without a selection; a selection never adds an action the whole plan lacks;
// a target that selects nothing is an error. Seeded; shrinking gives the smallest case.

const RUNS = Number(process.env.CBSYNC_PROPERTY_RUNS ?? 300);
const SEED = 20261129;
const targets = (texts: string[]): Target[] => texts.map((t) => parseTarget(t) as Target);

/** The whole plan, or null when matching found a problem (an error, nothing planned). */
function wholePlan(c: PlanCase): Plan | null {
  try {
    return buildPlan(c.desired, c.live);
  } catch (e) {
    if (e instanceof PlanError) return null;
    throw e;
  }
}

const destructive = (a: Action) =>
  a.status === 'pending' && (a.kind === 'delete_organisation' || a.kind === 'replace_integration' || (a.kind === 'update_integration' && a.changes.status?.to === 'DISABLED'));

/** Why a destructive action touches something the file lists without asking for it, or null. */
function violation(a: Action, d: DesiredState, l: LiveState): string | null {
  const ignored = (orgId: string) => {
    const o = l.organisations.find((x) => x.id === orgId);
    return d.ignore.organisations.some((x) => x === orgId || (o && orgNameKey(x) === orgNameKey(o.name)));
  };
  if (a.kind === 'delete_organisation') {
    const o = l.organisations.find((x) => x.id === a.id)!;
    if (d.organisations.some((x) => x.id === a.id)) return `deletes ${a.id}, which the file pins`;
    if (d.organisations.some((x) => !x.id && orgNameKey(x.name) === orgNameKey(o.name))) return `deletes ${a.id} (${o.name}), which the file lists by name`;
    if (ignored(a.id)) return `deletes ignored ${a.id}`;
    return null;
  }
  if (a.kind !== 'update_integration' && a.kind !== 'replace_integration') return null;
  const li = l.integrations.find((x) => x.id === a.id)!;
  if (li.type !== 'CUSTOM_ORDERS') return `changes ${li.id} of type ${li.type}`;
  if (ignored(li.organisation_id)) return `changes ${li.id} of an ignored organisation`;
  // the entry that lists its organisation: a pin first; a name only for an organisation nothing pins
  const pinnedOrg = d.organisations.find((x) => x.id === li.organisation_id);
  const org = pinnedOrg ?? d.organisations.find((x) => !x.id && l.organisations.some((o) => o.id === li.organisation_id && orgNameKey(o.name) === orgNameKey(x.name)));
  if (!org) return `disables ${li.id} of an organisation the file does not list (disabling is never implied by leaving it out)`;
  const pinned = org.integrations.find((x) => x.id === li.id);
  const named = org.integrations.filter((x) => !x.id && intNameKey(x.name) === intNameKey(li.name));
  const entry = pinned ?? (named.length === 1 && l.integrations.filter((x) => x.organisation_id === li.organisation_id && x.type === 'CUSTOM_ORDERS' && intNameKey(x.name) === intNameKey(li.name)).length === 1 ? named[0] : undefined);
  if (!entry) return null;
  if (a.kind === 'replace_integration') return d.allowReplace ? null : `replaces ${li.id} without allow_replace`;
  if (entry.status === 'DISABLED') return null;
  // an interrupted replace: the pinned one is disabled as the replace meant, beside its successor
  const successor = l.integrations.some((x) => x.id !== li.id && x.organisation_id === li.organisation_id && x.type === 'CUSTOM_ORDERS' && x.status === 'ENABLED' && intNameKey(x.name) === intNameKey(entry.name) && sameSet(x.merchant_ids, entry.merchant_ids));
  if (pinned && successor) return d.allowReplace ? null : `disables ${li.id} as an interrupted replace without allow_replace`;
  return `disables ${li.id}, which the file lists ENABLED (${entry.name})`;
}

const key = (a: Action) => JSON.stringify(a);

describe('Guarantee 1: what the file lists is never destroyed other than as it asks', () => {
  it('the whole plan', () =>
    check(
      fc.property(arbPlanCase, (c) => {
        const plan = wholePlan(c);
        if (!plan) return;
        for (const a of plan.actions.filter(destructive)) expect(violation(a, c.desired, c.live), `${a.kind} ${a.address}`).toBeNull();
      }),
      { numRuns: RUNS, seed: SEED },
    ));

  it('any selection: a subset of the whole plan (never an action it lacks), and what it keeps obeys the same rule', () =>
    check(
      fc.property(
        arbPlanCase.chain((c) => fc.tuple(fc.constant(c), arbTargets(c))),
        ([c, texts]) => {
          const plan = wholePlan(c);
          if (!plan) return;
          let part: Plan;
          try {
            part = planState(c.desired, c.live, { targets: targets(texts) }).plan;
          } catch (e) {
            if (e instanceof SelectionError) return; // a glob that selects nothing: an error, tested below
            throw e;
          }
          const whole = new Set(plan.actions.map(key));
          for (const a of part.actions) expect(whole.has(key(a)), `${a.kind} ${a.address} is not in the whole plan`).toBe(true);
          for (const a of part.actions.filter(destructive)) expect(violation(a, c.desired, c.live)).toBeNull();
          expect(part.selection).toEqual(texts);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    ));

  it('the live name of a renamed, pinned organisation selects its rename, never a delete', () =>
    check(
      fc.property(arbPlanCase, (c) => {
        const plan = wholePlan(c);
        if (!plan) return;
        for (const d of c.desired.organisations.filter((x) => x.id)) {
          const lo = c.live.organisations.find((o) => o.id === d.id)!;
          const part = planState(c.desired, c.live, { targets: targets([`organisation[${JSON.stringify(orgNameKey(lo.name))}]`]) }).plan;
          expect(part.actions.some((a) => a.kind === 'delete_organisation' && a.id === d.id)).toBe(false);
          const renamed = orgNameKey(lo.name) !== orgNameKey(d.name);
          if (renamed) expect(part.actions.some((a) => a.kind === 'rename_organisation' && a.id === d.id)).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    ));

  it('organisation["*"] is the whole plan (an error when there is nothing but ignored organisations)', () =>
    check(
      fc.property(arbPlanCase, (c) => {
        const plan = wholePlan(c);
        if (!plan) return;
        const ignored = (o: { id: string; name: string }) => c.desired.ignore.organisations.some((x) => x === o.id || orgNameKey(x) === orgNameKey(o.name));
        const star = () => planState(c.desired, c.live, { targets: targets(['organisation["*"]']) }).plan.actions;
        if (!c.desired.organisations.length && c.live.organisations.every(ignored)) return void expect(star).toThrow(SelectionError);
        expect(star()).toEqual(plan.actions);
      }),
      { numRuns: RUNS, seed: SEED },
    ));
});

describe('Guarantee 1: a selection that selects nothing is an error', () => {
  it('a name neither side has, alone or beside targets that select', () =>
    check(
      fc.property(
        arbPlanCase.chain((c) => fc.tuple(fc.constant(c), arbTargets(c), fc.constantFrom('organisation["Zzyzx*"]', 'organisation["*"].integration["Zzyzx"]', 'organisation["Acmee"]'))),
        ([c, texts, miss]) => {
          if (!wholePlan(c)) return;
          expect(() => planState(c.desired, c.live, { targets: targets([...texts, miss]) })).toThrow(SelectionError);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    ));

  it('an organisation named on either side always selects', () =>
    check(
      fc.property(arbPlanCase, (c) => {
        if (!wholePlan(c)) return;
        // every name the file lists, and every live name the file does not ignore (ignored ones are never planned)
        const ignored = (o: { id: string; name: string }) => c.desired.ignore.organisations.some((x) => x === o.id || orgNameKey(x) === orgNameKey(o.name));
        const names = [...c.desired.organisations.map((d) => d.name), ...c.live.organisations.filter((o) => !ignored(o)).map((o) => o.name)];
        for (const n of names) expect(() => planState(c.desired, c.live, { targets: targets([`organisation[${JSON.stringify(orgNameKey(n))}]`]) })).not.toThrow();
      }),
      { numRuns: RUNS, seed: SEED },
    ));
});

describe('the planner is pure', () => {
  it('its inputs are never changed, and the same inputs give the same plan', () =>
    check(
      fc.property(
        arbPlanCase.chain((c) => fc.tuple(fc.constant(c), arbTargets(c))),
        ([c, texts]) => {
          const before = JSON.stringify(c);
          const run = () => {
            try {
              return JSON.stringify(planState(c.desired, c.live, { targets: targets(texts) }).plan);
            } catch (e) {
              return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
            }
          };
          expect(run()).toBe(run());
          expect(JSON.stringify(c)).toBe(before);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    ));
});
