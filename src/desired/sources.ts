import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { normalize } from 'node:path';
import type { Diagnostic } from '../model.js';
import { printable } from '../text.js';

// Where desired state comes from: files, directories (their *.yaml and *.yml files,
// recursively, in byte order; hidden entries skipped) and `-` for standard input. Each file is
// checked on its own: the size guard is per file, against accidents (a log file, a binary),
// not a limit on the whole state.
//
// GUARANTEE G3 is enforced here, and only here: every file under a given directory is read,
// or the run stops with a diagnostic naming it. Symbolic links are followed (directories
// too), with loops found by real path; a dangling link, a loop, a directory or file reached
// twice, a special file (FIFO, socket, device) named like YAML and anything that cannot be
// read are each an error naming the path. Names are read as bytes, so a name that is not
// UTF-8 is found and read, and shown with its odd bytes escaped (`caf\xe9.yaml`). Hidden
// entries (a name starting with `.`) are skipped on purpose: `.git/` and `.github/` never
// join the state. Any error here stops the run: loadDesired returns no state.

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const STDIN = '<stdin>';

export interface Source {
  /** as given, or found in a directory, printable (see showPath); `<stdin>` for `-` */
  file: string;
  text: string;
}

export interface Sources {
  sources: Source[];
  diagnostics: Diagnostic[];
}

const problem = (file: string, message: string, line = 0, col = 0): Diagnostic => ({ file, line, col, path: '', message, severity: 'error' });

/** A path to read: its bytes, and how it is shown. */
interface Found {
  path: Buffer;
  shown: string;
}

/** The paths whose shown form is not their bytes as UTF-8, for those who write back (--write-ids). */
const shownToPath = new Map<string, Buffer>();

/** The path to open for a file as Source.file shows it (a name with escaped bytes maps back to its bytes). */
export function sourcePath(file: string): string | Buffer {
  return shownToPath.get(file) ?? file;
}

/** Notes how a path is shown when that is not its bytes as UTF-8; returns the shown form. */
function remember(shown: string, path: Buffer): string {
  if (!path.equals(Buffer.from(shown))) shownToPath.set(shown, path);
  return shown;
}

/** Every *.yaml and *.yml file under each directory, in order, and every problem met on the way. */
export function findYamlFiles(dirs: string[]): { files: Found[]; problems: Diagnostic[] } {
  const walk = newWalk();
  for (const d of dirs) {
    const path = Buffer.from(trimSlash(d));
    walk.directory(path, remember(showPath(path), path));
  }
  return { files: walk.files, problems: walk.problems };
}

export function readSources(args: string[], readStdin: () => Buffer = () => readFileSync(0)): Sources {
  const sources: Source[] = [];
  const walk = newWalk();
  const diagnostics = walk.problems;
  /** files already read, by device and inode: the same file reached twice is named */
  const read = new Map<string, string>();
  const add = (shown: string, bytes: Buffer) => {
    const text = decodeUtf8(bytes);
    if (typeof text === 'string') sources.push({ file: shown, text: text.replace(/^\uFEFF/, '') });
    else diagnostics.push(problem(shown, text.message, text.line, text.col));
  };
  const readOne = (f: Found, fromDirectory: boolean) => {
    const got = readBounded(f.path, fromDirectory);
    if (typeof got === 'string') return void diagnostics.push(problem(f.shown, got));
    if (got.identity) {
      const first = read.get(got.identity);
      if (first) return void diagnostics.push(problem(f.shown, `the same file as ${first}, reached twice (named twice, or through a link): name it once`));
      read.set(got.identity, f.shown);
    }
    add(f.shown, got.bytes);
  };
  let stdinRead = false;
  for (const arg of args) {
    if (arg === '-') {
      if (stdinRead) diagnostics.push(problem(STDIN, '`-` given twice: standard input can be read once'));
      else add(STDIN, readStdin());
      stdinRead = true;
      continue;
    }
    const path = Buffer.from(trimSlash(arg));
    const shown = remember(showPath(path), path);
    const kind = kindOf(path, shown, diagnostics);
    if (kind === 'directory') {
      const problems = diagnostics.length;
      walk.directory(path, shown);
      if (walk.files.length === 0 && diagnostics.length === problems) diagnostics.push(problem(shown, 'directory holds no *.yaml or *.yml file'));
      for (const f of walk.files.splice(0)) readOne(f, true);
    } else if (kind === 'socket' || kind === 'block device') diagnostics.push(problem(shown, `is a ${kind}, not a file: not read`));
    else if (kind) readOne({ path, shown }, false);
  }
  return { sources, diagnostics };
}

type Kind = 'directory' | 'file' | 'FIFO (named pipe)' | 'socket' | 'character device' | 'block device';

function kindOfStats(s: Stats | Dirent<Buffer>): Kind | null {
  if (s.isDirectory()) return 'directory';
  if (s.isFile()) return 'file';
  if (s.isFIFO()) return 'FIFO (named pipe)';
  if (s.isSocket()) return 'socket';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  return null;
}

/** What a path leads to, links followed; null with a diagnostic when it leads nowhere. */
function kindOf(path: Buffer, shown: string, problems: Diagnostic[]): Kind | null {
  try {
    return kindOfStats(statSync(path));
  } catch (e) {
    problems.push(problem(shown, linkProblem(path, e)));
    return null;
  }
}

/** Why following a path failed, in words: a dangling or looping link is named as such. */
function linkProblem(path: Buffer, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    // nothing there at all
  }
  if (link && code === 'ENOENT') return `dangling symbolic link (to ${showPath(readlinkSync(path, { encoding: 'buffer' }))}): remove it or restore what it points to`;
  if (code === 'ELOOP') return 'symbolic link loop (the link leads back to itself): remove it';
  if (code === 'ENOENT') return 'file not found';
  return `cannot read: ${reason(e)}`;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ELOOP: 'symbolic link loop',
  ENOENT: 'no longer there',
};

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return REASONS[code] ? `${REASONS[code]} (${code})` : code;
}

function newWalk() {
  const files: Found[] = [];
  const problems: Diagnostic[] = [];
  /** every directory entered, by real path (bytes as latin1), with how it was first shown */
  const dirs = new Map<string, string>();
  /** the real paths of the directories being walked: a link to one of them is a loop */
  const inside = new Map<string, string>();
  const directory = (path: Buffer, shown: string): void => {
    let real: string;
    let entries: Dirent<Buffer>[];
    try {
      real = realpathSync.native(path, { encoding: 'buffer' }).toString('latin1');
      if (inside.has(real)) return void problems.push(problem(shown, `symbolic link loop: leads back to ${inside.get(real)}, a directory it is inside: remove the link`));
      if (dirs.has(real)) return void problems.push(problem(shown, `the same directory as ${dirs.get(real)}, reached twice (named twice, or through a link): name it once`));
      entries = readdirSync(path, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      return void problems.push(problem(shown, `cannot read directory: ${reason(e)}`));
    }
    dirs.set(real, shown);
    inside.set(real, shown);
    for (const entry of entries.sort((a, b) => Buffer.compare(a.name, b.name))) {
      if (entry.name[0] === 0x2e) continue; // hidden
      const p = Buffer.concat([path, SLASH, entry.name]);
      const s = remember(`${shown}/${showPath(entry.name)}`, p);
      let kind = entry.isSymbolicLink() ? undefined : kindOfStats(entry);
      if (kind === undefined || kind === null) kind = kindOf(p, s, problems); // a link, or a type the directory does not say
      if (kind === 'directory') directory(p, s);
      else if (kind === null || !isYamlName(entry.name)) continue;
      else if (kind === 'file') files.push({ path: p, shown: s });
      else problems.push(problem(s, `is a ${kind}, not a regular file: not read (desired state is read from regular files, or links to them)`));
    }
    inside.delete(real);
  };
  return { files, problems, directory };
}

const SLASH = Buffer.from('/');
const trimSlash = (p: string) => normalize(p).replace(/(?<=.)\/+$/, '');
const isYamlName = (name: Buffer) => /\.ya?ml$/i.test(name.toString('latin1'));

/**
 * The bytes of a file, at most MAX_FILE_BYTES, or why not. A file found in a directory must
 * be a regular file (checked again once open: opened non-blocking, a FIFO put there since
 * cannot hang the run); a path given by name may be a pipe (`<(...)`) and is read to its end.
 */
function readBounded(path: Buffer, fromDirectory: boolean): { bytes: Buffer; identity: string | null } | string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (fromDirectory ? constants.O_NONBLOCK : 0));
  } catch (e) {
    return `cannot read file: ${reason(e)}`;
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return `cannot read file: ${reason({ code: 'EISDIR' })}`;
    if (fromDirectory && !st.isFile()) return `is a ${kindOfStats(st)}, not a regular file: not read`;
    if (st.isFile() && st.size > MAX_FILE_BYTES) return tooLarge;
    const bytes = readToEnd(fd, MAX_FILE_BYTES + 1);
    if (bytes.length > MAX_FILE_BYTES) return tooLarge;
    return { bytes, identity: st.isFile() ? `${st.dev}:${st.ino}` : null };
  } catch (e) {
    return `cannot read file: ${reason(e)}`;
  } finally {
    closeSync(fd);
  }
}

const tooLarge = `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB (the limit is per file: split the organisations over several files)`;

/** Reads an open file to its end, or until `limit` bytes. */
function readToEnd(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, Math.max(1, limit - total)));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total >= limit) break;
  }
  return Buffer.concat(chunks, total);
}

/**
 * A path as bytes, shown as text: valid UTF-8 as it is (control characters escaped, see
 * printable), every byte that is not UTF-8 as `\xNN`.
 */
export function showPath(bytes: Buffer): string {
  let shown = '';
  let run = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = utf8Length(bytes, i);
    if (n) {
      i += n;
      continue;
    }
    shown += printable(bytes.toString('utf8', run, i)) + `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
    run = ++i;
  }
  return shown + printable(bytes.toString('utf8', run));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The length of the UTF-8 character at `i`, or 0 when the byte there does not start one. */
function utf8Length(bytes: Buffer, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (!n || i + n > bytes.length) return 0;
  try {
    utf8.decode(bytes.subarray(i, i + n));
    return n;
  } catch {
    return 0;
  }
}

/** The text, or where the first byte that is not UTF-8 stands. */
function decodeUtf8(bytes: Buffer): string | { message: string; line: number; col: number } {
  try {
    return utf8.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const lines = bytes.subarray(0, bad).toString('utf8').split('\n');
    return { message: `file is not valid UTF-8 (byte 0x${bytes[bad]?.toString(16)} at offset ${bad})`, line: lines.length, col: lines.at(-1)!.length + 1 };
  }
}

function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const n = utf8Length(bytes, i);
    if (!n) return i;
    i += n;
  }
  return bytes.length;
}
