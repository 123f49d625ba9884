import { readFileSync } from 'node:fs';
import { createColors } from 'picocolors';
import { executePlan } from '../apply/executor.js';
import { progress } from '../apply/progress.js';
import { outcomeText, succeeded, summaryText, type ApplyReport } from '../apply/report.js';
import { schemaValidator } from '../desired/schema.js';
import { writeIdsToFile } from '../desired/write-ids.js';
import type { Action, Plan, StalePin } from '../model.js';
import { groupBy } from '../group.js';
import { STDIN } from '../desired/sources.js';
import { renderDiff } from '../plan/render/diff.js';
import { symbol } from '../plan/render/symbols.js';
import { renderText } from '../plan/render/text.js';
import { readLive, reportError } from './context.js';
import { line, type Io } from './io.js';
import { printable } from '../text.js';
import { preparePlan, useColor, type PlanFlags, type Prepared } from './prepare.js';
import { plural } from '../names.js';
import { duration } from '../plan/budget.js';

export interface ApplyOptions extends PlanFlags {
  yes?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  failFast?: boolean;
  force?: boolean;
  json?: boolean;
  writeIds?: boolean;
  /** false: skip the closing check with a fresh listing (--no-verify) */
  verify?: boolean;
  /** a saved plan (plan --out) to apply exactly */
  plan?: string;
  /** aborted by the CLI on Ctrl-C: running actions finish, no new one starts */
  signal?: AbortSignal;
}

export async function applyCommand(paths: string[], opts: ApplyOptions, io: Io): Promise<number> {
  const startedAt = Date.now();
  if (!paths.length && !opts.plan) {
    io.stderr('error: give the desired-state FILE (or files, directories, - for stdin), or --plan PLAN.json\n');
    return 1;
  }
  if (paths.length && opts.plan) {
    io.stderr('error: --plan applies a saved plan exactly: give no FILE with it\n');
    return 1;
  }
  if (opts.writeIds && !paths.length) {
    io.stderr('error: --write-ids needs the desired-state FILE to write into\n');
    return 1;
  }
  // with --json, stdout carries only the report; the plan goes to stderr
  const say = opts.json ? io.stderr : io.stdout;
  const color = useColor(io, opts.json ? 'stderr' : 'stdout', opts.color);
  const c = createColors(color);

  let prepared: Omit<Prepared, 'desired' | 'match' | 'scoped' | 'targets'> & Partial<Pick<Prepared, 'desired' | 'match' | 'scoped' | 'targets'>>;
  if (opts.plan) {
    const saved = await loadSavedPlan(opts.plan, opts, io);
    if (!saved) return 1;
    prepared = saved;
  } else {
    const p = await preparePlan(paths, opts, io);
    if (!p) return 1;
    prepared = p;
  }
  const { plan, client } = prepared;

  if (opts.dryRun && prepared.scoped && prepared.match) {
    const diff = renderDiff(prepared.scoped.desired, prepared.scoped.live, { color, file: prepared.label, match: prepared.match });
    if (diff) say(`${diff}\n`);
  }
  say(renderText(plan, { color }));
  if (opts.dryRun) {
    say('Dry run: nothing was changed.\n');
    return 0;
  }

  const pending = plan.actions.filter((a) => a.status === 'pending').length;
  if (plan.safety.violations.length && !opts.force) {
    for (const v of plan.safety.violations) io.stderr(line(`error: apply refused: ${v.message}`));
    io.stderr('Nothing was changed. Check the file, raise safety.max_destructive_percent, or pass --force.\n');
    return 1;
  }
  if (pending > 0 && !opts.yes) {
    if (!io.tty.stdin || !io.prompt) {
      io.stderr('error: refusing to apply without --yes: stdin is not a terminal, so nobody can confirm. Nothing was changed.\n');
      return 1;
    }
    const answer = (await io.prompt(`\nApply ${plural(pending, 'change')}? Only 'yes' is accepted: `)).trim();
    if (answer !== 'yes') {
      io.stderr('Apply cancelled. Nothing was changed.\n');
      return 1;
    }
  }

  const bar = progress(plan.actions.length, io.stderr, io.tty.stderr && !opts.json);
  const started = new Set<string>();
  const kindWidth = Math.max(0, ...plan.actions.map((a) => a.kind.length));
  const byAddress = new Map(plan.actions.map((a) => [a.address, a]));
  if (!opts.json) say('\n');
  const report: ApplyReport = await executePlan(plan, client, {
    concurrency: opts.concurrency ?? 4,
    failFast: opts.failFast,
    force: opts.force,
    signal: opts.signal,
    live: prepared.live,
    list: { concurrency: opts.listConcurrency },
    verify: opts.verify === false ? false : { desired: prepared.desired, planOptions: { allowReplace: opts.allowReplace, targets: prepared.targets } },
    onStart: (a) => {
      started.add(a.address);
      bar.started();
    },
    onResult: (r) => {
      const a = byAddress.get(r.address);
      if (a) bar.finished(started.has(r.address));
      if (opts.json) return;
      // a repair has no action of the plan: its symbol follows its kind
      const sym = a ? symbol(a) : r.kind === 'delete_organisation' ? '-' : '~';
      const id = r.id ? ` (${r.id})` : '';
      const paint = { done: c.green, blocked: c.yellow, failed: c.red, skipped: c.dim }[r.outcome];
      bar.around(() => say(`${sym.padStart(3)} ${r.kind.padEnd(kindWidth)}  ${printable(r.address)}${c.dim(printable(id))}: ${paint(printable(outcomeText(r)))}\n`));
    },
  });
  bar.end();

  if (opts.writeIds) {
    if (!writeIds(report, byAddress, plan.stale_pins ?? [], io)) return 1;
  } else {
    const replaced = report.results.filter((r) => r.outcome === 'done' && r.kind === 'replace_integration');
    if (replaced.length) io.stderr(`note: ${replaced.length} integration(s) were replaced; if the file pins their old ids, update them (or use --write-ids)\n`);
  }

  const v = report.verification;
  if (v && !opts.json) {
    const others = v.others_to_remove ? `; ${plural(v.others_to_remove, 'duplicate')} another apply made beside ours, which it removes by the same rule` : '';
    if (v.converged) say(`\nVerified: a fresh listing shows nothing left to do (${plural(v.requests, 'request')}${others}).\n`);
    else {
      say(`\nVerify: a fresh listing shows ${plural(v.remaining.length, 'thing')} left to do (${plural(v.requests, 'request')}):\n`);
      for (const r of v.remaining) say(line(`  ${r.address || '(file)'}: ${r.reason}`));
    }
  }
  // against this API requests are the real cost: what they were, and what the limit allows
  const cost = { made: client.stats.requests, rate_limited: client.stats.rateLimited, seconds: Math.round((Date.now() - startedAt) / 100) / 10, min_seconds: plan.budget.min_seconds };
  if (opts.json) io.stdout(`${JSON.stringify({ ...report, interrupted: !!opts.signal?.aborted, requests: cost }, null, 2)}\n`);
  else {
    say(`\n${summaryText(report)}\n`);
    say(`Requests: ${cost.made} made, ${cost.rate_limited} answered 429, in ${duration(cost.seconds)}; the known limit allows no less than ${duration(cost.min_seconds)} (${plan.budget.rate_per_minute} a minute per endpoint).\n`);
  }
  // an interrupted apply stopped short (and skipped its check): never a success
  return succeeded(report) && !opts.signal?.aborted ? 0 : 1;
}

/** --write-ids: each created object's id into the file its entry came from. False when one could not be written. */
function writeIds(report: ApplyReport, byAddress: Map<string, Action>, stalePins: StalePin[], io: Io): boolean {
  // the kinds that bring a new object (and so a new id) into being
  const creating = new Set(['create_organisation', 'create_integration', 'replace_integration']);
  const entries = report.results
    .filter((r) => r.outcome === 'done' && r.file && r.path && r.id && creating.has(r.kind))
    .map((r) => ({ file: r.file!, path: r.path!, id: r.id!, name: String(byAddress.get(r.address)?.body?.name) }))
    // and the pins a replace left behind, found while planning
    .concat(stalePins.map((p) => ({ file: p.file, path: p.path, id: p.live_id, name: p.name })));
  let ok = true;
  for (const [file, list] of groupBy(entries, (e) => e.file)) {
    if (file === STDIN) {
      io.stderr(line(`note: ${plural(list.length, 'id')} of entries read from standard input not written`));
      continue;
    }
    try {
      const { written, problems } = writeIdsToFile(file, list);
      if (written) io.stderr(line(`wrote ${plural(written, 'id')} into ${file}`));
      for (const p of problems) io.stderr(line(`error: wrote no id into ${file}: ${p}`));
      if (problems.length) ok = false;
    } catch (e) {
      io.stderr(line(`error: could not write ids into ${file}: ${(e as Error).message}`));
      ok = false;
    }
  }
  return ok;
}

/** A saved plan is applied only while the live state is what it was planned from. */
async function loadSavedPlan(path: string, opts: ApplyOptions, io: Io) {
  let plan: Plan;
  try {
    plan = JSON.parse(readFileSync(path, 'utf8')) as Plan;
  } catch (e) {
    io.stderr(line(`error: cannot read saved plan ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    return null;
  }
  const validate = schemaValidator('plan');
  if (!validate(plan)) {
    io.stderr(line(`error: ${path} is not a cbsync plan: ${validate.errors?.[0]?.instancePath || '/'} ${validate.errors?.[0]?.message ?? ''}`));
    return null;
  }
  try {
    const { client, live } = await readLive(opts, io);
    if (live.fingerprint !== plan.live_fingerprint) {
      io.stderr(`error: the live state has changed since ${path} was planned (fingerprint ${live.fingerprint.slice(0, 19)}... is not ${plan.live_fingerprint.slice(0, 19)}...). Nothing was changed; plan again.\n`);
      return null;
    }
    return { plan, live, client, label: path };
  } catch (e) {
    reportError(e, io);
    return null;
  }
}
