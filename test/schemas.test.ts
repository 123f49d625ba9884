import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../src/commands/validate.js';
import { schemaValidator } from '../src/desired/schema.js';
import { testIo, withEmulator } from './helpers.js';
import { apply, write } from './engine/helpers.js';

// The shipped schemas describe what cbsync writes, and let editors see what validate checks.

const valid = (name: Parameters<typeof schemaValidator>[0], data: unknown) => {
  const v = schemaValidator(name);
  expect(v(data), JSON.stringify(v.errors)).toBe(true);
};

describe('the shipped schemas', () => {
  it.each(['desired-state', 'plan', 'validate', 'apply-report'] as const)('%s compiles in ajv strict mode', (name) => {
    expect(() => schemaValidator(name)).not.toThrow();
  });

  it('validate --json output, valid and not', async () => {
    for (const files of [['examples/desired.yaml'], [write('version: 1\norganisations:\n  - name: ""\n')]]) {
      const io = testIo();
      await validateCommand(files, { json: true }, io);
      valid('validate', JSON.parse(io.out()));
    }
  });

  it('apply --json reports: done, failed, blocked, with verification and without', () =>
    withEmulator({}, async (emu) => {
      const f = write('version: 1\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: Bad, merchant_ids: [nope]}\n  - name: Beta\n');
      for (const verify of [true, false]) valid('apply-report', JSON.parse((await apply(emu.url, f, { json: true, verify })).out));
    }));

  it('editors see what validate checks: repeated merchant ids, credential-like keys', async () => {
    // the schema as editors read it (cbsync's own validator leaves these two rules to its checks)
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const v = new Ajv2020({ strict: true }).compile(JSON.parse(readFileSync('schema/desired-state.schema.json', 'utf8')));
    expect(v({ version: 1, organisations: [{ name: 'A', integrations: [{ name: 'S', merchant_ids: ['m', 'm'] }] }] })).toBe(false);
    for (const key of ['api_key', 'apiKey', 'API-KEY', 'token', 'client_secret', 'Password', 'passwd', 'bearer']) {
      expect(v({ version: 1, organisations: [], [key]: 'x' }), key).toBe(false);
      expect(v({ version: 1, organisations: [{ name: 'A', [key]: 'x' }] }), key).toBe(false);
      // the same keys validate itself names as credentials
      const io = testIo();
      expect(await validateCommand([write(`version: 1\norganisations: []\n${key}: x\n`)], {}, io)).toBe(1);
      expect(io.err()).toContain('looks like a credential');
    }
    const schema = JSON.parse(readFileSync('schema/desired-state.schema.json', 'utf8'));
    expect(schema.$defs.integration.properties.merchant_ids.uniqueItems).toBe(true);
  });

  it('a saved plan holds one shape per action kind: a create without its body, or a delete without its id, is not a plan', async () => {
    const { isPlan } = await import('../src/desired/schema.js');
    const action = { address: 'organisation["A"]', changes: {}, depends_on: [], status: 'pending' };
    const plan = (a: object) => ({ format_version: 1, summary: { create: 0, rename: 0, disable: 0, replace: 0, delete: 0, blocked: 0, unreconcilable: 0 }, actions: [{ ...action, ...a }], warnings: [], live_fingerprint: `sha256:${'0'.repeat(64)}`, budget: { requests: 0, by_endpoint: {}, rate_per_minute: 100, min_seconds: 0 } });
    expect(isPlan(plan({ kind: 'create_organisation', id: null, body: { name: 'A' } }))).toBe(true);
    expect(isPlan(plan({ kind: 'create_organisation', id: null }))).toBe(false);
    expect(isPlan(plan({ kind: 'delete_organisation', id: null }))).toBe(false);
    expect(isPlan(plan({ kind: 'update_integration', id: 'i1', organisation: 'organisation["A"]', organisation_id: 'o1', body: {} }))).toBe(false);
    expect(isPlan(plan({ kind: 'create_integration', id: null, organisation: 'organisation["A"]', organisation_id: null, body: { name: 'S', type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: ['m'] } }))).toBe(true);
    expect(isPlan(plan({ kind: 'create_integration', id: null, body: { name: 'S', type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: ['m'] } }))).toBe(false);
  });

  it('the validators cbsync runs are the schemas as shipped, compiled ahead of time (npm run schemas after a change)', async () => {
    const generator = '../scripts/validators.mjs';
    const { generate, TARGET } = await import(generator);
    expect(readFileSync(TARGET, 'utf8') === generate(), 'src/desired/validators.generated.ts is stale: run npm run schemas').toBe(true);
  });
});
