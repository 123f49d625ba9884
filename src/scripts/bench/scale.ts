import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { exportDocument, exportFiles } from '../../desired/export.js';
import { loadDesiredPaths } from '../../desired/load.js';
import { fetchLiveState } from '../../live/state.js';
import type { LiveState } from '../../model.js';
import { planState } from '../../plan/planner.js';
import { client, emulatorProcess, KEY } from './util.js';

// A whole partner account end to end: desired state from one file or a directory (as
// `export --out-dir` writes it), listed from the emulator in its own process, planned. The
// cbsync side runs in a child process, so its CPU and peak memory are its own.

const PER_ORG = 5;

function liveOf(orgs: number): LiveState {
  return {
    keyLevel: 'partner',
    mode: 'TEST',
    fingerprint: 'sha256:bench',
    organisations: Array.from({ length: orgs }, (_, i) => ({ id: `org_${i}`, name: `[TEST] Org ${i}`, mode: 'TEST' })),
    integrations: Array.from({ length: orgs * PER_ORG }, (_, k) => {
      const i = Math.floor(k / PER_ORG);
      return { id: `int_${k}`, organisation_id: `org_${i}`, name: `I${k % PER_ORG}`, type: 'CUSTOM_ORDERS', status: 'ENABLED', merchant_ids: [`m${i}a`, `m${i}b`] };
    }),
  };
}

/** A compact hand-written file (no ids: matched by name), under the 5 MiB a file may have. */
function compactFile(orgs: number, path: string) {
  const lines = ['version: 1', 'mode: TEST', 'organisations:'];
  for (let i = 0; i < orgs; i++) {
    lines.push(`  - name: Org ${i}`, '    integrations:');
    for (let j = 0; j < PER_ORG; j++) lines.push(`      - {name: I${j}, merchant_ids: [m${i}a, m${i}b]}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** The child: load, list, plan; CPU of each, and the peak RSS of the process. */
export async function e2eChild(url: string, paths: string[]) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let t = cpu();
  const loaded = loadDesiredPaths(paths);
  if (!loaded.state) throw new Error(`invalid desired state: ${loaded.diagnostics[0]?.message}`);
  const loadMs = cpu() - t;
  t = cpu();
  const w = performance.now();
  const live = await fetchLiveState(client({ url }, { maxRpm: 0 }));
  const listMs = cpu() - t;
  const listWall = performance.now() - w;
  t = cpu();
  const { plan } = planState(loaded.state, live);
  const planMs = cpu() - t;
  process.stdout.write(JSON.stringify({ files: loaded.state.files.length, objects: live.organisations.length + live.integrations.length, actions: plan.actions.length, loadMs, listMs, listWall, planMs, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

export interface EndToEnd {
  files: number;
  objects: number;
  actions: number;
  loadMs: number;
  listMs: number;
  listWall: number;
  planMs: number;
  maxRssMb: number;
  wallMs: number;
}

export async function benchEndToEnd(orgs: number, form: 'file' | 'dir'): Promise<EndToEnd> {
  const dir = mkdtempSync(`${tmpdir()}/cbsync-scale-`);
  const live = liveOf(orgs);
  let paths: string[];
  if (form === 'file') {
    compactFile(orgs, `${dir}/desired.yaml`);
    paths = [`${dir}/desired.yaml`];
  } else {
    mkdirSync(`${dir}/state`);
    for (const f of exportFiles(live).files) writeFileSync(`${dir}/state/${f.path}`, f.text);
    paths = [`${dir}/state`];
  }
  const seed = {
    mode: 'TEST',
    keys: [{ key: KEY, level: 'admin' }],
    organisations: live.organisations.map((o, i) => ({
      id: o.id,
      name: o.name,
      integrations: live.integrations.slice(i * PER_ORG, (i + 1) * PER_ORG).map((x) => ({ id: x.id, name: x.name, merchant_ids: x.merchant_ids })),
    })),
  };
  writeFileSync(`${dir}/seed.json`, JSON.stringify(seed));
  const emu = await emulatorProcess(null, ['--seed', `${dir}/seed.json`]);
  try {
    const t = performance.now();
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('./index.js', import.meta.url)), '--e2e-child', emu.url, ...paths], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(r.stderr);
    return { ...(JSON.parse(r.stdout) as Omit<EndToEnd, 'wallMs'>), wallMs: performance.now() - t };
  } finally {
    emu.close();
  }
}

/** export's writing (rendering the files), linear in the account: one file, and one per organisation. */
export function benchExport(orgs: number) {
  const live = liveOf(orgs);
  let t = performance.now();
  const one = exportDocument(live).text.length;
  const fileMs = performance.now() - t;
  t = performance.now();
  const files = exportFiles(live).files.length;
  const dirMs = performance.now() - t;
  return { fileMs, dirMs, bytes: one, files };
}
