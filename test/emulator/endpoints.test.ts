import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server.js';
import { ADMIN, GROUP, ORGKEY, READONLY, rawApi, testSeed } from '../helpers.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ seed: testSeed() });
});
afterAll(() => emu.close());

describe('organisations endpoints (admin key)', () => {
  it('lists with the {items, count} envelope', async () => {
    const r = await rawApi(emu.url, ADMIN)('GET', '/v1/organisations');
    expect(r.status).toBe(200);
    expect(r.body.count).toBe(3);
    expect(r.body.items.map((o: any) => o.id)).toEqual(['org_a', 'org_b', 'org_empty']);
    expect(r.body.items[0]).toMatchObject({ name: '[TEST] Alpha', mode: 'TEST', links: [{ rel: 'self', uri: '/v1/organisations/org_a' }] });
  });

  it('gets one, and 404s an unknown id', async () => {
    const api = rawApi(emu.url, ADMIN);
    expect((await api('GET', '/v1/organisations/org_b')).body.name).toBe('[TEST] Beta');
    const r = await api('GET', '/v1/organisations/org_nope');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('NOT_FOUND');
  });

  it('creates with the TEST prefix, never doubled', async () => {
    const api = rawApi(emu.url, ADMIN);
    const a = await api('POST', '/v1/organisations', { name: 'Gamma' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: '[TEST] Gamma', mode: 'TEST' });
    expect(a.body.id).toMatch(/^org_[0-9a-f]+$/);
    const b = await api('POST', '/v1/organisations', { name: '[TEST] Delta' });
    expect(b.body.name).toBe('[TEST] Delta');
    const c = await api('POST', '/v1/organisations', { name: '[TEST]Epsilon' });
    expect(c.body.name).toBe('[TEST]Epsilon');
  });

  it('patches the name only; mode is read-only', async () => {
    const api = rawApi(emu.url, ADMIN);
    const r = await api('PATCH', '/v1/organisations/org_b', { name: 'Beta Two' });
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('[TEST] Beta Two');
    const m = await api('PATCH', '/v1/organisations/org_b', { name: 'x', mode: 'LIVE' });
    expect(m.status).toBe(422);
    expect(m.body.code).toBe('VALIDATION_READ_ONLY');
    const missing = await api('PATCH', '/v1/organisations/org_b', {});
    expect(missing.body.code).toBe('VALIDATION_REQUIRED');
  });

  it('deletes an organisation without dependents (204), then 404', async () => {
    const api = rawApi(emu.url, ADMIN);
    const r = await api('DELETE', '/v1/organisations/org_empty');
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await api('DELETE', '/v1/organisations/org_empty')).status).toBe(404);
  });
});

describe('validation codes', () => {
  const cases: [string, string, string, unknown, number, string][] = [
    ['org name missing', 'POST', '/v1/organisations', {}, 422, 'VALIDATION_REQUIRED'],
    ['org name wrong type', 'POST', '/v1/organisations', { name: 5 }, 422, 'VALIDATION_TYPE'],
    ['org name empty', 'POST', '/v1/organisations', { name: '' }, 422, 'VALIDATION_MIN_LENGTH'],
    ['body not an object', 'POST', '/v1/organisations', [1], 422, 'VALIDATION_TYPE'],
    ['integration name too long', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'x'.repeat(256), type: 'CUSTOM_ORDERS', merchant_ids: ['mer_a1'] }, 422, 'VALIDATION_MAX_LENGTH'],
    ['integration name empty', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: '', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_a1'] }, 422, 'VALIDATION_MIN_LENGTH'],
    ['integration type other', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'n', type: 'SHOPIFY', merchant_ids: ['mer_a1'] }, 422, 'VALIDATION_ENUM'],
    ['integration bad status', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'n', type: 'CUSTOM_ORDERS', status: 'PAUSED', merchant_ids: ['mer_a1'] }, 422, 'VALIDATION_ENUM'],
    ['merchant_ids missing', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'n', type: 'CUSTOM_ORDERS' }, 422, 'VALIDATION_REQUIRED'],
    ['merchant_ids empty', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'n', type: 'CUSTOM_ORDERS', merchant_ids: [] }, 422, 'VALIDATION_MIN_ITEMS'],
    ['merchant_ids wrong type', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'n', type: 'CUSTOM_ORDERS', merchant_ids: 'mer_a1' }, 422, 'VALIDATION_TYPE'],
    ['duplicate merchants', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'n', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_a1', 'mer_a1'] }, 422, 'DUPLICATE_MERCHANT_IDS'],
    ['foreign merchant', 'POST', '/v1/integrations', { organisation_id: 'org_a', name: 'n', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_b1'] }, 422, 'INVALID_MERCHANT_IDS'],
    ['unknown organisation', 'POST', '/v1/integrations', { organisation_id: 'org_zz', name: 'n', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_a1'] }, 404, 'NOT_FOUND'],
    ['patch without fields', 'PATCH', '/v1/integrations/int_a1', {}, 422, 'MISSING_UPDATE_FIELDS'],
    ['patch re-enable', 'PATCH', '/v1/integrations/int_a2', { status: 'ENABLED' }, 422, 'VALIDATION_ENUM'],
    ['patch other type', 'PATCH', '/v1/integrations/int_b1', { status: 'DISABLED' }, 422, 'INVALID_INTEGRATION_TYPE'],
    ['patch unknown integration', 'PATCH', '/v1/integrations/int_zz', { name: 'x' }, 404, 'NOT_FOUND'],
    ['delete with merchants', 'DELETE', '/v1/organisations/org_b', undefined, 422, 'HAS_MERCHANTS'],
  ];
  it.each(cases)('%s -> %i %s', async (_name, method, path, body, status, code) => {
    const r = await rawApi(emu.url, ADMIN)(method, path, body);
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    expect(typeof r.body.message).toBe('string');
  });

  it('malformed JSON is 400 INVALID_JSON', async () => {
    const r = await rawApi(emu.url, ADMIN)('POST', '/v1/organisations', undefined, '{"name": ');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_JSON');
  });

  it('unknown route 404, wrong method 405 with Allow', async () => {
    const api = rawApi(emu.url, ADMIN);
    expect((await api('GET', '/v1/merchants')).status).toBe(404);
    const r = await api('DELETE', '/v1/integrations/int_a1');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, PATCH');
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const r = await rawApi(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'x'.repeat(1024 * 1024 + 10) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('delete blocking', () => {
  it.each([
    ['HAS_MERCHANTS', { merchants: ['m1'] }],
    ['HAS_ENROLMENTS', { enrolments: 1 }],
    ['HAS_INTEGRATIONS', {}],
    ['HAS_DATA_PROVIDERS', { data_providers: 2 }],
    ['HAS_ALERTS', { alerts: 1 }],
  ])('%s', async (code, extra) => {
    const seed = testSeed({
      organisations: [{ id: 'org_x', name: 'X', ...extra }],
    });
    const e = await startEmulator({ seed });
    try {
      if (code === 'HAS_INTEGRATIONS') {
        // integrations need merchants, which would answer HAS_MERCHANTS first: seed directly
        e.store.insertIntegration({ organisation_id: 'org_x', name: 'i', type: 'CUSTOM_ORDERS', status: 'DISABLED', merchant_ids: [] });
      }
      const r = await rawApi(e.url, ADMIN)('DELETE', '/v1/organisations/org_x');
      expect(r.status).toBe(422);
      expect(r.body.code).toBe(code);
    } finally {
      await e.close();
    }
  });
});

describe('integrations endpoints', () => {
  it('lists, gets, creates (ENABLED by default), patches name and status in one request', async () => {
    const api = rawApi(emu.url, ADMIN);
    const list = await api('GET', '/v1/integrations');
    expect(list.body.items.map((i: any) => i.id)).toEqual(expect.arrayContaining(['int_a1', 'int_a2', 'int_b1']));
    expect((await api('GET', '/v1/integrations/int_a1')).body).toMatchObject({ organisation_id: 'org_a', type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: ['mer_a1'] });
    expect((await api('GET', '/v1/integrations/int_zz')).status).toBe(404);
    const c = await api('POST', '/v1/integrations', { organisation_id: 'org_a', name: 'New', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_a1', 'mer_a3'] });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: 'New', status: 'ENABLED', merchant_ids: ['mer_a1', 'mer_a3'] });
    const d = await api('POST', '/v1/integrations', { organisation_id: 'org_a', name: 'Off', type: 'CUSTOM_ORDERS', status: 'DISABLED', merchant_ids: ['mer_a1'] });
    expect(d.body.status).toBe('DISABLED');
    const p = await api('PATCH', `/v1/integrations/${c.body.id}`, { name: 'Renamed', status: 'DISABLED' });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ name: 'Renamed', status: 'DISABLED' });
  });
});

describe('key levels, abilities and scope', () => {
  it('unknown or missing key: 401 everywhere', async () => {
    for (const key of ['cbs_wrong', undefined]) {
      const api = rawApi(emu.url, key);
      expect((await api('GET', '/v1/organisations')).status).toBe(401);
      expect((await api('GET', '/v1/integrations')).status).toBe(401);
    }
  });

  it('organisation key: 401 on every organisations endpoint, own integrations only', async () => {
    const api = rawApi(emu.url, ORGKEY);
    for (const [m, p] of [['GET', '/v1/organisations'], ['GET', '/v1/organisations/org_a'], ['POST', '/v1/organisations'], ['PATCH', '/v1/organisations/org_a'], ['DELETE', '/v1/organisations/org_a']] as const) {
      const r = await api(m, p, m === 'POST' || m === 'PATCH' ? { name: 'x' } : undefined);
      expect(r.status, `${m} ${p}`).toBe(401);
    }
    const list = await api('GET', '/v1/integrations');
    expect(list.status).toBe(200);
    expect(new Set(list.body.items.map((i: any) => i.organisation_id))).toEqual(new Set(['org_a']));
    expect((await api('GET', '/v1/integrations/int_b1')).status).toBe(404);
    expect((await api('POST', '/v1/integrations', { organisation_id: 'org_b', name: 'n', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_b1'] })).status).toBe(404);
    const own = await api('POST', '/v1/integrations', { organisation_id: 'org_a', name: 'Mine', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_a1'] });
    expect(own.status).toBe(201);
  });

  it('non-admin group key: assigned organisations only, out of scope is 404, creations become visible', async () => {
    const api = rawApi(emu.url, GROUP);
    const list = await api('GET', '/v1/organisations');
    expect(list.body.items.map((o: any) => o.id)).toEqual(['org_a']);
    expect(list.body.count).toBe(1);
    expect((await api('GET', '/v1/organisations/org_b')).status).toBe(404);
    expect((await api('PATCH', '/v1/organisations/org_b', { name: 'x' })).status).toBe(404);
    expect((await api('GET', '/v1/integrations')).body.items.every((i: any) => i.organisation_id === 'org_a')).toBe(true);
    const c = await api('POST', '/v1/organisations', { name: 'Group made' });
    expect(c.status).toBe(201);
    expect((await api('GET', `/v1/organisations/${c.body.id}`)).status).toBe(200);
  });

  it('a missing organisations:write ability is 403 naming it; integrations abilities are always on', async () => {
    const api = rawApi(emu.url, READONLY);
    expect((await api('GET', '/v1/organisations')).status).toBe(200);
    const r = await api('POST', '/v1/organisations', { name: 'x' });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'MISSING_ABILITY' });
    expect(r.body.message).toContain('organisations:write');
    expect((await api('DELETE', '/v1/organisations/org_a')).status).toBe(403);
    expect((await api('PATCH', '/v1/integrations/int_a1', { name: 'Orders' })).status).toBe(200);
  });

  it('a missing organisations:read ability is 403', async () => {
    const e = await startEmulator({ seed: { keys: [{ key: 'k_noread', level: 'admin', abilities: [] }] } });
    try {
      const r = await rawApi(e.url, 'k_noread')('GET', '/v1/organisations');
      expect(r.status).toBe(403);
      expect(r.body.message).toContain('organisations:read');
    } finally {
      await e.close();
    }
  });
});
