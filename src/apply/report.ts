import type { ActionKind } from '../model.js';

export type Outcome = 'done' | 'blocked' | 'failed' | 'skipped';

export interface ActionResult {
  address: string;
  kind: ActionKind;
  outcome: Outcome;
  /** the object's id: the new one for creates and replaces */
  id: string | null;
  /** blocked: the API code; failed: the API code if any */
  code?: string;
  /** failed: the HTTP status, when there was one */
  http_status?: number;
  message?: string;
  /** an ambiguous POST whose object was found by a listing instead of being created again */
  recovered?: boolean;
  /** what the server did differently from what was asked (e.g. stored another name) */
  notes?: string[];
  /** the file and YAML path of the entry (for --write-ids) */
  file?: string;
  path?: string;
}

/** What a fresh listing after the writes still shows to do, and why. */
export interface Remaining {
  address: string;
  kind: ActionKind | 'plan_error';
  reason: string;
}

export interface Verification {
  converged: boolean;
  /** requests the check made (its listing, and any repair) */
  requests: number;
  remaining: Remaining[];
  /** duplicates of this run's objects that another writer made and, by the same rule, removes */
  others_to_remove: number;
}

export interface ApplyReport {
  format_version: 1;
  results: ActionResult[];
  /** duplicates this run created beside another writer's, removed by the rule both agree on */
  repairs: ActionResult[];
  summary: Record<Outcome, number>;
  /** null with --no-verify */
  verification: Verification | null;
}

export function summariseResults(results: ActionResult[]): Record<Outcome, number> {
  const s: Record<Outcome, number> = { done: 0, blocked: 0, failed: 0, skipped: 0 };
  for (const r of results) s[r.outcome]++;
  return s;
}

/** Exit 0 only when every action is done or blocked, every repair worked, and the check found nothing left. */
export const succeeded = (r: ApplyReport) =>
  r.summary.failed + r.summary.skipped === 0 && r.repairs.every((x) => x.outcome === 'done') && r.verification?.converged !== false;

/** `done`, `blocked (HAS_MERCHANTS)`, `failed (422 INVALID_MERCHANT_IDS: ...)`, `skipped (...)` */
export function outcomeText(r: ActionResult): string {
  switch (r.outcome) {
    case 'done': {
      const notes = [...(r.recovered ? ['found after an ambiguous create; not created twice'] : []), ...(r.message ? [r.message] : []), ...(r.notes ?? [])];
      return notes.length ? `done (${notes.join('; ')})` : 'done';
    }
    case 'blocked':
      return `blocked (${r.code ?? 'blocked'})`;
    case 'failed': {
      const head = [r.http_status, r.code].filter(Boolean).join(' ');
      return `failed (${head ? `${head}: ` : ''}${r.message ?? 'unknown error'})`;
    }
    case 'skipped':
      return `skipped (${r.message ?? 'not run'})`;
  }
}

export function summaryText(r: ApplyReport): string {
  const s = r.summary;
  const repaired = r.repairs.length ? `; ${r.repairs.length} duplicate${r.repairs.length === 1 ? '' : 's'} repaired` : '';
  return `Apply: ${s.done} done, ${s.blocked} blocked, ${s.failed} failed, ${s.skipped} skipped${repaired}.`;
}
