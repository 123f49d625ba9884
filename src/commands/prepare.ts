import type { ApiClient } from '../live/client.js';
import type { FetchedLiveState } from '../live/state.js';
import type { DesiredState, Plan } from '../model.js';
import { matchState, PlanError, type MatchResult } from '../plan/match.js';
import { buildPlan } from '../plan/planner.js';
import type { BudgetInputs } from '../plan/budget.js';
import { readLive, reportError, type ApiFlags } from './context.js';
import { line, type Io } from './io.js';
import { loadOrReport } from './validate.js';
import { plural } from '../names.js';

// The steps plan and apply share: validate the file (before any request), read live state,
// plan. Every failure is printed as one line per problem and becomes exit code 1.

export interface PlanFlags extends ApiFlags {
  allowReplace?: boolean;
  /** false: apply skips its closing check (the budget counts it otherwise) */
  verify?: boolean;
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
  client: ApiClient;
}

export async function preparePlan(file: string, flags: PlanFlags, io: Io): Promise<Prepared | null> {
  const desired = loadOrReport(file, io);
  if (!desired) return null;
  try {
    const { client, live } = await readLive(flags, io);
    const mode = live.keyLevel === 'organisation' ? 'organisation key' : `partner key, ${live.mode ?? 'mode unknown'}`;
    io.stderr(`live: ${plural(live.organisations.length, 'organisation')}, ${plural(live.integrations.length, 'integration')} (${mode})\n`);
    const match = matchState(desired, live);
    const plan = buildPlan(desired, live, { allowReplace: flags.allowReplace, budget: budgetInputs(client, flags) }, match);
    return { desired, live, plan, match, client };
  } catch (e) {
    if (e instanceof PlanError) {
      for (const p of e.problems) {
        const where = p.pos ? `${file}:${p.pos.line}:${p.pos.col}` : file;
        io.stderr(line(`${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`));
      }
      io.stderr(line(`${file}: cannot plan (${plural(e.problems.length, 'problem')}); nothing was changed`));
    } else reportError(e, io);
    return null;
  }
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(io: Io, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  return io.tty[stream] && !io.env.NO_COLOR;
}
