import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/commands/export.js';
import { decodeIntegration, NO_NAME, NO_STATUS } from '../../src/live/decode.js';
import { ADMIN, testIo, withEmulator } from '../helpers.js';
import { FAST, run } from '../wire/helpers.js';
import { withProxy, type Hostile } from './hostile.js';

// Issue 17, "Integrations cbsync does not manage break the run": a SHOPIFY integration without
// merchant_ids made export and plan fail. cbsync never changes other types; it reads only their
// id, organisation and type (name and status to show them). Their other fields may be anything.

const W = 'GET /v1/integrations';

describe('integrations of other types are read with only what cbsync needs (G6)', () => {
  it('a SHOPIFY integration without merchant_ids, name or status: export and plan of the export run as a user runs them', () =>
    withEmulator({}, async (emu) => {
      await withProxy(emu.url, (m, path, _s, body) => {
        if (m !== 'GET' || path !== '/v1/integrations') return;
        const odd = ({ merchant_ids: _m, name: _n, status: _s2, ...i }: any) => ({ ...i, status: 7, settings: { shop: 'x.myshopify.com' }, merchant_ids: undefined });
        return { body: { ...body, items: body.items.map((i: any) => (i.type === 'CUSTOM_ORDERS' ? i : odd(i))) } };
      }, async (proxy: Hostile) => {
        const out = `${mkdtempSync(`${tmpdir()}/cbsync-g6-`)}/state.yaml`;
        const io = testIo({ CHARGEBACKSTOP_API_URL: proxy.url, CHARGEBACKSTOP_API_KEY: ADMIN });
        expect(await exportCommand({ ...FAST, out }, io)).toBe(0);
        expect(io.err()).toContain('wrote');
        const { readFileSync } = await import('node:fs');
        expect(readFileSync(out, 'utf8')).toContain(`# unmanaged SHOPIFY integration "${NO_NAME}" (int_b1, ${NO_STATUS})`);
        const plan = await run('plan', proxy.url, out, ADMIN);
        expect(plan.err).not.toContain('error');
        expect(plan.out).toContain('No changes. Live state matches the file.');
        expect(plan.code).toBe(0);
      });
    }));

  it('CUSTOM_ORDERS integrations stay strict', () => {
    expect(() => decodeIntegration({ id: 'int_1', organisation_id: 'org_a', type: 'CUSTOM_ORDERS', name: 'Orders', status: 'ENABLED' }, W)).toThrow(/integration "int_1" has no "merchant_ids"/);
    expect(() => decodeIntegration({ id: 'int_1', organisation_id: 'org_a', type: 'CUSTOM_ORDERS', merchant_ids: [], status: 'ENABLED' }, W)).toThrow(/has no "name"/);
  });

  it('what cbsync needs of any integration stays required: id, organisation, type', () => {
    expect(() => decodeIntegration({ id: 'int_1', organisation_id: 'org_a' }, W)).toThrow(/integration "int_1" has no "type"/);
    expect(() => decodeIntegration({ id: 'int_1', type: 'SHOPIFY' }, W)).toThrow(/has no "organisation_id"/);
    expect(() => decodeIntegration({ organisation_id: 'org_a', type: 'SHOPIFY' }, W)).toThrow(/has no "id"/);
  });
});
