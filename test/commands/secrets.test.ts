import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { exportCommand } from '../../src/commands/export.js';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/commands/apply.js';
import { planCommand } from '../../src/commands/plan.js';
import { withProxy } from '../live/hostile.js';
import { validateCommand } from '../../src/commands/validate.js';
import { testIo, tree, withEmulator } from '../helpers.js';
import { keyPieces } from '../wire/helpers.js';

// Guarantee 5: data is decoded exactly as sent, and the key is removed from everything printed
// or written, whatever its source (seen: a file holding the key got a message quoting all of
// it, twice when pasted as a mapping key; a key `K` turned a live "Keep" into "[redacted]eep",
// and the plan created "Keep" beside the real one and deleted it).

const KEY = 'cbs_live_7Qw2ZpXk9RmT4vLc8HsY1NbE';

describe('the key never leaves through a message about a file', () => {
  const env = { CHARGEBACKSTOP_API_KEY: KEY, GITHUB_ACTIONS: 'true' };
  it.each([
    ['a file that holds only the key', `${KEY}\n`],
    ['the key pasted as a mapping key', `version: 1\norganisations: []\n${KEY}: x\n`],
    ['the key as a name with a control character', `version: 1\norganisations:\n  - name: "${KEY}\\t"\n`],
    ['the key in an unknown key of an organisation', `version: 1\norganisations:\n  - {name: A, ${KEY}: 1}\n`],
  ])('%s: validate names the problem, never any 8 characters of the key', async (_n, text) => {
    const io = testIo(env);
    expect(await validateCommand([tree({ 'desired.yaml': text }) + '/desired.yaml'], {}, io)).toBe(1);
    expect(io.err()).toMatch(/desired\.yaml:\d+:\d+: /);
    expect(keyPieces(KEY, 8, io.out(), io.err())).toEqual([]);
  });

  it('an env file linked into the directory: the key is not quoted, not even cut short', async () => {
    const root = tree({ 'outside/.env': `CHARGEBACKSTOP_API_KEY=${KEY}\n`, 'accounts/settings.yaml': 'version: 1\norganisations: []\n' });
    symlinkSync(`${root}/outside/.env`, `${root}/accounts/secrets.yaml`);
    const io = testIo(env);
    expect(await validateCommand([`${root}/accounts`], {}, io)).toBe(1);
    expect(io.err()).toContain('secrets.yaml');
    expect(keyPieces(KEY, 8, io.out(), io.err())).toEqual([]);
  });
});

describe('data is decoded exactly as sent', () => {
  it('a one-character key never changes a live name: "Keep" stays "Keep", and nothing is planned', () =>
    withEmulator({ seed: { mode: 'TEST', keys: [{ key: 'K', level: 'admin' }], organisations: [{ id: 'org_k', name: '[TEST] Keep' }] } }, async (emu) => {
      const root = tree({ 'desired.yaml': 'version: 1\norganisations:\n  - name: Keep\n' });
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: 'K' });
      expect(await planCommand([`${root}/desired.yaml`], { maxRpm: 0, detailedExitcode: true }, io)).toBe(0);
      expect(io.out()).toContain('No changes.');
    }));

  it('a live name that holds the key is matched as it is, and printed without the key', () =>
    withEmulator({ seed: { mode: 'TEST', keys: [{ key: KEY, level: 'admin' }], organisations: [{ id: 'org_x', name: `[TEST] Team ${KEY}` }, { id: 'org_y', name: '[TEST] Other' }] } }, async (emu) => {
      const root = tree({ 'desired.yaml': 'version: 1\norganisations:\n  - {name: Renamed, id: org_x}\n  - {name: Other}\n' });
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: KEY });
      const out = `${root}/plan.json`;
      expect(await planCommand([`${root}/desired.yaml`], { maxRpm: 0, out }, io)).toBe(0);
      // one rename, from the real name: no create, no delete
      expect(io.out()).toContain('~ rename_organisation  organisation["Renamed"] (org_x)\n        name: "[TEST] Team [redacted]" -> "Renamed"');
      expect(io.out()).toContain('Plan: 0 to create, 1 to rename');
      expect(keyPieces(KEY, 8, io.out(), io.err())).toEqual([]);
      const { readFileSync } = await import('node:fs');
      expect(keyPieces(KEY, 8, readFileSync(out, 'utf8'))).toEqual([]);
    }));
});


describe('the key in what cbsync writes, from a hostile review', () => {
  const seed = { mode: 'TEST' as const, keys: [{ key: KEY, level: 'admin' as const }], organisations: [{ id: 'org_a', name: '[TEST] Acme' }, { id: 'org_leak', name: `[TEST] ${KEY}` }] };
  const env = (url: string) => ({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: KEY });

  it('the Markdown plan: escaping cannot hide the key from the filter (seen: cbs\\_test\\_admin\\_key, rendered back as the key)', () =>
    withEmulator({ seed }, async (emu) => {
      const root = tree({ 'desired.yaml': 'version: 1\norganisations:\n  - name: Acme\n' });
      const io = testIo(env(emu.url));
      expect(await planCommand([`${root}/desired.yaml`], { maxRpm: 0, format: 'markdown', markdownOut: `${root}/plan.md` }, io)).toBe(0);
      const unescape = (t: string) => t.replace(/\\(.)/g, '$1');
      expect(keyPieces(KEY, 8, unescape(io.out()), unescape(readFileSync(`${root}/plan.md`, 'utf8')))).toEqual([]);
      expect(io.out()).toContain('organisation\\["\\[redacted\\]"\\]');
    }));

  it('export --out-dir: no file is named after the key, and export -o replaces its own file again (seen: s3cret....yaml; "was edited since")', () =>
    withEmulator({ seed }, async (emu) => {
      const dir = `${mkdtempSync(`${tmpdir()}/cbsync-keyexport-`)}/out`;
      expect(await exportCommand({ maxRpm: 0, outDir: dir }, testIo(env(emu.url)))).toBe(0);
      expect(keyPieces(KEY, 8, readdirSync(dir).join('\n'), ...readdirSync(dir).map((f) => readFileSync(`${dir}/${f}`, 'utf8')))).toEqual([]);
      const file = `${dir}-one.yaml`;
      expect(await exportCommand({ maxRpm: 0, out: file }, testIo(env(emu.url)))).toBe(0);
      expect(await exportCommand({ maxRpm: 0, out: file }, testIo(env(emu.url)))).toBe(0);
      expect(keyPieces(KEY, 8, readFileSync(file, 'utf8'))).toEqual([]);
    }));

  it('usage errors of the command line, which quote a flag\'s value (seen: --format <key> printed the key)', async () => {
    const { spawnSync } = await import('node:child_process');
    for (const args of [['plan', 'x.yaml', '--format', KEY], [KEY], ['apply', 'x.yaml', '--concurrency', KEY]]) {
      const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', env: { ...process.env, CHARGEBACKSTOP_API_KEY: KEY } });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('[redacted]');
      expect(keyPieces(KEY, 8, r.stdout, r.stderr)).toEqual([]);
    }
  });

  it('--write-ids never writes an id a server chose that holds the key (seen: org_<key> pinned in the file)', () =>
    withEmulator({ seed }, async (emu) => {
      await withProxy(emu.url, (method, path, _status, body) => (method === 'POST' && path === '/v1/organisations' ? { body: { ...body, id: `org_${KEY}` } } : undefined), undefined, async (proxy) => {
        const root = tree({ 'desired.yaml': 'version: 1\nprune: {organisations: false}\norganisations:\n  - name: Wayne\n' });
        const io = testIo(env(proxy.url));
        await applyCommand([`${root}/desired.yaml`], { maxRpm: 0, yes: true, writeIds: true, verify: false }, io);
        expect(io.err()).toContain("holds the API key: not written into the file");
        expect(keyPieces(KEY, 8, readFileSync(`${root}/desired.yaml`, 'utf8'), io.out(), io.err())).toEqual([]);
      });
    }));
});
