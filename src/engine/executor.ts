import pLimit from 'p-limit';
import { ORGANISATIONS } from '../api.js';
import type { LiveObject } from '../live/api.js';
import { ApiError } from '../live/errors.js';
import type { Action, ActionResult, LiveOrganisation } from '../model.js';
import type { PerformContext } from './perform.js';
import { perform } from './perform.js';
import { deleteLoser, losers, orgKey } from './repair.js';

// Runs a plan as a dependency graph under p-limit: an action starts as soon as what it
// depends on is done (not phase by phase). Only requests hold a slot of the limit: waiting
// for dependencies, or for the listings that look for an uncertain create, holds none.

export interface ExecuteOptions {
  concurrency: number;
  failFast?: boolean;
  onStart?: (a: Action) => void;
  /** each result as it comes, repairs included */
  onResult?: (r: ActionResult) => void;
  /** when aborted (Ctrl-C, SIGTERM), no new action starts; running ones finish */
  signal?: AbortSignal;
}

const BLOCKING = /^HAS_[A-Z_]+$/;

class NotStarted extends Error {}

type Outcome = Omit<ActionResult, 'address' | 'kind' | 'file' | 'path'>;

/** The context without its slot: each action gets one of its own. */
export type RunContext = Omit<PerformContext, 'slot' | 'orgsSettled'>;

export interface Executed {
  results: ActionResult[];
  repairs: ActionResult[];
}

export async function execute(actions: Action[], run: RunContext, opts: ExecuteOptions, redact: (t: string) => string): Promise<Executed> {
  const limit = pLimit(opts.concurrency);
  const byAddress = new Map(actions.map((a) => [a.address, a]));
  const running = new Map<string, Promise<ActionResult>>();
  const repairs: ActionResult[] = [];
  let stopped = false;
  let settled: Promise<void> | undefined;

  const result = (a: Pick<Action, 'address' | 'kind' | 'file' | 'path'>, r: Outcome): ActionResult => {
    const full: ActionResult = { address: a.address, kind: a.kind, ...(a.file ? { file: a.file } : {}), ...(a.path ? { path: a.path } : {}), ...r };
    opts.onResult?.(full);
    return full;
  };

  const ctx: PerformContext = { ...run, slot: (fn) => limit(fn), orgsSettled: () => (settled ??= settleOrganisations()) };

  /** Once every organisation create has finished: one listing, and this run's losing namesakes go. */
  async function settleOrganisations() {
    const creates = actions.filter((a) => a.kind === 'create_organisation');
    await Promise.allSettled(creates.map(start));
    const listed = await ctx.creates.gate(ORGANISATIONS).current();
    const orgs = listed.filter((o: LiveObject): o is LiveOrganisation => !('organisation_id' in o));
    for (const l of losers(orgs, orgKey, ctx).filter((x) => x.ours)) {
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
  const failure = (a: Action, e: unknown): Outcome => {
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
      message: redact(err ? (err.kind === 'http' ? err.message : err.summary) : String(e instanceof Error ? e.message : e)),
    };
  };

  const start = (a: Action): Promise<ActionResult> => {
    let p = running.get(a.address);
    if (p) return p;
    p = (async () => {
      const deps = await Promise.all(a.depends_on.flatMap((d) => byAddress.get(d) ?? []).map(start));
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

  const results = await Promise.all(actions.map(start));
  if (settled) await settled;
  return { results, repairs };
}
