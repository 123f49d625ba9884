import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportDocument, exportFiles } from '../desired/export.js';
import { SCHEMA_DIR } from '../desired/schema.js';
import { plural } from '../names.js';
import { fetchLiveState } from '../live/state.js';
import { clientFor, listOptions, type ApiFlags } from './client.js';
import { reportError } from './errors.js';
import { guarded, line, type Io } from './io.js';

export interface ExportOptions extends ApiFlags {
  /** one file */
  out?: string;
  /** a directory: one settings file and one file per organisation */
  outDir?: string;
}

/** The shipped schema, as a path from the directory a file is written in (for the editor modeline). */
const schemaFrom = (dir: string) => relative(resolve(dir), fileURLToPath(new URL('desired-state.schema.json', SCHEMA_DIR))).split('\\').join('/');

export async function exportCommand(opts: ExportOptions, raw: Io): Promise<number> {
  const io = guarded(raw);
  if (opts.out && opts.outDir) {
    io.stderr('error: give -o FILE or --out-dir DIR, not both\n');
    return 1;
  }
  if (opts.out && existsSync(opts.out) && statSync(opts.out).isDirectory()) {
    io.stderr(line(`error: ${opts.out} is a directory: use --out-dir ${opts.out} for one file per organisation, or -o with a file name`));
    return 1;
  }
  if (opts.outDir && existsSync(opts.outDir) && readdirSync(opts.outDir).some((f) => /\.ya?ml$/i.test(f))) {
    // a file left from an earlier export would join the state: start from an empty directory
    io.stderr(line(`error: ${opts.outDir} already holds YAML files: export into an empty or new directory`));
    return 1;
  }
  try {
    const live = await fetchLiveState(clientFor(opts, io), listOptions(opts));
    for (const w of live.warnings) io.stderr(line(`warning: ${w}`));
    if (live.keyLevel === 'organisation' && !live.organisationId) {
      io.stderr('warning: organisation-level key with no integrations: its organisation cannot be found out; pin its id by hand\n');
    }
    const counts = `${plural(live.organisations.length, 'organisation')}, ${plural(live.integrations.length, 'integration')}`;
    if (opts.outDir) {
      const dir = opts.outDir;
      const { files, warnings } = exportFiles(live, { schema: () => schemaFrom(dir) });
      for (const w of warnings) io.stderr(line(`warning: ${w}`));
      mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileSync(join(dir, f.path), f.text);
      io.stderr(line(`wrote ${plural(files.length, 'file')} into ${dir} (${counts}); plan them with: cbsync plan ${dir}`));
      return 0;
    }
    const { text, warnings } = exportDocument(live, { schema: schemaFrom(opts.out ? dirname(opts.out) : '.') });
    for (const w of warnings) io.stderr(line(`warning: ${w}`));
    if (opts.out) {
      writeFileSync(opts.out, text);
      io.stderr(line(`wrote ${opts.out} (${counts})`));
    } else io.stdout(text);
    return 0;
  } catch (e) {
    reportError(e, io);
    return 1;
  }
}
