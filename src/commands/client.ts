import { createClient, DEFAULT_API_URL, withSignal, type ApiClient } from '../live/client.js';
import type { RateMode } from '../live/pacer.js';
import { UsageError } from './errors.js';
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
  /** the interrupt (Ctrl-C, SIGTERM): it cuts waits and reads, from the first listing on */
  signal?: AbortSignal;
}

/** The client the flags and the environment describe. */
export function clientFor(flags: ApiFlags, io: Io): ApiClient {
  const apiKey = io.env.CHARGEBACKSTOP_API_KEY?.trim();
  if (!apiKey) throw new UsageError('CHARGEBACKSTOP_API_KEY is not set: export the API key in the environment (never in the file)');
  const client = createClient({
    baseUrl: flags.apiUrl ?? io.env.CHARGEBACKSTOP_API_URL ?? DEFAULT_API_URL,
    apiKey,
    env: io.env,
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
  return flags.signal ? withSignal(client, flags.signal) : client;
}

/** The listing options the flags ask for. */
export const listOptions = (flags: ApiFlags) => (flags.listConcurrency ? { concurrency: flags.listConcurrency } : {});

/** --max-rpm N as the budget's assumed rate (auto and 0: the documented one). */
export const assumedRpm = (flags: ApiFlags) => (typeof flags.maxRpm === 'number' && flags.maxRpm > 0 ? flags.maxRpm : undefined);
