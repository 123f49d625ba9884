import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { exportDocument, exportFiles, SETTINGS_FILE } from '../desired/export.js';
import { outDirRefusal, outFileRefusal, writeDirectoryAside, writeFileAside } from '../desired/export-write.js';
import { plural } from '../text.js';
import { fetchLiveState } from '../live/state.js';
import { clientFor, listOptions, type ApiFlags } from './client.js';
import { reportError } from './errors.js';
import { guarded, line, scrubbed, type Io } from './io.js';

export interface ExportOptions extends ApiFlags {
  /** one file; `-` for standard output */
  out?: string;
  /** a directory: one settings file and one file per organisation */
  outDir?: string;
  /** -o FILE: replace the file even when export did not write it, or it was edited since */
  force?: boolean;
  /** the modeline's schema: a URL, or a path (from the current directory) written relative to each file */
  schema?: string;
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

export async function exportCommand(opts: ExportOptions, raw: Io): Promise<number> {
  const io = guarded(raw);
  const usage = (m: string) => (io.stderr(line(`error: ${m}`)), 1);
  if (opts.out && opts.outDir) return usage('give -o FILE or --out-dir DIR, not both');
  const file = opts.out && opts.out !== '-' ? opts.out : undefined;
  if (opts.force && !file) return usage('--force replaces the file given with -o FILE; it has nothing to replace here (--out-dir never replaces YAML)');
  // refused before anything is read, and again just before writing (the file may change meanwhile)
  const refusal = () => (opts.outDir ? outDirRefusal(opts.outDir) : file ? outFileRefusal(file, !!opts.force) : null);
  try {
    const first = refusal();
    if (first) return usage(first);
    const schema = schemaFor(opts.schema, io);
    const read = await fetchLiveState(clientFor(opts, io), listOptions(opts));
    for (const w of read.warnings) io.stderr(line(`warning: ${w}`));
    // Guarantee 5: a file goes into git, so the key never goes into it, even inside a name or an
    // id a server sent (names, file names and the export's own seal are all made from this copy)
    const live = scrubbed(read, io.redact);
    if (JSON.stringify(live) !== JSON.stringify(read)) io.stderr('warning: a live name or id holds the API key: it is written without it (the first apply renames that object; a pinned id will not be found)\n');
    if (live.keyLevel === 'organisation' && !live.organisationId) {
      io.stderr('warning: organisation-level key with no integrations: its organisation cannot be found out; pin its id by hand\n');
    }
    const counts = `${plural(live.organisations.length, 'organisation')}, ${plural(live.integrations.length, 'integration')}`;
    if (opts.outDir) {
      const dir = opts.outDir;
      const { files, warnings } = exportFiles(live, { schema: () => schema(dir) });
      for (const w of warnings) io.stderr(line(`warning: ${w}`));
      const late = refusal();
      if (late) return usage(late);
      const signal = await holdingSignals(() => writeDirectoryAside(dir, files, SETTINGS_FILE));
      io.stderr(line(`wrote ${plural(files.length, 'file')} into ${dir} (${counts}); plan them with: cbsync plan ${dir}`));
      return signal ? stopped(signal, dir, io) : 0;
    }
    const { text, warnings } = exportDocument(live, { schema: schema(file ? dirname(file) : '.') });
    for (const w of warnings) io.stderr(line(`warning: ${w}`));
    if (!file) return io.stdout(text), 0;
    const late = refusal();
    if (late) return usage(late);
    const signal = await holdingSignals(() => writeFileAside(file, text));
    io.stderr(line(`wrote ${file} (${counts})`));
    return signal ? stopped(signal, file, io) : 0;
  } catch (e) {
    reportError(e, io);
    return 1;
  }
}

/** The modeline's schema for a file written in `dir`: undefined for the default (the schema's versioned URL). */
function schemaFor(option: string | undefined, io: Io): (dir: string) => string | undefined {
  if (!option) return () => undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(option)) return () => option;
  if (!existsSync(option)) io.stderr(line(`warning: --schema ${option} does not exist (yet): the modeline points at it anyway`));
  const target = resolve(option);
  return (dir) => relative(resolve(dir), target).split(sep).join('/');
}

/**
 * Runs a synchronous write with SIGINT and SIGTERM held: a signal that comes meanwhile is
 * acted on once the write is whole (it is all or nothing), and returned.
 */
async function holdingSignals(write: () => void): Promise<keyof typeof SIGNALS | null> {
  let signal: keyof typeof SIGNALS | null = null;
  const hold = (s: NodeJS.Signals) => void (signal ??= s as keyof typeof SIGNALS);
  for (const s of Object.keys(SIGNALS)) process.on(s, hold);
  try {
    write();
  } finally {
    // a signal that came during the write is delivered on the loop's next turn
    await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setImmediate(r));
    for (const s of Object.keys(SIGNALS)) process.off(s, hold);
  }
  return signal;
}

function stopped(signal: keyof typeof SIGNALS, target: string, io: Io): number {
  io.stderr(line(`stopped by ${signal}: the export had been written in full (${target}), nothing partial is left`));
  return 128 + SIGNALS[signal];
}
