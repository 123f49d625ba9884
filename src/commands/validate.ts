import type { LoadResult } from '../desired/compose.js';
import { describePaths } from '../desired/findings.js';
import { loadDesiredPathsLazily } from '../desired/load-lazy.js';
import { jsonText, plural } from '../text.js';
import { reportDiagnostics } from './errors.js';
import { guarded, line, type Io } from './io.js';

export { annotation } from './errors.js';

export interface ValidateOptions {
  json?: boolean;
}

const errors = (r: LoadResult) => r.diagnostics.filter((d) => d.severity === 'error').length;

export async function validateCommand(paths: string[], opts: ValidateOptions, raw: Io, readStdin?: () => Buffer): Promise<number> {
  const io = guarded(raw);
  const r = await loadDesiredPathsLazily(paths, readStdin);
  const organisations = r.state?.organisations.length ?? 0;
  const integrations = r.state?.organisations.reduce((n, o) => n + o.integrations.length, 0) ?? 0;
  if (opts.json) {
    const body = { format_version: 1, valid: !!r.state, files: r.state?.files ?? [], organisations, integrations, diagnostics: r.diagnostics };
    io.stdout(jsonText(body));
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
