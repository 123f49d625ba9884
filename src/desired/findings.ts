import type { Diagnostic, Severity } from '../model.js';

// A problem found in desired state, without positions: positions are looked up only for the
// problems there are (reading a file with positions costs far more than without).

export type Segments = (string | number)[];

export interface Place {
  file: string;
  segments: Segments;
  /** the key itself rather than its value (an unknown or credential-like key) */
  key?: boolean;
}

export interface Finding extends Place {
  severity: Severity;
  /** `{at}` stands for where `other` is */
  message: string;
  other?: Place;
}

/** Where a place stands in its file (1-based), or 1:1 when it cannot be found. */
export type Locate = (place: Place) => { line: number; col: number };

export function toDiagnostic(f: Finding, locate: Locate): Diagnostic {
  const at = locate(f);
  let message = f.message;
  if (f.other) {
    const o = locate(f.other);
    message = message.replace('{at}', `${f.other.file === f.file ? '' : `${f.other.file}:`}${o.line}:${o.col}`);
  }
  return { file: f.file, line: at.line, col: at.col, path: yamlPath(f.segments), message, severity: f.severity };
}

/** ['organisations', 2, 'name'] -> organisations[2].name */
export function yamlPath(segments: (string | number)[]): string {
  return segments.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.line - b.line || a.col - b.col);
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  return `${where}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.path ? `${d.path}: ` : ''}${d.message}`;
}

/** What the paths name, for one-line messages: the path itself, or the count of paths. */
export const describePaths = (paths: string[]) => (paths.length === 1 ? paths[0]! : `${paths.length} paths`);
