import type { Diagnostic, Severity } from '../model.js';
import { lookalikeKey, nameProblem, stripTestPrefix } from '../names.js';
import { yamlPath, type Locator } from './locator.js';

// The rules a JSON Schema cannot express: uniqueness across items, with "first seen at", and
// names a server may normalise. Works on whatever parts are well-typed, so it reports
// alongside schema errors.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function semanticChecks(data: Obj, loc: Locator): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (segments: (string | number)[], message: string, severity: Severity = 'error') => {
    const at = loc.at(loc.node(segments));
    out.push({ file: loc.file, line: at.line, col: at.col, path: yamlPath(segments), message, severity });
  };
  /** Names that print alike (case, confusable letters) are a warning at the later one. */
  const alike = () => {
    const seen = new Map<string, { name: string; segments: (string | number)[] }>();
    return (name: string, segments: (string | number)[], what: string) => {
      const key = lookalikeKey(name);
      const prev = seen.get(key);
      if (!prev) return void seen.set(key, { name, segments });
      if (prev.name !== name) report(segments, `${what} ${JSON.stringify(name)} looks like ${JSON.stringify(prev.name)} (${firstSeen(prev.segments)}): people will confuse them`, 'warning');
    };
  };
  const checkName = (name: string, segments: (string | number)[]) => {
    const problem = nameProblem(name);
    if (problem) report(segments, problem);
    return !problem;
  };
  const firstSeen = (segments: (string | number)[]) => {
    const at = loc.at(loc.node(segments));
    return `first seen at ${at.line}:${at.col}`;
  };
  /** Reports the second and later occurrences of a key. */
  const unique = () => {
    const seen = new Map<string, (string | number)[]>();
    return (key: string, segments: (string | number)[], what: string) => {
      const prev = seen.get(key);
      if (prev) report(segments, `${what} (${firstSeen(prev)})`);
      else seen.set(key, segments);
    };
  };

  const orgs = Array.isArray(data.organisations) ? data.organisations : [];
  const orgNames = unique();
  const orgAlike = alike();
  const ids = unique();
  orgs.forEach((org, i) => {
    if (!isObj(org)) return;
    const base = ['organisations', i];
    if (isStr(org.name) && checkName(org.name, [...base, 'name'])) {
      const bare = stripTestPrefix(org.name);
      if (!bare.trim()) report([...base, 'name'], 'must have a name after the [TEST] prefix');
      orgNames(bare, [...base, 'name'], `duplicate organisation name "${bare}" (names are compared without the [TEST] prefix)`);
      orgAlike(bare, [...base, 'name'], 'organisation name');
    }
    if (isStr(org.id)) ids(org.id, [...base, 'id'], `duplicate id "${org.id}"`);
    const ints = Array.isArray(org.integrations) ? org.integrations : [];
    const intNames = unique();
    const intAlike = alike();
    ints.forEach((it, j) => {
      if (!isObj(it)) return;
      const ib = [...base, 'integrations', j];
      if (isStr(it.name) && checkName(it.name, [...ib, 'name'])) {
        intNames(it.name, [...ib, 'name'], `duplicate integration name "${it.name}" in this organisation`);
        intAlike(it.name, [...ib, 'name'], 'integration name');
      }
      if (isStr(it.id)) ids(it.id, [...ib, 'id'], `duplicate id "${it.id}"`);
      const merchants = Array.isArray(it.merchant_ids) ? it.merchant_ids : [];
      const seenMerchants = unique();
      merchants.forEach((m, k) => {
        if (isStr(m)) seenMerchants(m, [...ib, 'merchant_ids', k], `duplicate merchant id "${m}"`);
      });
    });
  });

  // an organisation both listed and ignored: the two instructions contradict each other
  const ignore = isObj(data.ignore) && Array.isArray(data.ignore.organisations) ? data.ignore.organisations : [];
  ignore.forEach((entry, k) => {
    if (!isStr(entry)) return;
    const hit = orgs.findIndex((o) => isObj(o) && (o.id === entry || (isStr(o.name) && stripTestPrefix(o.name) === stripTestPrefix(entry))));
    if (hit >= 0) report(['ignore', 'organisations', k], `"${entry}" is both listed (organisations[${hit}]) and ignored: remove one`);
  });
  return out;
}
