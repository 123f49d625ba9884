import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/desired/schema.js';
import { testSeed, withEmulator } from '../helpers.js';
import { apply, expectNoDuplicates, planExit, write } from './helpers.js';

// Truthful endings (seen: behind a gateway answering 504 while the write went on, apply sent
// the creates again, said "Verified" and left three duplicates; a failed closing listing lost
// the --json report, the summary line and the --write-ids; a hand-made twin was called
// "another apply's, which it removes" and the next plan failed).

const THREE = 'version: 1\nprune: {organisations: false}\norganisations:\n  - name: Slow One\n  - name: Slow Two\n  - name: Slow Three\n';

describe('a write still in flight is never sent twice', () => {
  it('504 from a gateway while the create lands 300 ms later: looked for until it lands, created once, exit 0', () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 300, slowCommitAnswer: '504' }, async (emu) => {
      const r = await apply(emu.url, write(THREE), { settleMs: 1500 });
      await emu.settled();
      expect(r.code, r.out + r.err).toBe(0);
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBe(3);
      expectNoDuplicates(emu);
      expect(r.out.match(/found after an ambiguous create; not created twice/g)).toHaveLength(3);
      expect(r.out).toContain('Verified: a fresh listing shows nothing left to do');
      expect((await planExit(emu.url, write(THREE))).code).toBe(0);
    }));

  it('a dropped connection while the create lands later: the same', () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 200, slowCommitAnswer: 'drop' }, async (emu) => {
      const r = await apply(emu.url, write(THREE), { settleMs: 1000 });
      await emu.settled();
      expect(r.code, r.out + r.err).toBe(0);
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBe(3);
      expectNoDuplicates(emu);
    }));

  it('the wait lasts at least as long as the failed request took: a gateway that took 300 ms is given 300 ms, though the settle time is 50 ms', () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 450, slowCommitAnswer: '504', latencyMs: 300 }, async (emu) => {
      const r = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Slow One\n'), { settleMs: 50 });
      await emu.settled();
      expect(r.code, r.out + r.err).toBe(0);
      // a listing that began before the deadline never concludes "not made": no resend
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBe(1);
      expectNoDuplicates(emu);
    }));

  it('every create carries one Idempotency-Key: a server that honours it keeps a too-early resend from creating twice', () =>
    withEmulator({ slowCommitRate: 1, commitDelayMs: 300, idempotency: true }, async (emu) => {
      // a settle time shorter than the commit: the create is sent again while the first still runs
      const r = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Slow One\n'), { settleMs: 50 });
      await emu.settled();
      expect(r.code, r.out + r.err).toBe(0);
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBeGreaterThanOrEqual(2);
      expect([...emu.store.orgs.values()].filter((o) => o.name.endsWith('Slow One'))).toHaveLength(1);
      expect(r.out).not.toContain('repaired');
    }));
});

describe('the report is written whatever fails', () => {
  const FOUR = 'version: 1\nprune: {organisations: false, integrations: false}\norganisations:\n  - name: Alpha\n  - {name: New 1}\n  - {name: New 2}\n  - {name: New 3}\n  - {name: New 4}\n';

  it('every GET fails once the writes are done: --json still prints the report, the check says why, exit 1', () =>
    withEmulator({ seed: testSeed(), failReadsAfterWrites: 4 }, async (emu) => {
      const r = await apply(emu.url, write(FOUR), { json: true });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.out);
      expect(schemaValidator('apply-report')(report)).toBe(true);
      expect(report.summary).toEqual({ done: 4, blocked: 0, failed: 0, skipped: 0 });
      expect(report.verification.status).toBe('not_verified');
      expect(report.verification.reason).toMatch(/^the closing check failed: GET \/v1\/(organisations|integrations)\?limit=500&offset=0: 503/);
      expect(r.err).not.toMatch(/^error:/m);
    }));

  it('a gateway 502 page on the closing listing: text mode keeps the results, the summary and the ids written', () =>
    withEmulator({ seed: testSeed(), failReadsAfterWrites: 4, failedReadAnswer: '502' }, async (emu) => {
      const f = write(FOUR);
      const r = await apply(emu.url, f, { writeIds: true });
      expect(r.code).toBe(1);
      expect(r.out).toContain('Not verified: the closing check failed: GET /v1/');
      expect(r.out).toContain('\nApply: 4 done, 0 blocked, 0 failed, 0 skipped.\n');
      expect(r.err).toContain(`wrote 4 ids into ${f}`);
      expect(readFileSync(f, 'utf8').match(/id: org_/g)).toHaveLength(4);
    }));
});

describe('"Verified" only when it is true', () => {
  it('a newer ENABLED twin made by hand beside ours: named, with the remedy, exit 1 (seen: "removed by the same rule", exit 0)', () =>
    withEmulator(
      {
        seed: testSeed(),
        onRequest: (info, store) => {
          // someone makes the same integration by hand right after our create
          if (info.method === 'GET' && info.endpoint === 'GET /v1/integrations' && [...store.integrations.values()].some((i) => i.name === 'Shop') && ![...store.integrations.values()].some((i) => i.id === 'int_hand')) {
            store.insertIntegration({ id: 'int_hand', organisation_id: 'org_a', name: 'Shop', type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: ['mer_a3'] });
          }
        },
      },
      async (emu) => {
        const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: Shop, merchant_ids: [mer_a3]}\n');
        const r = await apply(emu.url, f);
        expect(r.code).toBe(1);
        expect(r.out).not.toContain('Verified:');
        expect(r.out).toMatch(/Not verified: a fresh listing shows 1 thing left to do \(\d+ requests\):\n  organisation\["Alpha"\]\.integration\["Shop"\]: integration int_hand, made by another writer, duplicates int_\w+, which this run keeps: disable int_hand/);
        expect(emu.store.integrations.get('int_hand')!.status).toBe('ENABLED'); // not ours: never touched
      },
    ));
});

