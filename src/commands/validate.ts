import { formatDiagnostic, loadDesiredFile, type LoadResult } from '../desired/load.js';
import type { DesiredState, Diagnostic } from '../model.js';
import { line, type Io } from './io.js';
import { printable } from '../text.js';
import { plural } from '../names.js';

export interface ValidateOptions {
  json?: boolean;
}

/** GitHub Actions workflow command, escaped as the runner expects. */
export function annotation(d: Diagnostic): string {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const where = d.line > 0 ? `,line=${d.line},col=${d.col}` : '';
  return `::${d.severity} file=${prop(d.file)}${where},title=cbsync::${data(printable(d.path ? `${d.path}: ${d.message}` : d.message))}`;
}

/** Prints a file's problems (and Actions annotations when in GitHub Actions). */
export function reportDiagnostics(diagnostics: Diagnostic[], io: Io): void {
  for (const d of diagnostics) io.stderr(line(formatDiagnostic(d)));
  if (io.env.GITHUB_ACTIONS === 'true') for (const d of diagnostics) io.stdout(`${annotation(d)}\n`);
}

/** plan and apply call this before their first request. */
export function loadOrReport(file: string, io: Io): DesiredState | null {
  const r = loadDesiredFile(file);
  reportDiagnostics(r.diagnostics, io);
  if (!r.state) io.stderr(line(`${file}: ${plural(errors(r), 'problem')}; nothing was sent to the API`));
  return r.state;
}

const errors = (r: LoadResult) => r.diagnostics.filter((d) => d.severity === 'error').length;

export function validateCommand(files: string[], opts: ValidateOptions, io: Io): number {
  const results: [string, LoadResult][] = files.map((f) => [f, loadDesiredFile(f)]);
  if (opts.json) {
    const body = results.map(([file, r]) => ({ file, valid: !!r.state, diagnostics: r.diagnostics }));
    io.stdout(`${JSON.stringify({ files: body }, null, 2)}\n`);
  } else {
    for (const [file, r] of results) {
      reportDiagnostics(r.diagnostics, io);
      if (r.state) {
        const ints = r.state.organisations.reduce((n, o) => n + o.integrations.length, 0);
        const warned = r.diagnostics.length ? `; ${plural(r.diagnostics.length, 'warning')}` : '';
        io.stdout(line(`${file}: valid (${plural(r.state.organisations.length, 'organisation')}, ${plural(ints, 'integration')}${warned})`));
      } else {
        io.stderr(line(`${file}: ${plural(errors(r), 'problem')}`));
      }
    }
  }
  return results.every(([, r]) => r.state) ? 0 : 1;
}

