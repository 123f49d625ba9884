import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

import { exportCommand } from '../../src/commands/export.js';
import { ADMIN, GROUP, ORGKEY, closedPort, expectNoKey, testIo, testSeed, tree, withEmulator } from '../helpers.js';

const run = async (url: string, key: string, extra: Record<string, unknown> = {}) => {
  const io = testIo({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: key });
  const code = await exportCommand({ maxRpm: 0, ...extra }, io);
  expectNoKey(io.out(), io.err());
  return { code, out: io.out(), err: io.err() };
};

describe('cbsync export', () => {
  it('writes every id pinned, in a stable order, other types as comments', () =>
    withEmulator({}, async (emu) => {
      const r = await run(emu.url, ADMIN);
      expect(r.code).toBe(0);
      const doc = parse(r.out);
      expect(doc.version).toBe(1);
      expect(doc.mode).toBe('TEST');
      expect(doc.organisations.map((o: any) => o.id)).toEqual(['org_a', 'org_b', 'org_empty']);
      expect(doc.organisations[0].integrations).toEqual([
        { name: 'Old', id: 'int_a2', status: 'DISABLED', merchant_ids: ['mer_a2'] },
        { name: 'Orders', id: 'int_a1', status: 'ENABLED', merchant_ids: ['mer_a1'] },
      ]);
      expect(doc.organisations[1].integrations).toEqual([]);
      expect(r.out).toContain('# unmanaged SHOPIFY integration "Shopify" (int_b1, ENABLED)');
      expect(r.out).toMatch(/^# yaml-language-server: \$schema=/);
      // stable: the same live state gives the same bytes
      expect((await run(emu.url, ADMIN)).out).toBe(r.out);
    }));

  it('lists one namesake per name; disabled namesakes of an enabled one become comments', () =>
    withEmulator({}, async (emu) => {
      emu.store.insertIntegration({ organisation_id: 'org_a', name: 'Orders', type: 'CUSTOM_ORDERS', status: 'DISABLED', merchant_ids: ['mer_a3'], id: 'int_a0' });
      const doc = parse((await run(emu.url, ADMIN)).out);
      expect(doc.organisations[0].integrations.filter((i: any) => i.name === 'Orders')).toEqual([
        { name: 'Orders', id: 'int_a1', status: 'ENABLED', merchant_ids: ['mer_a1'] },
      ]);
    }));

  it('a group key exports only what it sees', () =>
    withEmulator({}, async (emu) => {
      const doc = parse((await run(emu.url, GROUP)).out);
      expect(doc.organisations.map((o: any) => o.id)).toEqual(['org_a']);
    }));

  it('an organisation key exports its one organisation', () =>
    withEmulator({}, async (emu) => {
      const r = await run(emu.url, ORGKEY);
      expect(r.code).toBe(0);
      const doc = parse(r.out);
      expect(doc.organisations).toHaveLength(1);
      expect(doc.organisations[0].id).toBe('org_a');
      expect(doc.mode).toBeUndefined();
    }));

  it('-o writes the file', () =>
    withEmulator({}, async (emu) => {
      const { mkdtempSync, readFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const out = `${mkdtempSync(`${tmpdir()}/cbsync-`)}/live.yaml`;
      const r = await run(emu.url, ADMIN, { out });
      expect(r.out).toBe('');
      expect(parse(readFileSync(out, 'utf8')).organisations).toHaveLength(3);
    }));

  it.each([
    ['a rejected key', 'cbs_wrong_key', /error: .*401.*invalid API key/],
    ['a missing key', '', /CHARGEBACKSTOP_API_KEY is not set/],
  ])('%s: one line, exit 1', (_n, key, pattern) =>
    withEmulator({}, async (emu) => {
      const r = await run(emu.url, key);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(pattern);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
    }));

  it('an unreachable host: one line, exit 1', async () => {
    const r = await run(`http://127.0.0.1:${await closedPort()}`, ADMIN, { retries: 0 });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: GET \/v1\/(organisations|integrations).*: refused: connection refused/);
  });

  it('plain http to a remote host is refused before any request', async () => {
    const r = await run('http://api.chargebackstop.com', ADMIN);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refusing plain http/);
  });

  it('--debug logs requests, never the key', () =>
    withEmulator({}, async (emu) => {
      const r = await run(emu.url, ADMIN, { debug: true });
      expect(r.err).toMatch(/debug: -> GET \/v1\/organisations\?limit=500&offset=0/);
      expect(r.err).toMatch(/debug: <- 200 GET/);
    }));
});

describe('errors a person can act on: one line, exit 1', () => {
  it('a missing ability', () =>
    withEmulator({ seed: { keys: [{ key: ADMIN, level: 'admin', abilities: [] }] } }, async (emu) => {
      const r = await run(emu.url, ADMIN);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^error: GET \/v1\/organisations.*403 MISSING_ABILITY: .*organisations:read/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }));

  it('a timeout', () =>
    withEmulator({ latencyMs: 400 }, async (emu) => {
      const r = await run(emu.url, ADMIN, { timeout: 50, retries: 0 });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^error: GET .*: timeout: no complete answer within 50 ms \(raise --timeout, or retry later\)\n$/);
    }));

  it('a non-JSON answer', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_q, res) => res.end('<html>gateway</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await run(`http://127.0.0.1:${(server.address() as { port: number }).port}`, ADMIN);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^error: GET .*: 200: non-JSON answer: HTML page: gateway\n$/); // HTML told by its text (client, issue 20)
    } finally {
      server.close();
    }
  });
});

// G7: an export is all or nothing, and never mixes with other YAML under its target.
describe('export --out-dir and -o FILE: all or nothing', () => {
  const fresh = () => mkdtempSync(`${tmpdir()}/cbsync-export-`);
  const many = (n: number) => testSeed({ organisations: Array.from({ length: n }, (_, i) => ({ id: `org_${i}`, name: `[TEST] Org ${i}` })) });
  /** a leftover of a write aside: a hidden `.NAME.cbsync-export-*` entry */
  const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.cbsync-export-'));

  it('refuses a directory holding YAML in a subdirectory (accounts/old/gone.yaml), before any request', () =>
    withEmulator({}, async (emu) => {
      const root = tree({ 'accounts/old/gone.yaml': 'organisations: [{name: Gone Since}]\n', 'accounts/README.md': 'notes' });
      const r = await run(emu.url, ADMIN, { outDir: `${root}/accounts` });
      expect(r.code).toBe(1);
      expect(r.err).toBe(`error: ${root}/accounts already holds YAML files (${root}/accounts/old/gone.yaml), which would join the exported state: export into a new or empty directory\n`);
      expect(emu.stats.requests).toBe(0);
      expect(readdirSync(`${root}/accounts`).sort()).toEqual(['README.md', 'old']);
    }));

  it('refuses YAML reached through a symbolic link to a directory', () =>
    withEmulator({}, async (emu) => {
      const outside = tree({ 'globex.yaml': 'organisations: [{name: Globex}]\n' });
      const root = tree({ 'accounts/README.md': 'notes' });
      symlinkSync(outside, `${root}/accounts/team-b`);
      const r = await run(emu.url, ADMIN, { outDir: `${root}/accounts` });
      expect(r.err).toContain(`already holds YAML files (${root}/accounts/team-b/globex.yaml)`);
      expect(r.code).toBe(1);
    }));

  it('writes into a directory holding only other files; nothing is left beside it', () =>
    withEmulator({}, async (emu) => {
      const root = tree({ 'accounts/README.md': 'notes', 'accounts/.hidden.yaml': 'x' });
      const r = await run(emu.url, ADMIN, { outDir: `${root}/accounts` });
      expect(r.code).toBe(0);
      expect(readdirSync(`${root}/accounts`).sort()).toEqual(['.hidden.yaml', 'README.md', 'alpha.yaml', 'beta.yaml', 'empty.yaml', 'settings.yaml']);
      expect(leftovers(root)).toEqual([]);
      expect(leftovers(`${root}/accounts`)).toEqual([]);
    }));

  /** `cbsync export` in a child process whose files may be at most `blocks` KiB (writes beyond fail with EFBIG) */
  const child = (url: string, args: string[], blocks = 'unlimited') =>
    spawn('bash', ['-c', `ulimit -f ${blocks}; exec "$0" dist/cli.js export --max-rpm 0 "$@"`, process.execPath, ...args], {
      env: { ...process.env, CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: ADMIN },
    });
  const ended = (c: ReturnType<typeof child>) => {
    let err = '';
    c.stderr!.on('data', (d) => (err += d));
    return new Promise<{ code: number | null; signal: string | null; err: string }>((r) => c.on('exit', (code, signal) => r({ code, signal, err })));
  };

  it('a write failure half way leaves no directory and nothing beside it', () => {
    // the fourth file is larger than the child may write: the first three were already written
    const big = { id: 'org_big', name: '[TEST] C Big', merchants: ['m1'], integrations: Array.from({ length: 300 }, (_, i) => ({ name: `${'x'.repeat(240)} ${i}`, merchant_ids: ['m1'] })) };
    const seed = testSeed({ organisations: [...['A', 'B', 'D', 'E'].map((n) => ({ id: `org_${n}`, name: `[TEST] ${n}` })), big] });
    return withEmulator({ seed }, async (emu) => {
      const root = fresh();
      const r = await ended(child(emu.url, ['--out-dir', `${root}/accounts`], '16'));
      expect(readdirSync(root)).toEqual([]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^error: cannot write ${root}/accounts: EFBIG: file too large, write; nothing was written \\(an export is all or nothing\\)\n$`));
      // -o FILE: the file export wrote before is kept whole
      writeFileSync(`${root}/live.yaml`, (await run(emu.url, ADMIN, {})).out);
      const before = readFileSync(`${root}/live.yaml`, 'utf8');
      const one = await ended(child(emu.url, ['-o', `${root}/live.yaml`], '16'));
      expect(one.code).toBe(1);
      expect(one.err).toContain(`error: cannot write ${root}/live.yaml: EFBIG`);
      expect(readFileSync(`${root}/live.yaml`, 'utf8')).toBe(before);
      expect(readdirSync(root)).toEqual(['live.yaml']);
    });
  });

  it('SIGTERM while the files are written: the directory is whole or absent, never partial', () =>
    withEmulator({ seed: many(3000) }, async (emu) => {
      const root = fresh();
      const c = child(emu.url, ['--out-dir', `${root}/accounts`]);
      const done = ended(c);
      // kill as soon as anything appears: the target itself, or the directory written aside
      const watcher = watch(root, () => c.kill('SIGTERM'));
      const r = await done;
      watcher.close();
      const files = existsSync(`${root}/accounts`) ? readdirSync(`${root}/accounts`) : [];
      expect([0, 3001]).toContain(files.length);
      expect(leftovers(root)).toEqual([]);
      // a signal held during the write is acted on after it (143); one that comes later finds the export done
      if (r.code === 143) expect(r.err).toContain(`stopped by SIGTERM: the export had been written in full (${root}/accounts), nothing partial is left`);
      else if (files.length) expect(r.code === 0 || r.signal === 'SIGTERM').toBe(true);
      else expect(r.signal).toBe('SIGTERM');
    }));
});

describe('export conventions', () => {
  const exported = async (url: string, file: string) => {
    const r = await run(url, ADMIN, { out: file });
    expect(r.code).toBe(0);
    return readFileSync(file, 'utf8');
  };

  it('-o - writes to standard output', () =>
    withEmulator({}, async (emu) => {
      const cwd = process.cwd();
      const dir = mkdtempSync(`${tmpdir()}/cbsync-export-`);
      process.chdir(dir);
      try {
        const r = await run(emu.url, ADMIN, { out: '-' });
        expect(r.code).toBe(0);
        expect(parse(r.out).organisations).toHaveLength(3);
        expect(readdirSync(dir)).toEqual([]);
      } finally {
        process.chdir(cwd);
      }
    }));

  it('-o FILE replaces a file it wrote, unchanged; refuses one it did not write or one edited since, before any request; --force replaces', () =>
    withEmulator({}, async (emu) => {
      const dir = mkdtempSync(`${tmpdir()}/cbsync-export-`);
      const file = `${dir}/desired.yaml`;
      const first = await exported(emu.url, file);
      expect(await exported(emu.url, file)).toBe(first);
      writeFileSync(file, first.replace('organisations:', '# keep this comment\norganisations:'));
      const requests = emu.stats.requests;
      const edited = await run(emu.url, ADMIN, { out: file });
      expect([edited.code, edited.err]).toEqual([1, `error: ${file} was edited since \`cbsync export\` wrote it: not replaced (--force replaces it, or choose another file)\n`]);
      writeFileSync(file, 'version: 1\norganisations: []  # by hand\n');
      const foreign = await run(emu.url, ADMIN, { out: file });
      expect([foreign.code, foreign.err]).toEqual([1, `error: ${file} was not written by \`cbsync export\`: not replaced (--force replaces it, or choose another file)\n`]);
      expect(emu.stats.requests).toBe(requests);
      expect(readFileSync(file, 'utf8')).toBe('version: 1\norganisations: []  # by hand\n');
      expect((await run(emu.url, ADMIN, { out: file, force: true })).code).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(first);
      expect(readdirSync(dir)).toEqual(['desired.yaml']);
    }));

  it('--force goes with -o FILE only', async () => {
    const r = await run('http://127.0.0.1:1', ADMIN, { force: true });
    expect([r.code, r.err]).toEqual([1, 'error: --force replaces the file given with -o FILE; it has nothing to replace here (--out-dir never replaces YAML)\n']);
  });

  it('the modeline: the schema\'s versioned URL by default, which is its $id; --schema URL as given, --schema PATH relative to each file', () =>
    withEmulator({}, async (emu) => {
      const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
      const url = `https://cdn.jsdelivr.net/npm/cbsync@${version}/schema/desired-state.schema.json`;
      expect(JSON.parse(readFileSync('schema/desired-state.schema.json', 'utf8')).$id).toBe(url);
      expect((await run(emu.url, ADMIN)).out).toMatch(new RegExp(`^# yaml-language-server: \\$schema=${url.replace(/[.]/g, '\\.')}\n`));
      expect((await run(emu.url, ADMIN, { schema: 'https://example.com/s.json' })).out).toMatch(/^# yaml-language-server: \$schema=https:\/\/example\.com\/s\.json\n/);
      const root = tree({ 'schema/desired-state.schema.json': '{}' });
      const cwd = process.cwd();
      process.chdir(root);
      try {
        expect((await run(emu.url, ADMIN, { outDir: 'accounts/eu', schema: 'schema/desired-state.schema.json' })).code).toBe(0);
        expect(readFileSync('accounts/eu/alpha.yaml', 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/\.\.\/schema\/desired-state\.schema\.json\n/);
        const missing = await run(emu.url, ADMIN, { schema: 'nope/s.json' });
        expect(missing.err).toBe('warning: --schema nope/s.json does not exist (yet): the modeline points at it anyway\n');
        expect(missing.out).toMatch(/^# yaml-language-server: \$schema=nope\/s\.json\n/);
      } finally {
        process.chdir(cwd);
      }
    }));
});
