import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/commands/apply.js';
import { exportCommand } from '../../src/commands/export.js';
import { planCommand } from '../../src/commands/plan.js';
import { validateCommand } from '../../src/commands/validate.js';
import { schemaValidator } from '../../src/desired/schema.js';
import type { Seed } from '../../src/emulator/seed.js';
import { ADMIN, testIo, tree, withEmulator } from '../helpers.js';

// A whole partner account: many files, --write-ids into each, export --out-dir, --target.

const FAST = { maxRpm: 0 as const, backoffBaseMs: 5, settleMs: 200 };
const env = (url: string) => ({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: ADMIN });

const seed = (): Seed => ({
  mode: 'TEST',
  keys: [{ key: ADMIN, level: 'admin' }],
  organisations: [
    { id: 'org_a', name: '[TEST] Alpha', merchants: ['ma1', 'ma2'], integrations: [{ id: 'int_a1', name: 'Orders', merchant_ids: ['ma1'] }] },
    { id: 'org_b', name: '[TEST] Beta', merchants: ['mb1'], integrations: [{ id: 'int_b1', name: 'Feed', merchant_ids: ['mb1'] }] },
    { id: 'org_c', name: '[TEST] Gamma One' },
    { id: 'org_d', name: '[TEST] Gamma Two' },
    { id: 'org_e', name: '[TEST] Delta' },
  ],
});

describe('plan and apply over many files', () => {
  it('JSON plan actions name their own file; a plan problem is positioned in its file', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const root = tree({
        'settings.yaml': 'version: 1\nprune: {organisations: false}\n',
        'alpha.yaml': 'organisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [ma1]}\n      - {name: New, merchant_ids: [ma2]}\n',
        'beta.yaml': 'organisations:\n  - name: Beta Renamed\n    id: org_b\n    integrations: [{name: Feed, merchant_ids: [mb1]}]\n',
      });
      const io = testIo(env(emu.url));
      expect(await planCommand([root], { ...FAST, json: true }, io)).toBe(0);
      const plan = JSON.parse(io.out());
      expect(schemaValidator('plan')(plan)).toBe(true);
      expect(plan.actions.map((a: any) => [a.kind, a.file.replace(`${root}/`, ''), a.path])).toEqual([
        ['rename_organisation', 'beta.yaml', 'organisations[0]'],
        ['create_integration', 'alpha.yaml', 'organisations[0].integrations[1]'],
      ]);
      writeFileSync(`${root}/beta.yaml`, 'organisations:\n  - name: Beta\n\n    id: org_nope\n');
      const bad = testIo({ ...env(emu.url), GITHUB_ACTIONS: 'true' });
      expect(await planCommand([root], FAST, bad)).toBe(1);
      expect(bad.err()).toContain(`${root}/beta.yaml:2:5: organisations[0]: organisation id "org_nope" not found, or not visible to this key\n`);
      expect(bad.err()).toContain(`::error file=${root}/beta.yaml,line=2,col=5,title=cbsync::organisations[0]: organisation id "org_nope" not found`);
      expect(bad.out()).toBe('');
    }));

  it('--write-ids writes each id into the file its entry came from', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const root = tree({
        'settings.yaml': 'version: 1\nprune: {organisations: false}\n',
        'a.yaml': '# team A\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Orders\n        merchant_ids: [ma1]\n      - name: New   # added\n        merchant_ids: [ma2]\n',
        'z.yaml': 'organisations:\r\n  - name: Zeta\r\n',
      });
      const io = testIo(env(emu.url));
      expect(await applyCommand([root], { ...FAST, yes: true, writeIds: true }, io)).toBe(0);
      const a = readFileSync(`${root}/a.yaml`, 'utf8');
      const z = readFileSync(`${root}/z.yaml`, 'utf8');
      const newId = [...emu.store.integrations.values()].find((i) => i.name === 'New')!.id;
      const zetaId = [...emu.store.orgs.values()].find((o) => o.name === '[TEST] Zeta')!.id;
      expect(a).toBe(`# team A\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Orders\n        merchant_ids: [ma1]\n      - name: New   # added\n        id: ${newId}\n        merchant_ids: [ma2]\n`);
      expect(z).toBe(`organisations:\r\n  - name: Zeta\r\n    id: ${zetaId}\r\n`);
      expect(readFileSync(`${root}/settings.yaml`, 'utf8')).toBe('version: 1\nprune: {organisations: false}\n');
      expect(io.err()).toContain(`wrote 1 id into ${root}/a.yaml`);
    }));
});

describe('export --out-dir', () => {
  it('one settings file and one file per organisation; plan DIR of the result shows no change', () =>
    withEmulator({ seed: { ...seed(), organisations: [...seed().organisations!, { id: 'org_dup', name: 'Gamma-One!' }] } }, async (emu) => {
      const out = `${mkdtempSync(`${tmpdir()}/cbsync-export-`)}/state`;
      const io = testIo(env(emu.url));
      expect(await exportCommand({ ...FAST, outDir: out }, io)).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['alpha.yaml', 'beta.yaml', 'delta.yaml', 'gamma-one-2.yaml', 'gamma-one.yaml', 'gamma-two.yaml', 'settings.yaml']);
      expect(readFileSync(`${out}/settings.yaml`, 'utf8')).toMatch(/^# yaml-language-server: \$schema=https:\/\/cdn\.jsdelivr\.net\/npm\/cbsync@[^/]+\/schema\/desired-state\.schema\.json\n[\s\S]*version: 1\nmode: TEST\n$/);
      expect(readFileSync(`${out}/alpha.yaml`, 'utf8')).toContain('organisations:\n  - name: Alpha\n    id: org_a\n');
      expect(io.err()).toContain(`wrote 7 files into ${out} (6 organisations, 2 integrations); plan them with: cbsync plan ${out}`);
      const v = testIo();
      expect(await validateCommand([out], {}, v)).toBe(0);
      const p = testIo(env(emu.url));
      expect(await planCommand([out], { ...FAST, detailedExitcode: true }, p)).toBe(0);
      expect(p.out()).toContain('No changes.');
      // a second export into the same directory would mix with what is there
      const again = testIo(env(emu.url));
      expect(await exportCommand({ ...FAST, outDir: out }, again)).toBe(1);
      expect(again.err()).toBe(`error: ${out} already holds YAML files (${out}/alpha.yaml and 6 more), which would join the exported state: export into a new or empty directory\n`);
    }));

  it('-o with a directory says so', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const dir = mkdtempSync(`${tmpdir()}/cbsync-export-`);
      const io = testIo(env(emu.url));
      expect(await exportCommand({ ...FAST, out: dir }, io)).toBe(1);
      expect(io.err()).toBe(`error: ${dir} is a directory: use --out-dir ${dir} for one file per organisation, or -o with a file name\n`);
    }));
});

describe('--target plans a part of the account', () => {
  const FILE = (root: string) => `${root}/desired.yaml`;
  const desired = 'version: 1\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders v2, id: int_a1, merchant_ids: [ma1]}\n      - {name: New, merchant_ids: [ma2]}\n  - name: Beta Renamed\n    id: org_b\n';

  async function plan(url: string, targets: string[], extra = {}) {
    const root = tree({ 'desired.yaml': desired });
    const io = testIo(env(url));
    const code = await planCommand([FILE(root)], { ...FAST, json: true, target: targets, ...extra }, io);
    return { code, plan: code === 0 ? JSON.parse(io.out()) : null, err: io.err() };
  }
  const lines = (p: any) => p.actions.map((a: any) => `${a.kind} ${a.address}${a.status === 'pending' ? '' : ` [${a.status}]`}`);

  it('without targets: the whole account (Gammas and Delta pruned)', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const { plan: p } = await plan(emu.url, []);
      expect(p.selection).toBeNull();
      expect(lines(p).filter((l: string) => l.startsWith('delete'))).toEqual(['delete_organisation organisation["Delta"]', 'delete_organisation organisation["Gamma One"]', 'delete_organisation organisation["Gamma Two"]']);
    }));

  it('an organisation address selects it with its integrations; nothing outside is pruned', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const { plan: p } = await plan(emu.url, ['organisation["Alpha"]']);
      expect(p.selection).toEqual(['organisation["Alpha"]']);
      expect(lines(p)).toEqual(['create_integration organisation["Alpha"].integration["New"]', 'update_integration organisation["Alpha"].integration["Orders v2"]']);
    }));

  it('a glob selects unlisted organisations too: only those are pruned', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const { plan: p } = await plan(emu.url, ['organisation["Gamma*"]']);
      expect(lines(p)).toEqual(['delete_organisation organisation["Gamma One"]', 'delete_organisation organisation["Gamma Two"]']);
    }));

  it('an integration address: only what it names; its organisation is not renamed, its other integrations not disabled', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const { plan: p } = await plan(emu.url, ['organisation["Alpha"].integration["New"]']);
      expect(lines(p)).toEqual(['create_integration organisation["Alpha"].integration["New"]']);
      // Beta is renamed in the file, and its Feed unlisted: a glob over its integrations selects
      // Feed (so it is pruned), never the organisation itself
      const all = await plan(emu.url, ['organisation["Beta Renamed"].integration["*"]']);
      expect(lines(all.plan)).toEqual(['update_integration organisation["Beta Renamed"].integration["Feed"]']);
      // an address that selects nothing is an error, never "No changes" (a typo must not read as no drift)
      const none = await plan(emu.url, ['organisation["Beta Renamed"].integration["Other"]']);
      expect(none.code).toBe(1);
      expect(none.err).toContain('error: --target organisation["Beta Renamed"].integration["Other"] selects nothing');
    }));

  it('the safety guard counts within the selection', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      // 3 of 5 organisations pruned overall: under 10, not guarded; within the selection likewise
      const { plan: p } = await plan(emu.url, ['organisation["*"]']);
      expect(p.safety.violations).toEqual([]);
      expect(lines(p).filter((l: string) => l.startsWith('delete'))).toHaveLength(3);
    }));

  it('a malformed address is a usage error before any request', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const r = await plan(emu.url, ['org[Alpha]']);
      expect(r.code).toBe(1);
      expect(r.err).toBe('error: --target not an address: org[Alpha] (write organisation["NAME"] or organisation["NAME"].integration["NAME"]; * matches any characters in a name)\n');
      expect(emu.stats.requests).toBe(0);
    }));

  it('apply --target changes only the selection, and its closing check plans the same selection', () =>
    withEmulator({ seed: seed() }, async (emu) => {
      const root = tree({ 'desired.yaml': desired });
      const io = testIo(env(emu.url));
      expect(await applyCommand([FILE(root)], { ...FAST, yes: true, target: ['organisation["Gamma One"]'] }, io)).toBe(0);
      expect(emu.store.orgs.has('org_c')).toBe(false);
      expect(emu.store.orgs.has('org_d')).toBe(true);
      expect(emu.store.orgs.get('org_b')!.name).toBe('[TEST] Beta');
      expect(io.out()).toContain('Partial plan: only organisation["Gamma One"]; nothing outside the selection is planned or pruned.');
      expect(io.out()).toContain('Verified: a fresh listing shows nothing left to do');
    }));
});
