import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { LIST_SHAPES } from '../../src/emulator/shapes.js';
import { listAll } from '../../src/live/paginate.js';
import { ADMIN, manyOrgs, testSeed, withEmulator } from '../helpers.js';
import { testClient } from './helpers.js';

const seed = testSeed({ organisations: manyOrgs(237) });
const expectedIds = manyOrgs(237)!.map((o) => o.id!).sort();
const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();

describe('listAll', () => {
  it.each(LIST_SHAPES)('reads 237 organisations under a page cap of 7 with the %s envelope', (listShape) =>
    withEmulator({ seed, maxPageSize: 7, listShape }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      const orgs = await listAll(client, '/v1/organisations');
      expect(ids(orgs)).toEqual(expectedIds);
      if (listShape === 'items' || listShape === 'results') {
        // the minimum: ceil(237 / 7) requests
        expect(emu.stats.byEndpoint['GET /v1/organisations']).toBe(34);
      } else {
        // no total: sequential until the server says the end (array: an empty page)
        expect(emu.stats.byEndpoint['GET /v1/organisations']).toBe(listShape === 'array' ? 35 : 34);
      }
    }));

  it('survives 30% injected 503s and a rate limit (fixed seed)', () =>
    withEmulator({ seed, maxPageSize: 7, failRate: 0.3, rateLimit: 25, rateWindowMs: 400, randomSeed: 3 }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      const orgs = await listAll(client, '/v1/organisations');
      expect(ids(orgs)).toEqual(expectedIds);
      expect(emu.stats.failed).toBeGreaterThan(3);
      expect(emu.stats.rateLimited).toBeGreaterThan(0);
      expect(client.stats.retries).toBeGreaterThanOrEqual(emu.stats.failed);
    }));

  it('client pacing keeps under the server rate limit without 429s', () =>
    withEmulator({ seed, maxPageSize: 20, rateLimit: 5, rateWindowMs: 300 }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 5, rateWindowMs: 300 });
      const orgs = await listAll(client, '/v1/organisations');
      expect(orgs).toHaveLength(237);
      expect(emu.stats.rateLimited).toBe(0);
    }));

  it('an object added between pages makes the listing start again, and it ends complete', async () => {
    let calls = 0;
    const emu = await startEmulator({
      seed,
      maxPageSize: 50,
      onRequest: (info, store) => {
        if (info.endpoint === 'GET /v1/organisations' && ++calls === 3) store.insertOrg('[TEST] Arrived mid-listing');
      },
    });
    try {
      const orgs = await listAll(testClient(emu.url, ADMIN), '/v1/organisations', { concurrency: 1 });
      expect(orgs).toHaveLength(238);
      expect(orgs.map((o: any) => o.name)).toContain('[TEST] Arrived mid-listing');
    } finally {
      await emu.close();
    }
  });

  it('an object removed between pages is detected (offsets shift) and the listing is redone', async () => {
    let calls = 0;
    const emu = await startEmulator({
      seed,
      maxPageSize: 50,
      onRequest: (info, store) => {
        if (info.endpoint === 'GET /v1/organisations' && ++calls === 2) store.orgs.delete('org_00003');
      },
    });
    try {
      const orgs = await listAll(testClient(emu.url, ADMIN), '/v1/organisations', { concurrency: 1 });
      expect(orgs).toHaveLength(236);
      expect(calls).toBeGreaterThan(5); // read twice
    } finally {
      await emu.close();
    }
  });

  it('a listing that keeps changing stops the run with a clear error', async () => {
    const emu = await startEmulator({
      seed,
      maxPageSize: 50,
      onRequest: (info, store) => {
        if (info.endpoint === 'GET /v1/organisations' && info.query.get('offset') !== '0') store.insertOrg('[TEST] churn');
      },
    });
    try {
      await expect(listAll(testClient(emu.url, ADMIN), '/v1/organisations')).rejects.toThrow(/could not be shown complete after 2 attempts/);
    } finally {
      await emu.close();
    }
  });

  it('never follows a next link to another origin (that server receives nothing)', async () => {
    const other = await startEmulator({ seed });
    try {
      await withEmulator({ seed, maxPageSize: 10, listShape: 'results', nextOrigin: other.url }, async (emu) => {
        const orgs = await listAll(testClient(emu.url, ADMIN), '/v1/organisations');
        expect(orgs).toHaveLength(237);
      });
      expect(other.stats.requests).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('without a count, follows a same-origin next and ignores a foreign one', async () => {
    const items = Array.from({ length: 9 }, (_, i) => ({ id: `o${i}`, name: `n${i}` }));
    let foreignHits = 0;
    const foreign = createServer((_q, r) => {
      foreignHits++;
      r.end('[]');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    const server = createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      const offset = Number(u.searchParams.get('offset') ?? 0);
      const page = items.slice(offset, offset + 4); // a silent cap of 4, no count
      const end = offset + page.length >= items.length;
      const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // first page links to the foreign server, later pages to our own origin
      const next = end ? null : offset === 0 ? `${foreignUrl}/v1/x?offset=4` : `${self}/v1/x?offset=${offset + 4}`;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ results: page, next }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const got = await listAll(testClient(url, ADMIN), '/v1/x');
      expect(got.map((x) => x.id)).toEqual(items.map((x) => x.id));
      expect(foreignHits).toBe(0);
    } finally {
      server.close();
      foreign.close();
    }
  });

  it('an unknown envelope is an error, never "no objects"', async () => {
    const server = createServer((_q, r) => {
      r.setHeader('content-type', 'application/json');
      r.end(JSON.stringify({ organisations: [] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await expect(listAll(testClient(url, ADMIN), '/v1/organisations')).rejects.toThrow(/unrecognised list body \(organisations\)/);
    } finally {
      server.close();
    }
  });
});
