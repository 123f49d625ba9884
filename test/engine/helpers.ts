import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect } from 'vitest';
import { applyCommand, type ApplyOptions } from '../../src/commands/apply.js';
import { planCommand } from '../../src/commands/plan.js';
import type { RunningEmulator } from '../../src/emulator/server.js';
import { ADMIN, expectNoKey, testIo } from '../helpers.js';

const dir = mkdtempSync(`${tmpdir()}/cbsync-converge-`);
let n = 0;
export const write = (text: string) => {
  const f = `${dir}/f${n++}.yaml`;
  writeFileSync(f, text);
  return f;
};

export const FAST = { maxRpm: 0, backoffBaseMs: 5, settleMs: 200 };

export async function apply(url: string, file: string, opts: ApplyOptions = {}, key = ADMIN) {
  const io = testIo({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: key });
  const code = await applyCommand([file], { ...FAST, yes: true, ...opts }, io);
  expectNoKey(io.out(), io.err());
  return { code, out: io.out(), err: io.err() };
}

export async function planExit(url: string, file: string, key = ADMIN) {
  const io = testIo({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: key });
  const code = await planCommand([file], { ...FAST, detailedExitcode: true }, io);
  return { code, out: io.out(), err: io.err() };
}

/** No two organisations with one name (ignoring the prefix), no two ENABLED integrations with one name in an organisation. */
export function expectNoDuplicates(emu: RunningEmulator) {
  const orgNames = [...emu.store.orgs.values()].map((o) => o.name.replace(/^\[TEST\]\s*/, ''));
  expect(orgNames.length).toBe(new Set(orgNames).size);
  const ints = [...emu.store.integrations.values()].filter((i) => i.status === 'ENABLED').map((i) => `${i.organisation_id}/${i.name}`);
  expect(ints.length).toBe(new Set(ints).size);
}

export const requests = (emu: RunningEmulator) => Object.values(emu.stats.byEndpoint).reduce((a, b) => a + b, 0);
