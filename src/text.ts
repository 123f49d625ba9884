// PURE. Text that came from a server or a file, made safe to print on a terminal or in a CI log.

/**
 * C0 and C1 controls (ESC, CSI, newlines, tabs), DEL, soft hyphen, bidi controls, zero-width
 * and other invisible format characters, line and paragraph separators, BOM.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/gu;

const hex = (c: string) => {
  const n = c.codePointAt(0)!;
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
};

const UNSAFE_ONE = new RegExp(UNSAFE.source, 'u');

/** True when a string holds a character that printable() would escape (control or invisible). */
export const hasUnsafeChars = (s: string) => UNSAFE_ONE.test(s);

/**
 * One line of output, with every untrusted character visible as an escape: no terminal
 * sequence, no line break, and no GitHub workflow command (`::cmd::` at a line start,
 * `##[cmd]` anywhere) can be forged by a name or a server message.
 */
export function printable(s: string): string {
  return s
    .replace(UNSAFE, hex)
    .replace(/^(\s*):(?=:)/, '$1\\x3a')
    .replace(/##\[/g, '##\\x5b');
}

/**
 * Data as JSON text for stdout or a file, ended: the same data, with every character printable()
 * escapes written as `\uXXXX` (JSON.stringify leaves C1 controls, bidi and invisible characters
 * and U+2028 raw) and `##[` as `#\u0023[`, so that neither a terminal nor a CI log (the GitHub
 * Actions runner takes `##[cmd]` anywhere in a line) sees a sequence a name or message forged.
 */
export function jsonText(value: unknown): string {
  // C0 controls in strings are escaped by JSON.stringify already: those left are its own line breaks
  const text = JSON.stringify(value, null, 2).replace(UNSAFE, (c) => (c < ' ' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return `${text.replace(/##\[/g, '#\\u0023[')}\n`;
}

/** Strings in code-unit order: stable, locale-free. */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `1 change`, `3 changes` */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
