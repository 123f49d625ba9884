import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LIST_CONCURRENCY, newListingStats } from '../../live/paginate.js';
import { list as listObjects } from '../../live/api.js';
import { fetchLiveState } from '../../live/state.js';
import { client, emulatorProcess, LATENCY, listingSeed, pct, seconds } from './util.js';

// Listing 3,000 organisations and 6,000 integrations under a page cap of 100, the emulator in
// its own process: requests against the least possible with pages that overlap by one, objects
// read against objects there are, and wall time against one page at a time. The checks that a
// listing adds up cost nothing in a quiet world: the requests and objects read are those of
// 0.2's reader (one page, then one per CAP - 1 new objects), measured, not computed.

const ORGS = 3000;
const INTS = 6000;
const CAP = 100;
/** the first page, then one page per CAP - 1 new objects: what 0.2 read in a quiet world */
const pages = (n: number) => 1 + Math.ceil((n - CAP) / (CAP - 1));

export async function benchListing() {
  const seed = listingSeed(ORGS, INTS / ORGS);
  const run = async (concurrency: number, together: boolean) => {
    const emu = await emulatorProcess(seed, ['--latency', String(LATENCY), '--max-page-size', String(CAP)]);
    try {
      const c = client(emu, { maxRpm: 0 });
      await c.request('GET', '/v1/organisations', { query: { limit: 1 } }); // warm the connection
      c.stats.requests = 0;
      const stats = newListingStats();
      const t = performance.now();
      if (together) {
        const live = await fetchLiveState(c, { concurrency, stats });
        if (live.organisations.length !== ORGS || live.integrations.length !== INTS) throw new Error('incomplete listing');
      } else {
        await listObjects(c, '/v1/organisations', { concurrency, stats });
        await listObjects(c, '/v1/integrations', { concurrency, stats });
      }
      return { ms: performance.now() - t, requests: c.stats.requests, objectsRead: stats.objectsRead, readings: stats.readings };
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
  // 0.2: every page but the last is full, and each overlaps the one before by one
  const before = { requests: minimum, objectsRead: ORGS + INTS + (pages(ORGS) - 1) + (pages(INTS) - 1) };
  return { fast, narrow, slow, minimum, before, objects: ORGS + INTS };
}

/**
 * A mock answering every page with 3 new objects and a count of 30,545,457 (0.2 ran out of
 * memory after 36 s and 4.3 GB): how many requests, how long, and how much memory it takes to stop.
 */
export async function benchAbsurdCount() {
  let n = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    res.setHeader('content-type', 'application/json');
    const items = req.url!.startsWith('/v1/organisations') ? [n++, n++, n++].map((i) => ({ id: `org_${i}`, name: `Generated ${i}` })) : [];
    res.end(JSON.stringify({ items, count: items.length ? 30_545_457 : 0 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rss = process.memoryUsage().rss;
  const t = performance.now();
  let message = '';
  try {
    await listObjects(client({ url }, { maxRpm: 0 }), '/v1/organisations');
  } catch (e) {
    message = (e as Error).message;
  }
  const ms = performance.now() - t;
  server.close();
  return { ms, requests, message, rssGrowthMb: Math.max(0, process.memoryUsage().rss - rss) / 1024 / 1024 };
}

const fmt = (n: number) => n.toLocaleString('en');
const more = (now: number, then: number) => `${now >= then ? '+' : ''}${(((now - then) / then) * 100).toFixed(1)}%`;

/** The listing section of the bench, every figure beside its target. */
export async function reportListing(say: (line?: string) => void) {
  const l = await benchListing();
  say('## Listing 3,000 organisations and 6,000 integrations (page cap 100; medians of 3 runs after a warm-up)');
  say(`| | requests | wall time |`);
  say(`|---|---|---|`);
  say(`| default: ${DEFAULT_LIST_CONCURRENCY} pages in flight per listing, both listings at once | ${l.fast.requests} (least possible with overlapping pages: ${l.minimum}) | ${seconds(l.fast.ms)} (${(l.slow.ms / l.fast.ms).toFixed(1)}x faster) |`);
  say(`| --list-concurrency 32 | ${l.narrow.requests} | ${seconds(l.narrow.ms)} (${(l.slow.ms / l.narrow.ms).toFixed(1)}x faster) |`);
  say(`| sequential: one page at a time, one listing after the other | ${l.slow.requests} | ${seconds(l.slow.ms)} |`);
  say(`Objects read: ${fmt(l.fast.objectsRead)} for ${fmt(l.objects)} objects (${pct(l.fast.objectsRead / l.objects - 1)} more; target at most 2%). Target: the least requests, and at least 20x faster than sequential.`);
  const extra = Math.max((l.fast.requests - l.before.requests) / l.before.requests, (l.fast.objectsRead - l.before.objectsRead) / l.before.objectsRead);
  say(`Cost of the checks that a listing adds up, in a quiet world: ${fmt(l.fast.requests)} requests against ${fmt(l.before.requests)} before them (${more(l.fast.requests, l.before.requests)}), ${fmt(l.fast.objectsRead)} objects read against ${fmt(l.before.objectsRead)} (${more(l.fast.objectsRead, l.before.objectsRead)}), ${l.fast.readings} readings for 2 listings (target at most 2% more: ${extra <= 0.02 ? 'met' : 'MISSED'}).`);
  const a = await benchAbsurdCount();
  say(`An absurd count (3 objects a page, count 30,545,457; 0.2 ran out of memory after 36 s and 4.3 GB): stopped after ${a.requests} requests in ${seconds(a.ms)}, memory grown by ${a.rssGrowthMb.toFixed(0)} MB (target: stops at its first page, in bounded memory: ${a.requests <= 2 && a.message.includes('30,545,457') ? 'met' : 'MISSED'}).`);
  say();
}
