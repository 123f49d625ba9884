// The API key must never be printed. A server may echo it back in any encoding, so every form
// it can take is replaced: raw, percent-encoded, JSON-escaped, base64 (as inside a Basic
// header, at any alignment) and a long run of its leading characters (an echo cut short).

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
    return out;
  };
}
