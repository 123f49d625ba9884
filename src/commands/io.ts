import { redactor } from '../live/redact.js';
import { printable } from '../text.js';

/** One line of output holding names, ids or server messages: escaped, then ended. */
export const line = (text: string) => `${printable(text)}\n`;

// What a command function may touch of the outside world. The CLI passes the real process;
// tests pass buffers, so every command can be called in-process and its output read back.

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** whether stdout / stderr / stdin are terminals */
  tty: { stdout: boolean; stderr: boolean; stdin: boolean };
  /** asks a question on the terminal; only called when tty.stdin */
  prompt?: (question: string) => Promise<string>;
}

/** An Io that removes the key from everything written through it. */
export interface GuardedIo extends Io {
  readonly redact: (text: string) => string;
}

const isGuarded = (io: Io): io is GuardedIo => 'redact' in io;

/**
 * Guarantee 5 at the sinks: an Io whose every write has the key removed, whatever the text's
 * source (a server's answer, a file, a flag). Every command wraps its Io with this first;
 * data is never redacted where it enters, only where it leaves.
 */
export function guarded(io: Io): GuardedIo {
  if (isGuarded(io)) return io;
  const redact = redactor(io.env.CHARGEBACKSTOP_API_KEY?.trim());
  return { ...io, redact, stdout: (t) => io.stdout(redact(t)), stderr: (t) => io.stderr(redact(t)) };
}

/** A copy of plain data (JSON: a plan, a live state) with the key removed from every string in it. */
export function scrubbed<T>(value: T, redact: (text: string) => string): T {
  return JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'string' ? redact(v) : v)) as T;
}

export interface BufferedIo extends Io {
  out: () => string;
  err: () => string;
}

/** An Io that records output, for tests and for in-process use. */
export function bufferedIo(env: Record<string, string | undefined> = {}, tty = false): BufferedIo {
  let out = '';
  let err = '';
  return {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env,
    tty: { stdout: tty, stderr: tty, stdin: tty },
    out: () => out,
    err: () => err,
  };
}
