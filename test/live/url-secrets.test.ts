import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/commands/errors.js';
import { createClient } from '../../src/live/client.js';
import { ConfigError } from '../../src/live/errors.js';
import { ADMIN, caught } from '../helpers.js';
import { check } from '../properties/run.js';
import { testClient } from './helpers.js';
import { connectProxy, httpApi } from './servers.js';

// The user and password in a proxy URL (or an API URL) are never printed, whatever characters
// they hold (seen: a password with a space or a tab printed whole, because the masking stopped
// at whitespace). A proxy URL with a path is refused at start, naming its variable (seen:
// "invalid url" at the first request, naming nothing).

const SEED = 20_251_130;

describe('a malformed URL is shown without its user info', () => {
  const P = (name: string, why: string) => `error: ${name} is not a valid proxy URL: ${why} (its value is not shown: it may hold a password) (write http://[user:password@]host:port)`;
  const A = (why: string) => `error: not a valid API URL: ${why} (its value is not shown: it may hold a password; write https://host[:port])`;
  const PORT = 'the port is not a number from 1 to 65535 (a user:password needs @host:port after it)';
  const BLANK = 'it holds a space, tab or line break (in a password, write them %-encoded: %20, %09)';
  it.each([
    ['HTTPS_PROXY', 'http://build-bot:my pass word@proxy.internal:31 28', P('HTTPS_PROXY', BLANK)],
    ['HTTPS_PROXY', 'build-bot:s3cret\ttab@proxy internal:3128', P('HTTPS_PROXY', BLANK)],
    ['HTTP_PROXY', 'http://u:p@ssw@rd@[bad', P('HTTP_PROXY', 'what follows the last @ is not a host:port')],
    // seen: the whole value printed, password included (it reads as host `bot`, port `pw`)
    ['HTTPS_PROXY', 'http://bot:hunter2pw', P('HTTPS_PROXY', 'what follows the host is not a port number (a user:password needs @host:port after it)')],
    ['HTTPS_PROXY', 'bot:hunter2pw', P('HTTPS_PROXY', 'what follows the host is not a port number (a user:password needs @host:port after it)')],
    ['HTTPS_PROXY', 'http://bot:hunter2pw@', P('HTTPS_PROXY', 'no host after the user info')],
    ['HTTPS_PROXY', 'http:bot:hunter2pw@proxy:3128', 'error: HTTPS_PROXY: write the scheme with two slashes (write http://[user:password@]host:port)'],
    // a "port" that is no port may be a password of digits, the @host forgotten; a query may hold a token
    ['HTTPS_PROXY', 'http://proxy.internal:99999', P('HTTPS_PROXY', PORT)],
    ['HTTPS_PROXY', 'http://ci-bot:84736251093', P('HTTPS_PROXY', PORT)],
    ['--api-url', 'https://bot:hunter2 secret@api.example.com:99999', A(BLANK)],
    ['--api-url', 'bot:hunter2@api.example.com', A('it has no https:// scheme')],
    ['--api-url', 'https://bot:hunter2pw', A('what follows the host is not a port number (a user:password needs @host:port after it)')],
    ['--api-url', 'bot:hunter2pw', A('it has no https:// scheme')],
    ['--api-url', 'https://bot:hunter2pw@', A('no host after the user info')],
    ['--api-url', 'https://api.example.com:99999', A(PORT)],
    ['--api-url', 'https://deploy:27182818284', A(PORT)],
    ['--api-url', 'https://api.example.com:443000/v1?token=Zq9xW2mK7pL4', A(PORT)],
    ['--api-url', 'api.example.com:8443', 'error: not a valid API URL: api.example.com:8443; add the scheme, e.g. https://api.example.com:8443'],
    ['--api-url', 'https://bot/x:hunter2@api.example.com', 'error: the API URL must not hold a user name or password: set the key in CHARGEBACKSTOP_API_KEY'],
  ])('%s=%j', (name, raw, printed) => {
    const make = () => (name === '--api-url' ? createClient({ apiKey: ADMIN, baseUrl: raw, env: {} }) : createClient({ apiKey: ADMIN, env: { [name]: raw } }));
    expect(make).toThrow(ConfigError);
    expect(describeError(thrown(make))).toBe(printed);
  });
});

describe('a proxy URL with a path', () => {
  it.each(['http://build-bot:s3cret@proxy.internal:3128/x', 'proxy.internal:3128/squid?x=1', 'http://proxy.internal:3128/#top'])('%j: a ConfigError at start naming the variable, not the path', (raw) => {
    const make = () => createClient({ apiKey: ADMIN, env: { https_proxy: raw } });
    expect(make).toThrow(ConfigError);
    expect(describeError(thrown(make))).toBe('error: HTTPS_PROXY: a proxy URL has no path, query or fragment after host:port (write http://[user:password@]host:port)');
  });

  it('a path of / alone works', async () => {
    const api = await httpApi();
    const proxy = await connectProxy();
    try {
      const c = testClient(api.url, ADMIN, { env: { HTTP_PROXY: `${proxy.url}/` } });
      expect((await c.request('GET', '/v1/organisations')).data).toEqual({ items: [], count: 0 });
      expect(proxy.connects).toEqual([`127.0.0.1:${api.port}`]);
      await c.close();
    } finally {
      await proxy.close();
      await api.close();
    }
  });
});

describe('no user info is printed, whatever it holds', () => {
  const USER = 'BuildBotUser';
  const PASSWORD = 'Hunter2Canary';
  // a password of digits reads as a port (seen: `http://ci-bot:84736251093` printed whole)
  const DIGITS = '84736251093';
  // the characters that broke masking, and any other
  const piece = fc.string({
    unit: fc.oneof(fc.constantFrom(' ', '\t', '\n', '\r', '@', ':', '%', '/', '?', '#', '[', ']', '\\', '\u0000', '\u001b', '\u2028', 'é', '😀', '%40', '%2'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    maxLength: 5,
  });
  const secret = (core: string) => fc.tuple(piece, piece).map(([a, b]) => `${a}${core}${b}`);
  const password = fc.oneof(secret(PASSWORD), secret(DIGITS), fc.constant(DIGITS));
  const host = fc.constantFrom('127.0.0.1:1', 'proxy.internal:3128', 'proxy.internal:31 28', 'proxy internal:3128', '[bad', 'proxy.internal:99999', 'proxy.internal:3128/x', 'proxy.internal:3128/', 'api.example.com');
  const scheme = fc.constantFrom('http://', 'https://', '');
  const encoded = fc.boolean();
  const forms = (user: string, password: string) => [user, password, USER, PASSWORD, DIGITS, encodeURIComponent(password), Buffer.from(`${user}:${password}`).toString('base64')];
  const urlOf = (s: string, u: string, p: string, h: string, enc: boolean) => `${s}${enc ? encodeURIComponent(u) : u}:${enc ? encodeURIComponent(p) : p}@${h}`;

  it('a proxy URL: what creating the client says, its --debug line, and a request\'s failure', () =>
    check(
      fc.asyncProperty(scheme, secret(USER), password, host, encoded, fc.constantFrom('HTTPS_PROXY', 'http_proxy'), async (s, user, password, h, enc, name) => {
        const printed: string[] = [];
        try {
          const c = createClient({ apiKey: ADMIN, baseUrl: 'https://api.cbsync.test', env: { [name]: urlOf(s, user, password, h, enc) }, maxRpm: 0, retries: 0, debug: (l) => printed.push(l) });
          // a proxy that is down: the failure names it
          if (h === '127.0.0.1:1') printed.push(describeError(await caught(c.request('GET', '/v1/organisations'))));
          await c.close();
        } catch (e) {
          printed.push(describeError(e));
        }
        for (const text of printed) for (const form of forms(user, password)) expect(text).not.toContain(form);
      }),
      { numRuns: 300, seed: SEED },
    ));

  // the shapes a URL takes when its host is missing or misplaced (seen: `http://bot:pw` printed whole)
  const shape = fc.constantFrom(
    (s: string, u: string, p: string) => `${s}${u}:${p}`,
    (s: string, u: string, p: string) => `${s}${u}:${p}@`,
    (s: string, u: string, p: string) => `${s}${u}:${p}@:1`,
    (s: string, u: string, p: string) => `${s}${u}:${p}@proxy.internal:x`,
    (s: string, _u: string, p: string) => `${s}:${p}@127.0.0.1:1`,
    (_s: string, u: string, p: string) => `http:${u}:${p}@proxy.internal:3128`,
    (_s: string, u: string, p: string) => `https:${u}:${p}`,
    (s: string, u: string, p: string) => `${s}${u}:${p}/x`,
    (s: string, u: string, p: string) => `${s}${u}@${p}`,
  );
  const raw = fc.tuple(scheme, secret(USER), password, encoded, shape).map(([s, u, p, enc, f]) => ({
    value: f(s, enc ? encodeURIComponent(u) : u, enc ? encodeURIComponent(p) : p),
    user: u,
    password: p,
  }));

  it('malformed shapes: no error, --debug line or failure shows the user or password, for a proxy or the API', () =>
    check(
      fc.asyncProperty(raw, fc.constantFrom('HTTPS_PROXY', 'http_proxy', '--api-url'), async ({ value, user, password }, name) => {
        const printed: string[] = [];
        try {
          const env = name === '--api-url' ? {} : { [name]: value };
          const c = createClient({ apiKey: ADMIN, baseUrl: name === '--api-url' ? value : 'https://api.cbsync.test', env, maxRpm: 0, retries: 0, debug: (l) => printed.push(l) });
          if (name !== '--api-url' && value.endsWith('127.0.0.1:1')) printed.push(describeError(await caught(c.request('GET', '/v1/organisations'))));
          await c.close();
        } catch (e) {
          printed.push(describeError(e));
        }
        for (const text of printed) for (const form of forms(user, password)) expect(text).not.toContain(form);
      }),
      { numRuns: 400, seed: SEED },
    ));

  it('an API URL: what creating the client says', () =>
    check(
      fc.property(scheme, secret(USER), password, host, encoded, (s, user, password, h, enc) => {
        const text = describeError(thrown(() => createClient({ apiKey: ADMIN, baseUrl: urlOf(s, user, password, h, enc), env: {} })));
        for (const form of forms(user, password)) expect(text).not.toContain(form);
      }),
      { numRuns: 300, seed: SEED },
    ));
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected it to throw');
}
