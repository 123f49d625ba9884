import { apply, loadSaved, parseTargets, SafetyError, succeeded, type Planned } from '../engine/index.js';
import type { ApiClient } from '../live/client.js';
import type { ApplyReport } from '../model.js';
import { jsonText, plural } from '../text.js';
import { requestsText, resultLine, summaryText, verificationText } from '../plan/render/apply.js';
import { renderDiff } from '../plan/render/diff.js';
import { renderText } from '../plan/render/text.js';
import { clientFor, listOptions } from './client.js';
import { useColor } from './color.js';
import { reportError, UsageError } from './errors.js';
import { guarded, line, type Io } from './io.js';
import { planFromFiles, sayLive, type PlanFlags } from './prepare.js';
import { progress } from './progress.js';

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
  /** how long an uncertain write is looked for at least (tests shorten it) */
  settleMs?: number;
}

/** Flags that cannot go together, before anything is read. */
function usage(paths: string[], opts: ApplyOptions): string | null {
  if (!paths.length && !opts.plan) return 'give the desired-state FILE (or files, directories, - for stdin), or --plan PLAN.json';
  if (paths.length && opts.plan) return '--plan applies a saved plan exactly: give no FILE with it';
  if (opts.writeIds && !paths.length) return '--write-ids needs the desired-state FILE to write into';
  if (opts.plan && opts.allowReplace) return '--allow-replace does not apply to a saved plan: plan again with --allow-replace';
  return null;
}

async function planned(paths: string[], opts: ApplyOptions, io: Io): Promise<{ planned: Planned; client: ApiClient }> {
  if (!opts.plan) return planFromFiles(paths, opts, io);
  const targets = parseTargets(opts.target);
  const client = clientFor(opts, io);
  const saved = await loadSaved(opts.plan, client, { targets, list: listOptions(opts) });
  sayLive(saved, io);
  return { planned: saved, client };
}

export async function applyCommand(paths: string[], opts: ApplyOptions, raw: Io): Promise<number> {
  const io = guarded(raw);
  const startedAt = Date.now();
  const wrong = usage(paths, opts);
  if (wrong) return reportError(new UsageError(wrong), io), 1;
  // with --json, stdout carries only the report; the plan goes to stderr
  const say = opts.json ? io.stderr : io.stdout;
  const color = useColor(io, opts.json ? 'stderr' : 'stdout', opts.color);

  let p: { planned: Planned; client: ApiClient };
  try {
    p = await planned(paths, opts, io);
  } catch (e) {
    // interrupted while reading live state: nothing was written, so there is no report to make
    if (opts.signal?.aborted) return io.stderr(line('interrupted while reading live state: nothing was changed')), 1;
    return reportError(e, io), 1;
  }
  const { planned: ready, client } = p;
  const { plan } = ready;
  if (opts.dryRun && ready.shown) {
    const diff = renderDiff(ready.shown.desired, ready.shown.live, { color, file: ready.label, match: ready.shown.match });
    if (diff) say(`${diff}\n`);
  }
  say(renderText(plan, { color }));
  if (opts.dryRun) return say('Dry run: nothing was changed.\n'), 0;
  if (plan.safety.violations.length && !opts.force) return reportError(new SafetyError(plan.safety.violations), io), 1;
  if (!(await confirmed(plan.actions.filter((a) => a.status === 'pending').length, opts, io))) return 1;

  const bar = progress(plan.actions.length, io.stderr, io.tty.stderr && !opts.json && io.env.TERM !== 'dumb', opts.concurrency ?? 4);
  const started = new Set<string>();
  const ended = new Set<string>();
  const width = Math.max(0, ...plan.actions.map((a) => a.kind.length));
  const byAddress = new Map(plan.actions.map((a) => [a.address, a]));
  if (!opts.json) say('\n');
  const report = await apply(ready, client, {
    concurrency: opts.concurrency ?? 4,
    failFast: opts.failFast,
    force: opts.force,
    signal: opts.signal,
    list: listOptions(opts),
    verify: opts.verify !== false,
    writeIds: opts.writeIds,
    settleMs: opts.settleMs,
    startedAt,
    onStart: (a) => {
      started.add(a.address);
      bar.started();
    },
    onResult: (r) => {
      const a = byAddress.get(r.address);
      // a result said again (a lost answer the closing check shows made) is not counted twice
      if (a && !ended.has(r.address)) bar.finished(started.has(r.address)), ended.add(r.address);
      if (!opts.json) bar.around(() => say(resultLine(r, a, { color, width })));
    },
  });
  bar.end();
  sayEnding(report, opts, io);
  return succeeded(report) ? 0 : 1;
}

/** Only 'yes' at a terminal, or --yes, lets an apply with pending actions begin. */
async function confirmed(pending: number, opts: ApplyOptions, io: Io): Promise<boolean> {
  if (pending === 0 || opts.yes) return true;
  if (!io.tty.stdin || !io.prompt) {
    io.stderr('error: refusing to apply without --yes: stdin is not a terminal, so nobody can confirm. Nothing was changed.\n');
    return false;
  }
  const answer = (await io.prompt(`\nApply ${plural(pending, 'change')}? Only 'yes' is accepted: `)).trim();
  if (answer === 'yes') return true;
  io.stderr('Apply cancelled. Nothing was changed.\n');
  return false;
}

/** The ids written, the closing check, the summary and the cost (or the JSON report). */
function sayEnding(report: ApplyReport, opts: ApplyOptions, io: Io): void {
  for (const w of report.ids_written ?? []) {
    if (w.note) io.stderr(line(`note: ${w.note}`));
    if (w.written) io.stderr(line(`wrote ${plural(w.written, 'id')} into ${w.file}`));
    for (const p of w.problems) io.stderr(line(`error: wrote no id into ${w.file}: ${p}`));
  }
  const replaced = report.results.filter((r) => r.outcome === 'done' && r.kind === 'replace_integration');
  if (replaced.length && !opts.writeIds) io.stderr(`note: ${replaced.length} integration(s) were replaced; if the file pins their old ids, update them (or use --write-ids)\n`);
  if (opts.json) return io.stdout(jsonText(report));
  io.stdout(verificationText(report));
  io.stdout(`\n${summaryText(report)}\n`);
  io.stdout(`${requestsText(report)}\n`);
}
