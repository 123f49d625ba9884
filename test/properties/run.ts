import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';

// Every property test runs through here: seeded as it says, its number of cases scaled by
// CBSYNC_PROPERTY_SCALE (npm run bench runs them larger), and, when CBSYNC_PROPERTY_REPORT
// names a file, one JSON line per property telling the cases tried (shrinking included) and
// the time, which the bench prints.

const SCALE = Number(process.env.CBSYNC_PROPERTY_SCALE ?? 1) || 1;
const REPORT = process.env.CBSYNC_PROPERTY_REPORT;

/** fc.assert, scaled and reported. */
export async function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>, params: fc.Parameters<Ts> & { numRuns: number }): Promise<void> {
  const t = performance.now();
  const details = await fc.check(property, { ...params, numRuns: Math.round(params.numRuns * SCALE) });
  if (REPORT) {
    const name = expect.getState().currentTestName ?? 'property';
    appendFileSync(REPORT, `${JSON.stringify({ name, cases: details.numRuns + details.numShrinks, ms: Math.round(performance.now() - t) })}\n`);
  }
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? 'property failed');
}
