// npm run bench: the speed, memory and request figures in the README. Starts the emulator with
// a set latency (and, in some cases, a rate limit or injected faults) and measures listing,
// planning and applying. Not a test: timings on shared machines are noisy, so nothing here
// asserts; each figure is printed beside its target.
import { benchApply, benchListingAfterPause } from './apply.js';
import { reportListing } from './listing.js';
import { benchPacing, CREATES, PACING_CASES, WINDOW_KIND_CASES } from './pacing.js';
import { benchPlan, benchPlanChild } from './plan.js';
import { benchEndToEnd, benchExport, e2eChild } from './scale.js';
import { benchSlowCommits } from './endings.js';
import { benchProperties } from './properties.js';
import { benchScrub } from './scrub.js';
import { benchStartup } from './startup.js';
import { LATENCY, pct, seconds } from './util.js';

const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

async function main() {
  if (process.argv.includes('--plan-child')) return benchPlanChild();
  const e2e = process.argv.indexOf('--e2e-child');
  if (e2e !== -1) return e2eChild(process.argv[e2e + 1]!, process.argv.slice(e2e + 2));
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const want = (name: string) => only.length === 0 || only.includes(name);
  const say = (l = '') => console.log(l);
  say(`cbsync bench (Node ${process.version}, ${new Date().toISOString().slice(0, 10)}); emulator at ${LATENCY} ms latency`);
  say();

  if (want('listing')) await reportListing(say);

  if (want('plan')) {
    const p = benchPlan();
    say('## Planning 10,000 organisations and 50,000 integrations (in memory)');
    say(`${p.actions} actions; CPU ${p.cpuMs.toFixed(0)} ms (target < 1000 ms); peak RSS of the whole process ${p.maxRssMb.toFixed(0)} MB (target < 300 MB).`);
    say();
  }

  if (want('scale')) {
    say('## A whole account end to end: load the files, list, plan (cbsync in its own process; the emulator in another, no latency)');
    say('| desired state | objects | load CPU | listing (CPU, wall) | plan CPU | CPU beyond listing | peak RSS | wall |');
    say('|---|---|---|---|---|---|---|---|');
    for (const [orgs, form] of [[10_000, 'file'], [10_000, 'dir'], [100_000, 'dir']] as const) {
      const r = await benchEndToEnd(orgs, form);
      const beyond = r.loadMs + r.planMs;
      const target = orgs === 10_000 ? ` (target < 2 s: ${met(beyond < 2000)})` : '';
      const rss = orgs === 10_000 ? ` (target < 300 MB: ${met(r.maxRssMb < 300)})` : '';
      say(`| ${orgs.toLocaleString('en')} organisations, ${(orgs * 5).toLocaleString('en')} integrations, ${form === 'file' ? 'one file' : `${r.files.toLocaleString('en')} files`} | ${r.objects.toLocaleString('en')} | ${seconds(r.loadMs)} | ${seconds(r.listMs)}, ${seconds(r.listWall)} | ${seconds(r.planMs)} | ${seconds(beyond)}${target} | ${r.maxRssMb.toFixed(0)} MB${rss} | ${seconds(r.wallMs)} |`);
    }
    const ex = benchExport(50_000);
    say(`Export of 50,000 organisations and 250,000 integrations (rendering only): one file of ${(ex.bytes / 1024 / 1024).toFixed(1)} MiB in ${seconds(ex.fileMs)}; ${ex.files.toLocaleString('en')} files in ${seconds(ex.dirMs)}.`);
    say();
  }

  if (want('scrub')) {
    const rows = benchScrub();
    say('## Scrubbing the key from output (every line printed, every file written)');
    say('| text | size | cost | against the 4 MB text |');
    say('|---|---|---|---|');
    for (const r of rows) {
      const small = rows.find((x) => x.text === r.text && x.mb === 4)!;
      const growth = (r.msPerMb * r.mb) / (small.msPerMb * small.mb);
      say(`| ${r.text} | ${r.mb} MB | ${r.msPerMb.toFixed(1)} ms/MB${r.text.startsWith('ordinary') ? ` (target <= 10: ${met(r.msPerMb <= 10)})` : ''} | ${r.mb === 4 ? '' : `${growth.toFixed(1)}x the time for 4x the text (linear: ${met(growth < 5)})`} |`);
    }
    say();
  }

  if (want('apply')) {
    const lowerBound = Math.ceil(400 / 8) * LATENCY;
    const a8 = await benchApply(8);
    const a1 = await benchApply(1);
    say('## Applying 400 integration creates (default flags: --max-rpm auto, a server without a limit)');
    say(`| | writes wall time | POST requests | closing check |`);
    say(`|---|---|---|---|`);
    say(`| concurrency 8 | ${seconds(a8.applyMs)} (lower bound ceil(400/8) x ${LATENCY} ms = ${seconds(lowerBound)}; ratio ${(a8.applyMs / lowerBound).toFixed(2)}, target <= 1.3: ${met(a8.applyMs / lowerBound <= 1.3)}) | ${a8.posts} | ${a8.verifyRequests} requests, ${seconds(a8.verifyMs)} |`);
    say(`| concurrency 1 | ${seconds(a1.applyMs)} (${(a1.applyMs / a8.applyMs).toFixed(1)}x slower; target >= 6x) | ${a1.posts} | ${a1.verifyRequests} requests, ${seconds(a1.verifyMs)} |`);
    say();
  }

  if (want('pacing')) {
    say(`## Pacing: ${CREATES} integration creates at concurrency 8 against a sliding window the client is not told in advance`);
    say('| window, limit | rate headers | throughput, share of the limit | 429 answers (share of requests) | time held back |');
    say('|---|---|---|---|---|');
    for (const c of PACING_CASES) {
      for (const headers of ['none', 'ietf', 'x'] as const) {
        const r = await benchPacing(c, { rateLimitHeaders: headers });
        const [target, ok429] = headers === 'none' ? [0.95, r.rateLimited / r.requests <= 0.02] : [0.97, r.rateLimited === 0];
        say(`| ${c.label} | ${headers} | ${pct(r.share)} (${CREATES} in ${seconds(r.spanMs)}; target >= ${pct(target)}: ${met(r.share >= target)}) | ${r.rateLimited} (${((100 * r.rateLimited) / r.requests).toFixed(1)}%; target ${headers === 'none' ? '<= 2%' : 'none'}: ${met(ok429)}) | ${seconds(r.waitedMs)} |`);
      }
    }
    say();
  }

  if (want('pacing') || want('pacing-kinds')) {
    say(`## Pacing: ${CREATES} integration creates at concurrency 8: fixed windows, and X-RateLimit-Reset as a Unix time in seconds (the window unstated)`);
    say('| window, limit | kind, rate headers | throughput, share of the limit | 429 answers (share of requests) | time held back |');
    say('|---|---|---|---|---|');
    for (const { c, rate, label } of WINDOW_KIND_CASES) {
      const r = await benchPacing(c, rate);
      const headers = rate.rateLimitHeaders !== 'none';
      const [target, ok429] = headers ? [0.97, r.rateLimited === 0] : [0.95, r.rateLimited / r.requests <= 0.02];
      say(`| ${c.label} | ${label} | ${pct(r.share)} (${CREATES} in ${seconds(r.spanMs)}; target >= ${pct(target)}: ${met(r.share >= target)}) | ${r.rateLimited} (${((100 * r.rateLimited) / r.requests).toFixed(1)}%; target ${headers ? 'none' : '<= 2%'}: ${met(ok429)}) | ${seconds(r.waitedMs)} |`);
    }
    say();
  }

  if (want('pacing')) {
    say('Starting with the budget spent by another process (no rate headers): the window in which the client first ran at >= 95% of the limit.');
    say('| window, limit | spent at start | recovered in window | throughput | 429 answers |');
    say('|---|---|---|---|---|');
    for (const [c, spent] of [[PACING_CASES[0]!, 1], [PACING_CASES[1]!, 1], [PACING_CASES[1]!, 0.5]] as const) {
      const r = await benchPacing(c, { rateSpent: Math.round(spent * c.limit) });
      const goal = spent === 1 ? ` (target <= 3: ${met(r.recoveryWindows !== null && r.recoveryWindows <= 3)})` : '';
      say(`| ${c.label} | ${pct(spent)} | ${r.recoveryWindows ?? 'never'}${goal} | ${pct(r.share)} | ${r.rateLimited} |`);
    }
    say();
    const p = await benchListingAfterPause(10, 2000);
    say(`A listing of 3,000 organisations (page cap 100) against a limit of 10 per 2 s, no headers: ${p.pages} pages in ${seconds(p.ms)}; ${p.rateLimited} answers 429, all in the first wave (at most ${p.firstWave}: ${met(p.rateLimited <= p.firstWave)}); none after the pause.`);
    say();
  }

  if (want('ambiguous')) {
    const opts = { maxPageSize: 100, randomSeed: 3 };
    const clean = await benchApply(8, opts, { maxRpm: 0 }, 6, 1000);
    const faulty = await benchApply(8, { ...opts, ambiguousRate: 0.15 }, { maxRpm: 0 }, 6, 1000);
    const ratio = faulty.requests / clean.requests;
    say('## 400 integration creates beside 6,000 integrations, 15% of writes ambiguous (applied, then the connection drops), concurrency 8, page cap 100');
    say('| | requests | failed | duplicates | recovered by the batch listing | closing check |');
    say('|---|---|---|---|---|---|');
    say(`| fault-free | ${clean.requests} | ${clean.failed} | ${clean.duplicates} | ${clean.recovered} | ${clean.verifyRequests} requests, ${seconds(clean.verifyMs)} |`);
    say(`| 15% ambiguous | ${faulty.requests} (${ratio.toFixed(2)}x; target <= 1.3x: ${met(ratio <= 1.3)}) | ${faulty.failed} | ${faulty.duplicates} | ${faulty.recovered} | ${faulty.verifyRequests} requests, ${seconds(faulty.verifyMs)} |`);
    say();
  }

  if (want('endings')) {
    const clean = await benchSlowCommits(0);
    const slow = await benchSlowCommits(0.15);
    say('## 200 integration creates behind a gateway: 15% of writes answered 504 while they land 2 s later (concurrency 8, 40 ms latency)');
    say('| | wall time | requests | done | failed | duplicates | found after a 504 | closing check |');
    say('|---|---|---|---|---|---|---|---|');
    for (const [name, r] of [['no fault', clean], [`${slow.slow} slow commits`, slow]] as const) {
      say(`| ${name} | ${seconds(r.ms)} | ${r.requests} | ${r.done} | ${r.failed} | ${r.duplicates} | ${r.recovered} | ${r.verified} |`);
    }
    say(`The waiting costs ${seconds(slow.ms - clean.ms)} (${(slow.ms / clean.ms).toFixed(1)}x). Targets: 0 duplicates (${met(slow.duplicates === 0)}), 0 false failures (${met(slow.failed === 0 && slow.done === 200)}).`);
    say();
  }

  if (want('properties')) {
    say('## The guarantees as properties (fast-check; seeded, shrinking): as in npm test, then with 10x the cases');
    say('| run | property | cases tried | time |');
    say('|---|---|---|---|');
    for (const [label, scale] of [['npm test', 1], ['10x', 10]] as const) {
      const p = benchProperties(scale);
      if (!p.ok) say(`| ${label} | FAILED or did not run (CBSYNC_PROPERTY_SCALE=${scale} npx vitest run test/properties) | | ${seconds(p.ms)} |`);
      for (const r of p.properties) say(`| ${label} | ${r.name} | ${r.cases.toLocaleString('en')} | ${seconds(r.ms)} |`);
      if (p.ok) say(`| ${label} | all ${p.properties.length}, with vitest starting | ${p.properties.reduce((s, r) => s + r.cases, 0).toLocaleString('en')} | ${seconds(p.ms)} |`);
    }
    say();
  }

  if (want('startup')) {
    const runs = benchStartup();
    const node = runs[0]!;
    say('## Start-up, in a clean environment (env -i PATH=...; fastest and median of 25 runs each, interleaved)');
    say('| command | fastest | median | fastest, against node -e 0 | target |');
    say('|---|---|---|---|---|');
    for (const r of runs) {
      const ratio = r.minMs / node.minMs;
      const target = r.name === 'node -e 0' ? '' : r.name.includes('validate') ? `<= 4x: ${met(ratio <= 4)}` : `<= 2x: ${met(ratio <= 2)}`;
      say(`| ${r.name} | ${r.minMs.toFixed(0)} ms | ${r.medianMs.toFixed(0)} ms | ${ratio.toFixed(2)}x | ${target} |`);
    }
    say();
  }
}

await main();
