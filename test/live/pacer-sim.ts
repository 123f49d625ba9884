import { rateLimiter, type EmulatorRateOptions } from '../../src/emulator/ratelimit.js';
import { seeded } from '../seeded.js';
import { Pacer, type Clock, type PacerOptions } from '../../src/live/pacer.js';

// The pacer on a virtual clock against the emulator's own rate limiter: hours of traffic in
// milliseconds, and the same run every time. A request is decided by the server half its
// latency after it leaves, and answered after the other half.

export class VirtualClock implements Clock {
  t = 0;
  private seq = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  now = () => this.t;
  /** as the real clock: resolves after `ms`, or at once when `signal` aborts */
  sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      });
    });

  /** Runs the virtual time until `work` settles (or `limitMs` passes from now). */
  async run<T>(work: Promise<T>, limitMs = 1e10): Promise<T> {
    const start = this.t;
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (settled) return work;
      if (!this.timers.length) throw new Error(`nothing left to run at t=${this.t}`);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.t = Math.max(this.t, next.at);
      if (this.t - start > limitMs) throw new Error(`still running at t=${this.t}`);
      next.resolve();
    }
  }
}

export type Server = (now: number) => { status: number; headers: Headers; retryAfterMs: number | null };

/** The emulator's limiter as a server; `onlyFirst` answers 429 to the first `n` requests only. */
export function limiterServer(options: EmulatorRateOptions): Server {
  const limiter = rateLimiter(options, 0);
  return (now) => {
    const d = limiter('bucket', now);
    return { status: d.retryAfter === null ? 200 : 429, headers: new Headers(d.headers), retryAfterMs: d.retryAfter === null ? null : d.retryAfter * 1000 };
  };
}

export interface SimResult {
  /** virtual ms from the first request to the last answer accepted */
  spanMs: number;
  accepted: number;
  limited: number;
  /** answer time of each accepted request */
  acceptedAt: number[];
  /** send time of every request */
  sentAt: number[];
  error?: Error;
  pacer: Pacer;
  notices: string[];
}

/** `jobs` requests, `concurrency` at a time, each retried after a 429 (as the client does). */
/**
 * `jobs` requests, `concurrency` at a time, each retried after a 429 (as the client does).
 * `jitterMs`: each half of a request's latency is longer by up to this (seeded by `seed`), as
 * on a real network, so requests reach the server in another order than they were sent.
 */
export async function simulate(server: Server, jobs: number, concurrency: number, opts: PacerOptions & { latencyMs?: number; startAt?: number; jitterMs?: number; seed?: number } = {}): Promise<SimResult> {
  const clock = new VirtualClock();
  clock.t = opts.startAt ?? 0;
  const notices: string[] = [];
  const pacer = new Pacer({ ...opts, clock, onNotice: (l) => notices.push(l) });
  const latency = opts.latencyMs ?? 40;
  const random = seeded(opts.seed ?? 1);
  const half = () => latency / 2 + (opts.jitterMs ? random() * opts.jitterMs : 0);
  const EP = 'POST /v1/integrations';
  let next = 0;
  let limited = 0;
  const acceptedAt: number[] = [];
  const sent: number[] = [];
  const start = clock.t;
  const worker = async () => {
    while (next < jobs) {
      next++;
      for (;;) {
        const sentAt = await pacer.acquire(EP);
        sent.push(clock.now());
        await clock.sleep(half());
        const answer = server(clock.now());
        await clock.sleep(half());
        pacer.observe(EP, sentAt, answer.status, answer.headers, answer.retryAfterMs);
        if (answer.status !== 429) {
          acceptedAt.push(clock.now());
          break;
        }
        limited++;
      }
    }
  };
  let error: Error | undefined;
  await clock.run(Promise.all(Array.from({ length: concurrency }, worker))).catch((e: Error) => (error = e));
  return { spanMs: (acceptedAt.at(-1) ?? start) - start, accepted: acceptedAt.length, limited, acceptedAt, sentAt: sent, error, pacer, notices };
}
