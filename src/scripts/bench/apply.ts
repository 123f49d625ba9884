import { apply, prepare } from '../../engine/index.js';
import type { Seed } from '../../emulator/seed.js';
import type { EmulatorOptions, RunningEmulator } from '../../emulator/server.js';
import type { ClientOptions } from '../../live/client.js';
import { list as listObjects } from '../../live/api.js';
import type { DesiredState } from '../../model.js';
import { client, desiredState, KEY, LATENCY, listingSeed, received, withEmu } from './util.js';

// Applying 400 integration creates with the emulator in-process at 40 ms latency: against
// the latency bound, at concurrency 1, under a rate limit with and without rate headers, and
// beside 6,000 integrations with 15% of writes ambiguous (applied, then the connection drops).

/** 40 organisations with a merchant each, and a file that adds 10 integrations to each. */
function createCase(existingPerOrg = 0, orgs = 40): { seed: Seed; desired: DesiredState } {
  const seed = listingSeed(orgs, existingPerOrg);
  const perOrg = 400 / Math.min(orgs, 40);
  const desired = desiredState(
    Array.from({ length: orgs }, (_, i) => ({
      name: `Org ${i}`,
      file: 'bench.yaml',
      path: `organisations[${i}]`,
      integrations: [
        ...Array.from({ length: existingPerOrg }, (_, j) => ({ name: `I${j}`, status: 'ENABLED' as const, merchant_ids: [`m${i}`], file: 'bench.yaml', path: `organisations[${i}].integrations[${j}]` })),
        ...(i < 40 ? Array.from({ length: perOrg }, (_, j) => ({ name: `Feed ${j}`, status: 'ENABLED' as const, merchant_ids: [`m${i}`], file: 'bench.yaml', path: `organisations[${i}].integrations[${existingPerOrg + j}]` })) : []),
      ],
    })),
  );
  return { seed, desired };
}

export interface ApplyRun {
  applyMs: number;
  /** from the first POST to the last answer */
  postSpanMs: number;
  posts: number;
  requests: number;
  rateLimited: number;
  failed: number;
  recovered: number;
  duplicates: number;
  verifyRequests: number;
  verifyMs: number;
}

export async function benchApply(concurrency: number, emuOpts: EmulatorOptions = {}, clientOpts: Partial<ClientOptions> = {}, existingPerOrg = 0, orgs = 40): Promise<ApplyRun> {
  const { seed, desired } = createCase(existingPerOrg, orgs);
  return withEmu(seed, { latencyMs: LATENCY, ...emuOpts }, async (emu) => {
    const c = client(emu, clientOpts);
    const planned = await prepare({ state: desired, diagnostics: [], locate: () => null, label: 'bench' }, c);
    const postTimes: number[] = [];
    let verifyStart = 0;
    const t1 = performance.now();
    const report = await apply(planned, c, {
      concurrency,
      onStart: () => postTimes.push(performance.now()),
      onResult: () => (verifyStart = performance.now()),
    });
    const t2 = performance.now();
    if (report.summary.done !== 400) throw new Error(`expected 400 creates, got ${JSON.stringify(report.summary)}`);
    return {
      applyMs: verifyStart - t1,
      postSpanMs: verifyStart - (postTimes[0] ?? t1),
      posts: emu.stats.byEndpoint['POST /v1/integrations'] ?? 0,
      requests: received(emu),
      rateLimited: emu.stats.rateLimited,
      failed: report.summary.failed,
      recovered: report.results.filter((r) => r.recovered).length,
      duplicates: duplicates(emu),
      verifyRequests: report.verification.requests,
      verifyMs: t2 - verifyStart,
    };
  });
}

/** ENABLED integrations sharing an organisation and a name. */
function duplicates(emu: RunningEmulator): number {
  const keys = [...emu.store.integrations.values()].filter((i) => i.status === 'ENABLED').map((i) => `${i.organisation_id}/${i.name}`);
  return keys.length - new Set(keys).size;
}

/** A listing of 3,000 organisations right after the first 429: how many more 429s follow. */
export async function benchListingAfterPause(limit: number, windowMs: number) {
  return withEmu(listingSeed(3000, 0), { latencyMs: LATENCY, maxPageSize: 100, rateLimit: limit, rateWindowMs: windowMs }, async (emu) => {
    const c = client(emu, { maxRpm: 'auto', rateWindowMs: windowMs });
    const t = performance.now();
    const orgs = await listObjects(c, '/v1/organisations');
    if (orgs.length !== 3000) throw new Error('incomplete listing');
    const pages = emu.stats.byEndpoint['GET /v1/organisations']! - emu.stats.rateLimited;
    return { ms: performance.now() - t, pages, rateLimited: emu.stats.rateLimited, firstWave: pages - 1 - (limit - 1) };
  });
}

export { KEY };
