import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIntegration, decodeOrganisation, NO_NAME, NO_STATUS } from '../../src/live/decode.js';
import { ApiError } from '../../src/live/errors.js';
import { reported } from './listing-report.js';

const RUNS = Number(process.env.LISTING_PROPERTY_RUNS ?? 0) || undefined;

// G6 and G5 where objects enter: an integration of another type than CUSTOM_ORDERS decodes
// whatever its other fields hold, keeping exactly what cbsync needs; a CUSTOM_ORDERS one is
// strict; strings are kept exactly as sent.

const W = 'GET /v1/integrations';
const id = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..' && !s.includes('/'));
const foreignType = fc.oneof(fc.constantFrom('SHOPIFY', 'WOOCOMMERCE', 'custom_orders', ''), fc.string({ maxLength: 12 })).filter((t) => t !== 'CUSTOM_ORDERS');
/** any JSON value, or the field left out */
const field = fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined });

describe('decoding integrations (G6), every shape', () => {
  it('another type: any other fields, absent or odd; id, organisation and type exact; name and status as sent or a placeholder', () =>
    reported('decoding an unmanaged integration', (tried) =>
      fc.assert(
        fc.property(id, id, foreignType, field, field, field, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), (iid, org, type, name, status, merchants, extra) => {
          tried();
          const raw: Record<string, unknown> = { ...extra, id: iid, organisation_id: org, type, name, status, merchant_ids: merchants };
          const got = decodeIntegration(JSON.parse(JSON.stringify(raw)), W);
          expect(got.id).toBe(iid);
          expect(got.organisation_id).toBe(org);
          expect(got.type).toBe(type);
          expect(got.name).toBe(typeof name === 'string' ? name : NO_NAME);
          expect(got.status).toBe(typeof status === 'string' ? status : NO_STATUS);
          expect(got.merchant_ids).toEqual([]);
        }),
        { seed: 606, numRuns: RUNS ?? 300 },
      ),
    ));

  it('CUSTOM_ORDERS: merchant_ids that are not a list of strings stop the run naming the endpoint', () => {
    const bad = fc.jsonValue({ maxDepth: 2 }).filter((v) => !Array.isArray(v) || v.some((x) => typeof x !== 'string'));
    const refused = (iid: string, merchants: unknown) => {
      try {
        decodeIntegration({ id: iid, organisation_id: 'org_a', type: 'CUSTOM_ORDERS', name: 'n', status: 'ENABLED', merchant_ids: merchants }, W);
      } catch (e) {
        return e;
      }
      return null;
    };
    return reported('decoding a CUSTOM_ORDERS integration with bad merchant_ids', (tried) =>
      fc.assert(
        fc.property(id, bad, (iid, merchants) => {
          tried();
          const e = refused(iid, merchants);
          expect(e).toBeInstanceOf(ApiError);
          expect((e as ApiError).path).toBe('/v1/integrations');
        }),
        { seed: 607, numRuns: RUNS ?? 200 },
      ),
    );
  });

  it('names are kept exactly as sent, whatever they hold', () =>
    reported('decoding a name', (tried) =>
      fc.assert(
        fc.property(id, fc.string({ unit: 'binary', maxLength: 40 }), (oid, name) => {
          tried();
          expect(decodeOrganisation(JSON.parse(JSON.stringify({ id: oid, name })), 'GET /v1/organisations').name).toBe(name);
        }),
        { seed: 608, numRuns: RUNS ?? 300 },
      ),
    ));
});
