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
  /** addresses that failed without knowing whether the write happened (a 504, a timeout, a lost answer) */
  uncertain: Set<string>;
}

/** A failure after which the write may or may not have happened: the closing listing tells. */
function unknownOutcome(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  return e.ambiguous || e.kind === 'timeout' || e.kind === 'network' || (e.status !== null && e.status >= 502 && e.status <= 504);
}

/** A caller's callback that throws does not stop the run: the report still says what happened. */
export const quietly = <A extends unknown[]>(fn: ((...args: A) => void) | undefined) => (...args: A) => {
  try {
    fn?.(...args);
  } catch {
    // the run goes on
  }
};

/** How an error ends an action: a HAS_* refusal of a delete is blocked, anything else failed. */
function failure(a: Action, e: unknown, redact: (t: string) => string): Outcome {
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
}

export function execute(actions: Action[], run: RunContext, opts: ExecuteOptions, redact: (t: string) => string): Promise<Executed> {
  return new Execution(actions, run, opts, redact).all();
}

/** One run of a plan: each action started once, when what it depends on has ended. */
class Execution {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly byAddress: Map<string, Action>;
  private readonly running = new Map<string, Promise<ActionResult>>();
  private readonly repairs: ActionResult[] = [];
  private readonly uncertain = new Set<string>();
  private readonly ctx: PerformContext;
  private readonly onResult: (r: ActionResult) => void;
  private readonly onStart: (a: Action) => void;
  private settled: Promise<void> | undefined;
  /** --fail-fast: an action failed, so no new one starts */
  private stopped = false;
  /** actions whose first request took its slot */
  private readonly begun = new Set<string>();

  constructor(
    private readonly actions: Action[],
    run: RunContext,
    private readonly opts: ExecuteOptions,
    private readonly redact: (t: string) => string,
  ) {
    this.limit = pLimit(opts.concurrency);
    this.byAddress = new Map(actions.map((a) => [a.address, a]));
    this.ctx = { ...run, slot: (fn) => this.limit(fn), orgsSettled: () => (this.settled ??= this.settleOrganisations()) };
    this.onResult = quietly(opts.onResult);
    this.onStart = quietly(opts.onStart);
  }

  async all(): Promise<Executed> {
    const results = await Promise.all(this.actions.map((a) => this.start(a)));
    if (this.settled) await this.settled;
    return { results, repairs: this.repairs, uncertain: this.uncertain };
  }

  private result(a: Pick<Action, 'address' | 'kind' | 'file' | 'path'>, r: Outcome): ActionResult {
    const full: ActionResult = { address: a.address, kind: a.kind, ...(a.file ? { file: a.file } : {}), ...(a.path ? { path: a.path } : {}), ...r };
    this.onResult(full);
    return full;
  }

  /** Once every organisation create has finished: one listing, and this run's losing namesakes go. */
  private async settleOrganisations() {
    const creates = this.actions.filter((a) => a.kind === 'create_organisation');
    await Promise.allSettled(creates.map((a) => this.start(a)));
    const listed = await this.ctx.creates.gate(ORGANISATIONS).current();
    const orgs = listed.filter((o: LiveObject): o is LiveOrganisation => !('organisation_id' in o));
    for (const l of losers(orgs, orgKey, this.ctx).filter((x) => x.ours)) {
      // integrations of this run go to the kept one; the loser is still empty
      for (const a of creates) if (this.ctx.created.get(a.address) === l.loser.id) this.ctx.created.set(a.address, l.kept.id);
      this.ctx.replacedBy.set(l.loser.id, l.kept.id);
      const r = await deleteLoser(this.ctx, l);
      this.onResult(r);
      this.repairs.push(r);
    }
  }

  /**
   * The action's requests, inside the limit; the first checks whether it may start at all. A
   * failure stops the run (--fail-fast) before the slot is handed to the next request.
   */
  private slotFor(a: Action) {
    let started = false;
    return <T>(fn: () => Promise<T>) =>
      this.limit(async () => {
        const first = !started;
        if (!started) {
          if (this.opts.signal?.aborted) throw new NotStarted('not started: interrupted');
          if (this.stopped) throw new NotStarted('not started after a failure (--fail-fast)');
          started = true;
          this.begun.add(a.address);
          this.onStart(a);
        }
        try {
          return await fn();
        } catch (e) {
          // interrupted while its first request waited for its turn (a pace, a 429's Retry-After): nothing of it was sent
          if (first && e instanceof ApiError && e.kind === 'interrupted' && !e.ambiguous) throw new NotStarted('not started: interrupted');
          if (this.opts.failFast && !(e instanceof ApiError && e.ambiguous) && failure(a, e, this.redact).outcome === 'failed') this.stopped = true;
          throw e;
        }
      });
  }

  private start(a: Action): Promise<ActionResult> {
    let p = this.running.get(a.address);
    if (!p) {
      p = this.run(a);
      this.running.set(a.address, p);
    }
    return p;
  }

  private async run(a: Action): Promise<ActionResult> {
    const deps = await Promise.all(a.depends_on.flatMap((d) => this.byAddress.get(d) ?? []).map((d) => this.start(d)));
    if (a.status === 'blocked') return this.result(a, { outcome: 'blocked', id: a.id, code: a.code, message: a.reason });
    if (a.status === 'unreconcilable') return this.result(a, { outcome: 'skipped', id: a.id, message: `unreconcilable: ${a.reason ?? ''}` });
    const failedDep = deps.find((d) => d.outcome !== 'done');
    if (failedDep) return this.result(a, { outcome: 'skipped', id: a.id, message: `${failedDep.address} was ${failedDep.outcome}` });
    try {
      const done = await perform(a, { ...this.ctx, slot: this.slotFor(a) });
      // found, but sent more than once: "not created twice" is for the closing check to say
      const notes = [...(done.resent ? [`found after ambiguous creates, sent ${done.resent} times: the closing check looks for a late twin`] : []), ...(done.notes ?? [])];
      return this.result(a, { outcome: 'done', id: done.id, ...(done.recovered && !done.resent ? { recovered: true } : {}), ...(notes.length ? { notes } : {}) });
    } catch (e) {
      // interrupted before any request of it took a slot (a listing it waited for was cut): not started
      const cut = e instanceof ApiError && e.kind === 'interrupted' && !e.ambiguous && !this.begun.has(a.address);
      const r = failure(a, cut ? new NotStarted('not started: interrupted') : e, this.redact);
      if (this.opts.failFast && r.outcome === 'failed') this.stopped = true;
      if (r.outcome === 'failed' && unknownOutcome(e)) this.uncertain.add(a.address);
      return this.result(a, r);
    }
  }
}
