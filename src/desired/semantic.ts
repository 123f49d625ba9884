import { lookalikeKey, nameProblem, stripTestPrefix } from '../names.js';
import type { Finding, Place, Segments } from './findings.js';

// The rules a JSON Schema cannot express: uniqueness across items, with where each was first
// seen, and names a server may normalise. Works on whatever parts are well-typed, so it
// reports alongside schema errors. The same checks run within a file and across the files
// of one desired state: give `seen` to carry what earlier files held. Places are built only
// for what is reported (these checks read every name of every file).

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** An organisation of some file, and a field of it: enough to build its place when needed. */
interface Ref {
  file: string;
  org: number;
  field: 'name' | 'id' | null;
}

const placeOf = (r: Ref): Place => ({ file: r.file, segments: r.field ? ['organisations', r.org, r.field] : ['organisations', r.org] });

/** What the files checked so far held: names and ids, with where. */
export interface Seen {
  orgNames: Map<string, Ref>;
  orgLookalikes: Map<string, { name: string; ref: Ref }>;
  /** organisation ids, and integration ids with their place */
  ids: Map<string, Ref | Place>;
  /** listed organisations, by id and by name without the prefix (for the ignore check) */
  listed: Map<string, Ref>;
}

export const newSeen = (): Seen => ({ orgNames: new Map(), orgLookalikes: new Map(), ids: new Map(), listed: new Map() });

const asPlace = (x: Ref | Place): Place => ('segments' in x ? x : placeOf(x));

export function semanticChecks(data: Obj, file: string, seen: Seen = newSeen()): Finding[] {
  const out: Finding[] = [];
  const report = (segments: Segments, message: string, other?: Place, severity: Finding['severity'] = 'error') =>
    out.push({ file, segments, message, severity, ...(other ? { other } : {}) });
  /** a repeat is reported where it repeats; across files also where it was first seen */
  const repeat = (segments: Segments, prev: Place, what: string) => {
    report(segments, `${what} (first seen at {at})`, prev);
    if (prev.file !== file) out.push({ ...prev, message: `${what} (also at {at})`, severity: 'error', other: { file, segments } });
  };
  const checkName = (name: string, segments: () => Segments) => {
    const problem = nameProblem(name);
    if (problem) report(segments(), problem);
    return !problem;
  };

  const orgs = Array.isArray(data.organisations) ? data.organisations : [];
  orgs.forEach((org, i) => {
    if (!isObj(org)) return;
    const ref = (field: Ref['field']): Ref => ({ file, org: i, field });
    if (isStr(org.name) && checkName(org.name, () => ['organisations', i, 'name'])) {
      const bare = stripTestPrefix(org.name);
      if (!bare.trim()) report(['organisations', i, 'name'], 'must have a name after the [TEST] prefix');
      const prev = seen.orgNames.get(bare);
      if (prev) repeat(['organisations', i, 'name'], placeOf(prev), `duplicate organisation name "${bare}" (names are compared without the [TEST] prefix)`);
      else seen.orgNames.set(bare, ref('name'));
      const key = lookalikeKey(bare);
      const like = seen.orgLookalikes.get(key);
      if (!like) seen.orgLookalikes.set(key, { name: bare, ref: ref('name') });
      else if (like.name !== bare) report(['organisations', i, 'name'], `organisation name ${JSON.stringify(bare)} looks like ${JSON.stringify(like.name)} (first seen at {at}): people will confuse them`, placeOf(like.ref), 'warning');
      if (!seen.listed.has(bare)) seen.listed.set(bare, ref(null));
    }
    if (isStr(org.id)) {
      const prev = seen.ids.get(org.id);
      if (prev) repeat(['organisations', i, 'id'], asPlace(prev), `duplicate id "${org.id}"`);
      else seen.ids.set(org.id, ref('id'));
      if (!seen.listed.has(org.id)) seen.listed.set(org.id, ref(null));
    }
    const ints = Array.isArray(org.integrations) ? org.integrations : [];
    const names = new Map<string, number>();
    const alike = new Map<string, { name: string; at: number }>();
    const at = (j: number, ...rest: Segments): Segments => ['organisations', i, 'integrations', j, ...rest];
    ints.forEach((it, j) => {
      if (!isObj(it)) return;
      if (isStr(it.name) && checkName(it.name, () => at(j, 'name'))) {
        const first = names.get(it.name);
        if (first !== undefined) repeat(at(j, 'name'), { file, segments: at(first, 'name') }, `duplicate integration name "${it.name}" in this organisation`);
        else names.set(it.name, j);
        const key = lookalikeKey(it.name);
        const like = alike.get(key);
        if (!like) alike.set(key, { name: it.name, at: j });
        else if (like.name !== it.name) report(at(j, 'name'), `integration name ${JSON.stringify(it.name)} looks like ${JSON.stringify(like.name)} (first seen at {at}): people will confuse them`, { file, segments: at(like.at, 'name') }, 'warning');
      }
      if (isStr(it.id)) {
        const prev = seen.ids.get(it.id);
        if (prev) repeat(at(j, 'id'), asPlace(prev), `duplicate id "${it.id}"`);
        else seen.ids.set(it.id, { file, segments: at(j, 'id') });
      }
      const merchants = Array.isArray(it.merchant_ids) ? it.merchant_ids : [];
      if (merchants.length > 1 && new Set(merchants).size < merchants.length) {
        merchants.forEach((m, k) => {
          const first = merchants.indexOf(m);
          if (isStr(m) && first < k) repeat(at(j, 'merchant_ids', k), { file, segments: at(j, 'merchant_ids', first) }, `duplicate merchant id "${m}"`);
        });
      }
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
    if (hit) out.push({ file, segments: ['ignore', 'organisations', k], severity: 'error', message: `"${entry}" is both listed (${hit.file === file ? '' : `${hit.file}: `}organisations[${hit.org}]) and ignored: remove one` });
  });
  return out;
}
