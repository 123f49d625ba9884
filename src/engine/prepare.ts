import { readFileSync } from 'node:fs';
import { describePaths, loadDesiredPaths, type LoadResult } from '../desired/load.js';
import { isPlan, schemaValidator } from '../desired/schema.js';
import type { ApiClient } from '../live/client.js';
import { ConfigError } from '../live/errors.js';
import type { ListOptions } from '../live/paginate.js';
import { fetchLiveState } from '../live/state.js';
import type { DesiredState, Diagnostic } from '../model.js';
import type { BudgetInputs } from '../plan/budget.js';
import { PlanError } from '../plan/match.js';
import { planState } from '../plan/planner.js';
import { parseTarget, type Target } from '../plan/select.js';
import type { Planned, PlannedFromFiles } from './planned.js';
import { DesiredStateError, StalePlanError } from './errors.js';

export { DesiredStateError, StalePlanError };

// Below the CLI: the desired state loaded, live state read, the plan made (or a saved plan
// checked against live state). Commands, the Action and the library all start here.

export interface Loaded {
  state: DesiredState;
  /** warnings (errors stop the load) */
  diagnostics: Diagnostic[];
  locate: LoadResult['locate'];
  /** the paths, for one-line messages */
  label: string;
}

/** Files, directories (their *.yaml and *.yml, recursively) and `-`; a problem is a DesiredStateError, before any request. */
export function load(paths: string[], readStdin?: () => Buffer): Loaded {
  const r = loadDesiredPaths(paths, readStdin);
  const label = describePaths(paths);
  if (!r.state) throw new DesiredStateError(r.diagnostics, 'load', label);
  return { state: r.state, diagnostics: r.diagnostics, locate: r.locate, label };
}

/** --target addresses, checked: a malformed one stops the run before any request. */
export function parseTargets(texts: string[] = []): Target[] {
  return texts.map((t) => {
    const parsed = parseTarget(t);
    if (typeof parsed === 'string') throw new ConfigError(`--target ${parsed}`);
    return parsed;
  });
}

export interface PrepareOptions {
  allowReplace?: boolean;
  targets?: Target[];
  list?: ListOptions;
  /** apply ends with the closing check (the budget counts it); default true */
  verify?: boolean;
  /** the limit per endpoint assumed where the server showed none (--max-rpm N); default the documented 100 a minute */
  defaultPerMinute?: number;
}

/** What the budget knows of rates: learned from the listing's answers, else --max-rpm N, else the documented 100. */
function budgetInputs(client: ApiClient, opts: PrepareOptions): BudgetInputs {
  const limits = Object.fromEntries(Object.entries(client.rates()).map(([e, r]) => [e, { limit: r.limit, windowMs: r.windowMs }]));
  return { limits, ...(opts.defaultPerMinute ? { defaultLimit: { limit: opts.defaultPerMinute, windowMs: 60_000 } } : {}), verify: opts.verify !== false };
}

/** Reads live state and plans the files against it. Throws DesiredStateError (located), SelectionError, ApiError. */
export async function prepare(source: string[] | Loaded, client: ApiClient, opts: PrepareOptions = {}): Promise<PlannedFromFiles> {
  const loaded = Array.isArray(source) ? load(source) : source;
  const live = await fetchLiveState(client, opts.list);
  const targets = opts.targets ?? [];
  try {
    const p = planState(loaded.state, live, { allowReplace: opts.allowReplace, budget: budgetInputs(client, opts), targets });
    return { plan: p.plan, client: client.identity, desired: loaded.state, live, targets, subjects: p.subjects, allowReplace: !!opts.allowReplace, shown: { desired: p.desired, live: p.live, match: p.match }, label: loaded.label };
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    // each problem where its entry is written, found in its file only now
    const diagnostics = e.problems.map((p): Diagnostic => {
      const at = p.file && p.path ? loaded.locate(p.file, p.path) : null;
      return { file: p.file ?? loaded.label, line: at?.line ?? 0, col: at?.col ?? 0, path: p.path ?? '', message: p.message, severity: 'error' };
    });
    throw new DesiredStateError(diagnostics, 'plan', loaded.label);
  }
}

export interface SavedOptions {
  /** --target given with a saved plan: only the very selection it was made with */
  targets?: Target[];
  list?: ListOptions;
}

/** A saved plan (`plan --out`), applied only while live state is what it was planned from. */
export async function loadSaved(file: string, client: ApiClient, opts: SavedOptions = {}): Promise<Planned> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read saved plan ${file}: ${e instanceof Error ? ('code' in e && typeof e.code === 'string' ? e.code : e.message) : String(e)}`);
  }
  if (!isPlan(data)) {
    const first = schemaValidator('plan').errors?.[0];
    throw new ConfigError(`${file} is not a cbsync plan: ${first?.instancePath || '/'} ${first?.message ?? ''}`);
  }
  const plan = data;
  const saved = plan.selection ?? [];
  const given = (opts.targets ?? []).map((t) => t.text);
  if (given.length && (given.length !== saved.length || given.some((t, i) => t !== saved[i]))) {
    throw new ConfigError(`${file} was planned ${saved.length ? `for --target ${saved.join(' --target ')}` : 'for the whole account'}; apply it with that selection or none (or plan again with the selection you want)`);
  }
  const live = await fetchLiveState(client, opts.list);
  if (live.fingerprint !== plan.live_fingerprint) {
    throw new StalePlanError(`the live state has changed since ${file} was planned (fingerprint ${live.fingerprint.slice(0, 19)}... is not ${plan.live_fingerprint.slice(0, 19)}...). Nothing was changed; plan again.`);
  }
  return { plan, client: client.identity, desired: null, live, targets: [], subjects: null, allowReplace: false, shown: null, label: file };
}
