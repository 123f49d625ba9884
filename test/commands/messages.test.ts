import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apply as applyPlan, prepare, SafetyError } from '../../src/engine/index.js';
import { planCommand } from '../../src/commands/plan.js';
import { desired } from '../plan/fixtures.js';
import { ADMIN, ORGKEY, manyOrgs, testIo, testSeed, withEmulator } from '../helpers.js';
import { testClient } from '../live/helpers.js';
import { apply, write } from '../engine/helpers.js';

// Messages that misled, and the library's guard.

describe('a stale pin: the advice works', () => {
  it('after a replace, apply --write-ids updates the pin it advises to update', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nallow_replace: true\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Orders\n        id: int_a1   # pinned\n        merchant_ids: [mer_a1, mer_a3]\n');
      expect((await apply(emu.url, f)).code).toBe(0);
      const successor = [...emu.store.integrations.values()].find((i) => i.name === 'Orders' && i.status === 'ENABLED')!.id;
      const again = await apply(emu.url, f, { writeIds: true });
      expect(again.out).toMatch(/pinned integration int_a1 was replaced by int_\w+; update its id in the file \(apply --write-ids does it\)/);
      expect(again.err).toContain(`wrote 1 id into ${f}`);
      expect(readFileSync(f, 'utf8')).toContain(`        id: ${successor}   # pinned\n`);
      const third = await apply(emu.url, f);
      expect(third.out).not.toContain('was replaced by');
      expect(third.out).toContain('No changes.');
    }));
});

describe('an organisation-level key with two organisations', () => {
  it('one error, not false "cannot be moved" ones after it', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\norganisations:\n  - name: A\n    integrations: [{name: Orders, id: int_a1, merchant_ids: [mer_a1]}]\n  - name: B\n    integrations: [{name: X, id: int_a2, merchant_ids: [mer_a2]}]\n');
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ORGKEY });
      expect(await planCommand([f], { maxRpm: 0 }, io)).toBe(1);
      expect(io.err()).not.toContain('cannot be moved');
      expect(io.err()).toContain("an organisation-level key manages one organisation's integrations; the file lists 2 organisations");
      expect(io.err()).toContain('cannot plan (1 problem)');
    }));
});

describe('plan --diff shows what it leaves alone', () => {
  it('integrations the file does not list, with prune off, and other types: shown with why, not as []', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false, integrations: false}\norganisations:\n  - name: Alpha\n    integrations: []\n  - name: Beta\n    integrations: []\n');
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(await planCommand([f], { maxRpm: 0, diff: true }, io)).toBe(0);
      expect(io.out()).toBe('No differences between live state and the file.\n\nNo changes. Live state matches the file.\n\nUnmanaged (read-only, never changed):\n  = organisation["Beta"].integration["Shopify"] (int_b1, SHOPIFY, ENABLED)\n\nPlan: 0 to create, 0 to rename, 0 to disable, 0 to replace, 0 to delete, 0 blocked, 0 unreconcilable.\n');
      const g = write('version: 1\nprune: {organisations: false, integrations: false}\norganisations:\n  - name: Alpha Renamed\n    id: org_a\n    integrations: []\n');
      const io2 = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      await planCommand([g], { maxRpm: 0, diff: true }, io2);
      expect(io2.out()).toContain('-  - name: Alpha\n+  - name: Alpha Renamed\n     integrations:\n       # not in the file; left as it is (prune.integrations is off)\n       - name: Orders\n');
      expect(io2.out()).not.toContain('integrations: []');
    }));
});

describe('the library enforces the safety guard', () => {
  it('apply refuses a plan past its thresholds, unless forced', () =>
    withEmulator({ seed: testSeed({ organisations: manyOrgs(12) }) }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      const planned = await prepare({ state: desired('organisations: [{name: Org 0}]'), diagnostics: [], locate: () => null, label: 'x' }, client);
      expect(planned.plan.safety.violations).toHaveLength(1);
      await expect(applyPlan(planned, client, { concurrency: 4 })).rejects.toThrow(SafetyError);
      expect(emu.store.orgs.size).toBe(12); // nothing changed
      const report = await applyPlan(planned, client, { concurrency: 4, force: true });
      expect(report.summary.done).toBe(11);
    }));
});
