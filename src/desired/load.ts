import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import { makeLocator, yamlPath, type Locator } from './locator.js';
import type { ErrorObject } from 'ajv';
import type { Diagnostic, DesiredState } from '../model.js';
import { schemaValidator } from './schema.js';
import { semanticChecks } from './semantic.js';
import { plural } from '../names.js';
import { toDesiredState } from './state.js';

// The file side: read with positions, check with the schema and the rules the schema cannot
// express, and report every problem at once as FILE:LINE:COL, in file order. Never throws for
// bad input.

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
const SECRET_KEY = /(api[_-]?key|apikey|token|secret|password|passwd|bearer)/i;

export interface LoadResult {
  state: DesiredState | null;
  diagnostics: Diagnostic[];
}

export function loadDesiredFile(file: string): LoadResult {
  const fail = (message: string, line = 0, col = 0): LoadResult => ({
    state: null,
    diagnostics: [{ file, line, col, path: '', message, severity: 'error' }],
  });
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) return fail(`file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read file (${code ?? 'error'})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, bad).toString('utf8');
    const lines = before.split('\n');
    return fail(`file is not valid UTF-8 (byte 0x${bytes[bad]?.toString(16)} at offset ${bad})`, lines.length, lines.at(-1)!.length + 1);
  }
  return loadDesiredText(text.replace(/^\uFEFF/, ''), file);
}

export function loadDesiredText(text: string, file: string): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const push = (line: number, col: number, path: string, message: string) =>
    diagnostics.push({ file, line, col, path, message, severity: 'error' });
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const pos = (offset: number) => lc.linePos(offset);

  if (list.length === 0 || (list.length === 1 && list[0]!.contents === null && list[0]!.errors.length === 0)) {
    push(1, 1, '', 'the file is empty: expected a mapping with `version: 1` and `organisations`');
    return { state: null, diagnostics };
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
  if (diagnostics.length) return { state: null, diagnostics: sortDiagnostics(diagnostics) };

  const locator = makeLocator(doc, file, pos);
  const secretKeys = findSecretKeys(doc, locator, push);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    push(1, 1, '', `cannot read the YAML: ${(e as Error).message.split('\n')[0]}`);
    return { state: null, diagnostics };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const p = locator.at(doc.contents as Node);
    push(p.line, p.col, '', `the file must be a mapping with \`version: 1\` and \`organisations\`, not ${describe(data)}`);
    return { state: null, diagnostics };
  }

  const validate = schemaValidator('desired-state');
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      if (e.keyword === 'additionalProperties' && secretKeys.has(`${e.instancePath}/${e.params.additionalProperty}`)) continue;
      const d = schemaDiagnostic(e, locator);
      if (d) diagnostics.push(d);
    }
  }
  diagnostics.push(...semanticChecks(data as Record<string, unknown>, locator));
  const sorted = sortDiagnostics(dedupe(diagnostics));
  if (sorted.some((d) => d.severity === 'error')) return { state: null, diagnostics: sorted };
  return { state: toDesiredState(data as Record<string, unknown>, locator), diagnostics: sorted };
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

function schemaDiagnostic(e: ErrorObject, locator: Locator): Diagnostic | null {
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
      message = `unknown key "${p.additionalProperty}"${suggest(p.additionalProperty, e.parentSchema)}`;
      break;
    case 'type':
      message = `must be ${article(p.type)}, not ${describe(valueAt(node))}${p.type === 'string' ? ' (quote it)' : ''}`;
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

function valueAt(node: Node | undefined): unknown {
  if (!node) return undefined;
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return [];
  if (isMap(node)) return {};
  return undefined;
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

function firstInvalidUtf8(bytes: Buffer): number {
  let lo = 0;
  let hi = bytes.length;
  // binary search for the shortest invalid prefix; streaming mode lets a prefix end inside a character
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  // the byte found may end a sequence that an earlier lead byte left incomplete: point at that lead
  for (let k = 1; k <= 3 && lo - k >= 0; k++) {
    const b = bytes[lo - k]!;
    if (b >= 0xc0) return lo - k + (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > lo ? lo - k : lo;
  }
  return lo;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.line - b.line || a.col - b.col);
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

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  return `${where}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.path ? `${d.path}: ` : ''}${d.message}`;
}
