import { ConfigError } from './errors.js';

export const DEFAULT_API_URL = 'https://api.chargebackstop.com';

export const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * A URL as it may be printed when it cannot be read: everything up to its last `@` may be user
 * info (a password, a key), whatever characters it holds (spaces, tabs, `/`, `@`), so none of it
 * is shown, with or without a scheme (`http://...@host`, `...@host`).
 */
export function hideUserInfo(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw.slice(0, at))?.[0] ?? '';
  return `${scheme}...@${raw.slice(at + 1)}`;
}

/**
 * The base URL, refusing plain http except for loopback hosts (the key must not travel in
 * clear) and any user info (a key there would be printed); the URL is never echoed with it.
 */
export function checkApiUrl(raw: string): URL {
  const shown = hideUserInfo(raw);
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // fall through: a host without a scheme gets a hint
  }
  if (!url || (!raw.includes('://') && !/^https?:$/.test(url.protocol))) {
    throw new ConfigError(`not a valid API URL: ${shown}${schemeHint(raw, shown)}`);
  }
  // an @ anywhere (user info, or one the parser took for a path) may be a key or a password
  if (url.username || url.password || raw.includes('@')) {
    throw new ConfigError('the API URL must not hold a user name or password: set the key in CHARGEBACKSTOP_API_KEY');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url;
  if (url.protocol === 'http:') throw new ConfigError(`refusing plain http to ${url.host}: use https (http is allowed only for loopback hosts)`);
  throw new ConfigError(`unsupported API URL scheme ${url.protocol}`);
}

/** A host without a scheme: http:// for a loopback one (the emulator), https:// for others. */
function schemeHint(raw: string, shown: string): string {
  const m = /^([\w.-]+|\[[0-9a-f:]+\])(:\d+)?(\/.*)?$/i.exec(raw);
  if (!m || raw.includes('@')) return '';
  return `; add the scheme, e.g. ${LOOPBACK.test(m[1]!) ? 'http' : 'https'}://${shown}`;
}
