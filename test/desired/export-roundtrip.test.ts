import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportDocument, exportFiles } from '../../src/desired/export.js';
import { loadDesired, loadDesiredText } from '../../src/desired/load.js';
import type { LiveIntegration, LiveOrganisation, LiveState } from '../../src/model.js';
import { fileName, orgNameKey } from '../../src/names.js';
import { buildPlan } from '../../src/plan/planner.js';
import { seeded } from '../seeded.js';

// Property: every file `export` writes validates, and reads back to the same objects.

const AWKWARD = ['Acme', 'a: b', '#hash', '- dash', "it's", '"quoted"', 'true', 'null', '123', '0x1F', ' lead', 'trail ', 'Ünïcödé 名前', '[TEST] pre', '[TEST]tight', '*star', '&amp', '!bang', '%pct', '@at', '`tick`', 'multi\nline', '{brace}', '[bracket]', 'x'.repeat(255)];

function randomLive(seed: number): LiveState {
  const r = seeded(seed);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const orgs: LiveOrganisation[] = [];
  const used = new Set<string>();
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    let name = `${pick(AWKWARD)} ${i}`.slice(0, 255);
    if (r() < 0.4) name = `[TEST] ${name}`;
    if (used.has(fileName(name, true).name) || used.has(orgNameKey(name))) continue;
    used.add(fileName(name, true).name);
    used.add(orgNameKey(name));
    orgs.push({ id: `org_${seed}_${i}`, name, mode: 'TEST' });
  }
  const ints: LiveIntegration[] = [];
  for (const o of orgs) {
    const k = Math.floor(r() * 5);
    for (let j = 0; j < k; j++) {
      ints.push({
        id: `int_${o.id}_${j}`,
        organisation_id: o.id,
        name: r() < 0.3 ? 'Same name' : pick(AWKWARD).slice(0, 250) + j,
        type: r() < 0.15 ? 'SHOPIFY' : 'CUSTOM_ORDERS',
        status: r() < 0.4 ? 'DISABLED' : 'ENABLED',
        merchant_ids: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, m) => `mer_${j}_${m}${pick(['', ':x', ' y', '#z'])}`),
      });
    }
  }
  return { keyLevel: 'partner', organisations: orgs, integrations: ints, mode: 'TEST', fingerprint: 'sha256:x' };
}

describe('export writes valid files', () => {
  it.each(Array.from({ length: 60 }, (_, i) => i + 1))('random live state #%i', (seed) => {
    const live = randomLive(seed);
    const { text, warnings } = exportDocument(live);
    // only names holding characters a file cannot hold are written differently, and said so
    const cleaned = [...live.organisations.map((o) => fileName(o.name, true)), ...live.integrations.map((i) => fileName(i.name, false))].filter((n) => n.changed);
    const namesakes = warnings.filter((w) => w.includes('apply would disable it'));
    expect(warnings.length - namesakes.length).toBeLessThanOrEqual(cleaned.length);
    for (const w of warnings) expect(w).toMatch(/holds characters a file cannot: written as .*, and the first apply renames it$|is ENABLED and named like .* apply would disable it/);
    const r = loadDesiredText(text, 'export.yaml');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const state = r.state!;
    expect(state.organisations.map((o) => o.id).sort()).toEqual(live.organisations.map((o) => o.id).sort());
    for (const o of state.organisations) {
      const lo = live.organisations.find((x) => x.id === o.id)!;
      // names as a user writes them: no server [TEST] prefix, trimmed, NFC, printable
      expect(o.name).toBe(fileName(lo.name, true).name);
      for (const i of o.integrations) {
        const li = live.integrations.find((x) => x.id === i.id)!;
        expect([i.name, i.status, i.merchant_ids]).toEqual([fileName(li.name, false).name, li.status, li.merchant_ids]);
        expect(li.type).toBe('CUSTOM_ORDERS');
      }
    }
    // export then plan: nothing to do but rename what had to be written differently
    const plan = buildPlan(state, live);
    for (const a of plan.actions) {
      if (a.changes.status) {
        // only an ENABLED namesake the file cannot list, and export said so
        expect(namesakes.some((w) => w.startsWith(`integration ${a.id} `))).toBe(true);
        continue;
      }
      expect(a.kind === 'rename_organisation' || a.kind === 'update_integration').toBe(true);
      expect(fileName(String(a.changes.name!.from), a.kind === 'rename_organisation').changed).toBe(true);
    }
    // every CUSTOM_ORDERS integration is either listed or a namesake kept as a comment
    const listed = new Set(state.organisations.flatMap((o) => o.integrations.map((i) => i.id)));
    for (const li of live.integrations.filter((i) => i.type === 'CUSTOM_ORDERS')) {
      expect(listed.has(li.id) || text.includes(`(${li.id})`)).toBe(true);
    }
    expect(parse(text)).toBeTruthy();
  });
});

it('warns when two live organisations share a name ignoring the prefix', () => {
  const live: LiveState = {
    keyLevel: 'partner',
    organisations: [
      { id: 'org_1', name: '[TEST] Acme' },
      { id: 'org_2', name: 'Acme' },
    ],
    integrations: [],
    mode: 'TEST',
    fingerprint: 'x',
  };
  const { text, warnings } = exportDocument(live);
  expect(warnings).toEqual(['organisations org_1, org_2 share the name "Acme" (ignoring [TEST]); the file will not validate until one is renamed']);
  expect(parse(text).organisations).toHaveLength(2);
});

// Found by the plan(export(live)) property (test/properties/export-roundtrip.test.ts).
it('an account with no organisation, exported as a directory, validates: the settings say organisations: []', () => {
  const live: LiveState = { keyLevel: 'partner', organisations: [], integrations: [], mode: 'TEST', fingerprint: 'x' };
  const { files } = exportFiles(live);
  expect(files.map((f) => f.path)).toEqual(['settings.yaml']);
  const r = loadDesired(files.map((f) => ({ file: f.path, text: f.text })));
  expect(r.diagnostics).toEqual([]);
  expect(r.state!.organisations).toEqual([]);
});

it('names YAML 1.1 reads as booleans, numbers or null are quoted (yamllint, PyYAML)', () => {
  const words = ['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'false', 'null', '~', '123', '0o17', '1_000', '=', '<<', '2001-12-14'];
  const live: LiveState = {
    keyLevel: 'partner',
    organisations: words.map((w, i) => ({ id: `org_${i}`, name: w })),
    integrations: words.map((w, i) => ({ id: `int_${i}`, organisation_id: 'org_0', name: w, type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: [w] })),
    mode: 'LIVE',
    fingerprint: 'x',
  };
  const { text } = exportDocument(live);
  for (const version of ['1.1', '1.2'] as const) {
    const doc = parse(text, { version });
    expect(doc.organisations.map((o: { name: unknown }) => o.name).sort()).toEqual([...words].sort());
    expect(doc.organisations.find((o: { id: string }) => o.id === 'org_0').integrations.flatMap((i: { name: unknown; merchant_ids: unknown[] }) => [i.name, ...i.merchant_ids]).sort()).toEqual([...words, ...words].sort());
  }
  expect(text).toContain('  - name: "yes"\n');
  // PyYAML also refuses a plain `=` (its "value" tag) and a plain `<<` value (a merge)
  expect(text).toContain('  - name: "="\n');
  expect(text).toContain('  - name: "<<"\n');
});
