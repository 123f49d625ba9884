import type { ApiClient } from '../live/client.js';
import type { FetchedLiveState } from '../live/state.js';
import type { DesiredState, Plan } from '../model.js';
import { PlanError, type MatchResult } from '../plan/match.js';
import { planState, type Planned } from '../plan/planner.js';
import { parseTarget, type Target } from '../plan/select.js';
import type { BudgetInputs } from '../plan/budget.js';
import { readLive, reportError, UsageError, type ApiFlags } from './context.js';
import { line, type Io } from './io.js';
import { loadOrReport, reportDiagnostics } from './validate.js';
import { plural } from '../names.js';

// The steps plan and apply share: validate the file (before any request), read live state,
// plan. Every failure is printed as one line per problem and becomes exit code 1.

export interface PlanFlags extends ApiFlags {
  allowReplace?: boolean;
  /** false: apply skips its closing check (the budget counts it otherwise) */
  verify?: boolean;
  /** where `-` reads from (tests pass a buffer) */
  readStdin?: () => Buffer;
  /** --target addresses: plan only these */
  target?: string[];
  /** --color / --no-color (undefined: picocolors' own detection) */
  color?: boolean;
}

/** The --target addresses, checked; a malformed one is a usage error. */
export function targetsOf(flags: PlanFlags): Target[] {
  return (flags.target ?? []).map((t) => {
    const parsed = parseTarget(t);
    if (typeof parsed === 'string') throw new UsageError(`--target ${parsed}`);
    return parsed;
  });
}

/** What the budget knows of rates: learned from the listing's answers, else --max-rpm N, else the documented 100. */
export function budgetInputs(client: ApiClient, flags: PlanFlags): BudgetInputs {
  const perMinute = Object.fromEntries(Object.entries(client.rates()).map(([e, r]) => [e, (r.limit * 60_000) / r.windowMs]));
  return { perMinute, defaultPerMinute: typeof flags.maxRpm === 'number' && flags.maxRpm > 0 ? flags.maxRpm : undefined, verify: flags.verify !== false };
}

export interface Prepared {
  desired: DesiredState;
  live: FetchedLiveState;
  plan: Plan;
  /** the pairing the plan was made from; the diff renderer reuses it */
  match: MatchResult;
  /** what was planned: the selected parts of both states under --target */
  scoped: Pick<Planned, 'desired' | 'live'>;
  targets: Target[];
  client: ApiClient;
  /** the paths, for one-line messages */
  label: string;
}

export async function preparePlan(paths: string[], flags: PlanFlags, io: Io): Promise<Prepared | null> {
  let targets: Target[];
  try {
    targets = targetsOf(flags);
  } catch (e) {
    reportError(e, io);
    return null;
  }
  const loaded = loadOrReport(paths, io, flags.readStdin);
  if (!loaded) return null;
  const { state: desired, label } = loaded;
  try {
    const { client, live } = await readLive(flags, io);
    const mode = live.keyLevel === 'organisation' ? 'organisation key' : `partner key, ${live.mode ?? 'mode unknown'}`;
    io.stderr(`live: ${plural(live.organisations.length, 'organisation')}, ${plural(live.integrations.length, 'integration')} (${mode})\n`);
    const planned = planState(desired, live, { allowReplace: flags.allowReplace, budget: budgetInputs(client, flags), targets });
    return { desired, live, plan: planned.plan, match: planned.match, scoped: planned, targets, client, label };
  } catch (e) {
    if (e instanceof PlanError) {
      // each problem where its entry is written, found in its file only now
      reportDiagnostics(
        e.problems.map((p) => {
          const at = p.file && p.path ? loaded.locate(p.file, p.path) : null;
          return { file: p.file ?? label, line: at?.line ?? 0, col: at?.col ?? 0, path: p.path ?? '', message: p.message, severity: 'error' as const };
        }),
        io,
      );
      io.stderr(line(`${label}: cannot plan (${plural(e.problems.length, 'problem')}); nothing was changed`));
    } else reportError(e, io);
    return null;
  }
}

/**
 * Colour by picocolors' own rule, for the stream written to: off with NO_COLOR or --no-color;
 * on with FORCE_COLOR or --color, on a terminal unless TERM=dumb, or in CI (whose logs show it).
 */
export function useColor(io: Io, stream: 'stdout' | 'stderr' = 'stdout', flag?: boolean): boolean {
  if (flag === false || io.env.NO_COLOR) return false;
  return flag === true || !!io.env.FORCE_COLOR || (io.tty[stream] && io.env.TERM !== 'dumb') || !!io.env.CI;
}
