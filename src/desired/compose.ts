import jsyaml from 'js-yaml';
import type { DesiredState, Diagnostic, SourcePos } from '../model.js';
import { YAML_CORE_SCHEMA } from './core-schema.js';
import { needsExactReader, overLines } from './fast-guard.js';
import { sortDiagnostics, toDiagnostic, type Finding, type Locate, type Place } from './findings.js';
import type { Positioned } from './positioned.js';
import { schemaValidator } from './schema.js';
import { ignoreChecks, newSeen, semanticChecks, type Seen } from './semantic.js';
import type { Source } from './sources.js';
import { SETTINGS, toDesiredState } from './state.js';

// Desired state from any number of files. Each file is first read fast, without positions
// (js-yaml, typing scalars as the yaml package does: core-schema.ts); a file with any problem
// is read again exactly, with positions (yaml, given as `readExact`, which load.ts and
// load-lazy.ts provide), so every problem is reported as FILE:LINE:COL. Then the files
// compose: settings in at most one, organisations from all, names and ids unique across them.
// Never throws for bad input.

/** The exact reading of one file (positioned.ts). */
export type ReadExact = (source: Source) => Positioned;

export interface LoadResult {
  state: DesiredState | null;
  /** errors and warnings, file by file in the order given, in file order */
  diagnostics: Diagnostic[];
  /** where an entry stands (`organisations[2].integrations[0]` in a file), for plan problems */
  locate: (file: string, path: string) => SourcePos | null;
}

type Obj = Record<string, unknown>;

interface FileRead {
  source: Source;
  data: Obj | null;
  diagnostics: Diagnostic[];
}

/** Objects shared through YAML aliases: the fast path leaves those to the exact reader and its alias limit. */
function isTree(v: unknown, seen = new Set<object>()): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (seen.has(v)) return false;
  seen.add(v);
  return (Array.isArray(v) ? v : Object.values(v)).every((x) => isTree(x, seen));
}

/**
 * The fast reading: the data of a well-formed file, or null when it must be read exactly. It
 * must never accept what the exact reading refuses nor read a value otherwise: the same
 * scalar types (YAML 1.2 core, as the yaml package has them: core-schema.ts), and nothing
 * where the two readers may part (fast-guard.ts).
 */
function readFast(source: Source): Obj | null {
  const { text } = source;
  if (needsExactReader(text)) return null;
  let data: unknown;
  try {
    data = jsyaml.load(text, { schema: YAML_CORE_SCHEMA, listener: overLines() });
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !isTree(data)) return null;
  return schemaValidator('desired-state')(data) ? (data as Obj) : null;
}

/**
 * One file: read fast, checked once against what the earlier files held (`seen`). A problem
 * inside the file sends it to the exact reading; problems across files are returned apart.
 */
function readFile(source: Source, seen: Seen, exact: (file: string) => Positioned | null): FileRead & { across: Finding[] } {
  const fast = readFast(source);
  const data = fast ?? exact(source.file)!.data;
  const findings = data ? semanticChecks(data, source.file, seen) : [];
  const across = findings.filter((f) => f.other && f.other.file !== f.file);
  if (fast && across.length === findings.length) return { source, data, diagnostics: [], across };
  const read = exact(source.file)!;
  return { source, data: read.data, diagnostics: read.diagnostics, across };
}

/** The exact reading of a file, done once, on demand. */
function exactReader(sources: Source[], readExact: ReadExact) {
  const byFile = new Map(sources.map((s) => [s.file, s]));
  const read = new Map<string, Positioned | null>();
  return (file: string): Positioned | null => {
    if (!read.has(file)) {
      const s = byFile.get(file);
      read.set(file, s ? readExact(s) : null);
    }
    return read.get(file) ?? null;
  };
}

/** Positions on demand: a file is read exactly only when one of its places is asked for. */
function locator(exact: (file: string) => Positioned | null) {
  const locate: Locate = (p: Place) => {
    const l = exact(p.file)?.locator;
    if (!l) return { line: 1, col: 1 };
    return l.at(p.key ? l.keyNode(p.segments.slice(0, -1), String(p.segments.at(-1))) : l.node(p.segments));
  };
  return locate;
}

const segmentsOf = (path: string) => [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));

export function composeDesired(sources: Source[], readProblems: Diagnostic[], readExact: ReadExact): LoadResult {
  const exact = exactReader(sources, readExact);
  const locate = locator(exact);
  const result = (state: DesiredState | null, diagnostics: Diagnostic[]): LoadResult => ({
    state,
    diagnostics,
    locate: (file, path) => (sources.some((s) => s.file === file) ? locate({ file, segments: segmentsOf(path) }) : null),
  });
  const seen = newSeen();
  const reads = sources.map((s) => readFile(s, seen, exact));
  const findings: Finding[] = reads.flatMap((r) => r.across);

  // settings (version, mode, prune, ignore, allow_replace, safety) belong in one file
  const settingsFiles = reads.filter((r) => r.data && SETTINGS.some((k) => k in r.data!));
  const firstKey = (r: FileRead): Place => ({ file: r.source.file, segments: [SETTINGS.find((k) => k in r.data!)!], key: true });
  for (const r of settingsFiles) {
    for (const other of settingsFiles) {
      if (other !== r) findings.push({ ...firstKey(r), severity: 'error', message: `settings (${SETTINGS.join(', ')}) belong in one file; ${other.source.file} has them too, at {at}`, other: firstKey(other) });
    }
  }
  const settings = settingsFiles[0]?.data ?? {};
  if (settingsFiles[0]) findings.push(...ignoreChecks(settings, settingsFiles[0].source.file, seen));
  // the composed state needs `version: 1` and `organisations` somewhere (once every file could be read)
  const home = settingsFiles[0] ?? reads[0];
  if (home && reads.every((r) => r.data)) {
    for (const key of ['version', 'organisations']) {
      if (reads.every((r) => !(key in r.data!))) findings.push({ file: home.source.file, segments: [], severity: 'error', message: `missing required key "${key}"` });
    }
  }

  const order = new Map(sources.map((s, i) => [s.file, i]));
  const diagnostics = [...readProblems, ...reads.flatMap((r) => r.diagnostics), ...findings.map((f) => toDiagnostic(f, locate))];
  const sorted = [...groupByFile(diagnostics, order)];
  if (sorted.some((d) => d.severity === 'error') || sources.length === 0) {
    if (sources.length === 0 && !readProblems.length) sorted.push({ file: '', line: 0, col: 0, path: '', message: 'no desired-state file given', severity: 'error' });
    return result(null, sorted);
  }
  const parts = reads.map((r) => ({ file: r.source.file, data: r.data! }));
  return result(toDesiredState(settings, parts), sorted);
}

/** File by file in the order given, each in line order. */
function groupByFile(ds: Diagnostic[], order: Map<string, number>): Diagnostic[] {
  const rank = (f: string) => order.get(f) ?? -1;
  return sortDiagnostics([...ds]).sort((a, b) => rank(a.file) - rank(b.file));
}
