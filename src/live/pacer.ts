// Client-side pacing per endpoint: at most maxPerWindow requests in any window (a sliding
// log, so it never exceeds a fixed- or sliding-window server limit), and a pause after a 429.

export const PACING_MARGIN_MS = 250;

export class Pacer {
  private logs = new Map<string, number[]>();
  private pausedUntil = new Map<string, number>();

  constructor(
    readonly maxPerWindow: number,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits until a request to this endpoint may be sent, and records it. */
  async acquire(endpoint: string): Promise<void> {
    for (;;) {
      const wait = this.waitMs(endpoint);
      if (wait <= 0) {
        if (this.maxPerWindow > 0) this.logs.get(endpoint)!.push(this.now());
        return;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** After a 429: no request to this endpoint before `ms` from now. */
  pause(endpoint: string, ms: number): void {
    const until = this.now() + ms;
    this.pausedUntil.set(endpoint, Math.max(until, this.pausedUntil.get(endpoint) ?? 0));
  }

  private waitMs(endpoint: string): number {
    const now = this.now();
    const paused = (this.pausedUntil.get(endpoint) ?? 0) - now;
    if (paused > 0) return paused;
    if (this.maxPerWindow <= 0) return 0;
    const log = (this.logs.get(endpoint) ?? []).filter((t) => t > now - this.windowMs);
    this.logs.set(endpoint, log);
    // a margin keeps us clear of the server's window edge despite network and timer jitter
    // (a 429 costs a whole Retry-After, so erring late is far cheaper than erring early)
    return log.length < this.maxPerWindow ? 0 : log[0]! + this.windowMs - now + PACING_MARGIN_MS;
  }
}

/** `/v1/organisations/org_1` -> `/v1/organisations/{id}`: the unit a rate limit counts. */
export function endpointOf(method: string, path: string): string {
  const p = path.split('?')[0]!.replace(/\/+$/, '');
  const m = /^(.*\/v1\/(?:organisations|integrations))(\/[^/]+)?$/.exec(p);
  const template = m ? `${m[1]}${m[2] ? '/{id}' : ''}` : p;
  return `${method} ${template.replace(/^https?:\/\/[^/]+/, '')}`;
}
