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
