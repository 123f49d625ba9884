import { lookalikeKey, nameProblem, stripTestPrefix } from '../names.js';
import type { Finding, Place, Segments } from './findings.js';

// The rules a JSON Schema cannot express: uniqueness across items, with where each was first
// seen, and names a server may normalise. Works on whatever parts are well-typed, so it
// reports alongside schema errors. The same checks run within a file and across the files
// of one desired state: give `seen` to carry what earlier files held.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** What the files checked so far held: names and ids, with where. */
export interface Seen {
  orgNames: Map<string, Place>;
  orgLookalikes: Map<string, { name: string; place: Place }>;
  ids: Map<string, Place>;
  /** listed organisations, by id and by name without the prefix (for the ignore check) */
  listed: Map<string, Place>;
}

export const newSeen = (): Seen => ({ orgNames: new Map(), orgLookalikes: new Map(), ids: new Map(), listed: new Map() });

export function semanticChecks(data: Obj, file: string, seen: Seen = newSeen()): Finding[] {
  const out: Finding[] = [];
  const place = (segments: Segments): Place => ({ file, segments });
  const report = (segments: Segments, message: string, other?: Place, severity: Finding['severity'] = 'error') =>
    out.push({ file, segments, message, severity, ...(other ? { other } : {}) });
  /** a duplicate is reported where it repeats; across files also where it was first seen */
  const unique = (map: Map<string, Place>, key: string, segments: Segments, what: string) => {
    const prev = map.get(key);
    if (!prev) return void map.set(key, place(segments));
    report(segments, `${what} (first seen at {at})`, prev);
    if (prev.file !== file) out.push({ ...prev, message: `${what} (also at {at})`, severity: 'error', other: place(segments) });
  };
  const alike = (map: Map<string, { name: string; place: Place }>, name: string, segments: Segments, what: string) => {
    const key = lookalikeKey(name);
    const prev = map.get(key);
    if (!prev) return void map.set(key, { name, place: place(segments) });
    if (prev.name !== name) report(segments, `${what} ${JSON.stringify(name)} looks like ${JSON.stringify(prev.name)} (first seen at {at}): people will confuse them`, prev.place, 'warning');
  };
  const checkName = (name: string, segments: Segments) => {
    const problem = nameProblem(name);
    if (problem) report(segments, problem);
    return !problem;
  };

  const orgs = Array.isArray(data.organisations) ? data.organisations : [];
  orgs.forEach((org, i) => {
    if (!isObj(org)) return;
    const base = ['organisations', i];
    if (isStr(org.name) && checkName(org.name, [...base, 'name'])) {
      const bare = stripTestPrefix(org.name);
      if (!bare.trim()) report([...base, 'name'], 'must have a name after the [TEST] prefix');
      unique(seen.orgNames, bare, [...base, 'name'], `duplicate organisation name "${bare}" (names are compared without the [TEST] prefix)`);
      alike(seen.orgLookalikes, bare, [...base, 'name'], 'organisation name');
      if (!seen.listed.has(bare)) seen.listed.set(bare, place(base));
    }
    if (isStr(org.id)) {
      unique(seen.ids, org.id, [...base, 'id'], `duplicate id "${org.id}"`);
      if (!seen.listed.has(org.id)) seen.listed.set(org.id, place(base));
    }
    const ints = Array.isArray(org.integrations) ? org.integrations : [];
    const intNames = new Map<string, Place>();
    const intAlike = new Map<string, { name: string; place: Place }>();
    ints.forEach((it, j) => {
      if (!isObj(it)) return;
      const ib = [...base, 'integrations', j];
      if (isStr(it.name) && checkName(it.name, [...ib, 'name'])) {
        unique(intNames, it.name, [...ib, 'name'], `duplicate integration name "${it.name}" in this organisation`);
        alike(intAlike, it.name, [...ib, 'name'], 'integration name');
      }
      if (isStr(it.id)) unique(seen.ids, it.id, [...ib, 'id'], `duplicate id "${it.id}"`);
      const merchants = Array.isArray(it.merchant_ids) ? it.merchant_ids : [];
      const seenMerchants = new Map<string, Place>();
      merchants.forEach((m, k) => {
        if (isStr(m)) unique(seenMerchants, m, [...ib, 'merchant_ids', k], `duplicate merchant id "${m}"`);
      });
    });
  });
  return out;
}

/** An organisation both listed and ignored: the two instructions contradict each other. */
export function ignoreChecks(data: Obj, file: string, seen: Seen): Finding[] {
  const ignore = isObj(data.ignore) && Array.isArray(data.ignore.organisations) ? data.ignore.organisations : [];
  const out: Finding[] = [];
  ignore.forEach((entry, k) => {
    if (!isStr(entry)) return;
    const hit = seen.listed.get(entry) ?? seen.listed.get(stripTestPrefix(entry));
    if (hit) out.push({ file, segments: ['ignore', 'organisations', k], severity: 'error', message: `"${entry}" is both listed (${hit.file === file ? '' : `${hit.file}: `}${pathOf(hit.segments)}) and ignored: remove one` });
  });
  return out;
}

const pathOf = (s: Segments) => s.reduce<string>((acc, x) => (typeof x === 'number' ? `${acc}[${x}]` : acc ? `${acc}.${x}` : String(x)), '');
