import { CUSTOM_ORDERS, type DesiredIntegration, type DesiredOrganisation, type LiveIntegration, type LiveOrganisation } from '../model.js';
import { intNameKey } from '../names.js';
import type { Findings, IntegrationMatch, Leftover, OrganisationMatch } from './match.js';

// PURE. Inside one matched organisation: each file entry paired with a live CUSTOM_ORDERS
// integration, by pin first, then by name; what is left is unlisted (or of another type).

/** Same members, any order (lists of merchant ids: short, without repeats in practice). */
export function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 1) return a[0] === b[0];
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

const ids = (xs: { id: string }[]) => xs.map((x) => x.id).join(', ');
const sameName = (x: LiveIntegration, di: DesiredIntegration) => intNameKey(x.name) === intNameKey(di.name);
/** ENABLED with the file's name and merchants: what the file asks for, made. */
const carriesFile = (x: LiveIntegration, di: DesiredIntegration) => x.status === 'ENABLED' && sameName(x, di) && sameSet(x.merchant_ids, di.merchant_ids);

export interface LiveIndex {
  integrationsOf: Map<string, LiveIntegration[]>;
  integrationById: Map<string, LiveIntegration>;
  /** false when the organisation itself could not be matched for the key (its pins would all read as moved) */
  pinsMatched: boolean;
}

/** One organisation's pairs. Its live organisation is null when it is to be created. */
export function matchIntegrations(d: DesiredOrganisation, lo: LiveOrganisation | null, index: LiveIndex, found: Findings): OrganisationMatch {
  const theirs = lo ? (index.integrationsOf.get(lo.id) ?? []) : [];
  const custom = theirs.filter((x) => x.type === CUSTOM_ORDERS);
  const scope: Scope = { lo, custom, used: new Set<string>(), leftovers: [] };
  const integrations: IntegrationMatch[] = d.integrations.map((di) => ({ desired: di, live: null }));
  // pinned integration ids first
  if (index.pinsMatched) for (const m of integrations) if (m.desired.id) matchPinned(m, m.desired.id, index, scope, found);
  if (lo) for (const m of integrations) if (!m.desired.id) matchByName(m, scope, found);
  return {
    desired: d,
    live: lo,
    integrations,
    unlisted: custom.filter((x) => !scope.used.has(x.id)),
    unmanaged: theirs.filter((x) => x.type !== CUSTOM_ORDERS),
    leftovers: scope.leftovers,
  };
}

interface Scope {
  lo: LiveOrganisation | null;
  custom: LiveIntegration[];
  /** live integrations claimed by an entry, or history of a claimed one */
  used: Set<string>;
  leftovers: Leftover[];
}

function matchPinned(m: IntegrationMatch, pin: string, index: LiveIndex, scope: Scope, found: Findings) {
  const di = m.desired;
  const li = index.integrationById.get(pin);
  if (!li) return found.at(di, `integration id "${di.id}" not found, or not visible to this key`);
  if (!scope.lo || li.organisation_id !== scope.lo.id) {
    return found.at(di, `integration ${di.id} belongs to organisation ${li.organisation_id}${scope.lo ? `, not ${scope.lo.id}` : ''}: integrations cannot be moved between organisations`);
  }
  if (li.type !== CUSTOM_ORDERS) return found.at(di, `integration ${di.id} is of type ${li.type}: only CUSTOM_ORDERS integrations can be managed`);
  scope.used.add(li.id);
  m.live = li;
  // A replace made the pinned integration's successor: one ENABLED integration with the
  // file's name and merchants. That one is the match, or every run would replace again;
  // a pin still ENABLED was left so by an interrupted replace and is disabled as intended.
  const wouldReplace = li.status !== 'ENABLED' || !sameSet(li.merchant_ids, di.merchant_ids);
  if (di.status !== 'ENABLED' || !wouldReplace) return;
  const [successor, ...more] = scope.custom.filter((x) => x.id !== li.id && carriesFile(x, di));
  if (!successor || more.length) return;
  m.live = successor;
  m.stalePin = li.id;
  scope.used.add(successor.id);
  if (li.status === 'ENABLED') scope.leftovers.push({ live: li, successor, file: di.file, path: di.path });
  found.warnings.push(`${di.file}: ${di.path}: pinned integration ${li.id} was replaced by ${successor.id}; update its id in the file (apply --write-ids does it)`);
}

function matchByName(m: IntegrationMatch, scope: Scope, found: Findings) {
  const di = m.desired;
  const candidates = scope.custom.filter((x) => !scope.used.has(x.id) && sameName(x, di));
  if (candidates.length === 0) return;
  const enabled = candidates.filter((x) => x.status === 'ENABLED');
  let pick: LiveIntegration | undefined;
  if (candidates.length === 1) pick = candidates[0];
  else if (enabled.length === 1) pick = enabled[0]; // the others are disabled namesakes: history
  else if (enabled.length > 1) {
    // an interrupted replace leaves the old one ENABLED beside its successor: the one with
    // the file's merchants is the match; the others stay unlisted (pruned when prune is on)
    const [exact, ...more] = enabled.filter((x) => carriesFile(x, di));
    if (!exact || more.length || di.status !== 'ENABLED') {
      return found.at(di, `${enabled.length} ENABLED integrations are named "${di.name}" (${ids(enabled)}): pin one with \`id:\``);
    }
    m.live = exact;
    scope.used.add(exact.id);
    for (const c of candidates) if (c.status !== 'ENABLED') scope.used.add(c.id);
    return;
  } else if (di.status === 'DISABLED') pick = candidates[0]; // all disabled, as wanted
  else return found.at(di, `only DISABLED integrations are named "${di.name}" (${ids(candidates)}): pin the one to replace with \`id:\`, or rename this entry`);
  // namesakes of the pick are history and need nothing
  for (const c of candidates) scope.used.add(c.id);
  m.live = pick ?? null;
}
