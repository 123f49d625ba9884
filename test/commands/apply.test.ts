import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { diffLines } from 'diff';
import { describe, expect, it } from 'vitest';
import { applyCommand, type ApplyOptions } from '../../src/commands/apply.js';

import { planCommand } from '../../src/commands/plan.js';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/server.js';
import type { Seed } from '../../src/emulator/seed.js';
import { ADMIN, GROUP, ORGKEY, expectNoKey, testSeed, testIo, withEmulator } from '../helpers.js';

const dir = mkdtempSync(`${tmpdir()}/cbsync-apply-`);
let n = 0;
const write = (text: string) => {
  const f = `${dir}/f${n++}.yaml`;
  writeFileSync(f, text);
  return f;
};

const FAST = { maxRpm: 0, backoffBaseMs: 5, settleMs: 200 };

async function apply(url: string, file: string | undefined, opts: ApplyOptions = {}, key = ADMIN, tty?: { answer: string }) {
  const io = testIo({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: key }, !!tty);
  if (tty) io.prompt = async () => tty.answer;
  const code = await applyCommand(file ? [file] : [], { ...FAST, ...opts }, io);
  expectNoKey(io.out(), io.err());
  return { code, out: io.out(), err: io.err() };
}

async function planExit(url: string, file: string, key = ADMIN) {
  const io = testIo({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: key });
  const code = await planCommand([file], { ...FAST, detailedExitcode: true }, io);
  return { code, out: io.out(), err: io.err() };
}

const writes = (emu: RunningEmulator) =>
  Object.entries(emu.stats.byEndpoint)
    .filter(([k]) => !k.startsWith('GET'))
    .reduce((s, [, v]) => s + v, 0);

/** No organisation name twice (ignoring the prefix), no integration name twice in an organisation. */
function expectNoDuplicates(emu: RunningEmulator) {
  const orgNames = [...emu.store.orgs.values()].map((o) => o.name.replace(/^\[TEST\]\s*/, ''));
  expect(orgNames.length).toBe(new Set(orgNames).size);
  const ints = [...emu.store.integrations.values()].map((i) => `${i.organisation_id}/${i.name}`);
  expect(ints.length).toBe(new Set(ints).size);
}

// a partner with room for every kind of change (all deletable organisations are empty)
const richSeed = (): Seed => ({
  mode: 'TEST',
  keys: [{ key: ADMIN, level: 'admin' }],
  organisations: [
    ...Array.from({ length: 6 }, (_, i) => ({
      id: `org_${i}`,
      name: `[TEST] Org ${i}`,
      merchants: [`m${i}a`, `m${i}b`, `m${i}c`],
      integrations: [
        { id: `int_${i}_keep`, name: 'Keep', merchant_ids: [`m${i}a`] },
        { id: `int_${i}_off`, name: 'Turn off', merchant_ids: [`m${i}b`] },
      ],
    })),
    { id: 'org_gone1', name: '[TEST] Gone 1' },
    { id: 'org_gone2', name: '[TEST] Gone 2' },
  ],
});
const RICH = write(`version: 1
safety: {max_destructive_percent: 100}
organisations:
${Array.from(
  { length: 6 },
  (_, i) => `  - name: ${i < 2 ? `Renamed ${i}` : `Org ${i}`}
    id: org_${i}
    integrations:
      - {name: Keep, merchant_ids: [m${i}a]}
      - {name: New ${i}, merchant_ids: [m${i}c]}
${i % 2 === 0 ? `      - {name: Turn off, status: DISABLED, merchant_ids: [m${i}b]}\n` : ''}`,
).join('')}  - name: Fresh A
  - name: Fresh B
  - name: Fresh C
`);

async function converge(faults: EmulatorOptions) {
  return withEmulator({ seed: richSeed(), ...faults }, async (emu) => {
    let runs = 0;
    for (; runs < 2; runs++) {
      const r = await apply(emu.url, RICH, { yes: true, concurrency: 8 });
      if (r.code === 0) break;
    }
    const after = await planExit(emu.url, RICH);
    expect(after.out).toContain('No changes.');
    expect(after.code).toBe(0);
    expectNoDuplicates(emu);
    expect(emu.store.orgs.has('org_gone1') || emu.store.orgs.has('org_gone2')).toBe(false);
    return { runs, emu };
  });
}

describe('cbsync apply', () => {
  it('applies every kind of change; a plan afterwards shows nothing', () =>
    withEmulator({ seed: richSeed() }, async (emu) => {
      const r = await apply(emu.url, RICH, { yes: true });
      expect(r.code).toBe(0);
      expect(r.out).toContain('Apply: 19 done, 0 blocked, 0 failed, 0 skipped.');
      expect(r.out).toMatch(/\+ create_organisation +organisation\["Fresh A"\] \(org_[0-9a-f]+\): done/);
      expect((await planExit(emu.url, RICH)).code).toBe(0);
    }));

  it('converges under 30% injected 503s (fixed seed)', async () => {
    const { emu } = await converge({ failRate: 0.3, randomSeed: 11 });
    expect(emu.stats.failed).toBeGreaterThanOrEqual(5);
  });

  it('converges under ambiguous writes (applied, then the connection drops), creating nothing twice', async () => {
    const { emu } = await converge({ ambiguousRate: 0.4, randomSeed: 5 });
    expect(emu.stats.ambiguous).toBeGreaterThanOrEqual(4);
  });

  it('converges under a rate limit, waiting for Retry-After', async () => {
    const { emu } = await converge({ rateLimit: 2, rateWindowMs: 1000 });
    expect(emu.stats.rateLimited).toBeGreaterThan(0);
  });

  it('an ambiguous create is found by look-up and reported so', () =>
    withEmulator({ seed: richSeed(), ambiguousRate: 1 }, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Solo\n');
      const r = await apply(emu.url, f, { yes: true });
      expect(r.out).toContain('done (found after an ambiguous create; not created twice)');
      expect([...emu.store.orgs.values()].filter((o) => o.name === '[TEST] Solo')).toHaveLength(1);
      expect(r.code).toBe(0);
    }));

  it('a hidden HAS_MERCHANTS refusal is blocked, not failed (exit 0)', () =>
    withEmulator({ seed: testSeed({ organisations: [{ id: 'org_m', name: '[TEST] Merchants', merchants: ['m1'] }] }) }, async (emu) => {
      const r = await apply(emu.url, write('version: 1\norganisations: [{name: Kept}]\n'), { yes: true });
      expect(r.out).toMatch(/- delete_organisation +organisation\["Merchants"\] \(org_m\): blocked \(HAS_MERCHANTS\)/);
      expect(r.out).toContain('Apply: 1 done, 1 blocked, 0 failed, 0 skipped.');
      expect(r.code).toBe(0);
    }));

  it('refuses past the safety threshold, and --force overrides', () =>
    withEmulator({ seed: testSeed({ organisations: Array.from({ length: 10 }, (_, i) => ({ id: `o${i}`, name: `O${i}` })) }) }, async (emu) => {
      const f = write(`version: 1\norganisations:\n${Array.from({ length: 6 }, (_, i) => `  - name: O${i}\n`).join('')}`);
      const refused = await apply(emu.url, f, { yes: true });
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('apply refused: would delete 4 of 10 live organisations (40%), more than max_destructive_percent 30%');
      expect(writes(emu)).toBe(0);
      const forced = await apply(emu.url, f, { yes: true, force: true });
      expect(forced.code).toBe(0);
      expect(emu.store.orgs.size).toBe(6);
    }));

  it('refuses an empty file while pruning organisations', () =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, write('version: 1\norganisations: []\n'), { yes: true });
      expect(r.code).toBe(1);
      expect(r.err).toContain('the file lists no organisations');
      expect(writes(emu)).toBe(0);
    }));

  it('without a TTY and without --yes: exit 1 before any write', () =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n'));
      expect(r.code).toBe(1);
      expect(r.err).toContain('refusing to apply without --yes');
      expect(writes(emu)).toBe(0);
    }));

  it.each([
    ['yes', 0, 1],
    ['y', 1, 0],
  ])('on a TTY, answering %j: exit %i, %i write(s)', (answer, code, count) =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n'), {}, ADMIN, { answer });
      expect(r.code).toBe(code);
      expect(writes(emu)).toBe(count);
    }));

  it('--dry-run prints the plan and the diff and changes nothing', () =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n'), { dryRun: true });
      expect(r.code).toBe(0);
      expect(r.out).toContain('+  - name: New');
      expect(r.out).toContain('Dry run: nothing was changed.');
      expect(writes(emu)).toBe(0);
    }));

  it('a stale saved plan is refused with no write sent', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n');
      const saved = `${dir}/stale.json`;
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(await planCommand([f], { ...FAST, out: saved }, io)).toBe(0);
      emu.store.insertOrg('[TEST] Someone else');
      const r = await apply(emu.url, undefined, { plan: saved, yes: true });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/live state has changed since .*stale\.json was planned/);
      expect(writes(emu)).toBe(0);
    }));

  it('a fresh saved plan is applied exactly', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n');
      const saved = `${dir}/fresh.json`;
      await planCommand([f], { ...FAST, out: saved }, testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN }));
      const r = await apply(emu.url, undefined, { plan: saved, yes: true });
      expect(r.code).toBe(0);
      expect([...emu.store.orgs.values()].map((o) => o.name)).toContain('[TEST] New');
    }));

  it('a saved plan is applied only with its own selection or none (seen: --target ignored, the whole plan applied)', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n  - name: Other\n');
      const saved = `${dir}/selected.json`;
      await planCommand([f], { ...FAST, out: saved, target: ['organisation["New"]'] }, testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN }));
      const other = await apply(emu.url, undefined, { plan: saved, yes: true, target: ['organisation["Other"]'] });
      expect(other.code).toBe(1);
      expect(other.err).toContain(`error: ${saved} was planned for --target organisation["New"]; apply it with that selection or none`);
      expect(writes(emu)).toBe(0);
      const same = await apply(emu.url, undefined, { plan: saved, yes: true, target: ['organisation["New"]'] });
      expect(same.code).toBe(0);
      expect([...emu.store.orgs.values()].map((o) => o.name)).toContain('[TEST] New');
      expect([...emu.store.orgs.values()].map((o) => o.name)).not.toContain('[TEST] Other');
    }));

  it('a flag that cannot apply to a saved plan is an error, nothing sent', () =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, undefined, { plan: write('{}'), yes: true, allowReplace: true });
      expect(r.code).toBe(1);
      expect(r.err).toBe('error: --allow-replace does not apply to a saved plan: plan again with --allow-replace\n');
      expect(emu.stats.requests).toBe(0);
    }));

  it.each([
    ['xterm', true],
    ['dumb', false],
  ])('TERM=%s on a terminal: a progress line %s (seen: TERM=dumb still got \\x1b[K)', (term, drawn) =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n');
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN, TERM: term }, true);
      expect(await applyCommand([f], { ...FAST, yes: true }, io)).toBe(0);
      expect(io.err().includes('\x1b[K')).toBe(drawn);
    }));

  it('a file that is not a plan is refused', () =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, undefined, { plan: write('{"format_version": 2}'), yes: true });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is not a cbsync plan/);
    }));

  it.each([true, false])('TEST prefix with the PATCH knob %s: a rename converges in one run', (patchPrefix) =>
    withEmulator({ patchPrefix }, async (emu) => {
      const f = write('version: 1\norganisations:\n  - name: Alpha Renamed\n    id: org_a\n  - name: Beta\n  - name: Empty\n');
      expect((await apply(emu.url, f, { yes: true })).code).toBe(0);
      expect(emu.store.orgs.get('org_a')!.name).toBe(patchPrefix ? '[TEST] Alpha Renamed' : 'Alpha Renamed');
      expect((await planExit(emu.url, f)).code).toBe(0);
    }));

  it('an organisation-level key creates and disables its integrations', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\norganisations:\n  - name: Alpha\n    integrations:\n      - name: Fresh\n        merchant_ids: [mer_a3]\n');
      const r = await apply(emu.url, f, { yes: true }, ORGKEY);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Apply: 2 done');
      expect([...emu.store.integrations.values()].find((i) => i.name === 'Fresh')?.organisation_id).toBe('org_a');
      expect(emu.store.integrations.get('int_a1')!.status).toBe('DISABLED');
      expect((await planExit(emu.url, f, ORGKEY)).code).toBe(0);
    }));

  it('a failure skips what depends on it; independent actions go on; exit 1', () =>
    withEmulator({}, async (emu) => {
      // the group key may not write organisations (403): its create fails, the integration under it is skipped
      emu.store.keys.get(GROUP)!.abilities.delete('organisations:write');
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: Extra, merchant_ids: [mer_a3]}\n  - name: Newco\n    integrations:\n      - {name: Feed, merchant_ids: [x]}\n');
      const r = await apply(emu.url, f, { yes: true }, GROUP);
      expect(r.out).toMatch(/create_organisation +organisation\["Newco"\]: failed \(403 MISSING_ABILITY: API key is missing the organisations:write ability\)/);
      expect(r.out).toMatch(/create_integration +organisation\["Newco"\]\.integration\["Feed"\]: skipped \(organisation\["Newco"\] was failed\)/);
      expect(r.out).toMatch(/create_integration +organisation\["Alpha"\]\.integration\["Extra"\] \(int_[0-9a-f]+\): done/);
      expect(r.code).toBe(1);
    }));

  it('an API refusal names status, code and message', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: Bad, merchant_ids: [mer_b1]}\n');
      const r = await apply(emu.url, f, { yes: true });
      expect(r.out).toContain('failed (422 INVALID_MERCHANT_IDS: Merchants do not exist or do not belong to organisation org_a: mer_b1)');
      expect(r.code).toBe(1);
    }));

  it('--fail-fast starts nothing after a failure', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: A Bad, merchant_ids: [nope]}\n      - {name: B Good, merchant_ids: [mer_a3]}\n');
      const r = await apply(emu.url, f, { yes: true, failFast: true, concurrency: 1 });
      expect(r.out).toContain('skipped (not started after a failure (--fail-fast))');
      expect([...emu.store.integrations.values()].some((i) => i.name === 'B Good')).toBe(false);
    }));

  it('unreconcilable actions are skipped (exit 1); --allow-replace replaces and converges', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1, mer_a3]}\n');
      const r1 = await apply(emu.url, f, { yes: true });
      expect(r1.out).toContain('skipped (unreconcilable: merchant_ids cannot be changed in place');
      expect(r1.code).toBe(1);
      const r2 = await apply(emu.url, f, { yes: true, allowReplace: true });
      expect(r2.code).toBe(0);
      expect(emu.store.integrations.get('int_a1')!.status).toBe('DISABLED');
      const fresh = [...emu.store.integrations.values()].filter((i) => i.name === 'Orders' && i.status === 'ENABLED');
      expect(fresh.map((i) => i.merchant_ids)).toEqual([['mer_a1', 'mer_a3']]);
      expect((await planExit(emu.url, f)).code).toBe(0);
    }));

  it('--json prints a machine-readable report on stdout', () =>
    withEmulator({}, async (emu) => {
      const r = await apply(emu.url, write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: New\n'), { yes: true, json: true });
      const report = JSON.parse(r.out);
      expect(report).toMatchObject({ format_version: 1, summary: { done: 1, blocked: 0, failed: 0, skipped: 0 } });
      expect(report.results[0]).toMatchObject({ kind: 'create_organisation', address: 'organisation["New"]', outcome: 'done', path: 'organisations[0]' });
      expect(r.err).toContain('+ create_organisation'); // the plan goes to stderr
    }));

  it('--write-ids keeps every byte of a commented file outside the inserted lines', () =>
    withEmulator({}, async (emu) => {
      const original = `# top comment
version: 1   # trailing comment
prune: {organisations: false}

organisations:
  # the first one
  - name: Alpha      # matched by name, gets no id
    integrations:
      - name: "Quoted new"   # created: gets an id
        merchant_ids: [mer_a3]
      - {name: Orders, merchant_ids: [mer_a1]}
  - name: 'Brand new'
    # a comment inside
    integrations: []
  - {name: Flow new}

# end
`;
      const f = write(original);
      const r = await apply(emu.url, f, { yes: true, writeIds: true });
      expect(r.code).toBe(0);
      const after = readFileSync(f, 'utf8');
      const parts = diffLines(original, after);
      const removed = parts.filter((p) => p.removed).map((p) => p.value);
      const added = parts.filter((p) => p.added).flatMap((p) => p.value.split('\n').filter(Boolean));
      // the only changed line is the flow mapping, which gains its id inline; all else is added id lines
      expect(removed).toEqual(['  - {name: Flow new}\n']);
      expect(added.filter((l) => !/^\s+id: (org|int)_[0-9a-f]+$/.test(l))).toEqual([expect.stringMatching(/^  - \{name: Flow new, id: org_[0-9a-f]+\}$/)]);
      expect(added).toHaveLength(3);
      expect(after).toMatch(/      - name: "Quoted new" {3}# created: gets an id\n        id: int_[0-9a-f]+\n        merchant_ids: \[mer_a3\]/);
      expect(after).toMatch(/  - name: 'Brand new'\n    id: org_[0-9a-f]+\n    # a comment inside/);
      // the file still plans clean, with the ids pinned
      expect((await planExit(emu.url, f)).code).toBe(0);
    }));
});

describe('interruption', () => {
  it('after an abort no new action starts; what ran is reported; exit 1', () =>
    withEmulator({ latencyMs: 60 }, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: N1\n  - name: N2\n  - name: N3\n  - name: N4\n');
      const interrupt = new AbortController();
      const io = testIo({ CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      const running = applyCommand([f], { ...FAST, yes: true, concurrency: 1, signal: interrupt.signal }, io);
      // abort once the first create is on the wire
      while (!emu.stats.byEndpoint['POST /v1/organisations']) await new Promise((r) => setTimeout(r, 5));
      interrupt.abort();
      expect(await running).toBe(1);
      expect(io.out()).toContain('Apply: 1 done, 0 blocked, 0 failed, 3 skipped.');
      expect(io.out()).toContain('skipped (not started: interrupted)');
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBe(1);
    }));
});

describe('ambiguous-create look-ups never adopt an object the plan already acts on', () => {
  /** The first POST to `endpoint` fails before doing anything; every PATCH is slow, so the
   *  look-up runs while the object being renamed away still carries the name. */
  async function firstCreateFails(endpoint: string, file: string) {
    let posts = 0;
    const { startEmulator } = await import('../../src/emulator/server.js');
    const emu = await startEmulator({
      seed: testSeed(),
      onRequest: async (info) => {
        if (info.method === 'PATCH') await new Promise((r) => setTimeout(r, 300));
        if (info.endpoint === endpoint && ++posts === 1) return { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'try later' };
      },
    });
    try {
      const r = await apply(emu.url, write(file), { yes: true, concurrency: 4 });
      expect(r.code).toBe(0);
      expect(posts).toBe(2); // looked up, found nothing of its own, sent again
      return emu;
    } finally {
      await emu.close();
    }
  }

  it('renaming organisation X to Y while creating a new X', async () => {
    const emu = await firstCreateFails('POST /v1/organisations', 'version: 1\nprune: {organisations: false}\norganisations:\n  - name: Omega\n    id: org_a\n  - name: Alpha\n');
    expect(emu.store.orgs.get('org_a')!.name).toBe('[TEST] Omega');
    const alphas = [...emu.store.orgs.values()].filter((o) => o.name === '[TEST] Alpha');
    expect(alphas.map((o) => o.id)).toEqual([expect.not.stringMatching(/^org_a$/)]);
  });

  it('renaming integration "Orders" away while creating a new "Orders" with the same merchants', async () => {
    const emu = await firstCreateFails(
      'POST /v1/integrations',
      'version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders v2, id: int_a1, merchant_ids: [mer_a1]}\n      - {name: Orders, merchant_ids: [mer_a1]}\n',
    );
    expect(emu.store.integrations.get('int_a1')!.name).toBe('Orders v2');
    const fresh = [...emu.store.integrations.values()].filter((i) => i.name === 'Orders');
    expect(fresh.map((i) => i.id)).toEqual([expect.not.stringMatching(/^int_a1$/)]);
  });
});

describe('replace with a pinned id converges', () => {
  it('the second apply creates nothing and warns to update the pin', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\nallow_replace: true\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, id: int_a1, merchant_ids: [mer_a1, mer_a3]}\n');
      expect((await apply(emu.url, f, { yes: true })).code).toBe(0);
      const count = emu.store.integrations.size;
      const again = await apply(emu.url, f, { yes: true });
      expect(again.code).toBe(0);
      expect(emu.store.integrations.size).toBe(count);
      expect(again.out).toContain('No changes.');
      expect(again.out).toMatch(/pinned integration int_a1 was replaced by int_[0-9a-f]+; update its id in the file/);
    }));
});
