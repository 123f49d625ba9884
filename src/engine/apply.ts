import { withSignal, type ApiClient } from '../live/client.js';
import { ApiError, ConfigError } from '../live/errors.js';
import type { ListOptions } from '../live/paginate.js';
import type { Action, ActionResult, ApplyReport, EndpointCost, Verification } from '../model.js';
import { leastSeconds } from '../plan/budget.js';
import { byText } from '../text.js';
import { Creates, SETTLE_MS } from './creates.js';
import { execute, quietly, type ExecuteOptions } from './executor.js';
import type { Planned } from './planned.js';
import { summariseResults } from './report.js';
import { verifyApply } from './verify.js';
import { writeCreatedIds } from './write-ids.js';
import { SafetyError } from './errors.js';

export { SafetyError };

// apply(planned) -> the report. Guarantee 7 is enforced here: once the first write may have
// gone out, the report is made whatever fails after it (an action, the closing check, an
// interruption), and --write-ids writes every created id in a `finally`.

export interface ApplyOptions extends Omit<ExecuteOptions, 'concurrency'> {
  /** actions in flight at once (default 4) */
  concurrency?: number;
  /** apply even when the plan exceeds its safety thresholds (--force) */
  force?: boolean;
  /** the closing check with a fresh listing (default true; false: --no-verify) */
  verify?: boolean;
  /** write the ids of created objects into the files (--write-ids) */
  writeIds?: boolean;
  list?: ListOptions;
  /** the least time an uncertain write is looked for before it is taken as not made (default 10 s) */
  settleMs?: number;
  /** when the run began (the report's wall time counts from it; default: now) */
  startedAt?: number;
}

const skipped = (reason: string): Verification => ({ status: 'skipped', reason, converged: false, requests: 0, remaining: [] });

/** One line for a failure the report records (the key scrubbed). */
const describe = (e: unknown, redact: (t: string) => string) => redact(e instanceof ApiError ? e.summary : e instanceof Error ? e.message : String(e));

/** The closing check's reason when the interrupt came before or during it. */
const INTERRUPTED = 'interrupted: plan again to see what is left';

/** Plans applied already: live state has moved on since each was prepared. */
const applied = new WeakSet<Planned>();

export async function apply(planned: Planned, given: ApiClient, opts: ApplyOptions = {}): Promise<ApplyReport> {
  const { plan } = planned;
  // the interrupt reaches every request: one still waiting for its turn when it comes is not sent
  const client = opts.signal ? withSignal(given, opts.signal) : given;
  // a plan is applied once, by the account it was planned against
  if (planned.client !== client.identity) throw new ConfigError(`${planned.label} was prepared with another client (another API URL or key): prepare it again with this one`);
  if (applied.has(planned)) throw new ConfigError(`${planned.label} was applied already, and live state has moved on since: prepare it again`);
  // the guard is the engine's, not only the CLI's: a program calling this gets it too
  if (plan.safety.violations.length && !opts.force) throw new SafetyError(plan.safety.violations);
  applied.add(planned);
  const startedAt = opts.startedAt ?? Date.now();
  const settleMs = opts.settleMs ?? SETTLE_MS;
  const known = [...planned.live.organisations, ...planned.live.integrations, ...plan.actions].flatMap((o) => (o.id ? [o.id] : []));
  const creates = new Creates(client, known, { list: opts.list, settleMs, signal: opts.signal });
  const run = { client, creates, created: new Map<string, string>(), replacedBy: new Map<string, string>() };
  let uncertain = new Set<string>();
  const seen: ActionResult[] = [];
  const repairs: ActionResult[] = [];
  let results: ActionResult[] = [];
  let verification = skipped('--no-verify: no closing check');
  let ids: ApplyReport['ids_written'];
  try {
    try {
      const done = await execute(plan.actions, run, { ...opts, concurrency: opts.concurrency ?? 4, onResult: (r) => (seen.push(r), opts.onResult?.(r)) }, client.redact);
      results = done.results;
      repairs.push(...done.repairs);
      uncertain = done.uncertain;
    } catch (e) {
      // not expected (each action's failure is its result): what did not end is reported so
      results = unfinished(plan.actions, seen, `the run stopped: ${describe(e, client.redact)}`);
      repairs.push(...seen.filter((r) => !plan.actions.some((a) => a.address === r.address)));
      verification = { ...skipped(''), status: 'not_verified', reason: `the run stopped before its end: ${describe(e, client.redact)}` };
    }
    if (opts.signal?.aborted) verification = skipped(INTERRUPTED);
    else if (opts.verify !== false && verification.status === 'skipped') {
      const before = client.stats.requests;
      try {
        const v = await verifyApply(plan, results, { ...run, slot: (fn) => fn(), orgsSettled: async () => {} }, { desired: planned.desired ?? undefined, allowReplace: planned.allowReplace, subjects: planned.subjects, uncertain, list: opts.list, settleMs });
        for (const r of v.repairs) quietly(opts.onResult)(r);
        repairs.push(...v.repairs);
        verification = v.verification;
        // a write reported failed whose answer was lost, which the listing shows made: said again, as done
        results = results.map((r) => (v.confirmed.has(r.address) ? confirmed(r) : r));
        for (const r of results) if (v.confirmed.has(r.address)) quietly(opts.onResult)(r);
      } catch (e) {
        // an interrupt that cut the closing listing short is an interruption, not a failed check
        if (opts.signal?.aborted) verification = skipped(INTERRUPTED);
        else verification = { status: 'not_verified', reason: `the closing check failed: ${describe(e, client.redact)}`, converged: false, requests: client.stats.requests - before, remaining: [] };
      }
    }
  } finally {
    // a duplicate of this run's that was repaired: the id kept in its place is the one to pin
    results = results.map((r) => keptIn(r, run.replacedBy));
    if (opts.writeIds && planned.desired) ids = writeCreatedIds(results.length ? results : seen.map((r) => keptIn(r, run.replacedBy)), plan, client.redact);
  }
  const seconds = Math.round((Date.now() - startedAt) / 100) / 10;
  return {
    format_version: 1,
    results,
    repairs,
    summary: summariseResults(results),
    verification,
    interrupted: !!opts.signal?.aborted,
    requests: { made: client.stats.requests, rate_limited: client.stats.rateLimited, seconds, min_seconds: leastTime(client, seconds), by_endpoint: costs(client) },
    ...(ids ? { ids_written: ids } : {}),
  };
}

/** A write whose answer was lost, which the closing listing shows made. */
function confirmed(r: ActionResult): ActionResult {
  const { http_status: _, code: __, message, ...rest } = r;
  return { ...rest, outcome: 'done', notes: [...(r.notes ?? []), `its answer was lost (${message ?? 'no answer'}), but the fresh listing shows it made`] };
}

/** The result of a create whose object lost to a namesake made first: the kept one's id. */
function keptIn(r: ActionResult, replacedBy: Map<string, string>): ActionResult {
  const kept = r.id ? replacedBy.get(r.id) : undefined;
  if (!kept || r.outcome !== 'done') return r;
  return { ...r, id: kept, notes: [...(r.notes ?? []), `its duplicate ${r.id} was removed; ${kept}, made first, is kept`] };
}

/** What each endpoint cost, as the pacer saw it. */
function costs(client: ApiClient): Record<string, EndpointCost> {
  const round = (n: number) => Math.round(n * 10) / 10;
  return Object.fromEntries(
    Object.entries(client.pacing())
      .sort(([a], [b]) => byText(a, b))
      .map(([e, p]) => [e, { requests: p.requests, per_minute: p.ranPerMinute === null ? null : round(p.ranPerMinute), rate_limited: p.rateLimited, waited_seconds: round(p.waitedMs / 1000) }]),
  );
}

/**
 * The least time the limits this run met allow for the requests it made (the busiest endpoint
 * for its limit; 0 when no limit was met, or the requests fit in a window). Not the plan's
 * assumption: what the server showed, or --max-rpm. A limit the run went faster than was not
 * the one that bounded it: then nothing is claimed.
 */
function leastTime(client: ApiClient, seconds: number): number {
  let least = 0;
  for (const p of Object.values(client.pacing())) if (p.limit) least = Math.max(least, leastSeconds(p.requests - p.rateLimited, p.limit));
  return least <= Math.ceil(seconds) ? least : 0;
}

/** Each action's result as far as it got: those that never ended are failed with `why`. */
function unfinished(actions: Action[], seen: ActionResult[], why: string): ActionResult[] {
  const byAddress = new Map(seen.map((r) => [r.address, r]));
  return actions.map((a) => byAddress.get(a.address) ?? { address: a.address, kind: a.kind, outcome: 'failed', id: a.id, message: why, ...(a.file ? { file: a.file } : {}), ...(a.path ? { path: a.path } : {}) });
}
