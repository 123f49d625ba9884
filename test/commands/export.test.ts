import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

import { exportCommand } from '../../src/commands/export.js';
import { ADMIN, GROUP, ORGKEY, closedPort, expectNoKey, testIo, withEmulator } from '../helpers.js';

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
