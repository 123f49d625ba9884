import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADMIN, GROUP, withEmulator } from '../helpers.js';
import { api } from './wire.js';

// --idempotency on: Idempotency-Key honoured on POST as Stripe's API and the IETF draft do.

const key = (k: string) => ({ 'idempotency-key': k });
const orgNames = (emu: { store: { orgs: Map<string, { name: string }> } }) => [...emu.store.orgs.values()].map((o) => o.name);

describe('Idempotency-Key (--idempotency)', () => {
  it('off (the default): the header is ignored, a repeat creates again', () =>
    withEmulator({}, async (emu) => {
      const call = api(emu.url, ADMIN);
      const a = await call('POST', '/v1/organisations', { name: 'Twice' }, key('k1'));
      const b = await call('POST', '/v1/organisations', { name: 'Twice' }, key('k1'));
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.id).not.toBe(b.body.id);
      expect(orgNames(emu).filter((n) => n === '[TEST] Twice')).toHaveLength(2);
    }));

  it('on: a repeat with the same body answers the first answer and creates nothing', () =>
    withEmulator({ idempotency: true }, async (emu) => {
      const call = api(emu.url, ADMIN);
      const a = await call('POST', '/v1/organisations', { name: 'Once' }, key('k1'));
      const b = await call('POST', '/v1/organisations', { name: 'Once' }, key('k1'));
      expect(b.status).toBe(201);
      expect(b.body).toEqual(a.body);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(a.headers.get('idempotent-replayed')).toBeNull();
      expect(orgNames(emu).filter((n) => n === '[TEST] Once')).toHaveLength(1);
      expect(emu.stats.replayed).toBe(1);
    }));

  it('on: the key with another body or another endpoint is 422 IDEMPOTENCY_KEY_REUSED, and nothing is created', () =>
    withEmulator({ idempotency: true }, async (emu) => {
      const call = api(emu.url, ADMIN);
      await call('POST', '/v1/organisations', { name: 'First' }, key('k1'));
      const other = await call('POST', '/v1/organisations', { name: 'Second' }, key('k1'));
      expect(other.status).toBe(422);
      expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const elsewhere = await call('POST', '/v1/integrations', { organisation_id: 'org_a', name: 'First', type: 'CUSTOM_ORDERS', merchant_ids: ['mer_a3'] }, key('k1'));
      expect(elsewhere.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(orgNames(emu)).not.toContain('[TEST] Second');
      expect(emu.store.integrations.size).toBe(3);
    }));

  it('on: no header, no memory; each API key has its own keys', () =>
    withEmulator({ idempotency: true }, async (emu) => {
      await api(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Plain' });
      await api(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Plain' });
      expect(orgNames(emu).filter((n) => n === '[TEST] Plain')).toHaveLength(2);
      const a = await api(emu.url, ADMIN)('POST', '/v1/organisations', { name: 'Mine' }, key('shared'));
      const b = await api(emu.url, GROUP)('POST', '/v1/organisations', { name: 'Mine' }, key('shared'));
      expect(b.body.id).not.toBe(a.body.id);
    }));

  it('on: a refused create is not remembered: the key may be sent again with a fixed body', () =>
    withEmulator({ idempotency: true }, async (emu) => {
      const call = api(emu.url, ADMIN);
      expect((await call('POST', '/v1/organisations', { name: '' }, key('k1'))).status).toBe(422);
      const again = await call('POST', '/v1/organisations', { name: '' }, key('k1'));
      expect(again.body.code).toBe('VALIDATION_MIN_LENGTH');
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect((await call('POST', '/v1/organisations', { name: 'Fixed' }, key('k1'))).status).toBe(201);
    }));

  it('on, with a slow commit: 409 while the first is in progress, then the landed answer; one object', () =>
    withEmulator({ idempotency: true, slowCommitRate: 1, commitDelayMs: 300, randomSeed: 3 }, async (emu) => {
      const call = api(emu.url, ADMIN);
      expect((await call('POST', '/v1/organisations', { name: 'Slow One' }, key('k1'))).status).toBe(504);
      const busy = await call('POST', '/v1/organisations', { name: 'Slow One' }, key('k1'));
      expect(busy.status).toBe(409);
      expect(busy.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
      await emu.settled();
      const done = await call('POST', '/v1/organisations', { name: 'Slow One' }, key('k1'));
      expect(done.status).toBe(201);
      expect(done.body.name).toBe('[TEST] Slow One');
      expect(orgNames(emu).filter((n) => n === '[TEST] Slow One')).toHaveLength(1);
    }));

  it('on, with a dropped answer: the retry gets the answer the client never heard', () =>
    withEmulator({ idempotency: true, ambiguousRate: 1 }, async (emu) => {
      const call = api(emu.url, ADMIN);
      await expect(call('POST', '/v1/organisations', { name: 'Ghost' }, key('k1'))).rejects.toThrow();
      // a replay writes nothing, so the write faults do not apply to it
      const replayed = await call('POST', '/v1/organisations', { name: 'Ghost' }, key('k1'));
      expect(replayed.status).toBe(201);
      expect(replayed.body.name).toBe('[TEST] Ghost');
      expect(orgNames(emu).filter((n) => n === '[TEST] Ghost')).toHaveLength(1);
    }));

  it('property: any sequence of keyed POSTs creates one object per key and answers each repeat with its first answer', async () => {
    const request = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), name: fc.constantFrom('X', 'Y', 'Z') });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 12 }), (requests) =>
        withEmulator({ idempotency: true }, async (emu) => {
          const call = api(emu.url, ADMIN);
          const first = new Map<string, { name: string; body: unknown }>();
          for (const r of requests) {
            const answer = await call('POST', '/v1/organisations', { name: r.name }, key(r.key));
            const seen = first.get(r.key);
            if (!seen) {
              expect(answer.status).toBe(201);
              first.set(r.key, { name: r.name, body: answer.body });
            } else if (seen.name === r.name) {
              expect([answer.status, answer.body]).toEqual([201, seen.body]);
            } else expect([answer.status, answer.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
          }
          expect(emu.store.orgs.size).toBe(3 + first.size);
        }),
      ),
      { seed: 19, numRuns: 25 },
    );
  });
});
