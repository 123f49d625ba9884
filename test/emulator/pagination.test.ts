import { describe, expect, it } from 'vitest';
import { ADMIN, manyOrgs, rawApi, testSeed, withEmulator } from '../helpers.js';

const seed = testSeed({ organisations: manyOrgs(23) });

describe('limit/offset pagination', () => {
  it('pages through in creation order with a stable count', () =>
    withEmulator({ seed }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      const ids: string[] = [];
      for (let offset = 0; offset < 23; offset += 10) {
        const r = await api('GET', `/v1/organisations?limit=10&offset=${offset}`);
        expect(r.body.count).toBe(23);
        ids.push(...r.body.items.map((o: any) => o.id));
      }
      expect(ids).toEqual(manyOrgs(23)!.map((o) => o.id));
    }));

  it('offset past the end gives an empty page and the count', () =>
    withEmulator({ seed }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('GET', '/v1/organisations?limit=10&offset=500');
      expect(r.body).toEqual({ items: [], count: 23 });
    }));

  it('limit=0 gives no items but the count', () =>
    withEmulator({ seed }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('GET', '/v1/organisations?limit=0');
      expect(r.body).toEqual({ items: [], count: 23 });
    }));

  it('without limit a default page of 50 is served', () =>
    withEmulator({ seed: testSeed({ organisations: manyOrgs(60) }) }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('GET', '/v1/organisations');
      expect(r.body.items).toHaveLength(50);
      expect(r.body.count).toBe(60);
    }));

  it('a maximum page size silently caps limit', () =>
    withEmulator({ seed, maxPageSize: 7 }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('GET', '/v1/organisations?limit=500');
      expect(r.status).toBe(200);
      expect(r.body.items).toHaveLength(7);
      expect(r.body.count).toBe(23);
    }));

  it.each(['-1', 'abc', '1.5', ''])('limit=%s is 400 INVALID_PAGINATION', (v) =>
    withEmulator({ seed }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      const r = await api('GET', `/v1/organisations?limit=${v}`);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('INVALID_PAGINATION');
      expect((await api('GET', `/v1/integrations?offset=${v}`)).status).toBe(400);
    }));

  it('count follows objects added between pages', () =>
    withEmulator({ seed }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      const first = await api('GET', '/v1/organisations?limit=10&offset=0');
      expect(first.body.count).toBe(23);
      await api('POST', '/v1/organisations', { name: 'Late' });
      const second = await api('GET', '/v1/organisations?limit=10&offset=10');
      expect(second.body.count).toBe(24);
      const last = await api('GET', '/v1/organisations?limit=10&offset=20');
      expect(last.body.items.map((o: any) => o.name)).toContain('[TEST] Late');
    }));
});

describe('list shapes', () => {
  it('results: count, absolute next and previous', () =>
    withEmulator({ seed, listShape: 'results' }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      const r = await api('GET', '/v1/organisations?limit=10&offset=10');
      expect(r.body.count).toBe(23);
      expect(r.body.results).toHaveLength(10);
      expect(r.body.next).toBe(`${emu.url}/v1/organisations?limit=10&offset=20`);
      expect(r.body.previous).toBe(`${emu.url}/v1/organisations?limit=10&offset=0`);
      const last = await api('GET', '/v1/organisations?limit=10&offset=20');
      expect(last.body.next).toBeNull();
    }));

  it('data: has_more and no total', () =>
    withEmulator({ seed, listShape: 'data' }, async (emu) => {
      const api = rawApi(emu.url, ADMIN);
      expect((await api('GET', '/v1/organisations?limit=20')).body).toMatchObject({ has_more: true });
      const end = await api('GET', '/v1/organisations?limit=20&offset=20');
      expect(end.body.has_more).toBe(false);
      expect(end.body.data).toHaveLength(3);
      expect(end.body.total).toBeUndefined();
    }));

  it('array: a bare JSON array', () =>
    withEmulator({ listShape: 'array' }, async (emu) => {
      const r = await rawApi(emu.url, ADMIN)('GET', '/v1/integrations?limit=2');
      expect(Array.isArray(r.body)).toBe(true);
      expect(r.body).toHaveLength(2);
    }));
});
