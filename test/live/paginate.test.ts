import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { LIST_SHAPES } from '../../src/emulator/shapes.js';
import { listAll, newListingStats } from '../../src/live/paginate.js';
import { decodeOrganisation } from '../../src/live/decode.js';
import { list as listObjects } from '../../src/live/api.js';
import { ADMIN, manyOrgs, testSeed, withEmulator } from '../helpers.js';
import { testClient } from './helpers.js';
import { hostile, json } from './hostile.js';

const seed = testSeed({ organisations: manyOrgs(237) });
const expectedIds = manyOrgs(237)!.map((o) => o.id!).sort();
const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();

describe('listAll', () => {
  it.each(LIST_SHAPES)('reads 237 organisations under a page cap of 7 with the %s envelope', (listShape) =>
    withEmulator({ seed, maxPageSize: 7, listShape }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      const orgs = await listObjects(client, '/v1/organisations');
      expect(ids(orgs)).toEqual(expectedIds);
      // pages overlap by one item: the first page, then one page per 6 new objects
      const overlapped = 1 + Math.ceil((237 - 7) / 6);
      // without a total the walk is sequential; a bare array ends on the page holding only the overlap
      expect(emu.stats.byEndpoint['GET /v1/organisations']).toBe(listShape === 'array' ? overlapped + 1 : overlapped);
    }));

  it('in a quiet world reads at most 2% more objects than there are (page cap 100)', () =>
    withEmulator({ seed: testSeed({ organisations: manyOrgs(3000) }), maxPageSize: 100 }, async (emu) => {
      const orgs = await listObjects(testClient(emu.url, ADMIN), '/v1/organisations');
      expect(orgs).toHaveLength(3000);
      expect(emu.stats.itemsListed).toBeLessThanOrEqual(3000 * 1.02);
      expect(emu.stats.byEndpoint['GET /v1/organisations']).toBe(1 + Math.ceil((3000 - 100) / 99));
    }));

  it('survives 30% injected 503s and a rate limit (fixed seed)', () =>
    withEmulator({ seed, maxPageSize: 7, failRate: 0.3, rateLimit: 25, rateWindowMs: 400, randomSeed: 3 }, async (emu) => {
      const client = testClient(emu.url, ADMIN);
      const orgs = await listObjects(client, '/v1/organisations');
      expect(ids(orgs)).toEqual(expectedIds);
      expect(emu.stats.failed).toBeGreaterThan(3);
      expect(emu.stats.rateLimited).toBeGreaterThan(0);
      expect(client.stats.retries).toBeGreaterThanOrEqual(emu.stats.failed);
    }));

  it('client pacing keeps under the server rate limit without 429s', () =>
    withEmulator({ seed, maxPageSize: 20, rateLimit: 5, rateWindowMs: 300 }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 5, rateWindowMs: 300 });
      const orgs = await listObjects(client, '/v1/organisations');
      expect(orgs).toHaveLength(237);
      expect(emu.stats.rateLimited).toBe(0);
    }));

  it('an object added between pages is read too (the listing goes on while the count grows)', async () => {
    let calls = 0;
    const emu = await startEmulator({
      seed,
      maxPageSize: 50,
      onRequest: (info, store) => {
        if (info.endpoint === 'GET /v1/organisations' && ++calls === 3) store.insertOrg('[TEST] Arrived mid-listing');
      },
    });
    try {
      const orgs = await listObjects(testClient(emu.url, ADMIN), '/v1/organisations', { concurrency: 1 });
      expect(orgs).toHaveLength(238);
      expect(orgs.map((o: any) => o.name)).toContain('[TEST] Arrived mid-listing');
    } finally {
      await emu.close();
    }
  });

  it('an object removed before a page boundary is bridged: no object missed, no whole re-read', async () => {
    let calls = 0;
    const emu = await startEmulator({
      seed,
      maxPageSize: 50,
      onRequest: (info, store) => {
        if (info.endpoint === 'GET /v1/organisations' && ++calls === 2) store.orgs.delete('org_00003');
      },
    });
    try {
      const orgs = await listObjects(testClient(emu.url, ADMIN), '/v1/organisations', { concurrency: 1 });
      expect(ids(orgs).filter((id) => id !== 'org_00003')).toEqual(expectedIds.filter((id) => id !== 'org_00003'));
      // planned pages: 1 + ceil((237 - 50) / 49) = 5; one bridge page links the shifted ones
      expect(calls).toBe(6);
    } finally {
      await emu.close();
    }
  });

  it.each(['items', 'results'] as const)('--churn (a delete and a create, count unchanged) never hides an object (%s)', (listShape) =>
    withEmulator({ seed, maxPageSize: 20, churn: 6, listShape, randomSeed: 4 }, async (emu) => {
      const before = new Set(emu.store.orgs.keys());
      const orgs = await listObjects(testClient(emu.url, ADMIN), '/v1/organisations');
      const stable = [...emu.store.orgs.keys()].filter((id) => before.has(id));
      expect(stable.length).toBe(237 - 6); // the churn happened: six objects went, six came
      expect(emu.store.orgs.size).toBe(237);
      const listed = new Set(orgs.map((o) => o.id));
      expect(stable.filter((id) => !listed.has(id))).toEqual([]);
    }));

  it('a busy account (--churn 1000, a delete and a create on every page read) lists: the second reading, inside what was seen to move, is taken', () =>
    withEmulator({ seed, maxPageSize: 50, churn: 1000, randomSeed: 4 }, async (emu) => {
      const before = new Set(emu.store.orgs.keys());
      const stats = newListingStats();
      const orgs = await listObjects(testClient(emu.url, ADMIN), '/v1/organisations', { stats });
      expect(stats.readings).toBe(2);
      const listed = new Set(orgs.map((o) => o.id));
      const stable = [...emu.store.orgs.keys()].filter((id) => before.has(id));
      expect(stable.filter((id) => !listed.has(id))).toEqual([]);
      expect(orgs.length).toBeGreaterThan(237); // objects deleted after they were read are there too
    }));

  it('a count given as a string is refused, never taken as "no count"', async () => {
    const h = await hostile((_q, res) => json(res, 200, { items: [{ id: 'o1', name: 'n' }], count: '5' }));
    try {
      await expect(listObjects(testClient(h.url, ADMIN), '/v1/organisations')).rejects.toThrow(/^the list body's "count" is "5", not a count$/);
    } finally {
      await h.close();
    }
  });

  it('a listing whose objects keep moving by more than half a page stops the run with a clear error', async () => {
    const emu = await startEmulator({
      seed,
      maxPageSize: 50,
      onRequest: (info, store) => {
        if (info.endpoint !== 'GET /v1/organisations' || info.query.get('offset') === '0') return;
        for (const id of [...store.orgs.keys()].slice(0, 30)) store.orgs.delete(id);
        for (let i = 0; i < 30; i++) store.insertOrg('[TEST] churn');
      },
    });
    try {
      await expect(listObjects(testClient(emu.url, ADMIN), '/v1/organisations')).rejects.toThrow(/^objects moved between the pages at offsets \d+ and \d+ by more than 4 bridge pages could link \(the same when read again\); nothing was planned from it$/);
    } finally {
      await emu.close();
    }
  });

  it('never follows a next link to another origin (that server receives nothing)', async () => {
    const other = await startEmulator({ seed });
    try {
      await withEmulator({ seed, maxPageSize: 10, listShape: 'results', nextOrigin: other.url }, async (emu) => {
        const orgs = await listObjects(testClient(emu.url, ADMIN), '/v1/organisations');
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
      const got = await listAll(testClient(url, ADMIN), '/v1/x', decodeOrganisation);
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
      await expect(listObjects(testClient(url, ADMIN), '/v1/organisations')).rejects.toThrow(/unrecognised list body \(organisations\)/);
    } finally {
      server.close();
    }
  });
});

describe('a listing a server answers wrongly stops after two readings at most (seen: 15,413 requests in 3 s)', () => {
  const items = Array.from({ length: 20 }, (_, i) => ({ id: `o${i}`, name: `n${i}` }));

  it('a server that ignores offset', async () => {
    const h = await hostile((_q, res, url) => json(res, 200, { items: items.slice(0, 5), count: 20, echo: url.search }));
    try {
      await expect(listObjects(testClient(h.url, ADMIN), '/v1/organisations')).rejects.toThrow(/the server seems to ignore offset: the page at offset 4 repeats the first page \(the same when read again\)/);
      expect(h.hits.length).toBe(10); // per reading: the first page and one wave of four
    } finally {
      await h.close();
    }
  });

  it('a next link that points to itself', async () => {
    const h = await hostile((_q, res, url) => {
      const start = Number(url.searchParams.get('offset') ?? 0);
      json(res, 200, { results: items.slice(start, start + 5), next: `${h.url}/v1/organisations?offset=5` });
    });
    try {
      await expect(listObjects(testClient(h.url, ADMIN), '/v1/organisations')).rejects.toThrow(/next link repeats/);
      expect(h.hits.length).toBe(2); // the first page, then the page whose next points to itself
    } finally {
      await h.close();
    }
  });

  it('a page that brings no new object', async () => {
    const h = await hostile((_q, res, url) => {
      const offset = Number(url.searchParams.get('offset'));
      // offset 0: o0..o4; later: o1..o4 again, whatever was asked
      json(res, 200, { data: offset === 0 ? items.slice(0, 5) : items.slice(1, 5), has_more: true });
    });
    try {
      await expect(listObjects(testClient(h.url, ADMIN), '/v1/organisations')).rejects.toThrow(/the page at offset 0 says there is more, but the next page brings nothing new \(the same when read again\)/);
      expect(h.hits.length).toBe(4); // two pages a reading
    } finally {
      await h.close();
    }
  });
});
