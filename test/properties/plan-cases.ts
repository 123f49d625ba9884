import fc from 'fast-check';
import type { DesiredIntegration, DesiredOrganisation, DesiredState, LiveIntegration, LiveOrganisation, LiveState, Mode } from '../../src/model.js';

// Generators of (desired, live) pairs that stress matching and selection: a small pool of
// names so that namesakes, renames (a pin whose live name differs), pins into other
// organisations, the [TEST] prefix, disabled history, integrations of other types and
// ignored organisations all come up often. Desired states are valid as the loader would
// make them (unique names and ids, nothing both listed and ignored).

export const ORG_NAMES = ['Acme', 'Beta', 'Gamma', 'Delta Co', 'Keep'];
export const INT_NAMES = ['Shop', 'Legacy', 'Feed', 'Orders'];
const MERCHANTS = ['m1', 'm2', 'm3'];

export interface PlanCase {
  desired: DesiredState;
  live: LiveState;
}

const arbMerchants = fc.subarray(MERCHANTS, { minLength: 1 });

const arbLiveInt = fc.record({
  name: fc.constantFrom(...INT_NAMES),
  type: fc.oneof({ weight: 5, arbitrary: fc.constant('CUSTOM_ORDERS') }, { weight: 1, arbitrary: fc.constant('SHOPIFY') }),
  status: fc.constantFrom('ENABLED', 'DISABLED'),
  merchant_ids: arbMerchants,
});

const arbLiveOrg = fc.record({
  name: fc.constantFrom(...ORG_NAMES),
  prefixed: fc.boolean(),
  integrations: fc.array(arbLiveInt, { maxLength: 4 }),
});

/** A desired integration: a name, maybe a pin (an index into all live integrations), a status, merchants. */
const arbDesiredInt = fc.record({
  name: fc.constantFrom(...INT_NAMES, 'Shop v2', 'New feed'),
  pin: fc.option(fc.nat(20), { freq: 3 }),
  status: fc.oneof({ weight: 4, arbitrary: fc.constant<'ENABLED'>('ENABLED') }, { weight: 1, arbitrary: fc.constant<'DISABLED'>('DISABLED') }),
  merchant_ids: arbMerchants,
});

const arbDesiredOrg = fc.record({
  name: fc.constantFrom(...ORG_NAMES, 'New Name', 'Omega'),
  pin: fc.option(fc.nat(8), { freq: 3 }),
  integrations: fc.array(arbDesiredInt, { maxLength: 4 }),
});

export const arbPlanCase: fc.Arbitrary<PlanCase> = fc
  .record({
    mode: fc.constantFrom<Mode>('TEST', 'LIVE'),
    live: fc.array(arbLiveOrg, { maxLength: 5 }),
    desired: fc.array(arbDesiredOrg, { maxLength: 4 }),
    ignore: fc.subarray([...ORG_NAMES, 'org_1', 'org_3'], { maxLength: 2 }),
    pruneOrganisations: fc.boolean(),
    pruneIntegrations: fc.boolean(),
    allowReplace: fc.boolean(),
  })
  .map((c) => {
    const organisations: LiveOrganisation[] = c.live.map((o, i) => ({ id: `org_${i}`, name: c.mode === 'TEST' && o.prefixed ? `[TEST] ${o.name}` : o.name, mode: c.mode, created_at: `2026-01-0${1 + (i % 9)}T00:00:00Z` }));
    let k = 0;
    const integrations: LiveIntegration[] = c.live.flatMap((o, i) => o.integrations.map((it) => ({ id: `int_${k++}`, organisation_id: `org_${i}`, ...it, merchant_ids: [...it.merchant_ids] })));
    const names = new Set<string>();
    const ids = new Set<string>();
    const desiredOrgs: DesiredOrganisation[] = [];
    c.desired.forEach((d) => {
      if (names.has(d.name)) return;
      const id = d.pin !== null && d.pin < organisations.length ? organisations[d.pin]!.id : undefined;
      if (id && ids.has(id)) return;
      names.add(d.name);
      if (id) ids.add(id);
      const path = `organisations[${desiredOrgs.length}]`;
      const intNames = new Set<string>();
      const ints: DesiredIntegration[] = [];
      for (const di of d.integrations) {
        if (intNames.has(di.name)) continue;
        const pin = di.pin !== null && di.pin < integrations.length ? integrations[di.pin]!.id : undefined;
        if (pin && ids.has(pin)) continue;
        intNames.add(di.name);
        if (pin) ids.add(pin);
        ints.push({ name: di.name, ...(pin ? { id: pin } : {}), status: di.status, merchant_ids: [...di.merchant_ids], file: 'case.yaml', path: `${path}.integrations[${ints.length}]` });
      }
      desiredOrgs.push({ name: d.name, ...(id ? { id } : {}), integrations: ints, file: 'case.yaml', path });
    });
    // nothing both listed and ignored (the loader refuses it)
    const listed = new Set([...desiredOrgs.map((d) => d.name), ...desiredOrgs.flatMap((d) => (d.id ? [d.id] : []))]);
    const desired: DesiredState = {
      version: 1,
      prune: { organisations: c.pruneOrganisations, integrations: c.pruneIntegrations },
      ignore: { organisations: c.ignore.filter((x) => !listed.has(x)) },
      allowReplace: c.allowReplace,
      safety: { maxDestructivePercent: 100 },
      organisations: desiredOrgs,
      files: ['case.yaml'],
    };
    const live: LiveState = { keyLevel: 'partner', organisations, integrations, mode: organisations.length ? c.mode : null, fingerprint: 'sha256:case' };
    return { desired, live };
  });

/** Targets from the names both sides use (so they select), globs, and names that match nothing. */
export function arbTargets(c: PlanCase): fc.Arbitrary<string[]> {
  const orgNames = [...new Set([...c.desired.organisations.map((d) => d.name), ...c.live.organisations.map((o) => o.name.replace(/^\[TEST\]\s*/, ''))])];
  const intNames = [...new Set([...c.desired.organisations.flatMap((d) => d.integrations.map((i) => i.name)), ...c.live.integrations.map((i) => i.name)])];
  const org = orgNames.length ? fc.oneof(fc.constantFrom(...orgNames), fc.constantFrom(...orgNames).map((n) => `${n.slice(0, 2)}*`), fc.constant('*')) : fc.constant('*');
  const int = intNames.length ? fc.oneof(fc.constantFrom(...intNames), fc.constantFrom(...intNames).map((n) => `*${n.slice(-2)}`)) : fc.constant('*');
  const target = fc.oneof(
    org.map((o) => `organisation[${JSON.stringify(o)}]`),
    fc.tuple(org, int).map(([o, i]) => `organisation[${JSON.stringify(o)}].integration[${JSON.stringify(i)}]`),
  );
  return fc.array(target, { minLength: 1, maxLength: 3 });
}
