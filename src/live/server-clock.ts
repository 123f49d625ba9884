// The server's clock as its `Date` headers show it: how far ahead of ours it runs. A reset
// stated as a Unix time (X-RateLimit-Reset: 1700000000) is a time on the server's clock, so
// it is read against this, not against ours (a server 3 s ahead would otherwise make every
// reset look 3 s longer, and the window learnt from them 3 s too long).
//
// A Date header is whole seconds, truncated, and written before the answer travels: each one
// shows the offset less up to a second. The largest of the recent ones is the closest.

/** Samples kept this long: the server's clock may be set meanwhile. */
const KEEP_MS = 30_000;

export class ServerClock {
  private samples: { at: number; offset: number }[] = [];

  /** An answer's Date header, received at `now` (ours). */
  observe(date: string | null, now: number): void {
    const served = date ? Date.parse(date) : NaN;
    if (Number.isNaN(served)) return;
    this.samples.push({ at: now, offset: served - now });
    if (this.samples.length > 64 || this.samples[0]!.at < now - KEEP_MS) this.samples = this.samples.filter((s) => s.at >= now - KEEP_MS).slice(-64);
  }

  /** The server's time at our `now`: ours when no answer has shown its clock. */
  now(now: number): number {
    if (!this.samples.length) return now;
    return now + Math.max(...this.samples.map((s) => s.offset));
  }
}
