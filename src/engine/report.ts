import type { ActionResult, ApplyReport, Outcome } from '../model.js';

// How an apply's results add up (the report's types are in model.ts).

export function summariseResults(results: ActionResult[]): Record<Outcome, number> {
  const s: Record<Outcome, number> = { done: 0, blocked: 0, failed: 0, skipped: 0 };
  for (const r of results) s[r.outcome]++;
  return s;
}

/**
 * Exit 0 only when every action is done or blocked, every repair worked, the ids were written,
 * the check did not find anything left, and nothing interrupted the run.
 */
export const succeeded = (r: ApplyReport) =>
  r.summary.failed + r.summary.skipped === 0 &&
  r.repairs.every((x) => x.outcome === 'done') &&
  r.verification.status !== 'not_verified' &&
  !r.interrupted &&
  (r.ids_written ?? []).every((w) => w.problems.length === 0);
