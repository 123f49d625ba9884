import { CUSTOM_ORDERS, type Action, type DesiredState, type LiveState, type SafetyViolation } from '../model.js';
import type { MatchResult } from './match.js';

// PURE. The guards apply checks before its first write (see the README, Safety), computed with the plan so
// that `plan` can warn about them too. Like octoDNS, a kind is only guarded from 10 objects.

export const MIN_GUARDED = 10;

export function isDestructive(a: Action): boolean {
  if (a.status !== 'pending') return false;
  return a.kind === 'delete_organisation' || a.kind === 'replace_integration' || (a.kind === 'update_integration' && a.changes.status?.to === 'DISABLED');
}

/** `listed`: how many organisations the whole file lists (a selection plans fewer). */
export function safetyViolations(desired: DesiredState, live: LiveState, m: MatchResult, actions: Action[], listed = desired.organisations.length): SafetyViolation[] {
  const max = desired.safety.maxDestructivePercent;
  const ignored = new Set(m.ignoredOrganisations.map((o) => o.id));
  const orgTotal = live.keyLevel === 'partner' ? live.organisations.filter((o) => !ignored.has(o.id)).length : 0;
  const intTotal = live.integrations.filter((i) => i.type === CUSTOM_ORDERS && !ignored.has(i.organisation_id)).length;
  const destructive = actions.filter(isDestructive);
  const orgHits = destructive.filter((a) => a.kind === 'delete_organisation').length;
  const intHits = destructive.length - orgHits;
  const out: SafetyViolation[] = [];
  const check = (kind: 'organisations' | 'integrations', hits: number, total: number, verb: string) => {
    // integers only: 7 of 25 is exactly 28%, which floating point would put above
    if (total >= MIN_GUARDED && hits * 100 > max * total) {
      out.push({ kind, destructive: hits, total, message: `would ${verb} ${hits} of ${total} live ${kind} (${Math.round((hits / total) * 100)}%), more than max_destructive_percent ${max}%` });
    }
  };
  check('organisations', orgHits, orgTotal, 'delete');
  check('integrations', intHits, intTotal, 'disable or replace');
  if (listed === 0 && desired.prune.organisations && orgTotal > 0 && live.keyLevel === 'partner') {
    out.push({ kind: 'empty_file', destructive: orgHits, total: orgTotal, message: `the file lists no organisations while prune.organisations is on: every one of ${orgTotal} live organisations would be pruned` });
  }
  return out;
}
