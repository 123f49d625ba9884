import { createColors } from 'picocolors';
import type { Action, ActionResult, ApplyReport, Outcome } from '../../model.js';
import { plural, printable } from '../../text.js';
import { duration } from '../budget.js';
import { symbol } from './symbols.js';

// Apply's words: a line per result, the closing check, the summary and the cost. Every name,
// id and message may come from a server or a file: each goes through printable().

/** `done`, `blocked (HAS_MERCHANTS)`, `failed (422 INVALID_MERCHANT_IDS: ...)`, `skipped (...)` */
export function outcomeText(r: ActionResult): string {
  switch (r.outcome) {
    case 'done': {
      const notes = [...(r.recovered ? ['found after an ambiguous create; not created twice'] : []), ...(r.message ? [r.message] : []), ...(r.notes ?? [])];
      return notes.length ? `done (${notes.join('; ')})` : 'done';
    }
    case 'blocked':
      return `blocked (${r.code ?? 'blocked'})`;
    case 'failed': {
      const head = [r.http_status, r.code].filter(Boolean).join(' ');
      return `failed (${head ? `${head}: ` : ''}${r.message ?? 'unknown error'})`;
    }
    case 'skipped':
      return `skipped (${r.message ?? 'not run'})`;
  }
}

/** One result line: `  + create_organisation  organisation["Acme"] (org_1): done`. `a` is its action (a repair has none). */
export function resultLine(r: ActionResult, a: Action | undefined, opts: { color: boolean; width: number }): string {
  const c = createColors(opts.color);
  const sym = a ? symbol(a) : r.kind === 'delete_organisation' ? '-' : '~';
  const id = r.id ? ` (${r.id})` : '';
  const paint: Record<Outcome, (s: string) => string> = { done: c.green, blocked: c.yellow, failed: c.red, skipped: c.dim };
  return `${sym.padStart(3)} ${r.kind.padEnd(opts.width)}  ${printable(r.address)}${c.dim(printable(id))}: ${paint[r.outcome](printable(outcomeText(r)))}\n`;
}

/** The closing check: `Verified: ...`, or what is left and why, or why there was no check. */
export function verificationText(r: ApplyReport): string {
  const v = r.verification;
  const cost = `${plural(v.requests, 'request')}`;
  if (v.status === 'verified') return `\nVerified: a fresh listing shows nothing left to do (${cost}).\n`;
  if (v.status === 'skipped') return `\nNot verified: ${printable(v.reason ?? 'no closing check')}.\n`;
  const lines = [`\nNot verified: ${printable(v.reason ?? 'the closing check found something left')} (${cost})${v.remaining.length ? ':' : '.'}`];
  for (const x of v.remaining) lines.push(`  ${printable(x.address || '(file)')}: ${printable(x.reason)}`);
  return `${lines.join('\n')}\n`;
}

export function summaryText(r: ApplyReport): string {
  const s = r.summary;
  // a repair that failed left its duplicate in place: it is not counted as repaired
  const fixed = r.repairs.filter((x) => x.outcome === 'done').length;
  const unfixed = r.repairs.length - fixed;
  const repaired = (fixed ? `; ${plural(fixed, 'duplicate')} repaired` : '') + (unfixed ? `; ${plural(unfixed, 'duplicate')} not repaired` : '');
  const stopped = r.interrupted ? ' Interrupted: no new action started after the signal.' : '';
  return `Apply: ${s.done} done, ${s.blocked} blocked, ${s.failed} failed, ${s.skipped} skipped${repaired}.${stopped}`;
}

/**
 * What the requests cost. The least time is the one the limits the run met allow (the
 * server's, or --max-rpm), stated only when such a limit, not latency, bounded the run.
 */
export function requestsText(r: ApplyReport): string {
  const q = r.requests;
  const bound = q.min_seconds > 0 ? `; the known limit allows no less than ${duration(q.min_seconds)}` : '';
  const lines = [`Requests: ${q.made} made, ${q.rate_limited} answered 429, in ${duration(q.seconds)}${bound}.`];
  // where the server pushed back: each endpoint's rate, its 429s and the time it waited
  const pushed = Object.entries(q.by_endpoint).filter(([, e]) => e.rate_limited > 0 || e.waited_seconds > 0);
  for (const [endpoint, e] of pushed) {
    lines.push(`  ${endpoint}: ${plural(e.requests, 'request')}${e.per_minute === null ? '' : ` at ${e.per_minute} a minute`}, ${e.rate_limited} answered 429, ${duration(e.waited_seconds)} waiting`);
  }
  return lines.join('\n');
}
