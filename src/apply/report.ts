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
  /** an ambiguous POST whose object was found by look-up instead of being created again */
  recovered?: boolean;
  /** YAML path of the file entry (for --write-ids) */
  path?: string;
}

export interface ApplyReport {
  format_version: 1;
  results: ActionResult[];
  summary: Record<Outcome, number>;
}

export function summariseResults(results: ActionResult[]): Record<Outcome, number> {
  const s: Record<Outcome, number> = { done: 0, blocked: 0, failed: 0, skipped: 0 };
  for (const r of results) s[r.outcome]++;
  return s;
}

/** `done`, `blocked (HAS_MERCHANTS)`, `failed (422 INVALID_MERCHANT_IDS: ...)`, `skipped (...)` */
export function outcomeText(r: ActionResult): string {
  switch (r.outcome) {
    case 'done':
      return r.recovered ? 'done (found after an ambiguous create; not created twice)' : 'done';
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

export function summaryText(s: Record<Outcome, number>): string {
  return `Apply: ${s.done} done, ${s.blocked} blocked, ${s.failed} failed, ${s.skipped} skipped.`;
}
