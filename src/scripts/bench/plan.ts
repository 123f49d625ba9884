import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildPlan } from '../../plan/planner.js';
import { desiredState } from './util.js';

// Planning 10,000 organisations and 50,000 integrations in memory, in a child process so
// its memory figure is its own.

export function benchPlanChild() {
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
      file: 'bench.yaml',
      path: `organisations[${i}]`,
      integrations: Array.from({ length: 4 }, (_, j) => ({
        name: j === 3 ? 'New' : `I${j}`,
        status: i % 10 === 0 && j === 0 ? ('DISABLED' as const) : ('ENABLED' as const),
        merchant_ids: i % 100 === 1 && j === 1 ? [`m${i}a`] : [`m${i}a`, `m${i}b`],
        file: 'bench.yaml',
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
  process.stdout.write(JSON.stringify({ actions: plan.actions.length, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: wall, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

export function benchPlan() {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./index.js', import.meta.url)), '--plan-child'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { actions: number; cpuMs: number; wallMs: number; maxRssMb: number };
}
