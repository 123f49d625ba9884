import { isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../model.js';
import { plural } from '../text.js';
import { MAX_ALIASES } from './core-schema.js';
import { sortDiagnostics, toDiagnostic, yamlPath, type Place } from './findings.js';
import { makeLocator, type Locator } from './locator.js';
import { schemaValidator } from './schema.js';
import { semanticChecks } from './semantic.js';
import type { Source } from './sources.js';

// The slow, exact reading of one file: with the yaml parser's positions, so that every
// problem is reported as FILE:LINE:COL with its YAML path. Used for files that have a problem
// (and to find where a plan problem stands); files without one take the fast path in load.ts.

const SECRET_KEY = /(api[_-]?key|apikey|token|secret|password|passwd|bearer)/i;

export interface Positioned {
  /** the document as data when it is a mapping (even with problems), else null */
  data: Record<string, unknown> | null;
  diagnostics: Diagnostic[];
  locator: Locator | null;
}

/** Every problem of one file, positioned, in file order. */
export function readPositioned(source: Source): Positioned {
  const { text, file } = source;
  const diagnostics: Diagnostic[] = [];
  const push = (line: number, col: number, path: string, message: string) =>
    diagnostics.push({ file, line, col, path, message, severity: 'error' });
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const pos = (offset: number) => lc.linePos(offset);

  if (list.length === 0 || (list.length === 1 && list[0]!.contents === null && list[0]!.errors.length === 0)) {
    push(1, 1, '', 'the file is empty: expected a mapping with `version: 1` and `organisations`');
    return { data: null, diagnostics, locator: null };
  }
  for (const extra of list.slice(1)) {
    const p = pos(extra.range[0]);
    push(p.line, p.col, '', 'several YAML documents in one file: keep one desired state per file');
  }
  const doc = list[0]!;
  for (const err of doc.errors) {
    const p = pos(err.pos[0]);
    push(p.line, p.col, '', yamlErrorMessage(err.code, err.message, text, err.pos[0]));
  }
  if (diagnostics.length) return { data: null, diagnostics: sortDiagnostics(diagnostics), locator: null };

  const locator = makeLocator(doc, file, pos);
  const secretKeys = findSecretKeys(doc, locator, push);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    push(1, 1, '', `cannot read the YAML: ${(e as Error).message.split('\n')[0]}`);
    return { data: null, diagnostics, locator };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const p = locator.at(doc.contents as Node);
    push(p.line, p.col, '', `the file must be a mapping with \`version: 1\` and \`organisations\`, not ${describe(data)}`);
    return { data: null, diagnostics, locator };
  }

  const validate = schemaValidator('desired-state');
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      if (e.keyword === 'additionalProperties' && secretKeys.has(`${e.instancePath}/${e.params.additionalProperty}`)) continue;
      const d = schemaDiagnostic(e, locator, data);
      if (d) diagnostics.push(d);
    }
  }
  const locate = (p: Place) => locator.at(p.key ? locator.keyNode(p.segments.slice(0, -1), String(p.segments.at(-1))) : locator.node(p.segments));
  diagnostics.push(...semanticChecks(data as Record<string, unknown>, file).map((f) => toDiagnostic(f, locate)));
  return { data: data as Record<string, unknown>, diagnostics: sortDiagnostics(dedupe(diagnostics)), locator };
}

/** Keys named like credentials, anywhere: the message never repeats the value. */
function findSecretKeys(doc: Document, locator: Locator, push: (l: number, c: number, p: string, m: string) => void): Set<string> {
  const found = new Set<string>();
  visit(doc, {
    Pair(_key, pair, path) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'string' || !SECRET_KEY.test(pair.key.value)) return;
      const segments: (string | number)[] = [];
      for (let i = 0; i < path.length; i++) {
        const n = path[i];
        const child = path[i + 1];
        if (isPair(n) && isScalar(n.key)) segments.push(String(n.key.value));
        if (isSeq(n) && child) segments.push(n.items.indexOf(child as never));
      }
      const p = locator.at(pair.key as Node);
      push(p.line, p.col, yamlPath([...segments, pair.key.value]), `"${pair.key.value}" looks like a credential: never put API keys or tokens in this file; set CHARGEBACKSTOP_API_KEY in the environment`);
      found.add(`${segments.map((s) => `/${s}`).join('')}/${pair.key.value}`);
    },
  });
  return found;
}

function schemaDiagnostic(e: ErrorObject, locator: Locator, data: unknown): Diagnostic | null {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let node = locator.node(segments);
  let path = yamlPath(segments);
  let message: string;
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'required':
      message = `missing required key "${p.missingProperty}"`;
      break;
    case 'additionalProperties':
      node = locator.keyNode(segments, p.additionalProperty) ?? node;
      path = yamlPath([...segments, p.additionalProperty]);
      // a merge key is not a misspelt key: say so rather than suggest one
      message = p.additionalProperty === '<<' ? MERGE_KEY : `unknown key "${p.additionalProperty}"${suggest(p.additionalProperty, e.parentSchema)}`;
      break;
    case 'type':
      // `integrations:` with nothing after it is null, and "must be a list, not empty" reads as "must not be empty"
      if (p.type === 'array' && valueIn(data, segments) == null) message = `is left empty (that is null, not a list): ${(e.parentSchema as { minItems?: number })?.minItems ? 'list at least one item' : 'write [] for none'}`;
      else message = `must be ${article(p.type)}, not ${describe(valueIn(data, segments))}${p.type === 'string' ? ' (quote it)' : ''}`;
      break;
    case 'enum':
      message = `must be one of ${p.allowedValues.join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'minLength':
      message = 'must not be empty';
      break;
    case 'maxLength':
      message = `must be at most ${p.limit} characters`;
      break;
    case 'minItems':
      message = `must list at least ${plural(p.limit, 'item')}`;
      break;
    case 'minimum':
    case 'maximum':
      message = `must be ${e.keyword === 'minimum' ? '>=' : '<='} ${p.limit}`;
      break;
    default:
      message = e.message ?? 'is invalid';
  }
  const at = locator.at(node);
  return { file: locator.file, line: at.line, col: at.col, path, message, severity: 'error' };
}

const MERGE_KEY = 'YAML merge keys (<<) are not supported: write the keys out in full (an alias such as *name may still stand for a whole value)';

function suggest(key: string, parentSchema: unknown): string {
  const known = Object.keys((parentSchema as { properties?: object })?.properties ?? {});
  const close = known.find((k) => distance(k, key) <= 2 || k.replace(/_/g, '') === key.replace(/[-_]/g, '').toLowerCase());
  return close ? ` (did you mean "${close}"?)` : known.length ? ` (allowed: ${known.join(', ')})` : '';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** The value the schema saw (read from the data, so that an alias gives what it stands for). */
function valueIn(data: unknown, segments: (string | number)[]): unknown {
  return segments.reduce<unknown>((v, s) => (typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[s] : undefined), data);
}

function article(type: string): string {
  return { object: 'a mapping', array: 'a list', string: 'a string', boolean: 'true or false', number: 'a number', integer: 'a whole number' }[type] ?? type;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

function yamlErrorMessage(code: string, message: string, text: string, offset: number): string {
  switch (code) {
    case 'DUPLICATE_KEY': {
      const key = /^[^:\n]*/.exec(text.slice(offset))?.[0]?.trim();
      return `duplicate key${key ? ` "${key}"` : ''}: each key may appear once in a mapping`;
    }
    case 'TAB_AS_INDENT':
      return 'YAML syntax error: tabs are not allowed for indentation; indent with spaces';
    default:
      return `YAML syntax error: ${message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')}`;
  }
}


function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

