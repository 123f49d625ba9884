import { describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/seed.js';
import { startEmulator } from '../../src/emulator/server.js';
import { ADMIN, testSeed, withEmulator } from '../helpers.js';
import { withProxy } from '../live/hostile.js';
import { apply, expectNoDuplicates, planExit, requests, write } from './helpers.js';

/** Organisations with merchants and existing integrations, room for many creates. */
function busySeed(orgs: number, existingPerOrg: number): Seed {
  return {
    mode: 'TEST',
    keys: [{ key: ADMIN, level: 'admin' }],
    organisations: Array.from({ length: orgs }, (_, i) => ({
      id: `org_${i}`,
      name: `[TEST] Org ${i}`,
      merchants: [`m${i}`],
      integrations: Array.from({ length: existingPerOrg }, (_, j) => ({ id: `int_${i}_${j}`, name: `Old ${j}`, merchant_ids: [`m${i}`] })),
    })),
  };
}
/** Keeps the existing integrations and adds `perOrg` new ones to each organisation. */
const addFile = (orgs: number, existingPerOrg: number, perOrg: number) =>
  write(
    `version: 1\norganisations:\n${Array.from(
      { length: orgs },
      (_, i) =>
        `  - name: Org ${i}\n    integrations:\n${[...Array.from({ length: existingPerOrg }, (_, j) => `Old ${j}`), ...Array.from({ length: perOrg }, (_, j) => `New ${j}`)]
          .map((n) => `      - {name: ${n}, merchant_ids: [m${i}]}\n`)
          .join('')}`,
    ).join('')}`,
  );

describe('uncertain creates are resolved in batches (seen: 58 of 61 reported failed although created; requests 418 -> 2,004)', () => {
  it('15% ambiguous writes at concurrency 8, page cap 20: nothing failed, nothing twice, requests within 1.3x of a fault-free run', async () => {
    const file = addFile(8, 5, 10);
    const runOnce = (ambiguousRate: number) =>
      withEmulator({ seed: busySeed(8, 5), maxPageSize: 20, ambiguousRate, randomSeed: 7 }, async (emu) => {
        const r = await apply(emu.url, file, { concurrency: 8 });
        expectNoDuplicates(emu);
        expect((await planExit(emu.url, file)).code).toBe(0);
        return { r, emu, requests: requests(emu) };
      });
    const clean = await runOnce(0);
    const faulty = await runOnce(0.15);
    expect(clean.r.code).toBe(0);
    expect(faulty.emu.stats.ambiguous).toBeGreaterThanOrEqual(8);
    expect(faulty.r.out).toContain('Apply: 80 done, 0 blocked, 0 failed, 0 skipped.');
    expect(faulty.r.out.match(/found after an ambiguous create; not created twice/g)?.length).toBe(faulty.emu.stats.ambiguous);
    expect(faulty.r.code).toBe(0);
    // one listing resolves the whole batch: not one per uncertain create
    expect(faulty.requests).toBeLessThanOrEqual(clean.requests * 1.3);
  });

  it('a create the listing shows did not happen is sent again; its dependents wait', async () => {
    let posts = 0;
    const emu = await startEmulator({
      seed: testSeed(),
      onRequest: (info) => {
        // the first POST fails before doing anything (a 503 on POST is ambiguous to the client)
        if (info.endpoint === 'POST /v1/integrations' && ++posts === 1) return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'busy' };
      },
    });
    try {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: Fresh, merchant_ids: [mer_a3]}\n');
      const r = await apply(emu.url, f);
      expect(r.code).toBe(0);
      expect(posts).toBe(2);
      expect([...emu.store.integrations.values()].filter((i) => i.name === 'Fresh')).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });
});

describe('concurrent applies agree (seen: two applies left 20 duplicate organisations and 20 duplicate integrations)', () => {
  it('two applies of one file started together end as one apply would', () =>
    withEmulator({ seed: busySeed(6, 0), latencyMs: 15 }, async (emu) => {
      const file = write(
        `version: 1\nprune: {organisations: false}\norganisations:\n${Array.from({ length: 6 }, (_, i) => `  - name: Org ${i}\n    integrations:\n      - {name: Feed A, merchant_ids: [m${i}]}\n      - {name: Feed B, merchant_ids: [m${i}]}\n`).join('')}${Array.from({ length: 4 }, (_, i) => `  - name: New ${i}\n`).join('')}`,
      );
      // each gives the other's duplicates time to go (the other removes them at its own check)
      const [a, b] = await Promise.all([apply(emu.url, file, { concurrency: 8, settleMs: 5000 }), apply(emu.url, file, { concurrency: 8, settleMs: 5000 })]);
      expect([a.code, b.code], `${a.out}${a.err}\n---\n${b.out}${b.err}`).toEqual([0, 0]);
      expectNoDuplicates(emu);
      // the duplicates existed and were repaired: a disabled twin is the history a replace leaves
      expect(`${a.out}${b.out}`).toMatch(/duplicates? repaired/);
      expect((await planExit(emu.url, file)).code).toBe(0);
    }));

  it('integrations under a new organisation go to the namesake another writer created first; ours, still empty, is deleted', async () => {
    let theirs = '';
    const emu = await startEmulator({
      seed: busySeed(1, 0),
      onRequest: (info, store) => {
        if (info.endpoint !== 'POST /v1/organisations' || theirs) return;
        // another writer's create of the same name lands first, with an older timestamp
        const org = store.insertOrg('[TEST] Shared');
        org.created_at = '2020-01-01T00:00:00.000Z';
        org.merchants.add('mer_s');
        theirs = org.id;
      },
    });
    try {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Org 0\n  - name: Shared\n    integrations:\n      - {name: Orders, merchant_ids: [mer_s]}\n');
      const r = await apply(emu.url, f);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/- delete_organisation +organisation\["Shared"\]#org_\w+ \(org_\w+\): done \(a duplicate this run created; another writer's org_\w+ came first and is kept\)/);
      const shared = [...emu.store.orgs.values()].filter((o) => o.name === '[TEST] Shared');
      expect(shared.map((o) => o.id)).toEqual([theirs]);
      expect([...emu.store.integrations.values()].filter((i) => i.name === 'Orders').map((i) => i.organisation_id)).toEqual([theirs]);
    } finally {
      await emu.close();
    }
  });
});

describe('names a server normalises', () => {
  it('--trim-names: a live name with stray whitespace never causes a create and a delete (seen: three DISABLED integrations after three applies)', () =>
    withEmulator(
      {
        trimNames: true,
        seed: { mode: 'TEST', keys: [{ key: ADMIN, level: 'admin' }], organisations: [{ id: 'org_a', name: '[TEST] Acme ', merchants: ['m1'], integrations: [{ id: 'i1', name: 'Orders ', merchant_ids: ['m1'] }] }] },
      },
      async (emu) => {
        const f = write('version: 1\norganisations:\n  - name: Acme\n    integrations:\n      - {name: Orders, merchant_ids: [m1]}\n      - {name: Returns, merchant_ids: [m1]}\n');
        for (let i = 0; i < 3; i++) expect((await apply(emu.url, f)).code).toBe(0);
        expect(emu.store.orgs.size).toBe(1);
        expect([...emu.store.integrations.values()].map((x) => [x.name, x.status])).toEqual([
          ['Orders ', 'ENABLED'],
          ['Returns', 'ENABLED'],
        ]);
        expect(emu.stats.byEndpoint['POST /v1/integrations']).toBe(1);
      },
    ));

  it('a server that stores another name: the result line and the check say so, with both values; exit 1', () =>
    withEmulator({}, async (emu) => {
      await withProxy(emu.url, () => {}, (m, _path, body) => (m === 'POST' && body?.name ? { body: { ...body, name: String(body.name).toUpperCase() } } : undefined), async (proxy) => {
        const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n  - name: Brand New\n');
        const r = await apply(proxy.url, f);
        expect(r.out).toContain('create_organisation  organisation["Brand New"] (');
        expect(r.out).toContain('done (the server stored the name as "[TEST] BRAND NEW" (sent "Brand New"): the file will not converge until it says "[TEST] BRAND NEW")');
        expect(r.out).toContain('Not verified: a fresh listing shows 1 thing left to do (2 requests):\n  organisation["Brand New"]: still to do (name: "Brand New") although the write was done: the server stored the name as "[TEST] BRAND NEW"');
        expect(r.code).toBe(1);
      });
    }));
});

describe('an interrupted replace converges (seen: two ENABLED namesakes, every later plan failed)', () => {
  it('the disable of a replace fails; the next apply completes it', async () => {
    let failDisable = true;
    const emu = await startEmulator({
      seed: testSeed(),
      onRequest: (info) => {
        if (failDisable && info.endpoint === 'PATCH /v1/integrations/{id}') return { status: 500, code: 'INTERNAL', message: 'gone' };
      },
    });
    try {
      const f = write('version: 1\nallow_replace: true\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, id: int_a1, merchant_ids: [mer_a2]}\n');
      const first = await apply(emu.url, f, { retries: 0 });
      expect(first.code).toBe(1);
      expect([...emu.store.integrations.values()].filter((i) => i.name === 'Orders' && i.status === 'ENABLED')).toHaveLength(2);
      failDisable = false;
      const again = await apply(emu.url, f);
      expect(again.out).toMatch(/~ update_integration +organisation\["Alpha"\]\.integration\["Orders"\]#int_a1 \(int_a1\): done/);
      expect(again.code).toBe(0);
      expect(emu.store.integrations.get('int_a1')!.status).toBe('DISABLED');
      expect((await planExit(emu.url, f)).code).toBe(0);
    } finally {
      await emu.close();
    }
  });
});

describe('apply verifies itself', () => {
  it('a write the server answered but did not keep is reported, exit 1', () =>
    withEmulator({}, async (emu) => {
      // a lying gateway: PATCH answered 200 with the asked-for object, never forwarded
      await withProxy(emu.url, () => {}, (m, path, body) => (m === 'PATCH' ? { answer: { status: 200, body: { id: path.split('/').pop(), ...body } } } : undefined), async (proxy) => {
        const f = write('version: 1\nprune: {organisations: false, integrations: false}\norganisations:\n  - name: Alpha Renamed\n    id: org_a\n');
        const r = await apply(proxy.url, f);
        expect(r.out).toContain('rename_organisation  organisation["Alpha Renamed"] (org_a): done');
        expect(r.out).toContain('Not verified: a fresh listing shows 1 thing left to do (');
        expect(r.out).toContain('organisation["Alpha Renamed"]: still to do (name: "[TEST] Alpha" -> "Alpha Renamed") although the write was done: the server did not keep it');
        expect(r.code).toBe(1);
      });
    }));

  it('a converged apply says so, with the check\'s cost; --no-verify skips the listing', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: Fresh, merchant_ids: [mer_a3]}\n');
      const r = await apply(emu.url, f);
      expect(r.out).toMatch(/Verified: a fresh listing shows nothing left to do \(2 requests\)\./);
      const before = requests(emu);
      const quiet = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: Fresh, merchant_ids: [mer_a3]}\n      - {name: More, merchant_ids: [mer_a2]}\n')
      , { verify: false });
      expect(quiet.out).not.toContain('Verif');
      expect(requests(emu) - before).toBe(3); // two listings, one POST
    }));

  it('the --json report carries the verification', () =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n  - name: Zeta\n'), { json: true });
      const report = JSON.parse(r.out);
      expect(report.verification).toEqual({ status: 'verified', converged: true, requests: 2, remaining: [] });
      expect(report.repairs).toEqual([]);
    }));
});

describe('every real-world knob at once', () => {
  it('trimmed names, churn while listing, 15% ambiguous writes, a rate limit with headers: converges, no duplicate, no failure', () =>
    withEmulator(
      { seed: busySeed(6, 3), trimNames: true, churn: 4, ambiguousRate: 0.15, rateLimit: 40, rateWindowMs: 1000, rateLimitHeaders: 'ietf', maxPageSize: 5, randomSeed: 21 },
      async (emu) => {
        const file = addFile(6, 3, 4);
        const first = await apply(emu.url, file, { concurrency: 8, maxRpm: 'auto', rateWindowMs: 1000 });
        expect(first.out).toMatch(/Apply: \d+ done, 0 blocked, 0 failed, 0 skipped/);
        expectNoDuplicates(emu);
        // the churn may have removed listed objects while the first run listed: a second run restores them
        const second = await apply(emu.url, file, { concurrency: 8, maxRpm: 'auto', rateWindowMs: 1000 });
        expect(second.code).toBe(0);
        expectNoDuplicates(emu);
        expect((await planExit(emu.url, file)).code).toBe(0);
        // nothing the file lists was disabled
        const enabled = [...emu.store.integrations.values()].filter((i) => i.status === 'ENABLED' && !i.name.startsWith('Churn'));
        expect(enabled).toHaveLength(6 * 7);
        // (a run right after another may meet, in its first burst, the budget the other used: retried, never a failure)
      },
    ));
});
