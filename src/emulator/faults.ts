import type { Caller } from './keys.js';
import { ApiProblem, GatewayProblem } from './problem.js';
import { fate } from './random.js';
import type { Store } from './store.js';

// The fault knobs: what goes wrong, and when. Every decision is a seeded fate of the request's
// identity and occurrence, so a run is reproducible even when requests arrive in varying order.

import type { FailedReadAnswer, SlowCommitAnswer } from './shapes.js';

export { FAILED_READ_ANSWERS, SLOW_COMMIT_ANSWERS, type FailedReadAnswer, type SlowCommitAnswer } from './shapes.js';

export interface FaultOptions {
  /** probability of a 503 before doing anything */
  failRate?: number;
  /** probability that a write is applied and then the connection is dropped */
  ambiguousRate?: number;
  /** probability that a write is answered by a gateway (504, or a dropped connection) and lands commitDelayMs later */
  slowCommitRate?: number;
  /** how long after its answer a slow write lands (default 2000 ms) */
  commitDelayMs?: number;
  /** how a slow write is answered: nginx's 504 Gateway Time-out page (default) or a dropped connection */
  slowCommitAnswer?: SlowCommitAnswer;
  /** after this many writes took effect, every GET fails (the closing listing of an apply) */
  failReadsAfterWrites?: number;
  /** how those GETs fail: 503 in the error shape (default), or nginx's 502 Bad Gateway page */
  failedReadAnswer?: FailedReadAnswer;
  /** another writer: this many delete-and-create pairs in all, one on each list page read past offset 0 */
  churn?: number;
}

export interface FaultStats {
  failed: number;
  ambiguous: number;
  /** writes answered by the gateway (504 or dropped) that land later */
  slowCommits: number;
  /** GETs failed by failReadsAfterWrites */
  failedReads: number;
}

export class Faults {
  private churnLeft: number;
  private writes = 0;
  private pending = new Set<NodeJS.Timeout>();
  private waiting: (() => void)[] = [];

  constructor(
    private readonly options: FaultOptions,
    private readonly seed: number,
    private readonly stats: FaultStats,
  ) {
    this.churnLeft = options.churn ?? 0;
  }

  /** A problem answered before the request does anything, if one is due. */
  refusal(method: string, identity: string, n: number): ApiProblem | undefined {
    const o = this.options;
    if (o.failRate && fate(this.seed, 'fail', identity, n) < o.failRate) {
      this.stats.failed++;
      return new ApiProblem(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable');
    }
    if (method === 'GET' && o.failReadsAfterWrites !== undefined && this.writes >= o.failReadsAfterWrites) {
      this.stats.failedReads++;
      return o.failedReadAnswer === '502'
        ? new GatewayProblem(502, 'BAD_GATEWAY', 'Bad Gateway')
        : new ApiProblem(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable');
    }
    return undefined;
  }

  /** Counts a write that took effect, whether or not its answer reached the client. */
  wrote() {
    this.writes++;
  }

  /** Whether this write is applied, then its connection dropped (--ambiguous-rate). */
  ambiguous(identity: string, n: number): boolean {
    const rate = this.options.ambiguousRate;
    if (!rate || fate(this.seed, 'ambiguous', identity, n) >= rate) return false;
    this.stats.ambiguous++;
    return true;
  }

  /** Whether this write is a slow commit; if so, `land` runs commitDelayMs later and the answer is the gateway's. */
  slowCommit(identity: string, n: number, land: () => void): ApiProblem | 'drop' | undefined {
    const rate = this.options.slowCommitRate;
    if (!rate || fate(this.seed, 'slow', identity, n) >= rate) return undefined;
    this.stats.slowCommits++;
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      try {
        land();
      } finally {
        if (this.pending.size === 0) this.wake();
      }
    }, this.options.commitDelayMs ?? 2000);
    this.pending.add(timer);
    return this.options.slowCommitAnswer === 'drop' ? 'drop' : new GatewayProblem(504, 'GATEWAY_TIMEOUT', 'Gateway Time-out');
  }

  /** Resolves once no slow write is waiting to land. */
  settled(): Promise<void> {
    return this.pending.size === 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Slow writes not landed yet never land. */
  close() {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    this.wake();
  }

  private wake() {
    for (const w of this.waiting.splice(0)) w();
  }

  /**
   * Another writer (--churn), on a list page read past offset 0: removes one object listed
   * before `offset` and adds one at the end, so `count` stays the same while every later
   * object moves down one place. Organisations with integrations are left alone (they could
   * not be deleted). Returns whether it changed anything.
   */
  churn(s: Store, caller: Caller, collection: 'organisations' | 'integrations', offset: number): boolean {
    if (this.churnLeft <= 0 || offset <= 0) return false;
    const pick = fate(this.seed, 'churn', this.churnLeft);
    const v = s.visibleTo(caller);
    const n = s.idsDrawn;
    if (collection === 'organisations') {
      const used = new Set([...s.integrations.values()].map((i) => i.organisation_id));
      const candidates = v.orgs.slice(0, offset).filter((o) => !used.has(o.id));
      const victim = candidates[Math.floor(pick * candidates.length)];
      if (!victim) return false;
      s.orgs.delete(victim.id);
      const org = s.insertOrg(s.withPrefix(`Churn ${n}`));
      if (caller.level === 'group') caller.assigned.add(org.id);
    } else {
      const victim = v.integrations.slice(0, offset)[Math.floor(pick * Math.min(offset, v.integrations.length))];
      if (!victim) return false;
      s.integrations.delete(victim.id);
      s.insertIntegration({ ...victim, id: undefined, name: `Churn ${n}` });
    }
    s.changed();
    this.churnLeft--;
    return true;
  }
}
