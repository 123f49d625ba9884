// The API key must never be printed. A server may echo it back in any encoding, so every form
// it can take is replaced: raw, percent-encoded, JSON-escaped, base64 (as inside a Basic
// header, at any alignment), hex, in any letter case, and any long run of its characters, at
// its head or anywhere (an echo cut short, a masked echo showing its tail, a key split over
// two strings).

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

/**
 * The stretches of `text` inside some run of at least `n` characters of one of `sources`
 * (letter case ignored), as [start, end) pairs in order, merged.
 */
function runs(text: string, grams: Map<number, Set<string>>, starts: Set<string>): [number, number][] {
  const folded = fold(text);
  const out: [number, number][] = [];
  for (let i = 0; i < folded.length; i++) {
    if (!starts.has(folded[i]!)) continue;
    for (const [n, set] of grams) {
      if (i + n <= folded.length && set.has(folded.slice(i, i + n))) {
        const last = out[out.length - 1];
        if (last && last[1] >= i) last[1] = Math.max(last[1], i + n);
        else out.push([i, i + n]);
      }
    }
  }
  return out;
}

/** Replaces every form of the secret in text. */
export function redactor(secret: string | undefined): (text: string) => string {
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
  // runs of the key (and of its escaped and hex forms; a shorter key whole), in any letter case
  const grams = new Map<number, Set<string>>();
  const add = (source: string, n: number) => {
    const len = Math.min(n, source.length);
    const set = grams.get(len) ?? new Set<string>();
    for (let i = 0; i + len <= source.length; i++) set.add(fold(source.slice(i, i + len)));
    grams.set(len, set);
  };
  for (const f of once) add(f, RUN);
  add(Buffer.from(secret, 'utf8').toString('hex'), 2 * RUN);
  const starts = new Set([...grams.values()].flatMap((set) => [...set].map((g) => g[0]!)));
  const scan = (t: string) => runs(t, grams, starts);
  // an echo cut short still shows most of the key: a run of its first characters is redacted too
  const minRun = Math.max(8, Math.floor(secret.length / 2));
  const head = secret.length >= 12 ? secret.slice(0, 8) : null;
  return (text) => {
    let out = text.replace(all, REDACTED);
    if (head && out.includes(head)) {
      let at = out.indexOf(head);
      while (at !== -1) {
        let n = head.length;
        while (n < secret.length && out[at + n] === secret[n]) n++;
        if (n >= minRun) out = out.slice(0, at) + REDACTED + out.slice(at + n);
        at = out.indexOf(head, at + (n >= minRun ? REDACTED.length : 1));
      }
    }
    const found = scan(out);
    for (let k = found.length - 1; k >= 0; k--) out = out.slice(0, found[k]![0]) + REDACTED + out.slice(found[k]![1]);
    // the key spelt out with a space or tab between its characters: character j of the run is at 2j
    return out.replace(SPACED, (m) => {
      const found = scan(m.split('').filter((_, j) => j % 2 === 0).join(''));
      for (let k = found.length - 1; k >= 0; k--) m = m.slice(0, 2 * found[k]![0]) + REDACTED + m.slice(2 * found[k]![1] - 1);
      return m;
    });
  };
}
