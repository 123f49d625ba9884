import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

// The guarantees' property tests (test/properties/), run through vitest as `npm test` runs
// them and then with ten times the cases: each property reports the cases it tried
// (shrinking included) and its time. The bench needs the repository's test files.

export interface PropertyRun {
  name: string;
  cases: number;
  ms: number;
}

export function benchProperties(scale: number): { ok: boolean; properties: PropertyRun[]; ms: number } {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const report = `${mkdtempSync(`${tmpdir()}/cbsync-props-`)}/report.jsonl`;
  const env = { ...process.env, CBSYNC_PROPERTY_REPORT: report, CBSYNC_PROPERTY_SCALE: String(scale), ...(scale !== 1 ? { LISTING_PROPERTY_RUNS: String(scale * 120) } : {}) };
  const t = performance.now();
  const r = spawnSync(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', 'test/properties'], { cwd: root, env, stdio: 'ignore' });
  const ms = performance.now() - t;
  let properties: PropertyRun[] = [];
  try {
    properties = readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PropertyRun);
  } catch {
    // no report: vitest did not run
  }
  return { ok: r.status === 0 && properties.length > 0, properties, ms };
}
