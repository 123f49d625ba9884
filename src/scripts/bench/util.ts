import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Seed } from '../../emulator/seed.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/server.js';
import { createClient, type ClientOptions } from '../../live/client.js';
import type { DesiredState } from '../../model.js';

export const KEY = 'cbs_bench_key';
export const LATENCY = 40;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

export async function withEmu<T>(seed: Seed, opts: EmulatorOptions, fn: (emu: RunningEmulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator({ seed, ...opts });
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

export const client = (emu: { url: string }, extra: Partial<ClientOptions> = {}) => createClient({ baseUrl: emu.url, apiKey: KEY, ...extra });

/** Organisations with one merchant each and `intsPerOrg` integrations. */
export function listingSeed(orgs: number, intsPerOrg: number): Seed {
  return {
    mode: 'TEST',
    keys: [{ key: KEY, level: 'admin' }],
    organisations: Array.from({ length: orgs }, (_, i) => ({
      id: `org_${i}`,
      name: `[TEST] Org ${i}`,
      merchants: [`m${i}`],
      integrations: Array.from({ length: intsPerOrg }, (_, j) => ({ id: `int_${i}_${j}`, name: `I${j}`, merchant_ids: [`m${i}`] })),
    })),
  };
}

/** The emulator in its own process, as a remote API would be: its CPU is not the client's. */
export async function emulatorProcess(seed: Seed | null, args: string[]): Promise<{ url: string; close: () => void }> {
  const seedArgs: string[] = [];
  if (seed) {
    const dir = mkdtempSync(`${tmpdir()}/cbsync-bench-`);
    writeFileSync(`${dir}/seed.yaml`, stringify(seed));
    seedArgs.push('--seed', `${dir}/seed.yaml`);
  }
  const cli = fileURLToPath(new URL('../../cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'emulator', '--port', '0', ...seedArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited (${code})`)));
  });
  return { url, close: () => child.kill() };
}

/** A desired state with the file's defaults (as the loader fills them in). */
export function desiredState(organisations: DesiredState['organisations'], overrides: Partial<Omit<DesiredState, 'files'>> = {}): DesiredState {
  return {
    version: 1,
    prune: { organisations: true, integrations: true },
    ignore: { organisations: [] },
    allowReplace: false,
    safety: { maxDestructivePercent: 30 },
    organisations,
    files: ['bench.yaml'],
    ...overrides,
  };
}

/** Requests the emulator received, in all. */
export const received = (emu: RunningEmulator) => Object.values(emu.stats.byEndpoint).reduce((a, b) => a + b, 0);
