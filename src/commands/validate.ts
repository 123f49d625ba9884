import { formatDiagnostic, loadDesiredPaths, type LoadResult } from '../desired/load.js';
import type { DesiredState, Diagnostic } from '../model.js';
import { plural } from '../names.js';
import { printable } from '../text.js';
import { line, type Io } from './io.js';

export interface ValidateOptions {
  json?: boolean;
}

/** GitHub Actions workflow command, escaped as the runner expects. */
export function annotation(d: Pick<Diagnostic, 'file' | 'line' | 'col' | 'path' | 'message' | 'severity'>): string {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const where = d.line > 0 ? `,line=${d.line},col=${d.col}` : '';
  return `::${d.severity} file=${prop(d.file)}${where},title=cbsync::${data(printable(d.path ? `${d.path}: ${d.message}` : d.message))}`;
}

/**
 * Prints problems as FILE:LINE:COL lines on stderr, and in GitHub Actions also as
 * annotations, on stderr too (stdout may be a plan someone saves).
 */
export function reportDiagnostics(diagnostics: Diagnostic[], io: Io): void {
  for (const d of diagnostics) io.stderr(line(formatDiagnostic(d)));
  if (io.env.GITHUB_ACTIONS === 'true') for (const d of diagnostics) io.stderr(`${annotation(d)}\n`);
}

/** What the paths name, for one-line messages: the path itself, or the count of files. */
export const describePaths = (paths: string[]) => (paths.length === 1 ? paths[0]! : `${paths.length} paths`);

export interface Loaded {
  state: DesiredState;
  locate: LoadResult['locate'];
  label: string;
}

/** plan and apply call this before their first request. */
export function loadOrReport(paths: string[], io: Io, readStdin?: () => Buffer): Loaded | null {
  const r = loadDesiredPaths(paths, readStdin);
  reportDiagnostics(r.diagnostics, io);
  const label = describePaths(paths);
  if (!r.state) {
    io.stderr(line(`${label}: ${plural(errors(r), 'problem')}; nothing was sent to the API`));
    return null;
  }
  return { state: r.state, locate: r.locate, label };
}

const errors = (r: LoadResult) => r.diagnostics.filter((d) => d.severity === 'error').length;

export function validateCommand(paths: string[], opts: ValidateOptions, io: Io, readStdin?: () => Buffer): number {
  const r = loadDesiredPaths(paths, readStdin);
  const organisations = r.state?.organisations.length ?? 0;
  const integrations = r.state?.organisations.reduce((n, o) => n + o.integrations.length, 0) ?? 0;
  if (opts.json) {
    const body = { format_version: 1, valid: !!r.state, files: r.state?.files ?? [], organisations, integrations, diagnostics: r.diagnostics };
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    return r.state ? 0 : 1;
  }
  reportDiagnostics(r.diagnostics, io);
  const label = describePaths(paths);
  if (!r.state) {
    io.stderr(line(`${label}: ${plural(errors(r), 'problem')}`));
    return 1;
  }
  const files = r.state.files.length > 1 ? `${plural(r.state.files.length, 'file')}, ` : '';
  const warned = r.diagnostics.length ? `; ${plural(r.diagnostics.length, 'warning')}` : '';
  io.stdout(line(`${label}: valid (${files}${plural(organisations, 'organisation')}, ${plural(integrations, 'integration')}${warned})`));
  return 0;
}
