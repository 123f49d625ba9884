import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/commands/export.js';

import { planCommand, type PlanOptions } from '../../src/commands/plan.js';
import { schemaValidator } from '../../src/desired/schema.js';
import { ADMIN, ORGKEY, expectNoKey, testIo, withEmulator } from '../helpers.js';

const dir = mkdtempSync(`${tmpdir()}/cbsync-plan-`);
const write = (name: string, text: string) => {
  const f = `${dir}/${name}`;
  writeFileSync(f, text);
  return f;
};

// against testSeed(): Alpha (Orders ENABLED, Old DISABLED), Beta (a SHOPIFY integration), Empty
const SAME = write('same.yaml', 'version: 1\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Orders\n        merchant_ids: [mer_a1]\n      - name: Old\n        status: DISABLED\n        merchant_ids: [mer_a2]\n  - name: Beta\n  - name: Empty\n');
const CHANGE = write('change.yaml', 'version: 1\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Orders v2\n        id: int_a1\n        merchant_ids: [mer_a1]\n  - name: Beta\n  - name: Gamma\n');

async function plan(url: string, file: string, opts: PlanOptions = {}, key = ADMIN, env: Record<string, string> = {}) {
  const io = testIo({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: key, ...env }, env.TTY === '1');
  const code = await planCommand([file], { maxRpm: 0, ...opts }, io);
  expectNoKey(io.out(), io.err());
  return { code, out: io.out(), err: io.err() };
}

describe('cbsync plan', () => {
  it('text: symbols, changes and the summary line', () =>
    withEmulator({}, async (emu) => {
      const r = await plan(emu.url, CHANGE);
      expect(r.code).toBe(0);
      expect(r.out).toContain('  + create_organisation  organisation["Gamma"]');
      expect(r.out).toContain('  ~ update_integration   organisation["Alpha"].integration["Orders v2"] (int_a1)\n        name: "Orders" -> "Orders v2"');
      expect(r.out).toContain('  - delete_organisation  organisation["Empty"] (org_empty)');
      expect(r.out).toMatch(/\n\nPlan: 1 to create, 1 to rename, 0 to disable, 0 to replace, 1 to delete, 0 blocked, 0 unreconcilable\.\nApply: 7 requests \(2 GET \/v1\/integrations\); within the rate limit \(100 requests per minute per endpoint\)\.\n$/);
      expect(r.out).toContain('= organisation["Beta"].integration["Shopify"] (int_b1, SHOPIFY, ENABLED)');
      expect(r.out).not.toMatch(/\x1b\[/);
    }));

  it('no changes', () =>
    withEmulator({}, async (emu) => {
      const r = await plan(emu.url, SAME, { diff: true });
      expect(r.out).toBe('No differences between live state and the file.\n\nNo changes. Live state matches the file.\n\nUnmanaged (read-only, never changed):\n  = organisation["Beta"].integration["Shopify"] (int_b1, SHOPIFY, ENABLED)\n\nPlan: 0 to create, 0 to rename, 0 to disable, 0 to replace, 0 to delete, 0 blocked, 0 unreconcilable.\n');
    }));

  it('--diff: a unified diff of live against the file', () =>
    withEmulator({}, async (emu) => {
      const r = await plan(emu.url, CHANGE, { diff: true });
      expect(r.out).toContain(`--- live\n+++ ${CHANGE}\n@@`);
      expect(r.out).toContain('-      - name: Orders\n+      - name: Orders v2\n');
      expect(r.out).toContain('+  - name: Gamma\n');
      expect(r.out).toContain('-  - name: Empty\n+  - name: Gamma\n     integrations: []\n');
      // an unlisted integration that is already disabled needs nothing: no line for it
      expect(r.out).not.toContain('name: Old');
    }));

  it('colour only on a TTY, never with NO_COLOR', () =>
    withEmulator({}, async (emu) => {
      expect((await plan(emu.url, CHANGE, { diff: true }, ADMIN, { TTY: '1' })).out).toMatch(/\x1b\[32m/);
      expect((await plan(emu.url, CHANGE, { diff: true }, ADMIN, { TTY: '1', NO_COLOR: '1' })).out).not.toMatch(/\x1b\[/);
    }));

  it('--json matches schema/plan.schema.json', () =>
    withEmulator({}, async (emu) => {
      const r = await plan(emu.url, CHANGE, { json: true });
      const json = JSON.parse(r.out);
      const validate = schemaValidator('plan');
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
      expect(json.summary).toEqual({ create: 1, rename: 1, disable: 0, replace: 0, delete: 1, blocked: 0, unreconcilable: 0 });
      expect(json.live_fingerprint).toMatch(/^sha256:/);
    }));

  it('--format markdown: a table and a collapsed diff', () =>
    withEmulator({}, async (emu) => {
      const r = await plan(emu.url, CHANGE, { format: 'markdown' });
      expect(r.out).toMatch(/^### cbsync plan for <code>.*change\.yaml<\/code>\n\n\*\*Plan: 1 to create/);
      expect(r.out).toContain('| `+` | create_organisation | <code>organisation\\["Gamma"\\]</code> |  | name: "Gamma" |');
      expect(r.out).toContain('<details><summary>Diff: live → desired</summary>\n\n```diff\n--- live');
    }));

  it('--out saves the JSON plan, without the key', () =>
    withEmulator({}, async (emu) => {
      const out = `${dir}/saved.json`;
      const r = await plan(emu.url, CHANGE, { out });
      const text = readFileSync(out, 'utf8');
      expectNoKey(text);
      expect(schemaValidator('plan')(JSON.parse(text))).toBe(true);
      expect(r.err).toContain(`apply it with: cbsync apply --plan ${out}`);
    }));

  it.each([
    ['no drift', SAME, 0],
    ['drift', CHANGE, 2],
  ])('--detailed-exitcode: %s -> %i', (_n, file, code) =>
    withEmulator({}, async (emu) => {
      expect((await plan(emu.url, file, { detailedExitcode: true })).code).toBe(code);
    }));

  it('--detailed-exitcode: blocked and unreconcilable count as drift', () =>
    withEmulator({}, async (emu) => {
      const f = write('unrec.yaml', 'version: 1\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Orders\n        merchant_ids: [mer_a3]\n      - name: Old\n        status: DISABLED\n        merchant_ids: [mer_a2]\n  - name: Beta\n  - name: Empty\n');
      const r = await plan(emu.url, f, { detailedExitcode: true });
      expect(r.code).toBe(2);
      expect(r.out).toContain('! replace_integration');
      expect(r.out).toContain('0 to replace, 0 to delete, 0 blocked, 1 unreconcilable.');
    }));

  it.each([
    ['an invalid file', 'bad.yaml', 'version: 1\norganisations:\n  - name: ""\n', /bad\.yaml:3:11: organisations\[0\]\.name: must not be empty\n.*nothing was sent to the API/s],
    ['an ambiguity', 'amb.yaml', 'version: 1\norganisations:\n  - name: Alpha\n    id: org_nope\n', /amb\.yaml:3:5: organisations\[0\]: organisation id "org_nope" not found.*\n.*cannot plan \(1 problem\); nothing was changed/],
    ['a mode mismatch', 'mode.yaml', 'version: 1\nmode: LIVE\norganisations: []\n', /mode: the file is for a LIVE partner but the live partner mode is TEST/],
  ])('--detailed-exitcode: %s -> 1', (_n, name, text, pattern) =>
    withEmulator({}, async (emu) => {
      const r = await plan(emu.url, write(name, text), { detailedExitcode: true });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(pattern);
      expect(r.out).toBe('');
    }));

  it('an invalid file is reported before any request', () =>
    withEmulator({}, async (emu) => {
      await plan(emu.url, write('bad2.yaml', 'version: 2\norganisations: []\n'));
      expect(emu.stats.requests).toBe(0);
    }));

  it('export then plan of its output plans no change', () =>
    withEmulator({ seed: 'examples/emulator-seed.yaml' }, async (emu) => {
      const out = `${dir}/exported.yaml`;
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: 'cbs_test_admin_key' });
      expect(await exportCommand({ maxRpm: 0, out }, io)).toBe(0);
      const r = await plan(emu.url, out, { detailedExitcode: true }, 'cbs_test_admin_key');
      expect(r.out).toContain('No changes.');
      expect(r.code).toBe(0);
    }));

  it('an organisation key plans integrations only', () =>
    withEmulator({}, async (emu) => {
      const f = write('orgkey.yaml', 'version: 1\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Orders\n        merchant_ids: [mer_a1]\n      - name: New\n        merchant_ids: [mer_a3]\n');
      const r = await plan(emu.url, f, {}, ORGKEY);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/\+ create_integration +organisation\["Alpha"\]\.integration\["New"\]/);
      expect(r.out).toContain('Warning: organisation-level key');
      expect(r.err).toContain('(organisation key)');
    }));
});
