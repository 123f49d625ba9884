import pLimit from 'p-limit';
import type { ApiClient } from '../live/client.js';
import { ApiError } from '../live/errors.js';
import type { ListOptions } from '../live/paginate.js';
import type { Action, LiveOrganisation, LiveState, Plan } from '../model.js';
import { Creates } from './creates.js';
import { perform, type PerformContext } from './perform.js';
import { deleteLoser, losers, orgKey } from './repair.js';
import { summariseResults, type ActionResult, type ApplyReport } from './report.js';
import { verifyApply, type VerifyOptions } from './verify.js';

// Runs a plan as a dependency graph under p-limit: an action starts as soon as what it
// depends on is done (not phase by phase). Only requests hold a slot of the limit: waiting
// for dependencies, or for the listing that resolves an uncertain create, holds none.

export interface ExecuteOptions {
  concurrency: number;
  failFast?: boolean;
  onStart?: (a: Action) => void;
  onResult?: (r: ActionResult) => void;
  /** when aborted (Ctrl-C, SIGTERM), no new action starts; running ones finish */
  signal?: AbortSignal;
  /** the live state the plan was made from: its objects are never taken for this run's creates */
  live?: Pick<LiveState, 'organisations' | 'integrations'>;
  /** the closing check with one fresh listing; false skips it (--no-verify) */
  verify?: VerifyOptions | false;
  list?: ListOptions;
  /** apply even when the plan exceeds its safety thresholds (--force) */
  force?: boolean;
}

const BLOCKING = /^HAS_[A-Z_]+$/;

/** A plan past its safety thresholds, refused before any write. */
export class SafetyError extends Error {
  readonly code = 'SAFETY';
  constructor(readonly violations: Plan['safety']['violations']) {
    super(`apply refused: ${violations.map((v) => v.message).join('; ')} (nothing was changed; pass force to apply anyway)`);
  }
}

class NotStarted extends Error {}

export async function executePlan(plan: Plan, client: ApiClient, opts: ExecuteOptions): Promise<ApplyReport> {
  // the guard is the executor's, not only the CLI's: a program calling this gets it too
  if (plan.safety.violations.length && !opts.force) throw new SafetyError(plan.safety.violations);
  const limit = pLimit(opts.concurrency);
  const byAddress = new Map(plan.actions.map((a) => [a.address, a]));
  const running = new Map<string, Promise<ActionResult>>();
  const known = [...(opts.live?.organisations ?? []), ...(opts.live?.integrations ?? []), ...plan.actions.map((a) => ({ id: a.id }))].flatMap((o) => (o.id ? [o.id] : []));
  const repairs: ActionResult[] = [];
  let stopped = false;

  const result = (a: Pick<Action, 'address' | 'kind' | 'file' | 'path'>, r: Omit<ActionResult, 'address' | 'kind' | 'file' | 'path'>): ActionResult => {
    const full: ActionResult = { address: a.address, kind: a.kind, ...(a.file ? { file: a.file } : {}), ...(a.path ? { path: a.path } : {}), ...r };
    opts.onResult?.(full);
    return full;
  };

  const ctx: PerformContext = {
    client,
    slot: (fn) => limit(fn),
    creates: new Creates(client, known),
    created: new Map(),
    orgsSettled: () => (settled ??= settleOrganisations()),
  };
  let settled: Promise<void> | undefined;

  /** Once every organisation create has finished: one listing, and this run's losing namesakes go. */
  async function settleOrganisations() {
    const creates = plan.actions.filter((a) => a.kind === 'create_organisation');
    await Promise.allSettled(creates.map(run));
    const listed = (await ctx.creates.gate('/v1/organisations').current()) as LiveOrganisation[];
    for (const l of losers(listed, orgKey, ctx).filter((x) => x.ours)) {
      // integrations of this run go to the kept one; the loser is still empty
      for (const a of creates) if (ctx.created.get(a.address) === l.loser.id) ctx.created.set(a.address, l.kept.id);
      const r = await deleteLoser(ctx, l);
      opts.onResult?.(r);
      repairs.push(r);
    }
  }

  /**
   * The action's requests, inside the limit; the first checks whether it may start at all. A
   * failure stops the run (--fail-fast) before the slot is handed to the next request.
   */
  const slotFor = (a: Action) => {
    let started = false;
    return <T>(fn: () => Promise<T>) =>
      limit(async () => {
        if (!started) {
          if (opts.signal?.aborted) throw new NotStarted('not started: interrupted');
          if (stopped) throw new NotStarted('not started after a failure (--fail-fast)');
          started = true;
          opts.onStart?.(a);
        }
        try {
          return await fn();
        } catch (e) {
          if (opts.failFast && !(e instanceof ApiError && e.ambiguous) && failure(a, e).outcome === 'failed') stopped = true;
          throw e;
        }
      });
  };

  /** How an error ends an action: a HAS_* refusal of a delete is blocked, anything else failed. */
  const failure = (a: Action, e: unknown): Omit<ActionResult, 'address' | 'kind' | 'file' | 'path'> => {
    if (e instanceof NotStarted) return { outcome: 'skipped', id: a.id, message: e.message };
    if (a.kind === 'delete_organisation' && e instanceof ApiError && e.status === 422 && e.code && BLOCKING.test(e.code)) {
      // an expected outcome: the API protects organisations with dependents
      return { outcome: 'blocked', id: a.id, code: e.code, message: e.message };
    }
    const err = e instanceof ApiError ? e : null;
    return {
      outcome: 'failed',
      id: a.id,
      ...(err?.status && err.kind === 'http' ? { http_status: err.status } : {}),
      ...(err?.code ? { code: err.code } : {}),
      message: client.redact(err ? (err.kind === 'http' ? err.message : err.summary) : String((e as Error)?.message ?? e)),
    };
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
      try {
        const done = await perform(a, { ...ctx, slot: slotFor(a) });
        return result(a, { outcome: 'done', id: done.id, ...(done.recovered ? { recovered: true } : {}), ...(done.notes?.length ? { notes: done.notes } : {}) });
      } catch (e) {
        const r = failure(a, e);
        if (opts.failFast && r.outcome === 'failed') stopped = true;
        return result(a, r);
      }
    })();
    running.set(a.address, p);
    return p;
  };

  const results = await Promise.all(plan.actions.map(run));
  if (settled) await settled;
  let verification: ApplyReport['verification'] = null;
  if (opts.verify !== false && !opts.signal?.aborted) {
    const v = await verifyApply(plan, results, ctx, { list: opts.list, ...(opts.verify ?? {}) });
    for (const r of v.repairs) opts.onResult?.(r);
    repairs.push(...v.repairs);
    verification = v.verification;
  }
  return { format_version: 1, results, repairs, summary: summariseResults(results), verification };
}
