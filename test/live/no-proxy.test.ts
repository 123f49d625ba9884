import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bypasses, parseNoProxy } from '../../src/live/no-proxy.js';
import { check } from '../properties/run.js';

// NO_PROXY as curl reads it (the requests themselves are tested over HTTP in proxy.test.ts):
// every way of writing a domain covers the domain and its subdomains, never a name that merely
// ends with the same letters; a trailing dot changes nothing; a port narrows an entry.

const SEED = 20_261_130;
// labels start and end with a letter (a name ending in a number reads as an IPv4 address)
const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
const written = fc.constantFrom((d: string) => d, (d: string) => `.${d}`, (d: string) => `*.${d}`, (d: string) => `${d}.`, (d: string) => `.${d}.`, (d: string) => d.toUpperCase());
const url = (host: string, port = '') => new URL(`https://${host}${port ? `:${port}` : ''}/`);

describe('NO_PROXY entries', () => {
  it('a domain, however written, covers itself and its subdomains (with or without a trailing dot), and nothing else', () =>
    check(
      fc.property(domain, written, label, fc.constantFrom('', '.'), (d, write, sub, dot) => {
        const entries = parseNoProxy(`other.test, ${write(d)}`);
        expect(bypasses(entries, url(`${d}${dot}`))).toBe(true);
        expect(bypasses(entries, url(`${sub}.${d}${dot}`))).toBe(true);
        expect(bypasses(entries, url(`${sub}${d}`))).toBe(false); // not a domain boundary
        expect(bypasses(entries, url(`${d}.${sub}x`))).toBe(false);
      }),
      { numRuns: 300, seed: SEED },
    ));

  it('host:port covers that port alone (443 when the URL has none)', () =>
    check(
      fc.property(domain, fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), (d, p, q) => {
        const entries = parseNoProxy(`${d}:${p}`);
        expect(bypasses(entries, url(d, String(p)))).toBe(true);
        expect(bypasses(entries, url(d, q === 443 ? '' : String(q)))).toBe(p === q);
      }),
      { numRuns: 200, seed: SEED },
    ));

  it.each([
    ['::1', '[::1]', true],
    ['0:0::1', '[::1]', true],
    ['[::1]', '[::1]', true],
    ['[::1]:443', '[::1]', true],
    ['[::1]:8443', '[::1]', false],
    ['::2', '[::1]', false],
    ['fe80::1', '[fe80::1]', true],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', 'localhost', false],
    ['.0.0.1', '127.0.0.1', false], // an address is not a domain
    ['*', 'anything.example', true],
    ['', 'localhost', false],
  ])('%j against https://%s: %s', (entry, host, expected) => {
    expect(bypasses(parseNoProxy(entry), url(host))).toBe(expected);
  });
});
