import pLimit from 'p-limit';
import type { ApiClient } from '../live/client.js';
import { ApiError } from '../live/errors.js';
import type { Action, Plan } from '../model.js';
import { perform } from './perform.js';
import { summariseResults, type ActionResult, type ApplyReport } from './report.js';

// Runs a plan as a dependency graph under p-limit: an action starts as soon as what it
// depends on is done (not phase by phase). Waiting for dependencies happens outside the
// limiter, so a waiting action never holds a slot.

export interface ExecuteOptions {
  concurrency: number;
  failFast?: boolean;
  onStart?: (a: Action) => void;
  onResult?: (r: ActionResult) => void;
  /** when aborted (Ctrl-C), no new action starts; running ones finish */
  signal?: AbortSignal;
}

const BLOCKING = /^HAS_[A-Z_]+$/;

export async function executePlan(plan: Plan, client: ApiClient, opts: ExecuteOptions): Promise<ApplyReport> {
  const limit = pLimit(opts.concurrency);
  const byAddress = new Map(plan.actions.map((a) => [a.address, a]));
  const running = new Map<string, Promise<ActionResult>>();
  const created = new Map<string, string>();
  const planned = new Set(plan.actions.flatMap((a) => (a.id ? [a.id] : [])));
  let stopped = false;

  const result = (a: Action, r: Omit<ActionResult, 'address' | 'kind' | 'path'>): ActionResult => {
    const full: ActionResult = { address: a.address, kind: a.kind, ...(a.path ? { path: a.path } : {}), ...r };
    opts.onResult?.(full);
    return full;
  };

  const run = (a: Action): Promise<ActionResult> => {
    let p = running.get(a.address);
    if (p) return p;
    p = (async () => {
      const deps = await Promise.all(a.depends_on.map((d) => byAddress.get(d)).filter((d): d is Action => !!d).map(run));
      if (a.status === 'blocked') return result(a, { outcome: 'blocked', id: a.id, code: a.code, message: a.reason });
      if (a.status === 'unreconcilable') return result(a, { outcome: 'skipped', id: a.id, message: `unreconcilable: ${a.reason ?? ''}` });
      const failedDep = deps.find((d) => d.outcome !== 'done');
      if (failedDep) return result(a, { outcome: 'skipped', id: a.id, message: `${failedDep.address} was ${failedDep.outcome}` });
      return limit(async () => {
        if (opts.signal?.aborted) return result(a, { outcome: 'skipped', id: a.id, message: 'not started: interrupted' });
        if (stopped) return result(a, { outcome: 'skipped', id: a.id, message: 'not started after a failure (--fail-fast)' });
        opts.onStart?.(a);
        try {
          const done = await perform(a, { client, created, planned });
          return result(a, { outcome: 'done', id: done.id, ...(done.recovered ? { recovered: true } : {}) });
        } catch (e) {
          if (a.kind === 'delete_organisation' && e instanceof ApiError && e.status === 422 && e.code && BLOCKING.test(e.code)) {
            // an expected outcome: the API protects organisations with dependents
            return result(a, { outcome: 'blocked', id: a.id, code: e.code, message: e.message });
          }
          if (opts.failFast) stopped = true;
          const err = e instanceof ApiError ? e : null;
          return result(a, {
            outcome: 'failed',
            id: a.id,
            ...(err?.status && err.kind === 'http' ? { http_status: err.status } : {}),
            ...(err?.code ? { code: err.code } : {}),
            message: client.redact(err ? (err.kind === 'http' ? err.message : err.summary) : String((e as Error)?.message ?? e)),
          });
        }
      });
    })();
    running.set(a.address, p);
    return p;
  };

  const results = await Promise.all(plan.actions.map(run));
  return { format_version: 1, results, summary: summariseResults(results) };
}
