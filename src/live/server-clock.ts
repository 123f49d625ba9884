// The server's clock as its `Date` headers show it: how far ahead of ours it runs. A reset
// stated as a Unix time (X-RateLimit-Reset: 1700000000) is a time on the server's clock, so
// it is read against this, not against ours (a server 3 s ahead would otherwise make every
// reset look 3 s longer, and the window learnt from them 3 s too long).
//
// A Date header is whole seconds, truncated, and written before the answer travels: each one
// bounds the offset, from below by what it shows and from above by that plus a second and the
// round trip. Clocks kept by NTP agree far better than a second: while the bounds allow ours,
// ours is the server's (a single Date would otherwise make every reset read up to a second
// long); when they exclude it, the lower bound is taken (the longest reading of a reset).

/** Samples kept this long: the server's clock may be set meanwhile. */
const KEEP_MS = 30_000;

export class ServerClock {
  private samples: { at: number; offset: number; rtt: number }[] = [];

  /** An answer's Date header, received at `now` (ours) for a request sent at `sentAt`. */
  observe(date: string | null, now: number, sentAt = now): void {
    const served = date ? Date.parse(date) : NaN;
    if (Number.isNaN(served)) return;
    this.samples.push({ at: now, offset: served - now, rtt: Math.max(0, now - sentAt) });
    if (this.samples.length > 64 || this.samples[0]!.at < now - KEEP_MS) this.samples = this.samples.filter((s) => s.at >= now - KEEP_MS).slice(-64);
  }

  /** How far the server's clock runs ahead of ours (ms): 0 while its Date headers allow it. */
  offset(): number {
    if (!this.samples.length) return 0;
    const lo = Math.max(...this.samples.map((s) => s.offset));
    const hi = Math.min(...this.samples.map((s) => s.offset + 1000 + s.rtt));
    return lo <= 0 && 0 <= hi ? 0 : lo;
  }

  /** The server's time at our `now`. */
  now(now: number): number {
    return now + this.offset();
  }
}
