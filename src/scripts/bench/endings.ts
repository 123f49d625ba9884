import { apply, prepare } from '../../engine/index.js';
import type { RunningEmulator } from '../../emulator/server.js';
import { client, desiredState, LATENCY, listingSeed, received, withEmu } from './util.js';

// Truthful endings under a gateway: 200 integration creates, 15% of the writes answered 504
// while they land 2 s later. Every uncertain create is looked for until a listing begun after
// its window shows it, so none is sent twice; the cost is the waiting, measured against the
// same run with no fault.

const ORGS = 20;
const PER_ORG = 10;

export interface EndingRun {
  ms: number;
  requests: number;
  done: number;
  failed: number;
  recovered: number;
  duplicates: number;
  slow: number;
  verified: string;
}

/** ENABLED integrations sharing an organisation and a name. */
const duplicates = (emu: RunningEmulator) => {
  const keys = [...emu.store.integrations.values()].filter((i) => i.status === 'ENABLED').map((i) => `${i.organisation_id}/${i.name}`);
  return keys.length - new Set(keys).size;
};

export async function benchSlowCommits(slowCommitRate: number): Promise<EndingRun> {
  const desired = desiredState(
    Array.from({ length: ORGS }, (_, i) => ({
      name: `Org ${i}`,
      file: 'bench.yaml',
      path: `organisations[${i}]`,
      integrations: Array.from({ length: PER_ORG }, (_, j) => ({ name: `Feed ${j}`, status: 'ENABLED' as const, merchant_ids: [`m${i}`], file: 'bench.yaml', path: `organisations[${i}].integrations[${j}]` })),
    })),
  );
  return withEmu(listingSeed(ORGS, 0), { latencyMs: LATENCY, slowCommitRate, commitDelayMs: 2000, randomSeed: 5 }, async (emu) => {
    const c = client(emu, { maxRpm: 0 });
    const t = performance.now();
    const planned = await prepare({ state: desired, diagnostics: [], locate: () => null, label: 'bench' }, c);
    const report = await apply(planned, c, { concurrency: 8 });
    const ms = performance.now() - t;
    await emu.settled();
    return {
      ms,
      requests: received(emu),
      done: report.summary.done,
      failed: report.summary.failed,
      recovered: report.results.filter((r) => r.recovered).length,
      duplicates: duplicates(emu),
      slow: emu.stats.slowCommits,
      verified: report.verification.status,
    };
  });
}
