import { writeFileSync } from 'node:fs';
import { exportDocument } from '../desired/export.js';
import { readLive, reportError, type ApiFlags } from './context.js';
import { line, type Io } from './io.js';

export interface ExportOptions extends ApiFlags {
  out?: string;
}

export async function exportCommand(opts: ExportOptions, io: Io): Promise<number> {
  try {
    const { live } = await readLive(opts, io);
    if (live.keyLevel === 'organisation' && !live.organisationId) {
      io.stderr('warning: organisation-level key with no integrations: its organisation cannot be found out; pin its id by hand\n');
    }
    const { text, warnings } = exportDocument(live);
    for (const w of warnings) io.stderr(line(`warning: ${w}`));
    if (opts.out) {
      writeFileSync(opts.out, text);
      io.stderr(line(`wrote ${opts.out} (${live.organisations.length} organisations, ${live.integrations.length} integrations)`));
    } else io.stdout(text);
    return 0;
  } catch (e) {
    reportError(e, io);
    return 1;
  }
}
