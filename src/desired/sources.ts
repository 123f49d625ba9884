import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../model.js';
import { byText } from '../names.js';

// Where desired state comes from: files, directories (their *.yaml and *.yml files,
// recursively, in sorted order; hidden entries skipped) and `-` for standard input. Each
// file is checked on its own: the size guard is per file, against accidents (a log file, a
// binary), not a limit on the whole state.

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const STDIN = '<stdin>';

export interface Source {
  /** as given, or found in a directory; `<stdin>` for `-` */
  file: string;
  text: string;
}

export interface Sources {
  sources: Source[];
  diagnostics: Diagnostic[];
}

const problem = (file: string, message: string, line = 0, col = 0): Diagnostic => ({ file, line, col, path: '', message, severity: 'error' });

/** Every *.yaml and *.yml file under dir, sorted, hidden files and directories skipped. */
function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => byText(a.name, b.name))) {
    if (entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/i.test(entry.name)) out.push(p);
  }
  return out;
}

export function readSources(args: string[], readStdin: () => Buffer = () => readFileSync(0)): Sources {
  const sources: Source[] = [];
  const diagnostics: Diagnostic[] = [];
  /** `read` gives the bytes, or null when the file is over the size guard (it is not read) */
  const add = (file: string, read: () => Buffer | null) => {
    let bytes: Buffer | null;
    try {
      bytes = read();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return void diagnostics.push(problem(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? 'error'})`));
    }
    if (!bytes || bytes.length > MAX_FILE_BYTES) return void diagnostics.push(problem(file, `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB (the limit is per file: split the organisations over several files)`));
    const text = decodeUtf8(bytes);
    if (typeof text === 'string') sources.push({ file, text: text.replace(/^\uFEFF/, '') });
    else diagnostics.push(problem(file, text.message, text.line, text.col));
  };
  let stdinRead = false;
  for (const arg of args) {
    if (arg === '-') {
      if (stdinRead) diagnostics.push(problem(STDIN, '`-` given twice: standard input can be read once'));
      else add(STDIN, readStdin);
      stdinRead = true;
      continue;
    }
    let isDir = false;
    try {
      isDir = statSync(arg).isDirectory();
    } catch {
      // a missing path is reported by add()
    }
    const files = isDir ? yamlFiles(arg) : [arg];
    if (files.length === 0) diagnostics.push(problem(arg, 'directory holds no *.yaml or *.yml file'));
    for (const f of files) add(f, () => (statSync(f).size > MAX_FILE_BYTES ? null : readFileSync(f)));
  }
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.file)) diagnostics.push(problem(s.file, 'given twice (as a file and inside a directory?)'));
    seen.add(s.file);
  }
  return { sources, diagnostics };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
  let lo = 0;
  let hi = bytes.length;
  // binary search for the shortest invalid prefix; streaming mode lets a prefix end inside a character
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  // the byte found may end a sequence that an earlier lead byte left incomplete: point at that lead
  for (let k = 1; k <= 3 && lo - k >= 0; k++) {
    const b = bytes[lo - k]!;
    if (b >= 0xc0) return lo - k + (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > lo ? lo - k : lo;
  }
  return lo;
}
