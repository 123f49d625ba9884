import { applyCommand, type ApplyOptions } from '../../src/commands/apply.js';
import { planCommand, type PlanOptions } from '../../src/commands/plan.js';
import { bufferedIo } from '../../src/commands/io.js';
import { hostile, json, type Handler } from '../live/hostile.js';

// The commands as a user runs them, against servers that are not the emulator.

export const FAST = { maxRpm: 0, backoffBaseMs: 5, retries: 1, settleMs: 200 };

export async function run(cmd: 'plan' | 'apply', url: string, file: string, key: string, opts: ApplyOptions & PlanOptions = {}) {
  const io = bufferedIo({ CHARGEBACKSTOP_API_URL: url, CHARGEBACKSTOP_API_KEY: key });
  const code = cmd === 'plan' ? await planCommand([file], { ...FAST, ...opts }, io) : await applyCommand([file], { ...FAST, yes: true, ...opts }, io);
  return { code, out: io.out(), err: io.err() };
}

/** Pieces of the key at least `n` characters long found in the texts (none is the goal). */
export function keyPieces(key: string, n: number, ...texts: string[]): string[] {
  const found = new Set<string>();
  for (const t of texts) for (let i = 0; i + n <= key.length; i++) if (t.includes(key.slice(i, i + n))) found.add(key.slice(i, i + n));
  return [...found];
}

/** An empty account that answers listings, with `onWrite` deciding every other request. */
export function miniApi(onWrite: Handler) {
  return hostile(async (req, res, url, body) => {
    if (req.method === 'GET' && (url.pathname === '/v1/organisations' || url.pathname === '/v1/integrations')) return json(res, 200, { items: [], count: 0 });
    await onWrite(req, res, url, body);
  });
}
