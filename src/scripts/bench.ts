// npm run bench: the speed and memory figures in the README. Starts the emulator in-process
// with a set latency (and, in one case, a rate limit) and measures listing, planning and
// applying. Not a test: timings on shared machines are noisy, so nothing here asserts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { fileURLToPath } from 'node:url';
import { executePlan } from '../apply/executor.js';
import type { Seed } from '../emulator/seed.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator/server.js';
import { createClient, type ClientOptions } from '../live/client.js';
import { DEFAULT_LIST_CONCURRENCY } from '../live/paginate.js';
import { fetchLiveState } from '../live/state.js';
import type { DesiredState } from '../model.js';
import { buildPlan } from '../plan/planner.js';

const KEY = 'cbs_bench_key';
const LATENCY = 40;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function withEmu<T>(seed: Seed, opts: EmulatorOptions, fn: (emu: RunningEmulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator({ seed, ...opts });
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

const client = (emu: RunningEmulator, extra: Partial<ClientOptions> = {}) => createClient({ baseUrl: emu.url, apiKey: KEY, maxRpm: 0, ...extra });

function listingSeed(orgs: number, intsPerOrg: number): Seed {
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
async function emulatorProcess(seed: Seed, args: string[]): Promise<{ url: string; close: () => void }> {
  const dir = mkdtempSync(`${tmpdir()}/cbsync-bench-`);
  writeFileSync(`${dir}/seed.yaml`, stringify(seed));
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'emulator', '--port', '0', '--seed', `${dir}/seed.yaml`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function benchListing() {
  const seed = listingSeed(3000, 2);
  const run = async (concurrency: number, together: boolean) => {
    const emu = await emulatorProcess(seed, ['--latency', String(LATENCY), '--max-page-size', '100']);
    try {
      const c = createClient({ baseUrl: emu.url, apiKey: KEY, maxRpm: 0 });
      await c.request('GET', '/v1/organisations', { query: { limit: 1 } }); // warm the connection
      c.stats.requests = 0;
      const t = performance.now();
      if (together) {
        const live = await fetchLiveState(c, { concurrency });
        if (live.organisations.length !== 3000 || live.integrations.length !== 6000) throw new Error('incomplete listing');
      } else {
        const { listObjects } = await import('../live/state.js');
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
  return { fast, narrow, slow, minimum: 30 + 60 };
}

/** A desired state with the file's defaults (as the loader fills them in). */
function desiredState(organisations: DesiredState['organisations'], overrides: Partial<DesiredState> = {}): DesiredState {
  return {
    version: 1,
    prune: { organisations: true, integrations: true },
    ignore: { organisations: [] },
    allowReplace: false,
    safety: { maxDestructivePercent: 30 },
    organisations,
    ...overrides,
  };
}

/** Run in a child process so its memory figure is its own. */
function benchPlanChild() {
  const orgs = 10_000;
  const live = {
    keyLevel: 'partner' as const,
    mode: 'TEST' as const,
    fingerprint: 'sha256:bench',
    organisations: Array.from({ length: orgs }, (_, i) => ({ id: `org_${i}`, name: `[TEST] Org ${i}`, mode: 'TEST' })),
    integrations: Array.from({ length: orgs * 5 }, (_, k) => {
      const i = Math.floor(k / 5);
      return { id: `int_${k}`, organisation_id: `org_${i}`, name: `I${k % 5}`, type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: [`m${i}a`, `m${i}b`] };
    }),
  };
  // every kind of work: renames, creates, disables, a few replaces, pruned organisations
  const desired = desiredState(
    Array.from({ length: orgs - 100 }, (_, i) => ({
      name: i % 50 === 0 ? `Org ${i} renamed` : `Org ${i}`,
      ...(i % 50 === 0 ? { id: `org_${i}` } : {}),
      path: `organisations[${i}]`,
      integrations: Array.from({ length: 4 }, (_, j) => ({
        name: j === 3 ? 'New' : `I${j}`,
        status: i % 10 === 0 && j === 0 ? ('DISABLED' as const) : ('ENABLED' as const),
        merchant_ids: i % 100 === 1 && j === 1 ? [`m${i}a`] : [`m${i}a`, `m${i}b`],
        path: `organisations[${i}].integrations[${j}]`,
      })),
    })),
    { allowReplace: true, safety: { maxDestructivePercent: 100 } },
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const plan = buildPlan(desired, live);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({ actions: plan.actions.length, summary: plan.summary, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: wall, maxRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
}

function benchPlan() {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--plan-child'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { actions: number; cpuMs: number; wallMs: number; maxRssMb: number; summary: unknown };
}

function createSeed(): { seed: Seed; desired: DesiredState } {
  const orgs = 40;
  const seed: Seed = { mode: 'TEST', keys: [{ key: KEY, level: 'admin' }], organisations: Array.from({ length: orgs }, (_, i) => ({ id: `org_${i}`, name: `[TEST] Org ${i}`, merchants: [`m${i}`] })) };
  const desired = desiredState(
    Array.from({ length: orgs }, (_, i) => ({
      name: `Org ${i}`,
      path: `organisations[${i}]`,
      integrations: Array.from({ length: 10 }, (_, j) => ({ name: `Feed ${j}`, status: 'ENABLED' as const, merchant_ids: [`m${i}`], path: `organisations[${i}].integrations[${j}]` })),
    })),
  );
  return { seed, desired };
}

async function benchApply(concurrency: number, emuOpts: EmulatorOptions = {}, clientOpts: Partial<ClientOptions> = {}) {
  const { seed, desired } = createSeed();
  return withEmu(seed, { latencyMs: LATENCY, ...emuOpts }, async (emu) => {
    const c = client(emu, clientOpts);
    const t0 = performance.now();
    const live = await fetchLiveState(c);
    const plan = buildPlan(desired, live);
    const t1 = performance.now();
    const sent: number[] = [];
    const report = await executePlan(plan, c, { concurrency, onStart: () => sent.push(performance.now()) });
    const t2 = performance.now();
    if (report.summary.done !== 400) throw new Error(`expected 400 creates, got ${JSON.stringify(report.summary)}`);
    return { planMs: t1 - t0, applyMs: t2 - t1, posts: emu.stats.byEndpoint['POST /v1/integrations'] ?? 0, rateLimited: emu.stats.rateLimited };
  });
}

async function main() {
  if (process.argv.includes('--plan-child')) return benchPlanChild();
  const out: string[] = [];
  const say = (l = '') => {
    out.push(l);
    console.log(l);
  };
  say(`cbsync bench (Node ${process.version}, ${new Date().toISOString().slice(0, 10)}); emulator at ${LATENCY} ms latency`);
  say();

  const l = await benchListing();
  say('## Listing 3,000 organisations and 6,000 integrations (page cap 100; medians of 3 runs after a warm-up)');
  say(`| | requests | wall time |`);
  say(`|---|---|---|`);
  say(`| default: ${DEFAULT_LIST_CONCURRENCY} pages in flight per listing, both listings at once | ${l.fast.requests} (minimum ${l.minimum}) | ${seconds(l.fast.ms)} (${(l.slow.ms / l.fast.ms).toFixed(1)}x faster) |`);
  say(`| --list-concurrency 32 | ${l.narrow.requests} | ${seconds(l.narrow.ms)} (${(l.slow.ms / l.narrow.ms).toFixed(1)}x faster) |`);
  say(`| sequential: one page at a time, one listing after the other | ${l.slow.requests} | ${seconds(l.slow.ms)} |`);
  say(`Target: the minimum number of requests, and at least 20x faster than sequential.`);
  say();

  const p = benchPlan();
  say('## Planning 10,000 organisations and 50,000 integrations (in memory)');
  say(`${p.actions} actions; CPU ${p.cpuMs.toFixed(0)} ms (target < 1000 ms); peak RSS of the whole process ${p.maxRssMb.toFixed(0)} MB (target < 300 MB).`);
  say();

  const lowerBound = Math.ceil(400 / 8) * LATENCY;
  const a8 = await benchApply(8);
  const a1 = await benchApply(1);
  say('## Applying 400 integration creates');
  say(`| | apply wall time | POST requests |`);
  say(`|---|---|---|`);
  say(`| concurrency 8 | ${seconds(a8.applyMs)} (lower bound ceil(400/8) x ${LATENCY} ms = ${seconds(lowerBound)}; ratio ${(a8.applyMs / lowerBound).toFixed(2)}, target <= 1.3) | ${a8.posts} |`);
  say(`| concurrency 1 | ${seconds(a1.applyMs)} (${(a1.applyMs / a8.applyMs).toFixed(1)}x slower; target >= 6x) | ${a1.posts} |`);
  say(`Planning before the apply (listing included): ${seconds(a8.planMs)}.`);
  say();

  const limit = 100;
  const windowMs = 6000;
  const rl = await benchApply(8, { rateLimit: limit, rateWindowMs: windowMs }, { maxRpm: limit, rateWindowMs: windowMs });
  // the fastest any client can go: `limit` per window, so 400 creates need 3 further windows
  const ideal = (Math.ceil(400 / limit) - 1) * windowMs;
  say(`## The same 400 creates under a rate limit of ${limit} requests per window per endpoint (window shortened to ${windowMs / 1000} s)`);
  say(`Apply wall time ${seconds(rl.applyMs)}; the limit allows no less than ${seconds(ideal)}: throughput ${((ideal / rl.applyMs) * 100).toFixed(0)}% of the limit (target >= 90%); 429 answers received: ${rl.rateLimited}; POST requests: ${rl.posts}.`);
}

await main();
