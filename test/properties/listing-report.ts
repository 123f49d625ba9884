import { appendFileSync } from 'node:fs';

// npm run bench runs the listing properties with many more cases and reads what they tried
// here: LISTING_PROPERTY_REPORT names a file that gets one JSON line a property.

const REPORT = process.env.CBSYNC_PROPERTY_REPORT ?? process.env.LISTING_PROPERTY_REPORT;

/** Runs a property, counting the cases it tried (shrinking included) and timing it. */
export async function reported(name: string, run: (tried: () => void) => Promise<unknown> | unknown): Promise<void> {
  let cases = 0;
  const t = performance.now();
  await run(() => cases++);
  if (REPORT) appendFileSync(REPORT, `${JSON.stringify({ name, cases, ms: Math.round(performance.now() - t) })}\n`);
}
