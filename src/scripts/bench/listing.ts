import { DEFAULT_LIST_CONCURRENCY } from '../../live/paginate.js';
import { fetchLiveState, listObjects } from '../../live/state.js';
import { client, emulatorProcess, LATENCY, listingSeed } from './util.js';

// Listing 3,000 organisations and 6,000 integrations under a page cap of 100, the emulator in
// its own process: requests against the least possible with pages that overlap by one, objects
// read against objects there are, and wall time against one page at a time.

const ORGS = 3000;
const INTS = 6000;
const CAP = 100;
/** the first page, then one page per CAP - 1 new objects */
const pages = (n: number) => 1 + Math.ceil((n - CAP) / (CAP - 1));

export async function benchListing() {
  const seed = listingSeed(ORGS, INTS / ORGS);
  const run = async (concurrency: number, together: boolean) => {
    const emu = await emulatorProcess(seed, ['--latency', String(LATENCY), '--max-page-size', String(CAP)]);
    try {
      const c = client(emu, { maxRpm: 0 });
      await c.request('GET', '/v1/organisations', { query: { limit: 1 } }); // warm the connection
      c.stats.requests = 0;
      const t = performance.now();
      if (together) {
        const live = await fetchLiveState(c, { concurrency });
        if (live.organisations.length !== ORGS || live.integrations.length !== INTS) throw new Error('incomplete listing');
      } else {
        await listObjects(c, '/v1/organisations', { concurrency });
        await listObjects(c, '/v1/integrations', { concurrency });
      }
      return { ms: performance.now() - t, requests: c.stats.requests };
    } finally {
      emu.close();
    }
  };
  // the first run in a process pays for JIT warm-up: discard one, then take medians of three
  await run(DEFAULT_LIST_CONCURRENCY, true);
  const median = async (concurrency: number) => {
    const runs = [await run(concurrency, true), await run(concurrency, true), await run(concurrency, true)];
    return runs.sort((a, b) => a.ms - b.ms)[1]!;
  };
  const fast = await median(DEFAULT_LIST_CONCURRENCY);
  const narrow = await median(32);
  const slow = await run(1, false); // one page at a time, one listing after the other
  const minimum = pages(ORGS) + pages(INTS);
  // objects sent: every page but the last is full, and each overlaps the one before by one
  const itemsRead = ORGS + INTS + (pages(ORGS) - 1) + (pages(INTS) - 1);
  return { fast, narrow, slow, minimum, itemsRead, objects: ORGS + INTS };
}
