import { ConfigError } from './errors.js';

export const DEFAULT_API_URL = 'https://api.chargebackstop.com';

export const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * A URL that cannot be read is echoed only in a shape that holds no user info: an optional
 * http(s) scheme, a host name or [IPv6], a numeric port and a path without `@` or `:`. Anything
 * else may be a user and password (`http://bot:pw` reads as host `bot`, port `pw`; a password
 * holding `@` or `/` moves where the host seems to start), so none of it is shown.
 */
const PLAIN = /^(?:https?:\/\/)?(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?(?:\/[^@:\s?#=&]*)?$/i;

/**
 * The value as it may be printed, or null when any part of it may be user info. A "port" that
 * is no port (`http://ci-bot:84736251093`: the user's password, the @host forgotten) and a query
 * (`?token=...`) may be secrets too.
 */
export function shownIfPlain(raw: string): string | null {
  const m = PLAIN.exec(raw);
  if (!m) return null;
  const port = m[1] === undefined ? null : Number(m[1]);
  return port === null || (port >= 1 && port <= 65535) ? raw : null;
}

/** Why a value that cannot be read is not a URL, told without any of it. */
export function unreadableReason(raw: string): string {
  const rest = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const at = rest.lastIndexOf('@');
  const after = rest.slice(at + 1);
  if (at >= 0 && !/^[^/?#]/.test(after)) return 'no host after the user info';
  if (/\s/.test(rest)) return 'it holds a space, tab or line break (in a password, write them %-encoded: %20, %09)';
  const port = at < 0 ? /^[^/:]*:(\d+)(?:[/?#]|$)/.exec(rest) : null;
  if (port && !(Number(port[1]) >= 1 && Number(port[1]) <= 65535)) return 'the port is not a number from 1 to 65535 (a user:password needs @host:port after it)';
  if (at < 0 && /^[^/:]*:(?!\d*(?:[/?#]|$))/.test(rest)) return 'what follows the host is not a port number (a user:password needs @host:port after it)';
  if (at >= 0 && !/^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?\/?$/i.test(after)) return 'what follows the last @ is not a host:port';
  return 'it cannot be read as a URL';
}

const NOT_SHOWN = 'its value is not shown: it may hold a password';

/**
 * The base URL, refusing plain http except for loopback hosts (the key must not travel in
 * clear) and any user info (a key there would be printed); the URL is never echoed with it.
 */
export function checkApiUrl(raw: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // fall through: a host without a scheme gets a hint
  }
  if (!url || (!raw.includes('://') && !/^https?:$/.test(url.protocol))) {
    const shown = shownIfPlain(raw);
    if (!shown) throw new ConfigError(`not a valid API URL: ${raw.includes('://') ? unreadableReason(raw) : 'it has no https:// scheme'} (${NOT_SHOWN}; write https://host[:port])`);
    throw new ConfigError(`not a valid API URL: ${shown}${schemeHint(shown)}`);
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
function schemeHint(shown: string): string {
  const m = /^([\w.-]+|\[[0-9a-f:]+\])(:\d+)?(\/.*)?$/i.exec(shown);
  if (!m) return '';
  return `; add the scheme, e.g. ${LOOPBACK.test(m[1]!) ? 'http' : 'https'}://${shown}`;
}

/** Unreadable-URL text for a proxy variable: never any of its value. */
export const PROXY_NOT_SHOWN = NOT_SHOWN;
