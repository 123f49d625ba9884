import { load, prepare, parseTargets, type Planned, type PlannedFromFiles } from '../engine/index.js';
import type { ApiClient } from '../live/client.js';
import { plural } from '../text.js';
import { assumedRpm, clientFor, listOptions, type ApiFlags } from './client.js';
import { reportDiagnostics } from './errors.js';
import { line, type Io } from './io.js';

// The steps plan and apply share, as glue between flags and the engine: check the flags and
// the files (before any request), read live state, plan; what they found is printed on stderr.

export interface PlanFlags extends ApiFlags {
  allowReplace?: boolean;
  /** false: apply skips its closing check (the budget counts it otherwise) */
  verify?: boolean;
  /** where `-` reads from (tests pass a buffer) */
  readStdin?: () => Buffer;
  /** --target addresses: plan only these */
  target?: string[];
  /** --color / --no-color (undefined: the environment decides) */
  color?: boolean;
}

/** Flags and files checked, live state read, the plan made. Throws what the engine throws. */
export async function planFromFiles(paths: string[], flags: PlanFlags, io: Io): Promise<{ planned: PlannedFromFiles; client: ApiClient }> {
  const targets = parseTargets(flags.target);
  const loaded = load(paths, flags.readStdin);
  reportDiagnostics(loaded.diagnostics, io);
  const client = clientFor(flags, io);
  const planned = await prepare(loaded, client, { allowReplace: flags.allowReplace, targets, list: listOptions(flags), verify: flags.verify, defaultPerMinute: assumedRpm(flags) });
  sayLive(planned, io);
  return { planned, client };
}

/** What was read: `live: 3 organisations, 4 integrations (partner key, TEST)`, and its warnings. */
export function sayLive({ live }: Pick<Planned, 'live'>, io: Io): void {
  const mode = live.keyLevel === 'organisation' ? 'organisation key' : `partner key, ${live.mode ?? 'mode unknown'}`;
  io.stderr(`live: ${plural(live.organisations.length, 'organisation')}, ${plural(live.integrations.length, 'integration')} (${mode})\n`);
  for (const w of live.warnings) io.stderr(line(`warning: ${w}`));
}
