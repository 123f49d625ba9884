import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { exportedState } from './export.js';
import { formatDiagnostic } from './findings.js';
import { findYamlFiles } from './sources.js';

// GUARANTEE G7 is enforced here, and only here: an export is all or nothing, and never mixes
// with other YAML under its target. Everything is written aside (a hidden temporary file or
// directory beside the target, which `plan` never reads) and moved into place by one rename;
// an export stopped before that rename leaves the target as it was. `--out-dir` refuses a
// directory that holds YAML anywhere under it (the same walk that `plan DIR` reads, links
// followed); `-o FILE` replaces only a file that export wrote and nobody edited since.

/** Why export must not write into `dir`, or null when it may. */
export function outDirRefusal(dir: string): string | null {
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) return `${dir} is not a directory: --out-dir needs a new or empty directory`;
  const { files, problems } = findYamlFiles([dir]);
  if (files.length) {
    const more = files.length > 1 ? ` and ${files.length - 1} more` : '';
    return `${dir} already holds YAML files (${files[0]!.shown}${more}), which would join the exported state: export into a new or empty directory`;
  }
  if (problems.length) return `${dir} cannot be checked for YAML files (${formatDiagnostic(problems[0]!)}): export into a new or empty directory`;
  return null;
}

/** Why export must not replace `file`, or null when it may (absent, empty, a device or pipe, or written by export and unchanged). */
export function outFileRefusal(file: string, force: boolean): string | null {
  if (!existsSync(file)) return null;
  const st = statSync(file);
  if (st.isDirectory()) return `${file} is a directory: use --out-dir ${file} for one file per organisation, or -o with a file name`;
  if (!st.isFile() || st.size === 0 || force) return null;
  const state = exportedState(readFileSync(file, 'utf8'));
  if (state === 'unchanged') return null;
  const why = state === 'edited' ? 'was edited since `cbsync export` wrote it' : 'was not written by `cbsync export`';
  return `${file} ${why}: not replaced (--force replaces it, or choose another file)`;
}

/**
 * Writes one file all at once: into a hidden file beside it, then renamed over it. A
 * symbolic link is kept and its target replaced; a device or pipe (`/dev/stdout`) is written
 * directly, as there is nothing to replace.
 */
export function writeFileAside(file: string, text: string): void {
  const st = existsSync(file) ? statSync(file) : null;
  if (st && !st.isFile()) return void writeAll(openSync(file, 'w'), text);
  const target = st ? realpathSync(file) : resolve(file);
  const tmp = join(dirname(target), `.${basename(target)}.cbsync-export-${process.pid}-${Date.now().toString(36)}`);
  try {
    writeAll(openSync(tmp, 'wx', st ? st.mode & 0o777 : 0o666), text, true);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw notWritten(file, e);
  }
}

/**
 * Writes a directory all at once: the files into a hidden directory beside `dir`, then one
 * rename puts it in place. When `dir` exists with other (non-YAML) entries the files are
 * moved in one by one, the settings file last (a failure takes back those moved): a
 * directory left without it by a hard kill holds no `version: 1` and does not validate, so
 * a part is never planned as the whole.
 */
export function writeDirectoryAside(dir: string, files: { path: string; text: string }[], settingsFile: string): void {
  const target = resolve(dir);
  const moved: string[] = [];
  let tmp: string | undefined;
  try {
    mkdirSync(dirname(target), { recursive: true });
    tmp = mkdtempSync(join(dirname(target), `.${basename(target)}.cbsync-export-`));
    for (const f of files) writeAll(openSync(join(tmp, f.path), 'wx'), f.text);
    if (!existsSync(target) || readdirSync(target).length === 0) return void renameSync(tmp, target);
    const last = files.filter((f) => f.path === settingsFile);
    for (const f of [...files.filter((f) => f.path !== settingsFile), ...last]) {
      renameSync(join(tmp, f.path), join(target, f.path));
      moved.push(join(target, f.path));
    }
    rmdirSync(tmp);
  } catch (e) {
    for (const m of moved) rmSync(m, { force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    throw notWritten(dir, e);
  }
}

const notWritten = (target: string, e: unknown) => new Error(`cannot write ${target}: ${(e as Error).message.split('\n')[0]}; nothing was written (an export is all or nothing)`);

/** Writes all of `text` to an open file and closes it; `flush`: on disk before the rename that publishes it (one file: cheap). */
function writeAll(fd: number, text: string, flush = false): void {
  try {
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    if (flush) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
