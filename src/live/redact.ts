// The API key must never be printed. A server may echo it back in any encoding, so every form
// it can take is replaced: raw, percent-encoded, JSON-escaped, base64 (as inside a Basic
// header, at any alignment), hex, in any letter case, and any long run of its characters, at
// its head or anywhere (an echo cut short, a masked echo showing its tail, a key split over
// two strings). A secret a person chose (a proxy's password) is replaced in its exact forms
// only: runs of its characters would be ordinary words ("ChargebackStop2024!").
//
// Everything printed passes through here, so the cost is linear in the text whatever it holds:
// matches are collected as ranges and the output is joined once, and the scan for runs hashes
// 4 characters at one position in 9 before it looks at a substring.

export const REDACTED = '[redacted]';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The part of base64(prefix + secret) that depends on the secret alone, for each alignment. */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = b64.slice(4 * Math.ceil(k / 3), 4 * Math.floor((k + bytes.length) / 3));
    if (core.length >= 8) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/** Below this length a key is redacted only where it stands alone (a key `K` must not turn "Keep" into "[redacted]eep"). */
const SHORT = 8;
/** A run of this many characters of the key, anywhere in it, is redacted (12 random characters are never ordinary text). */
export const RUN = 12;

/** Single characters with one space or tab between each, long enough to hold a run of the key. */
const SPACED = new RegExp(`(?:[^\\s][ \\t]){${RUN - 1},}[^\\s]`, 'g');

/** ASCII letters in lower case, nothing else changed (so indexes stay those of the text). */
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

/** A [start, end) stretch of a text. */
export type Range = [number, number];

/** `text` with each of `ranges` (in order, not overlapping) replaced by REDACTED, built in one pass. */
export function cut(text: string, ranges: readonly Range[]): string {
  if (ranges.length === 0) return text;
  const pieces: string[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    pieces.push(text.slice(at, a), REDACTED);
    at = b;
  }
  pieces.push(text.slice(at));
  return pieces.join('');
}

/** Bits of the gates: tables indexed by a hash of 4 characters. */
const GATE_BITS = 16;

/**
 * A hash of the 4 characters at `i` of a text's low bytes (Buffer.from(text, 'latin1'), one
 * byte per character, indexes kept), bit 5 of each set so that letter case does not count: a
 * gate, never a proof (reading a Buffer is several times faster than charCodeAt).
 */
const hash4 = (b: Uint8Array, i: number) => Math.imul(((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) | 0x20202020, 0x9e3779b1) >>> (32 - GATE_BITS);

/** The runs of a secret to look for: folded grams by length, and two gates on 4 of their characters. */
export interface Grams {
  lengths: number[];
  sets: Set<string>[];
  /** Every 4 consecutive characters of a gram. */
  inner: Uint8Array;
  /** The first 4 characters of a gram. */
  first: Uint8Array;
  /** Every occurrence of a gram holds 4 characters ending at a multiple of step (plus 3). */
  step: number;
}

/** Grams of every source (each with its length, a source shorter than it whole, at least 8), folded. */
export function grams(sources: readonly (readonly [string, number])[]): Grams {
  const byLength = new Map<number, Set<string>>();
  const inner = new Uint8Array(1 << GATE_BITS);
  const first = new Uint8Array(1 << GATE_BITS);
  for (const [source, n] of sources) {
    const len = Math.min(n, source.length);
    if (len < 8) throw new Error(`redact: a gram of ${len} characters`);
    const set = byLength.get(len) ?? new Set<string>();
    const bytes = Buffer.from(source, 'latin1');
    for (let i = 0; i + len <= source.length; i++) set.add(fold(source.slice(i, i + len)));
    for (let i = 0; i + 4 <= source.length; i++) inner[hash4(bytes, i)] = 1;
    for (let i = 0; i + len <= source.length; i++) first[hash4(bytes, i)] = 1;
    byLength.set(len, set);
  }
  const lengths = [...byLength.keys()];
  return { lengths, sets: [...byLength.values()], inner, first, step: Math.min(...lengths) - 3 };
}

/**
 * The stretches of `text` inside some run of the grams (letter case ignored), as [start, end)
 * pairs in order, merged. Linear and sampled: a gram of n >= L characters holds the 4 ending
 * at one of every L - 3 positions, so only those are hashed; where one is in a gram, the
 * starts it allows are hashed, and only a start that passes is sliced and looked up.
 */
export function runs(text: string, g: Grams): Range[] {
  const { lengths, sets, inner, first, step } = g;
  const found: Range[][] = lengths.map(() => []);
  const next = lengths.map(() => 0); // per length, the first start not yet tried: each is tried once, in order
  const bytes = Buffer.from(text, 'latin1');
  for (let p = 3; p < text.length; p += step) {
    if (inner[hash4(bytes, p - 3)] === 0) continue;
    for (let k = 0; k < lengths.length; k++) {
      const n = lengths[k]!;
      const to = Math.min(p - 3, text.length - n);
      for (let i = Math.max(p - n + 1, next[k]!); i <= to; i++) {
        if (first[hash4(bytes, i)] === 0 || !sets[k]!.has(fold(text.slice(i, i + n)))) continue;
        const list = found[k]!;
        const last = list[list.length - 1];
        if (last && last[1] >= i) last[1] = i + n;
        else list.push([i, i + n]);
      }
      next[k] = p - 2;
    }
  }
  if (found.length === 1) return found[0]!;
  const out: Range[] = [];
  for (const [a, b] of found.flat().sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && last[1] >= a) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export interface RedactorOptions {
  /**
   * Also redact runs of the secret's characters, its head, its hex form, in any letter case and
   * spelt out with spaces (default true: for a random API key). False for a secret a person
   * chose, whose runs are words: only its exact forms are redacted.
   */
  runs?: boolean;
}

/** Replaces every form of the secret in text. */
export function redactor(secret: string | undefined, options: RedactorOptions = {}): (text: string) => string {
  if (!secret) return (t) => t;
  if (secret.length < SHORT) {
    const alone = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(secret)}(?![\\p{L}\\p{N}_])`, 'gu');
    return (text) => text.replace(alone, REDACTED);
  }
  const json = (s: string) => JSON.stringify(s).slice(1, -1);
  const once = [secret, encodeURIComponent(secret), json(secret)];
  // up to two layers of escaping (a JSON message quoting a JSON string, a URL in JSON, ...)
  const forms = new Set([...once, ...once.flatMap((f) => [encodeURIComponent(f), json(f)]), ...base64Cores(secret)]);
  const all = new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRe).join('|'), 'g');
  if (options.runs === false) return (text) => text.replace(all, REDACTED);
  // runs of the key (and of its escaped and hex forms; a shorter key whole), in any letter case
  const g = grams([...once.map((f) => [f, RUN] as const), [Buffer.from(secret, 'utf8').toString('hex'), 2 * RUN]]);
  // an echo cut short still shows most of the key: a run of its first characters is redacted too
  const minRun = Math.max(8, Math.floor(secret.length / 2));
  const head = secret.length >= 12 ? secret.slice(0, 8) : null;
  const heads = (text: string): Range[] => {
    const found: Range[] = [];
    if (!head) return found;
    for (let at = text.indexOf(head); at !== -1; ) {
      let n = head.length;
      while (n < secret.length && text[at + n] === secret[n]) n++;
      if (n >= minRun) found.push([at, at + n]);
      at = text.indexOf(head, at + (n >= minRun ? n : 1));
    }
    return found;
  };
  return (text) => {
    let out = text.replace(all, REDACTED);
    out = cut(out, heads(out));
    out = cut(out, runs(out, g));
    // the key spelt out with a space or tab between its characters: character j of the run is at 2j
    return out.replace(SPACED, (m) => {
      const found = runs(m.split('').filter((_, j) => j % 2 === 0).join(''), g);
      return cut(m, found.map(([a, b]) => [2 * a, 2 * b - 1]));
    });
  };
}
