import { ApiError, ConfigError } from '../live/errors.js';
import { redactor } from '../live/redact.js';
import { createClient, DEFAULT_API_URL, type ApiClient } from '../live/client.js';
import type { RateMode } from '../live/pacer.js';
import { fetchLiveState, type FetchedLiveState } from '../live/state.js';
import { line, type Io } from './io.js';

/** Flags every command that talks to the API accepts. */
export interface ApiFlags {
  apiUrl?: string;
  maxRpm?: RateMode;
  timeout?: number;
  debug?: boolean;
  /** test/bench only: shorter pacing window */
  rateWindowMs?: number;
  retries?: number;
  backoffBaseMs?: number;
  /** concurrent list requests */
  listConcurrency?: number;
  /** the largest answer accepted, in MiB */
  maxAnswerMib?: number;
  /** --max-wait: the longest rate-limit wait, in ms */
  maxWait?: number;
}

export class UsageError extends Error {
  readonly code = 'USAGE';
}

export function clientFor(flags: ApiFlags, io: Io): ApiClient {
  const apiKey = io.env.CHARGEBACKSTOP_API_KEY?.trim();
  if (!apiKey) throw new UsageError('CHARGEBACKSTOP_API_KEY is not set: export the API key in the environment (never in the file)');
  const baseUrl = flags.apiUrl ?? io.env.CHARGEBACKSTOP_API_URL ?? DEFAULT_API_URL;
  return createClient({
    baseUrl,
    apiKey,
    maxRpm: flags.maxRpm,
    timeoutMs: flags.timeout,
    rateWindowMs: flags.rateWindowMs,
    retries: flags.retries,
    backoffBaseMs: flags.backoffBaseMs,
    maxAnswerBytes: flags.maxAnswerMib ? flags.maxAnswerMib * 1024 * 1024 : undefined,
    maxWaitMs: flags.maxWait,
    // waits longer than 10 s, on stderr (also under --json: stdout stays the report)
    onNotice: (l) => io.stderr(line(`notice: ${l}`)),
    debug: flags.debug ? (l) => io.stderr(line(`debug: ${l}`)) : undefined,
  });
}

/** The client and a complete reading of live state, its warnings printed: every API command starts here. */
export async function readLive(flags: ApiFlags, io: Io): Promise<{ client: ApiClient; live: FetchedLiveState }> {
  const client = clientFor(flags, io);
  const live = await fetchLiveState(client, { concurrency: flags.listConcurrency });
  for (const w of live.warnings) io.stderr(line(`warning: ${w}`));
  return { client, live };
}

/** Prints a failure as one line, with the environment's key scrubbed (whether or not a client exists yet). */
export function reportError(e: unknown, io: Pick<Io, 'stderr' | 'env'>): void {
  io.stderr(line(describeError(e, redactor(io.env.CHARGEBACKSTOP_API_KEY?.trim()))));
}

/** One readable line for any failure; the key is scrubbed even from server-provided text. */
export function describeError(e: unknown, redact: (t: string) => string = (t) => t): string {
  if (e instanceof ApiError) {
    let hint = '';
    if (e.kind === 'incomplete_listing') return redact(`error: ${e.method} ${e.path}: ${e.message}`);
    if (e.status === 401) hint = ' (the API key was rejected: check CHARGEBACKSTOP_API_KEY)';
    else if (e.status === 403) hint = ' (the key is missing an ability)';
    else if (e.kind === 'refused') hint = ' (is the API URL right and the server running?)';
    else if (e.kind === 'timeout') hint = ' (raise --timeout, or retry later)';
    return redact(`error: ${e.summary}${hint}`);
  }
  if (e instanceof UsageError || e instanceof ConfigError) return redact(`error: ${e.message}`);
  const msg = e instanceof Error ? e.message : String(e);
  return redact(`error: ${msg.split('\n')[0]}`);
}
