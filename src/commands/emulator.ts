import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSeedFile, SeedError } from '../emulator/seed.js';
import { isWildcardHost, startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator/server.js';
import type { Io } from './io.js';

export const DEFAULT_SEED = 'examples/emulator-seed.yaml';

/** The hosts cbsync talks plain http to. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

export interface EmulatorCommandOptions extends Omit<EmulatorOptions, 'seed'> {
  seedFile?: string;
}

/** Starts the emulator and prints its URL and the seed's keys. Resolves once it listens. */
export async function emulatorCommand(
  opts: EmulatorCommandOptions,
  io: Io,
): Promise<{ exitCode: number; emulator?: RunningEmulator }> {
  // outside a checkout (an installed package), the default seed is the one shipped with it
  const packaged = fileURLToPath(new URL(`../../${DEFAULT_SEED}`, import.meta.url));
  const seedFile = opts.seedFile && (opts.seedFile !== DEFAULT_SEED || existsSync(opts.seedFile)) ? opts.seedFile : packaged;
  let emulator: RunningEmulator;
  try {
    const seed = loadSeedFile(seedFile);
    emulator = await startEmulator({ ...opts, seed });
    const keys = [...emulator.store.keys.values()];
    const bound = opts.host !== undefined && isWildcardHost(opts.host) ? ` (every interface: --host ${opts.host})` : '';
    io.stdout(`ChargebackStop emulator listening on ${emulator.url}${bound}\n`);
    io.stdout(`seed: ${seedFile} (mode ${emulator.store.options.mode}, ${emulator.store.orgs.size} organisations, ${emulator.store.integrations.size} integrations)\n`);
    io.stdout('keys (emulator only; set one as CHARGEBACKSTOP_API_KEY):\n');
    for (const k of keys) {
      const scope = k.level === 'organisation' ? `organisation ${k.organisation}` : k.level === 'group' ? `organisations ${[...k.assigned].join(', ') || '(none)'}` : 'all organisations';
      const abilities = [...k.abilities].filter((a) => a.startsWith('organisations:')).join(', ') || 'integrations only';
      io.stdout(`  ${k.key.padEnd(24)} ${k.level.padEnd(13)} ${scope}; ${abilities}\n`);
    }
    if (LOOPBACK.test(new URL(emulator.url).hostname)) {
      io.stdout(`try: CHARGEBACKSTOP_API_URL=${emulator.url} CHARGEBACKSTOP_API_KEY=${keys[0]?.key ?? '<key>'} cbsync plan examples/desired.yaml\n`);
    } else {
      // cbsync refuses plain http beyond loopback: say how to reach it instead of suggesting a URL it refuses
      io.stdout(`note: cbsync speaks plain http only to loopback hosts: put an https proxy in front of ${emulator.url}, or listen on 0.0.0.0 and use http://127.0.0.1:${emulator.port} on this machine\n`);
    }
  } catch (e) {
    const msg = e instanceof SeedError ? e.message : `cannot start the emulator: ${(e as Error).message}`;
    io.stderr(`error: ${msg}\n`);
    return { exitCode: 1 };
  }
  return { exitCode: 0, emulator };
}
