import { formatDiagnostic } from '../desired/findings.js';
import { DesiredStateError, SafetyError } from '../engine/errors.js';
import { ApiError } from '../live/errors.js';
import type { Diagnostic } from '../model.js';
import { printable } from '../text.js';
import { line, type Io } from './io.js';

// The one way a failure is printed: each as readable lines on stderr, never a stack trace.

/** A command line that cannot run as given (a conflict of flags, a missing argument). */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** GitHub Actions workflow command, escaped as the runner expects. */
export function annotation(d: Pick<Diagnostic, 'file' | 'line' | 'col' | 'path' | 'message' | 'severity'>): string {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const where = d.line > 0 ? `,line=${d.line},col=${d.col}` : '';
  return `::${d.severity} file=${prop(d.file)}${where},title=cbsync::${data(printable(d.path ? `${d.path}: ${d.message}` : d.message))}`;
}

/**
 * Problems as FILE:LINE:COL lines on stderr, and in GitHub Actions also as annotations, on
 * stderr too (stdout may be a plan someone saves).
 */
export function reportDiagnostics(diagnostics: Diagnostic[], io: Io): void {
  for (const d of diagnostics) io.stderr(line(formatDiagnostic(d)));
  if (io.env.GITHUB_ACTIONS === 'true') for (const d of diagnostics) io.stderr(`${annotation(d)}\n`);
}

/**
 * One readable line for a failure that is not a file problem: whatever the message holds
 * (a --target with a newline, a server's text), every control character is shown escaped,
 * none dropped.
 */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.kind === 'incomplete_listing') return printable(`error: ${e.method} ${e.path}: ${e.message}`);
    let hint = '';
    if (e.status === 401) hint = ' (the API key was rejected: check CHARGEBACKSTOP_API_KEY)';
    else if (e.status === 403) hint = ' (the key is missing an ability)';
    // a proxy that refused is named, with its own hint, in the message
    else if (e.kind === 'refused' && !e.message.includes('the proxy ')) hint = ' (is the API URL right and the server running?)';
    else if (e.kind === 'timeout') hint = ' (raise --timeout, or retry later)';
    return printable(`error: ${e.summary}${hint}`);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return printable(`error: ${msg.replace(/[\r\n]+$/, '')}`);
}

/** Prints any failure: file problems one per line (with annotations in Actions), a refused apply with its remedy, anything else as one line. */
export function reportError(e: unknown, io: Io): void {
  if (e instanceof DesiredStateError) {
    reportDiagnostics(e.diagnostics, io);
    return void io.stderr(line(e.message));
  }
  if (e instanceof SafetyError) {
    for (const v of e.violations) io.stderr(line(`error: apply refused: ${v.message}`));
    return void io.stderr('Nothing was changed. Check the file, raise safety.max_destructive_percent, or pass --force.\n');
  }
  io.stderr(line(describeError(e)));
}
