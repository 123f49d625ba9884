import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/commands/export.js';
import { newListingStats } from '../../src/live/paginate.js';
import { list as listObjects } from '../../src/live/api.js';
import { ADMIN, caught, testIo } from '../helpers.js';
import { FAST, run } from '../wire/helpers.js';
import { testClient } from './helpers.js';
import { hostile, json } from './hostile.js';
import { scripted, type Obj } from './scripted.js';

// Issue 17, "Listings that cannot be right are planned from" and "An absurd count exhausts
// memory": each server below made 0.2 plan deletes and exit 0, or run out of memory. A plan is
// made only from a listing that adds up; otherwise one line names the endpoint and the figures.

const orgs = (n: number): Obj[] => Array.from({ length: n }, (_, i) => ({ id: `org_${i}`, name: `Org ${i}` }));
const dir = mkdtempSync(`${tmpdir()}/cbsync-listing-`);
const file = (name: string, text: string) => {
  writeFileSync(`${dir}/${name}`, text);
  return `${dir}/${name}`;
};
// the file lists none of the live organisations: a plan from any listing of them deletes them
const OTHER = file('other.yaml', 'version: 1\norganisations:\n  - name: Somebody Else\n');

async function planRefused(url: string, message: RegExp) {
  const r = await run('plan', url, OTHER, ADMIN);
  expect(r.err).toMatch(message);
  expect(r.err.trim().split('\n')).toHaveLength(1); // one line, no stack trace
  expect(r.out).toBe(''); // nothing was planned
  expect(r.code).toBe(1);
}

describe('listings that cannot be right are refused', () => {
  it('a count of 5 with 2 objects served', async () => {
    const s = await scripted({ objects: orgs(2), shape: 'items', cap: 500, count: { fixed: 5 } });
    try {
      // the first page looks capped at 2: one wave reads on to the count
      await planRefused(s.url, /^error: GET \/v1\/organisations: 2 distinct objects read but the server counted 5 \(5 pages\): the page at offset 1 holds 1 object where the server's count of 5 means 2 \(the same when read again\); nothing was planned from it$/m);
    } finally {
      await s.close();
    }
  });

  it('a count of 5 with 2 objects served under a page cap of 2, with next links (results)', async () => {
    const s = await scripted({ objects: orgs(2), shape: 'results', cap: 2, count: { fixed: 5 } });
    try {
      await planRefused(s.url, /^error: GET \/v1\/organisations: 2 distinct objects read but the server counted 5 \(5 pages\): the page at offset 0 has no next link but ends before the count of 5 \(the same when read again\); nothing was planned from it$/m);
    } finally {
      await s.close();
    }
  });

  it('a count of 3 with 5 objects served', async () => {
    const s = await scripted({ objects: orgs(5), shape: 'items', cap: 500, count: { fixed: 3 } });
    try {
      await planRefused(s.url, /^error: GET \/v1\/organisations: 5 distinct objects read but the server counted 3 \(1 page\): the first page holds 5 objects but the server counted 3/m);
    } finally {
      await s.close();
    }
  });

  it('a second page that repeats an object of the first and never shows another', async () => {
    const first = orgs(3);
    const h = await hostile((_q, res, url) => {
      if (url.pathname === '/v1/integrations') return json(res, 200, { items: [], count: 0 });
      json(res, 200, { items: url.searchParams.get('offset') === '0' ? first : [first[2]], count: 5 });
    });
    try {
      await planRefused(h.url, /^error: GET \/v1\/organisations: 3 distinct objects read but the server counted 5 \(3 pages; objects seen to move by 2 places\): the page at offset 2 holds 1 object where the server's count of 5 means 3 \(the same when read again\)/m);
      expect(h.hits.filter((x) => x.startsWith('GET /v1/organisations'))).toHaveLength(6); // two readings of the first page and one wave of two
    } finally {
      await h.close();
    }
  });
});

describe('a server that tells the same inconsistent story twice is refused', () => {
  it('a second page shifted as if an object had been created before it, and the last one deleted, on both readings', async () => {
    // a writer could explain one reading (count unchanged, one object seen to move); not two alike
    const all = orgs(4);
    const h = await hostile((_q, res, url) => {
      if (url.pathname === '/v1/integrations') return json(res, 200, { items: [], count: 0 });
      json(res, 200, { items: url.searchParams.get('offset') === '0' ? all.slice(0, 3) : all.slice(1, 3), count: 4 });
    });
    try {
      await planRefused(h.url, /^error: GET \/v1\/organisations: 3 distinct objects read but the server counted 4 \(2 pages; objects seen to move by 1 place\) \(the same when read again\); nothing was planned from it$/m);
    } finally {
      await h.close();
    }
  });
});

describe('an absurd count stops at its first page, in bounded memory', () => {
  // an OpenAPI mock generating values: 3 new objects on every page, whatever was asked
  const mock = () => {
    let n = 0;
    return hostile((_q, res, url) => {
      if (url.pathname === '/v1/integrations') return json(res, 200, { items: [], count: 0 });
      json(res, 200, { items: [n++, n++, n++].map((i) => ({ id: `org_${i}`, name: `Generated ${i}` })), count: 30_545_457 });
    });
  };
  const said = /^error: GET \/v1\/organisations: the server counted 30,545,457 objects, more than a listing may hold \(1,000,000\); its first page held 3 \(the same when read again\); nothing was planned from it$/m;

  it('plan: one line, two requests', async () => {
    const h = await mock();
    try {
      await planRefused(h.url, said);
      expect(h.hits.filter((x) => x.startsWith('GET /v1/organisations'))).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it('export: one line, two requests, nothing written', async () => {
    const h = await mock();
    try {
      const io = testIo({ CHARGEBACKSTOP_API_URL: h.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(await exportCommand({ ...FAST }, io)).toBe(1);
      expect(io.err()).toMatch(said);
      expect(io.out()).toBe('');
      expect(h.hits.filter((x) => x.startsWith('GET /v1/organisations'))).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it('a count within the bound that would need too many pages of the served size stops at once too', async () => {
    const s = await scripted({ objects: orgs(9), shape: 'items', cap: 3, count: { fixed: 900_000 } });
    try {
      const e = await caught(listObjects(testClient(s.url, ADMIN), '/v1/organisations'));
      expect(e.message).toBe('the server counted 900,000 objects in pages of 3: 450,000 pages, more than a listing may read (20,000) (the same when read again); nothing was planned from it');
      expect(s.lists()).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('a server that never ends a listing is stopped by the bounds on pages, objects and bytes', async () => {
    // pages of 3 that follow each other, and always more
    const h = await hostile((_q, res, url) => {
      const offset = Number(url.searchParams.get('offset'));
      json(res, 200, { data: [0, 1, 2].map((i) => ({ id: `org_${offset + i}`, name: 'x'.repeat(200) })), has_more: true });
    });
    try {
      const stats = newListingStats();
      const client = testClient(h.url, ADMIN);
      const pages = await caught(listObjects(client, '/v1/organisations', { maxPages: 25, stats }));
      expect(pages.message).toMatch(/^the listing needed more than 25 pages \(\d+ objects read\)/);
      expect(h.hits).toHaveLength(50);
      const held = await caught(listObjects(client, '/v1/organisations', { maxObjects: 40, stats }));
      expect(held.message).toMatch(/^the listing would hold more than 40 objects/);
      const bytes = await caught(listObjects(client, '/v1/organisations', { maxBytes: 4096, stats }));
      expect(bytes.message).toMatch(/^the listing would hold more than 4 KiB of objects \(\d+ objects, \d+ pages read\)/);
      expect(stats.maxHeld).toBeLessThanOrEqual(40 * 2 + 3 * 25);
      expect(stats.maxBytesHeld).toBeLessThan(64 * 1024);
    } finally {
      await h.close();
    }
  });
});

describe('data is decoded exactly as sent (G5)', () => {
  it('with the key "K", an organisation named "Keep" is read as "Keep"', async () => {
    const s = await scripted({ objects: [{ id: 'org_keep', name: 'Keep' }, { id: 'org_k', name: 'K' }], shape: 'items', cap: 500 });
    try {
      const got = await listObjects(testClient(s.url, 'K'), '/v1/organisations');
      expect(got).toEqual([
        { id: 'org_keep', name: 'Keep' },
        { id: 'org_k', name: 'K' },
      ]);
    } finally {
      await s.close();
    }
  });
});
